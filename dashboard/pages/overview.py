"""Overview: the verdict, the monthly cost of every option, and what drives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from costmodel.core.timebase import format_duration
from costmodel.report import figures as report_figures
from costmodel.report.common import (
    cheapest_total,
    component_totals,
    fmt_share,
    fmt_usd,
    is_number,
    items,
    option_list,
    range_text,
    section,
    vs_cheapest,
    warning_lines,
)
from costmodel.report.summary import driver_line, first_screen, option_line
from dashboard import ui
from dashboard.decision_card import decision_card
from dashboard.state import DashboardRun, UploadCache

PREFIX = "overview"
LABEL = "Overview"
RANGES_POLL_MS = 1000
"""How often the page asks whether the ranges (computed off the request) are ready."""
RANGES_COMPUTING = (
    "Ranges over the defaults: computing … The totals above are this scenario's point estimates; each "
    "option's low–high range and whether the ranking holds across the defaults appear when done."
)


def ranges_line(run: DashboardRun) -> html.P | None:
    """The verdict's "ranges computing" line while the range worker owes this run its ranges
    (None once they are in the report: the report's own caveat sentence says whether the ranking holds)."""
    if not run.ranges_pending:
        return None
    text = RANGES_COMPUTING
    if run.ranges_error:
        text = f"Ranges over the defaults could not be computed: {run.ranges_error}"
    return html.P(text, id=f"{PREFIX}-ranges-status", className="warn ranges-pending")


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            html.Div(id=f"{PREFIX}-verdict", className="verdict-slot"),
            dcc.Interval(id=f"{PREFIX}-ranges-poll", interval=RANGES_POLL_MS, disabled=True),
            ui.explain(
                "The verdict weighs monthly cost, DSQL readiness and OCC conflict risk. "
                "It is an estimate from the observed workload and the assumptions listed below, not a quote."
            ),
            html.H3("Monthly cost per option"),
            html.Div(id=f"{PREFIX}-cards", className="cards"),
            dcc.Graph(id=f"{PREFIX}-cost-figure", config={"displaylogo": False}),
            ui.explain(
                "Each bar is one way to run this workload; its segments are the billed components "
                "(DPU kinds for DSQL, ACU-hours, I/O and storage for Serverless v2). Free tiers show below zero."
            ),
            html.H3("What drives it"),
            html.Ul(id=f"{PREFIX}-drivers"),
            dcc.Graph(id=f"{PREFIX}-top-figure", config={"displaylogo": False}),
            ui.explain(
                "The statements that cost most under the recommended option: tuning or removing these "
                "moves the bill most. Hover a bar for the (redacted) query text."
            ),
            html.Div(id=f"{PREFIX}-inputs", className="inputs"),
            html.Details([html.Summary("Warnings"), html.Ul(id=f"{PREFIX}-warnings")]),
        ]
    )


def _verdict(report: Mapping[str, Any]) -> list[Any]:
    """The report's first screen (:mod:`costmodel.report.summary`), as in every other format: the
    verdict, the options with their ranges, the warnings that change the decision, the cost drivers,
    readiness and OCC risk in one line each, then the verdict's reasons."""
    verdict = section(report, "verdict")
    summary = first_screen(report)
    drivers = [d for d in items(summary.get("drivers")) if isinstance(d, Mapping)]
    return [
        html.H2(str(summary.get("headline") or "—"), id=f"{PREFIX}-headline"),
        html.Ul(
            [
                html.Li(option_line(e), className="recommended" if e.get("recommended") else "")
                for e in items(summary.get("options"))
            ],
            id=f"{PREFIX}-first-options",
        ),
        html.Ul(
            [html.Li(f"⚠ {w}", className="warn") for w in items(summary.get("warnings"))],
            id=f"{PREFIX}-decision-warnings",
        ),
        html.P(
            [
                html.Strong(f"Cost drivers of {drivers[0].get('option')}: "),
                "; ".join(driver_line(d) for d in drivers),
            ]
        )
        if drivers
        else None,
        html.P(str(summary.get("readiness") or ""), id=f"{PREFIX}-readiness-line"),
        html.P(str(summary.get("occ") or ""), id=f"{PREFIX}-occ-line"),
        html.Ul([html.Li(str(r)) for r in items(verdict.get("reasons"))]),
        html.P([html.Strong("Latency: "), "; ".join(str(x) for x in items(verdict.get("latency")))]),
        decision_card(report, PREFIX),
    ]


