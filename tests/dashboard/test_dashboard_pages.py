"""Page callbacks, the scenario panel, files and figure builders as plain functions (no browser).

The saas sample is loaded once per process (``tests/browser/support.saas_cache``); every page's
``render`` is called with the session and scenario stores exactly as Dash would pass them.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dash import no_update

from costmodel.report.common import option_list
from costmodel.scenario.model import load_scenario
from dashboard import controls, figures, files, ui
from dashboard.controls import ControlValues
from dashboard.pages import PAGES, breakeven, cost, overview, readiness, statements, timing
from dashboard.scenarios import from_store, to_store
from tests.browser.support import ROOT, data_url, saas_cache
from tests.dashboard.support import component_text as _text

HOSTILE = ROOT / "tests" / "data" / "report" / "hostile.json"


@pytest.fixture(scope="module")
def loaded() -> tuple[Any, dict[str, Any]]:
    cache, key = saas_cache()
    return cache, {"key": key, "label": "saas"}


def _store(name: str | None = None, **overrides: Any) -> dict[str, Any]:
    return to_store(load_scenario(name, overrides or None))


def _totals(cache: Any, session: dict[str, Any], store: dict[str, Any]) -> dict[str, float]:
    run = cache.run(session["key"], from_store(store))
    return {o["name"]: o["total_monthly_usd"] for o in run.report["options"]}


# ------------------------------------------------------------------ every page renders


@pytest.mark.parametrize("page", PAGES, ids=[p.PREFIX for p in PAGES])
def test_every_page_renders_without_error(loaded: tuple[Any, dict[str, Any]], page: Any) -> None:
    cache, session = loaded
    out = page.render(cache, session, _store())
    assert out[0] is None, _text(out[0])


@pytest.mark.parametrize("page", PAGES, ids=[p.PREFIX for p in PAGES])
def test_every_page_explains_missing_workload(page: Any) -> None:
    cache, _ = saas_cache()
    out = page.render(cache, None, _store())
    assert ui.NO_WORKLOAD in _text(out[0])


@pytest.mark.parametrize("page", PAGES, ids=[p.PREFIX for p in PAGES])
def test_every_page_shows_pricing_errors_as_one_line(loaded: tuple[Any, dict[str, Any]], page: Any) -> None:
    cache, session = loaded
    out = page.render(cache, session, _store(regions={"primary": "sa-east-1"}))
    message = _text(out[0])
    assert "no aurora_dsql prices for region 'sa-east-1'" in message
    assert "fix:" in message and "Traceback" not in message


def test_page_ids_carry_their_prefix() -> None:
    for page in PAGES:
        ids = _ids(page.layout())
        assert ids, page.PREFIX
        assert all(i.startswith(f"{page.PREFIX}-") for i in ids), (page.PREFIX, ids)


def _ids(component: Any) -> list[str]:
    found = []
    if getattr(component, "id", None):
        found.append(component.id)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += _ids(child)
    return found


def test_overview_shows_verdict_cards_and_drivers(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    store = _store()
    _error, verdict, cards, cost_fig, drivers, _top_fig, inputs, warnings = overview.render(
        cache, session, store
    )
    report = cache.run(session["key"], from_store(store)).report
    assert report["verdict"]["headline"] in _text(verdict)
    assert [c.to_plotly_json()["props"]["data-option"] for c in cards] == [
        o["name"] for o in option_list(report)
    ]
    assert len(drivers) == len(option_list(report))
    assert {t.name for t in cost_fig.data} >= {"WriteDPU"}
    assert "statements from" in _text(inputs)
    assert any("observation window" in _text(w) for w in warnings)


def test_cost_line_items_sum_to_option_totals(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    out = cost.render(cache, session, _store("multi-region-us"))
    rows = out[5]
    totals = _totals(cache, session, _store("multi-region-us"))
    assert "dsql-multi-region" in totals
    for name, total in totals.items():
        assert sum(r["monthly_usd"] for r in rows if r["option"] == name) == pytest.approx(total, abs=0.05)
    regions = {r["region"] for r in rows if r["option"] == "dsql-multi-region"}
    assert {"us-east-1", "us-east-2"} <= regions
    region_fig = out[3]
    assert {t.name for t in region_fig.data} >= {"us-east-1", "us-east-2", "us-west-2"}


def test_time_page_simulates_pauses_for_sporadic_load(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    error, heatmap, metrics, timeline, _notes = timing.render(cache, session, _store("dev-sporadic"))
    assert error is None
    z = np.asarray(heatmap.data[0].z, dtype=float)
    assert z.shape == (7, 24) and (z == 0).any() and z.max() > 1
    assert "paused" in {t.name for t in timeline.data}
    assert "resume" in {t.name for t in timeline.data}
    paused = next(m for m in metrics if getattr(m, "id", None) == "time-paused")
    value = paused.children[1].children
    assert value not in ("0", "—") and float(value.replace(",", "")) > 0


def test_break_even_lists_crossovers(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    error, fig, crossovers, notes = breakeven.render(cache, session, _store())
    assert error is None
    assert fig.layout.xaxis.type == "log"
    assert crossovers and notes
    report = cache.run(session["key"], from_store(_store())).report
    if report["break_even"]["crossovers"]:
        assert "at the crossing" in _text(crossovers)


def test_readiness_tables_follow_the_report(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    out = readiness.render(cache, session, _store())
    report = cache.run(session["key"], from_store(_store())).report
    assert len(out[3]) == len(report["readiness"]["findings"])
    assert len(out[6]) == len(report["contention"]["hot_spots"])
    assert "Conflict risk" in _text(out[4])
    if out[3]:
        assert out[3][0]["severity"] == "blocker" or all(r["severity"] != "blocker" for r in out[3])


# ------------------------------------------------------------------ the statements table


def test_statements_page_pages_sorts_and_filters(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    store = _store()
    error, count, rows, pages, tips = statements.render(
        cache, session, store, 0, 5, statements.DEFAULT_SORT, ""
    )
    total = len(cache.run(session["key"], from_store(store)).statement_rows)
    assert error is None and f"of {total} statements" in count
    assert len(rows) == min(5, total) and pages == -(-total // 5)
    usd = [r["dsql_monthly_usd"] for r in rows]
    assert usd == sorted(usd, reverse=True)
    assert len(tips) == len(rows) and tips[0]["query"]["value"] == rows[0]["query"]
    _, count, selects, _, _ = statements.render(
        cache, session, store, 0, 100, None, "{kind} icontains select"
    )
    assert selects and all(r["kind"] == "select" for r in selects)
    assert "match the filter" in count


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stmt_id": ["a", "b", "c", "d"],
            "kind": ["select", "update", "select", "insert"],
            "calls_month": [10.0, 2000.0, np.nan, 500.0],
            "query": ["SELECT 1", "UPDATE users SET x = $1", "SELECT * FROM users", "INSERT INTO t"],
        }
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{kind} s= select", ["a", "c"]),
        ("{kind} = SELECT", ["a", "c"]),
        ("{calls_month} > 100", ["b", "d"]),
        ("{calls_month} >= 500 && {kind} icontains upd", ["b"]),
        ('{query} icontains "users"', ["b", "c"]),
        ("{query} scontains USERS", []),
        ("{calls_month} is blank", ["c"]),
        ("{nonsense} = 1", ["a", "b", "c", "d"]),
        ("{calls_month} > notanumber", ["a", "b", "c", "d"]),
        ("__import__('os').system('x')", ["a", "b", "c", "d"]),
        ("", ["a", "b", "c", "d"]),
    ],
)
def test_filter_queries_are_parsed_not_evaluated(query: str, expected: list[str]) -> None:
    assert statements.apply_filter(_frame(), query)["stmt_id"].tolist() == expected


def test_sort_puts_missing_values_last_and_ignores_unknown_columns() -> None:
    frame = _frame()
    asc = statements.apply_sort(frame, [{"column_id": "calls_month", "direction": "asc"}])
    assert asc["stmt_id"].tolist() == ["a", "d", "b", "c"]
    same = statements.apply_sort(frame, [{"column_id": "secret", "direction": "asc"}])
    assert same["stmt_id"].tolist() == ["a", "b", "c", "d"]


def test_page_rows_are_json_ready() -> None:
    rows = statements.page_rows(_frame(), 0, 10)
    assert rows[2]["calls_month"] is None
    json.dumps(rows)


# ------------------------------------------------------------------ the scenario panel


def test_region_and_growth_changes_move_the_totals(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    store = _store()
    values = ControlValues.of(from_store(store))
    out = controls.on_change(
        "scenario-region",
        None,
        None,
        None,
        ControlValues(**{**values.__dict__, "region": "eu-west-1"}),
        store,
    )
    assert out["message"] is None and out["values"] is no_update
    moved = out["store"]
    assert moved["scenario"]["regions"]["primary"] == "eu-west-1"
    before, after = _totals(cache, session, store), _totals(cache, session, moved)
    assert before["dsql-single-region"] != after["dsql-single-region"]
    grown = controls.on_change(
        "scenario-growth", None, None, None, ControlValues(**{**values.__dict__, "growth": 1.0}), store
    )
    assert grown["store"]["scenario"]["growth"] == 10.0
    assert grown["growth_label"] == "load × 10"
    assert _totals(cache, session, grown["store"])["dsql-single-region"] > before["dsql-single-region"]


def test_invalid_controls_keep_the_scenario_and_say_why() -> None:
    store = _store()
    values = ControlValues.of(from_store(store))
    out = controls.on_change(
        "scenario-max-acu",
        None,
        None,
        None,
        ControlValues(**{**values.__dict__, "min_acu": 8, "max_acu": 2}),
        store,
    )
    assert out["store"] is no_update
    assert "max_acu 2 is below min_acu 8" in _text(out["message"])


def test_preset_replaces_the_scenario_and_moves_the_controls() -> None:
    out = controls.on_change("scenario-preset", "multi-region-us", None, None, ControlValues(), _store())
    assert out["store"]["scenario"]["name"] == "multi-region-us"
    shown = out["values"]
    assert shown.peers == ["us-east-2"] and shown.witness == "us-west-2" and shown.min_acu == 0.5
    assert out["pause_disabled"] is True


def test_scenario_yaml_upload_is_validated_in_the_page() -> None:
    good = data_url(b"name: mine\ngrowth: 4\n", "text/yaml")
    out = controls.on_change("scenario-upload", None, good, "mine.yaml", ControlValues(), _store())
    assert out["store"]["scenario"]["growth"] == 4 and out["upload"] is None and out["preset"] is None
    bad = data_url(b"growth: 4\nregions:\n  primary: nowhere\n", "text/yaml")
    out = controls.on_change("scenario-upload", None, bad, "bad.yaml", ControlValues(), _store())
    assert out["store"] is no_update
    assert _text(out["message"]).startswith("bad.yaml:3: scenario key 'regions.primary'")


# ------------------------------------------------------------------ files


def test_csv_download_is_a_zip_of_the_report_tables(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    sent, message = files.download(cache, "files-csv", session, _store())
    assert message is None and sent["filename"].endswith("-csv.zip")
    import base64

    with zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"]))) as zf:
        names = set(zf.namelist())
        assert "options.csv" in names and "statements.csv" in names
        header = zf.read("options.csv").decode("utf-8-sig").splitlines()[0]
        assert "monthly_usd" in header


def test_yaml_download_loads_back(loaded: tuple[Any, dict[str, Any]], tmp_path: Path) -> None:
    cache, session = loaded
    store = _store("business-hours", growth=3)
    sent, _ = files.download(cache, "files-yaml", session, store)
    assert sent["filename"] == "business-hours.yaml"
    path = tmp_path / sent["filename"]
    path.write_text(sent["content"], encoding="utf-8")
    again = load_scenario(str(path))
    assert again.growth == 3 and again.time_profile.kind == "business-hours"


def test_html_download_is_the_report(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    sent, _ = files.download(cache, "files-html", session, _store())
    assert sent["filename"].endswith(".html")
    assert sent["content"].lstrip().lower().startswith("<!doctype html")


def test_download_without_workload_explains(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, _ = loaded
    sent, message = files.download(cache, "files-csv", None, _store())
    assert sent is no_update and ui.NO_WORKLOAD in _text(message)


def test_upload_callback_returns_session_or_error(tmp_path: Path) -> None:
    from dashboard.state import UploadCache
    from tests.browser.support import export_csv

    cache = UploadCache()
    try:
        session, message, reset = files.on_upload(
            cache, data_url(export_csv(12), "text/csv"), "mine.csv", "2h"
        )
        assert session["statements"] == 12 and session["label"] == "mine.csv" and reset is no_update
        assert "Loaded mine.csv" in _text(message)
        assert "mine.csv: 12 statements" in files.current_text(session)
        session, message, _ = files.on_upload(
            cache, data_url(b"just,junk\n1,2\n", "text/csv"), "junk.csv", "1h"
        )
        assert session is no_update
        assert _text(message).startswith("junk.csv") and "fix:" in _text(message)
    finally:
        cache.close()


# ------------------------------------------------------------------ figures


def test_cost_by_region_sums_each_option_and_escapes_names() -> None:
    report = json.loads(HOSTILE.read_text(encoding="utf-8"))
    fig = figures.cost_by_region_figure(report)
    payload = fig.to_json()
    assert "<img" not in payload
    for i, option in enumerate(option_list(report)):
        stacked = sum((t.y[i] or 0.0) for t in fig.data)
        assert stacked == pytest.approx(sum(li["monthly_usd"] for li in option["line_items"]))


def test_hot_spots_figure_escapes_and_handles_none() -> None:
    report = json.loads(HOSTILE.read_text(encoding="utf-8"))
    fig = figures.hot_spots_figure(report)
    assert fig.data[0].x[0] == pytest.approx(93.0)
    empty = figures.hot_spots_figure({"contention": {"hot_spots": []}})
    assert "No hot spots" in empty.layout.annotations[0].text


def test_week_figures_from_a_business_hours_run(loaded: tuple[Any, dict[str, Any]]) -> None:
    cache, session = loaded
    run = cache.run(session["key"], load_scenario("business-hours"))
    heat = figures.hour_of_week_figure(run.profile)
    z = np.asarray(heat.data[0].z, dtype=float)
    assert z[5:].sum() == 0  # Saturday and Sunday idle
    assert z[:5].max() > 1
    timeline = figures.capacity_timeline_figure(run.capacity)
    acu = next(t for t in timeline.data if t.name == "billed ACU")
    assert len(acu.x) == 10_080 // figures.TIMELINE_BUCKET_MINUTES
    assert max(acu.y) == pytest.approx(float(run.capacity.acu.max()))
