"""Break-even: monthly cost of each option as the load grows, with the crossover points."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from costmodel.report import figures as report_figures
from costmodel.report.common import crossover_lines, items, section
from dashboard import ui
from dashboard.state import UploadCache

PREFIX = "breakeven"
LABEL = "Break-even"


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            dcc.Graph(id=f"{PREFIX}-figure", config={"displaylogo": False}),
            ui.explain(
                "Each line is one option's monthly cost if the load were a multiple of the scenario's (1× = the "
                "scenario as set, growth included; both axes are logarithmic). Where two lines cross, the "
                "cheaper option changes: black crosses mark those points. DSQL grows with work done; Serverless "
                "v2 grows in 0.5-ACU steps and is re-simulated at each load, pauses included."
            ),
            html.H3("Crossovers"),
            html.Ul(id=f"{PREFIX}-crossovers"),
            html.Ul(id=f"{PREFIX}-notes", className="explain"),
        ]
    )


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), go.Figure(), [], []
    report = outcome.run.report
    lines = crossover_lines(report) or [
        "No crossover between 0.01× and 100× the load: the ranking holds throughout."
    ]
    notes = items(section(report, "break_even").get("notes"))
    return (
        None,
        report_figures.break_even_figure(report),
        [html.Li(line) for line in lines],
        [html.Li(str(n)) for n in notes],
    )


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-figure", "figure"),
        Output(f"{PREFIX}-crossovers", "children"),
        Output(f"{PREFIX}-notes", "children"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
    )
    def _update(session: Any, scenario_data: Any) -> tuple[Any, ...]:
        return render(cache, session, scenario_data)