def _cards(report: Mapping[str, Any], pending: bool = False) -> list[html.Div]:
    cheapest = cheapest_total(report)
    recommended = section(report, "verdict").get("recommended")
    cards = []
    for option in option_list(report):
        name = str(option.get("name"))
        total = option.get("total_monthly_usd")
        cards.append(
            ui.metric(
                str(option.get("title") or name),
                f"{fmt_usd(total, 2)}/month",
                f"{vs_cheapest(option, cheapest)}"
                + (f" · range {range_text(option)}" if option.get("total_monthly_usd_range") else "")
                + (" · range computing …" if pending else "")
                + (" · recommended" if name == recommended else ""),
                className="metric card" + (" recommended" if name == recommended else ""),
                **{"data-option": name, "data-total": str(total)},
            )
        )
    return cards


def _drivers(report: Mapping[str, Any]) -> list[html.Li]:
    """One line per option: its biggest billed component and its share of the option's total."""
    lines = []
    for option in option_list(report):
        totals = {k: v for k, v in component_totals(option).items() if v > 0}
        whole = sum(totals.values())
        if not totals or whole <= 0:
            continue
        top, value = max(totals.items(), key=lambda kv: kv[1])
        lines.append(
            html.Li(
                f"{option.get('title') or option.get('name')}: {top} is {fmt_share(value / whole)} of the bill "
                f"({fmt_usd(value, 2)}/month)"
            )
        )
    return lines


def _inputs(report: Mapping[str, Any]) -> list[Any]:
    inputs = section(report, "inputs")
    scenario = section(report, "scenario")
    window = section(report, "window")
    sources = items(inputs.get("sources"))
    label = str(report.get("title") or "").split(":")[0] or "the export"
    seconds = window.get("seconds")
    span = format_duration(float(seconds)) if is_number(seconds) else "unknown"
    return [
        html.P(
            f"{inputs.get('statements', '—')} statements from {label} ({len(sources)} file(s)); observed for "
            f"{span} (window from {window.get('source') or 'unknown source'}); scenario {scenario.get('name')} "
            f"({scenario.get('source')})."
        ),
        ui.explain(
            "The window is how long the counters ran: monthly figures scale the observed calls by "
            "(one month / window), then by the scenario's growth."
        ),
    ]


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        blank = go.Figure()
        return ui.error_box(outcome.error), None, [], blank, [], blank, None, []
    run = outcome.run
    pending = run.ranges_pending  # first: once False, the report read next carries the ranges
    report = run.report
    return (
        None,
        html.Div(
            [ranges_line(run) if pending else None, *_verdict(report)],
            className=ui.verdict_class(report),
            id=f"{PREFIX}-verdict-card",
        ),
        _cards(report, pending),
        report_figures.cost_by_option_figure(report),
        _drivers(report),
        report_figures.top_statements_figure(report),
        _inputs(report),
        [html.Li(line) for line in warning_lines(report)],
    )


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-verdict", "children"),
        Output(f"{PREFIX}-cards", "children"),
        Output(f"{PREFIX}-cost-figure", "figure"),
        Output(f"{PREFIX}-drivers", "children"),
        Output(f"{PREFIX}-top-figure", "figure"),
        Output(f"{PREFIX}-inputs", "children"),
        Output(f"{PREFIX}-warnings", "children"),
        Output(f"{PREFIX}-ranges-poll", "disabled"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
        Input(f"{PREFIX}-ranges-poll", "n_intervals"),
    )
    def _update(session: Any, scenario_data: Any, _ticks: Any) -> tuple[Any, ...]:
        # asked before rendering: a run whose ranges land meanwhile gets one more tick, never none
        run = ui.run_for(cache, session, scenario_data).run
        waiting = run is not None and run.ranges_pending and not run.ranges_error
        return (*render(cache, session, scenario_data), not waiting)
