"""Readiness: what blocks a move to DSQL (weighted by the workload), and where OCC conflicts will hit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from costmodel.report import figures as report_figures
from costmodel.report import sections
from costmodel.report.common import conflict_rate_text, fmt_share, section
from dashboard import figures, ui
from dashboard.state import UploadCache

PREFIX = "readiness"
LABEL = "Readiness"

FINDING_COLUMNS: tuple[dict[str, Any], ...] = ui.dash_columns(sections.FINDING_COLUMNS)
"""The readiness findings table's columns, named once in :mod:`costmodel.report.sections`."""
HOT_SPOT_COLUMNS: tuple[dict[str, Any], ...] = ui.dash_columns(sections.HOT_SPOT_COLUMNS)
"""The OCC hot spots table's columns, named once in :mod:`costmodel.report.sections`."""


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            html.Div(id=f"{PREFIX}-verdict", className="verdict-slot"),
            ui.explain(
                "Blockers must change before the workload runs on DSQL; warnings work but behave differently. "
                "Each finding is weighted by the share of calls, execution time and cost it touches, so a "
                "blocker in a nightly job weighs less than one in the hottest query. Findings are dated: "
                "DSQL gains features month by month."
            ),
            dcc.Graph(id=f"{PREFIX}-figure", config={"displaylogo": False}),
            ui.data_table(f"{PREFIX}-findings", FINDING_COLUMNS, sort_action="native", page_size=20),
            html.H3("Optimistic concurrency (OCC) hot spots"),
            html.Div(id=f"{PREFIX}-risk"),
            ui.explain(
                "DSQL does not lock rows: when two transactions write the same row at once, the later commit "
                "fails and must retry. The chance grows with the write rate, the time a transaction stays open "
                "(multi-region commits are slower) and how few rows the writes spread over. Retries are billed "
                "as extra DPU."
            ),
            dcc.Graph(id=f"{PREFIX}-hotspots-figure", config={"displaylogo": False}),
            ui.data_table(f"{PREFIX}-hotspots", HOT_SPOT_COLUMNS, sort_action="native", page_size=20),
        ]
    )


def finding_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One table row per readiness finding, blockers first (the columns of the report's findings table)."""
    table = sections.findings_table(report)
    return ui.dash_rows(table.rows, sections.FINDING_COLUMNS)


def hot_spot_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One table row per OCC hot spot (the columns of the report's hot spots table)."""
    table = sections.hot_spots_table(report)
    return ui.dash_rows(table.rows, sections.HOT_SPOT_COLUMNS)


def _verdict(report: Mapping[str, Any]) -> list[Any]:
    r = section(report, "readiness")
    if not r:
        return [html.H2("Readiness not assessed")]
    return [
        html.H2(f"DSQL readiness: {r.get('verdict') or '—'}", id=f"{PREFIX}-headline"),
        html.P(
            f"{r.get('summary') or ''} (DSQL as of {r.get('as_of') or '—'}, dsql-lint {r.get('dsql_lint_version') or '—'})"
        ),
    ]


def _risk(report: Mapping[str, Any]) -> list[Any]:
    c = section(report, "contention")
    return [
        html.P(
            [
                html.Strong(f"Conflict risk: {c.get('risk') or '—'}. "),
                f"About {conflict_rate_text(c)} of transactions would conflict at peak; "
                f"retries would add {fmt_share(c.get('extra_dpu_share'))} to DSQL's DPU. "
                f"Commit latency ~{c.get('commit_latency_ms', '—')} ms ({c.get('commit_latency_basis') or ''}).",
            ]
        )
    ]


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), None, go.Figure(), [], None, go.Figure(), []
    report = outcome.run.report
    return (
        None,
        html.Div(_verdict(report), className=ui.verdict_class(report), id=f"{PREFIX}-verdict-card"),
        report_figures.readiness_figure(report),
        finding_rows(report),
        _risk(report),
        figures.hot_spots_figure(report),
        hot_spot_rows(report),
    )


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-verdict", "children"),
        Output(f"{PREFIX}-figure", "figure"),
        Output(f"{PREFIX}-findings", "data"),
        Output(f"{PREFIX}-risk", "children"),
        Output(f"{PREFIX}-hotspots-figure", "figure"),
        Output(f"{PREFIX}-hotspots", "data"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
    )
    def _update(session: Any, scenario_data: Any) -> tuple[Any, ...]:
        return render(cache, session, scenario_data)
