"""Time: when the load happens (hour-of-week heat map) and what Serverless v2 does over a week."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from costmodel.core.errors import CostModelError
from costmodel.pricing.serverless_v2_capacity import resume_delay_text
from costmodel.report.common import fmt_qty
from dashboard import figures, ui
from dashboard.state import DashboardRun, UploadCache

PREFIX = "time"
LABEL = "Time"


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            dcc.Graph(id=f"{PREFIX}-heatmap", config={"displaylogo": False}),
            ui.explain(
                "How the scenario's time profile spreads the monthly load over the week (UTC). 1 is the average "
                "hour; white hours carry no load at all, which is what lets Serverless v2 pause."
            ),
            html.Div(id=f"{PREFIX}-metrics", className="cards"),
            dcc.Graph(id=f"{PREFIX}-capacity", config={"displaylogo": False}),
            ui.explain(
                "The Serverless v2 writer minute by minute over one simulated week: the blue line is the capacity "
                "billed (rounded up to 0.5-ACU steps, between min and max ACU), the dotted line the CPU demand, "
                "grey bands the paused stretches and red markers the resumes. DSQL has no capacity to manage: it "
                "bills work done, and storage only while idle."
            ),
            html.Ul(id=f"{PREFIX}-notes"),
        ]
    )


def _metrics(run: DashboardRun) -> list[html.Div]:
    s = run.capacity.summary()
    return [
        ui.metric(
            "ACU-hours / month",
            fmt_qty(s["acu_hours"]),
            "Capacity billed per month (writer and readers).",
            id=f"{PREFIX}-acu-hours",
        ),
        ui.metric(
            "paused hours / month",
            fmt_qty(s["paused_hours"]),
            "Hours billed at 0 ACU because nothing ran for the auto-pause delay.",
            id=f"{PREFIX}-paused",
        ),
        ui.metric(
            "resumes / month",
            fmt_qty(s["resumes"]),
            "Wake-ups after a pause; the first request waits for each one.",
            id=f"{PREFIX}-resumes",
        ),
        ui.metric(
            "resume delay",
            resume_delay_text(s) if s["resumes"] else "—",
            "How long that first request waits (longer after a pause of more than a day).",
        ),
        ui.metric("peak ACU", fmt_qty(s["peak_acu"]), "Highest capacity the writer reaches in the week."),
        ui.metric(
            "capped minutes / month",
            fmt_qty(s["capped_minutes"]),
            "Minutes where demand exceeds max ACU: the workload would be throttled there. Raise max ACU if not 0.",
        ),
    ]


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), go.Figure(), [], go.Figure(), []
    run = outcome.run
    try:
        capacity = run.capacity
        profile = run.profile
    except CostModelError as exc:
        return ui.error_box(str(exc)), go.Figure(), [], go.Figure(), []
    notes = [*profile.notes, *capacity.warnings]
    return (
        None,
        figures.hour_of_week_figure(profile),
        _metrics(run),
        figures.capacity_timeline_figure(capacity),
        [html.Li(n) for n in notes],
    )


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-heatmap", "figure"),
        Output(f"{PREFIX}-metrics", "children"),
        Output(f"{PREFIX}-capacity", "figure"),
        Output(f"{PREFIX}-notes", "children"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
    )
    def _update(session: Any, scenario_data: Any) -> tuple[Any, ...]:
        return render(cache, session, scenario_data)
