"""Cost: stacked bars by component and by region, the line items, and the figures behind the bill."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from costmodel.report import figures as report_figures
from costmodel.report import tables
from costmodel.report.common import fmt_qty, fmt_usd, is_number, option_list
from costmodel.report.sections import Cell, Column
from dashboard import figures, ui
from dashboard.state import UploadCache

PREFIX = "cost"
LABEL = "Cost"

OPTION_COLUMN = Column("option", "Option", Cell.TEXT)
LINE_ITEM_COLUMNS: tuple[dict[str, Any], ...] = ui.dash_columns((OPTION_COLUMN, *tables.LINE_ITEM_COLUMNS))
"""The line items table: the option, then the report's line-item columns (:mod:`costmodel.report.tables`)."""
DETAIL_FIGURES: tuple[tuple[str, str, str], ...] = (
    (
        "dpu_month_total",
        "DPU per month",
        "Distributed Processing Units DSQL bills: reads, writes, compute, retries.",
    ),
    ("storage_gb", "stored GB", "Data stored, billed per GB-month (per region for DSQL peers)."),
    ("acu_hours", "ACU-hours per month", "Serverless v2 capacity actually run, from the simulated week."),
    ("paused_hours", "paused hours per month", "Hours the Serverless v2 writer is paused (billed 0 ACU)."),
    ("resumes", "resumes per month", "Times a paused instance wakes up; each first request waits for it."),
    (
        "io_share",
        "I/O share of the bill",
        "Share of the Standard bill that is I/O; above ~25% I/O-Optimized usually wins.",
    ),
)


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            html.Div(id=f"{PREFIX}-totals", className="cards"),
            ui.explain(
                "Totals per option for the scenario on the left; change regions, growth or Serverless v2 "
                "settings there and every figure here is recomputed."
            ),
            html.Div(
                [
                    html.Div(
                        dcc.Graph(id=f"{PREFIX}-component-figure", config={"displaylogo": False}),
                        className="half",
                    ),
                    html.Div(
                        dcc.Graph(id=f"{PREFIX}-region-figure", config={"displaylogo": False}),
                        className="half",
                    ),
                ],
                className="row",
            ),
            ui.explain(
                "Left: what each option bills for. Right: where it is billed — DSQL multi-region bills every "
                "peer (and storage in the witness), a Global Database bills each secondary region."
            ),
            html.H3("Figures behind the bill"),
            html.Div(id=f"{PREFIX}-details"),
            html.H3("Line items"),
            ui.explain(
                "Every billed quantity with its unit price and where the price comes from; totals are sums of "
                "these rows. Sort or filter by clicking the headers."
            ),
            ui.data_table(
                f"{PREFIX}-line-items",
                LINE_ITEM_COLUMNS,
                sort_action="native",
                filter_action="native",
                page_size=50,
                style_cell_conditional=[
                    {"if": {"column_id": "option"}, "whiteSpace": "nowrap"},
                    {"if": {"column_id": "note"}, "minWidth": "220px"},
                ],
            ),
        ]
    )


def line_item_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One table row per line item of every option."""
    columns = (OPTION_COLUMN, *tables.LINE_ITEM_COLUMNS)
    return [
        row
        for option in option_list(report)
        for row in ui.dash_rows(
            [{"option": option.get("name"), **r} for r in tables.line_items_table(option).rows], columns
        )
    ]


def _totals(report: Mapping[str, Any]) -> list[html.Div]:
    return [
        ui.metric(
            str(o.get("name")),
            f"{fmt_usd(o.get('total_monthly_usd'), 2)}/month",
            str(o.get("title") or ""),
            className="metric card",
            **{"data-option": str(o.get("name")), "data-total": str(o.get("total_monthly_usd"))},
        )
        for o in option_list(report)
    ]


def _details(report: Mapping[str, Any]) -> html.Table:
    """Key billing figures per option (only those an option has)."""
    options = option_list(report)
    head = html.Tr([html.Th("figure"), *[html.Th(str(o.get("name"))) for o in options], html.Th("meaning")])
    rows = []
    for key, title, meaning in DETAIL_FIGURES:
        values = [(o.get("details") or {}).get(key) for o in options]
        if not any(is_number(v) for v in values):
            continue
        cells = [
            html.Td(
                f"{float(v) * 100:.1f}%" if key == "io_share" and is_number(v) else fmt_qty(v),
                className="num",
            )
            for v in values
        ]
        rows.append(html.Tr([html.Td(title), *cells, html.Td(meaning, className="explain")]))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="details")


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), [], go.Figure(), go.Figure(), None, []
    report = outcome.run.report
    return (
        None,
        _totals(report),
        report_figures.cost_by_option_figure(report),
        figures.cost_by_region_figure(report),
        _details(report),
        line_item_rows(report),
    )


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-totals", "children"),
        Output(f"{PREFIX}-component-figure", "figure"),
        Output(f"{PREFIX}-region-figure", "figure"),
        Output(f"{PREFIX}-details", "children"),
        Output(f"{PREFIX}-line-items", "data"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
    )
    def _update(session: Any, scenario_data: Any) -> tuple[Any, ...]:
        return render(cache, session, scenario_data)
