"""The scenario as the browser keeps it, and the what-if controls that change it.

The browser's ``dcc.Store`` holds the scenario as plain JSON (:func:`to_store`): every key in the
YAML layout, plus where it came from. Turning it back into a :class:`Scenario`
(:func:`from_store`) goes through :func:`costmodel.scenario.model.load_scenario`, so whatever the browser
sends is validated with the same :class:`ScenarioError` messages as a scenario file — the store is
input, not trusted state. A control change (:func:`apply_controls`) lays the control values over
the current scenario the same way, so a region without a price or a min ACU above the max ACU is
refused with the CLI's message.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from costmodel.core.errors import CostModelError, ScenarioError
from costmodel.scenario.model import Scenario, load_scenario, scenario_to_dict
from dashboard.uploads import MIB, decode_upload, safe_filename

MAX_SCENARIO_BYTES = 1 * MIB
"""Largest scenario YAML accepted as an upload."""
CONTROLS_LABEL = "dashboard controls"


@dataclass(frozen=True)
class Controls:
    """The what-if controls of the scenario panel, one field per control."""

    primary: str
    peers: tuple[str, ...] = ()
    witness: str | None = None
    secondaries: tuple[str, ...] = ()
    growth: float = 1.0
    time_profile: str = "always-on"
    volume: str = "spread"
    min_acu: float = 0.0
    max_acu: float = 16.0
    auto_pause_seconds: int | None = 300
    io_mode: str = "cheaper"
    free_tier: bool = True
    readers: int = 1
    savings_plan: bool = False
    active_active: str = "unknown"
    rpo: str | None = None
    """A duration as typed (``0``, ``30s``, ``5m``); None = not stated."""
    rto: str | None = None
    residency: tuple[str, ...] = ()
    max_commit_latency_ms: float | None = None


def to_store(scenario: Scenario) -> dict[str, Any]:
    """The scenario as JSON-ready data for the browser's store."""
    return {
        "scenario": scenario_to_dict(scenario),
        "source": scenario.source,
        "assumption_sources": dict(scenario.assumption_sources),
    }


def from_store(data: Any) -> Scenario:
    """The validated scenario a store holds (raises :class:`ScenarioError` on anything invalid)."""
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), dict):
        raise ScenarioError("the page sent no scenario", hint="reload the page or choose a preset")
    scenario = load_scenario(None, data["scenario"])
    sources = data.get("assumption_sources")
    return replace(
        scenario,
        source=str(data.get("source") or scenario.source),
        assumption_sources=(
            {str(k): str(v) for k, v in sources.items() if k in scenario.assumptions}
            if isinstance(sources, dict)
            else scenario.assumption_sources
        ),
    )


def fingerprint(scenario: Scenario) -> str:
    """A stable hash of everything a run depends on (cache key of a scenario run)."""
    text = json.dumps(
        [scenario_to_dict(scenario), scenario.source, sorted(scenario.assumption_sources.items())],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def controls_of(scenario: Scenario) -> Controls:
    """The control values showing ``scenario``."""
    r, sv2, req = scenario.regions, scenario.serverless_v2, scenario.requirements
    return Controls(
        primary=r.primary,
        peers=tuple(r.dsql_peers),
        witness=r.dsql_witness,
        secondaries=tuple(r.global_secondaries),
        growth=float(scenario.growth),
        time_profile=scenario.time_profile.kind,
        volume=scenario.time_profile.volume,
        min_acu=float(sv2.min_acu),
        max_acu=float(sv2.max_acu),
        auto_pause_seconds=sv2.auto_pause_seconds,
        io_mode=sv2.io_mode,
        free_tier=bool(scenario.dsql.free_tier),
        readers=int(sv2.readers),
        savings_plan=bool(scenario.savings_plan.enabled),
        active_active=req.active_active,
        rpo=None if req.rpo_seconds is None else f"{req.rpo_seconds:g}s",
        rto=None if req.rto_seconds is None else f"{req.rto_seconds:g}s",
        residency=tuple(req.residency),
        max_commit_latency_ms=req.max_commit_latency_ms,
    )


def apply_controls(scenario: Scenario, controls: Controls) -> Scenario:
    """``scenario`` with the control values laid over it, validated like a scenario file.

    Two rules keep control changes from tripping over keys the user did not touch: the traffic
    split is dropped when it names a region that is no longer an active peer, and auto-pause is
    switched off while min ACU is above 0 (AWS only pauses at 0 ACU).
    """
    data = scenario_to_dict(scenario)
    peers = [p for p in controls.peers if p and p != controls.primary]
    regions = data["regions"]
    regions.update(
        primary=controls.primary,
        dsql_peers=peers,
        dsql_witness=controls.witness or None,
        global_secondaries=[s for s in controls.secondaries if s and s != controls.primary],
    )
    if set(regions.get("traffic_split") or {}) - {controls.primary, *peers}:
        regions["traffic_split"] = {}
    data["growth"] = controls.growth
    profile = data["time_profile"]
    if controls.time_profile != profile["kind"]:
        profile["kind"] = controls.time_profile
        if controls.time_profile != "custom":
            profile["hour_weights"] = []
    profile["volume"] = controls.volume
    sv2 = data["serverless_v2"]
    sv2.update(
        min_acu=controls.min_acu,
        max_acu=controls.max_acu,
        auto_pause_seconds=controls.auto_pause_seconds if controls.min_acu == 0 else None,
        io_mode=controls.io_mode,
        readers=max(0, min(15, int(controls.readers))),
    )
    data["dsql"]["free_tier"] = bool(controls.free_tier)
    data["savings_plan"]["enabled"] = bool(controls.savings_plan)
    data["requirements"] = {
        "active_active": controls.active_active,
        "rpo_seconds": controls.rpo or None,
        "rto_seconds": controls.rto or None,
        "residency": list(controls.residency),
        "max_commit_latency_ms": controls.max_commit_latency_ms,
    }
    updated = load_scenario(None, data)
    source = (
        scenario.source
        if scenario.source.endswith(CONTROLS_LABEL)
        else f"{scenario.source} + {CONTROLS_LABEL}"
    )
    return replace(updated, source=source, assumption_sources=dict(scenario.assumption_sources))


def growth_from_slider(value: Any) -> float:
    """The growth slider is log10(growth): −1 … 2 → 0.1× … 100×."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 1.0
    if not math.isfinite(number):
        return 1.0
    return round(10**number, 4)


def slider_from_growth(growth: float) -> float:
    """The slider position showing ``growth``."""
    return round(math.log10(max(float(growth), 1e-6)), 3)


def load_uploaded_scenario(contents: str, filename: str) -> Scenario:
    """A scenario YAML uploaded in the page, validated by :func:`load_scenario` (errors name the file)."""
    name = safe_filename(filename, "scenario.yaml")
    try:
        data = decode_upload(contents, name, limit=MAX_SCENARIO_BYTES)
    except CostModelError as exc:
        raise ScenarioError(exc.message, file=name, hint=exc.hint) from None
    with tempfile.TemporaryDirectory(prefix="dsqlcost-scenario-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            scenario = load_scenario(str(path))
        except ScenarioError as exc:
            exc.file = name if exc.file == str(path) else exc.file
            exc.message = exc.message.replace(str(path), name)
            exc.hint = exc.hint.replace(str(path), name) if exc.hint else exc.hint
            raise
    return replace(scenario, source=scenario.source.replace(f"file {path}", f"uploaded file {name}"))
