"""Dashboard rough edges a newcomer hit (issue 17), each checked on the callbacks and figure builders
with the saas sample (the browser suite drives the same fixes in Chromium)."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from dash import no_update

from costmodel.report.common import option_list
from costmodel.report.figures import (
    COMPONENT_COLORS,
    COMPONENT_ORDER,
    cost_by_option_figure,
    readiness_figure,
    statement_labels,
    top_statements_figure,
)
from costmodel.scenario.model import load_scenario
from dashboard import controls, files, ui
from dashboard.pages import overview, readiness
from dashboard.scenarios import from_store, to_store
from tests.browser.support import data_url, export_csv, saas_cache
from tests.dashboard.support import component_text as _text


@pytest.fixture(scope="module")
def loaded() -> tuple[Any, dict[str, Any]]:
    cache, key = saas_cache()
    return cache, {"key": key, "label": "saas"}


def _store(name: str | None = None, **overrides: Any) -> dict[str, Any]:
    return to_store(load_scenario(name, overrides or None))


def _report(loaded: tuple[Any, dict[str, Any]], store: dict[str, Any] | None = None) -> dict[str, Any]:
    cache, session = loaded
    report: dict[str, Any] = cache.run(session["key"], from_store(store or _store())).report
    return report


def test_typing_a_window_after_the_error_reads_the_same_file_again() -> None:
    from dashboard.state import UploadCache

    cache = UploadCache()
    try:
        contents = data_url(export_csv(12), "text/csv")
        session, message, kept = files.on_upload(cache, contents, "mine.csv", "", "files-upload")
        assert session is no_update and "observation window" in _text(message)
        assert kept is no_update  # the file stays in the upload box: no need to choose it again
        assert "the file is read again" in _text(message)
        session, message, _ = files.on_upload(cache, contents, "mine.csv", "2h", "files-window")
        assert session["statements"] == 12 and "with window 2h" in _text(message)
        # a window typed before any upload does nothing
        assert files.on_upload(cache, None, None, "2h", "files-window") == (no_update, no_update, no_update)
    finally:
        cache.close()


@pytest.mark.parametrize(
    "state, css",
    [
        ("ready", "verdict ready"),
        ("changes needed", "verdict changes-needed"),
        ("blocked", "verdict blocked"),
    ],
)
def test_verdict_card_colour_follows_readiness(
    loaded: tuple[Any, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, state: str, css: str
) -> None:
    report = copy.deepcopy(_report(loaded))
    report["readiness"]["verdict"] = state
    assert ui.verdict_class(report) == css
    cache, session = loaded
    real = _report(loaded)
    for page in (overview, readiness):
        card = page.render(cache, session, _store())[1]
        assert card.className == ui.verdict_class(real) == "verdict changes-needed"
    assert ui.verdict_class({}) == "verdict unknown"


def test_readiness_chart_marks_schema_only_findings(loaded: tuple[Any, dict[str, Any]]) -> None:
    report = _report(loaded)
    findings = report["readiness"]["findings"]
    schema_only = [
        f
        for f in findings
        if not any((f.get(k) or 0) > 0 for k in ("share_calls", "share_exec_time", "share_cost"))
    ]
    assert schema_only, "the saas sample's findings are all in the schema"
    fig = readiness_figure(report)
    marks = [t for t in fig.data if t.name == "schema only (no workload share)"]
    assert len(marks) == 1 and len(marks[0].y) == len(schema_only)
    for finding, text in zip(schema_only, marks[0].text, strict=True):
        assert text == f"schema only: {len(finding.get('schema') or [])} statement(s)"


def test_witness_dropdown_names_the_witness_the_pricing_used(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, _ = loaded
    store = _store(regions={"dsql_peers": ["us-east-2"]})
    shown = controls.witness_placeholder(store, cache.catalog)
    report = _report(loaded, store)
    multi = next(o for o in option_list(report) if o["name"] == "dsql-multi-region")
    assert shown == f"{multi['details']['witness']} (assumed: none chosen)"
    chosen = _store(regions={"dsql_peers": ["us-east-2"], "dsql_witness": "us-west-2"})
    assert controls.witness_placeholder(chosen, cache.catalog) == "us-west-2"
    assert controls.witness_placeholder(_store(), cache.catalog).startswith("none")


def test_component_colours_do_not_move_when_an_option_is_added(loaded: tuple[Any, dict[str, Any]]) -> None:
    single = _report(loaded)
    multi = _report(loaded, _store(regions={"dsql_peers": ["us-east-2"]}))
    assert len(option_list(multi)) > len(option_list(single))

    def colours(report: dict[str, Any]) -> dict[str, str]:
        return {t.name: t.marker.color for t in cost_by_option_figure(report).data}

    before, after = colours(single), colours(multi)
    assert set(after) > set(before)
    assert {k: after[k] for k in before} == before
    assert len(set(after.values())) == len(after)  # no two components share a colour
    assert len(COMPONENT_ORDER) <= len(COMPONENT_COLORS)
    names = list(cost_by_option_figure(multi).data[0].x)
    assert names[:2] == ["dsql-single-region", "dsql-multi-region"]  # registry order, not arrival order


def test_top_statement_bars_are_labelled_with_query_text_and_id_on_hover(
    loaded: tuple[Any, dict[str, Any]],
) -> None:
    report = _report(loaded)
    fig = top_statements_figure(report)
    option = next(o for o in option_list(report) if o["name"] == report["verdict"]["recommended"])
    top = option["top_statements"][: len(fig.data[0].y)]
    for shown, hover, row in zip(fig.data[0].y, fig.data[0].hovertext, top, strict=True):
        assert shown.split(" [")[0].rstrip("…") in " ".join(row["query"].split())
        assert hover.startswith(row["stmt_id"])
    same = [{"stmt_id": "q1", "query": "SELECT 1"}, {"stmt_id": "q22", "query": "SELECT 1"}]
    assert statement_labels(same) == ["SELECT 1 [q1]", "SELECT 1 [q22]"]  # never merged into one bar


def test_volume_control_offers_both_readings_with_help(loaded: tuple[Any, dict[str, Any]]) -> None:
    assert (
        "Spread the monthly volume" in controls.VOLUME_HELP
        and "Burst at the observed rate" in controls.VOLUME_HELP
    )
    spread = _store("dev-sporadic")
    values = controls.ControlValues.of(from_store(spread))
    assert values.volume == "spread"
    burst = controls.on_change(
        "scenario-volume",
        None,
        None,
        None,
        controls.ControlValues(**{**values.__dict__, "volume": "observed-rate"}),
        spread,
    )["store"]
    assert from_store(burst).time_profile.volume == "observed-rate"
    a, b = _report(loaded, spread), _report(loaded, burst)
    total = {o["name"]: o["total_monthly_usd"] for o in option_list(a)}
    lower = {o["name"]: o["total_monthly_usd"] for o in option_list(b)}
    assert lower["dsql-single-region"] < total["dsql-single-region"] / 10
    share = next(w for w in b["warnings"] if w.startswith("time_profile.volume observed-rate"))
    assert "of an always-on month's calls" in share


def test_the_page_upload_retries_with_a_typed_window_on_the_worker_thread() -> None:
    """The page loads uploads on a worker thread (start_upload/poll_upload): the window retry keeps
    the same rules as on_upload — typing a window re-reads the kept file, an empty one does nothing."""
    from dashboard.state import UploadCache

    cache = UploadCache()
    try:
        contents = data_url(export_csv(12), "text/csv")
        _job, _message, kept, _poll = files.start_upload(cache, contents, "mine.csv", "", "files-upload")
        assert kept is no_update  # the contents stay for a retry
        assert files.start_upload(cache, contents, "mine.csv", "  ", "files-window") == (no_update,) * 4
        job, message, _kept, polling = files.start_upload(cache, contents, "mine.csv", "2h", "files-window")
        assert polling is False and "with window 2h" in _text(message)
        deadline = time.monotonic() + 120
        session: Any = no_update
        while session is no_update and time.monotonic() < deadline:
            session, _msg, _done = files.poll_upload(cache, job)
            time.sleep(0.05)
        assert session["statements"] == 12
    finally:
        cache.close()
