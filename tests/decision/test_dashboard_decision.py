"""The overview's decision card and the requirement controls, called as plain functions (no browser)."""

from __future__ import annotations

from typing import Any

from dash import no_update

from costmodel.scenario.model import load_scenario
from dashboard import controls
from dashboard.controls import ControlValues
from dashboard.pages import overview
from dashboard.scenarios import from_store, to_store
from tests.browser.support import saas_cache
from tests.dashboard.support import component_text as _text


def _controls(store: dict[str, Any], **changes: Any) -> dict[str, Any]:
    values = ControlValues.of(from_store(store))
    out = controls.on_change(
        "scenario-active-active", None, None, None, ControlValues(**{**values.__dict__, **changes}), store
    )
    return out


def test_requirement_controls_reach_the_scenario_and_the_card() -> None:
    store = to_store(load_scenario(None, {"regions": {"primary": "eu-west-1"}}))
    out = _controls(store, active_active="no", rpo="0", residency=["eu"], max_latency=50)
    assert out["message"] is None, _text(out["message"])
    scenario = from_store(out["store"])
    req = scenario.requirements
    assert (req.active_active, req.rpo_seconds, req.residency, req.max_commit_latency_ms) == (
        "no",
        0.0,
        ("eu",),
        50.0,
    )

    cache, key = saas_cache()
    outputs = overview.render(cache, {"key": key, "label": "saas"}, out["store"])
    verdict = _text(outputs[1])
    assert "Decision" in verdict and "Aurora DSQL" in verdict  # RPO 0 without active-active → DSQL
    assert "eu-west-1 (eu)" in verdict and "residency: eu" in verdict


def test_a_residency_control_refusing_the_primary_keeps_the_scenario() -> None:
    store = to_store(load_scenario(None))  # primary us-east-1
    out = _controls(store, residency=["eea"])
    assert out["store"] is no_update
    assert "outside zone eea" in _text(out["message"]) or "residency" in _text(out["message"])
