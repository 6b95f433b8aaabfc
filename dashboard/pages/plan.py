"""Migration plan: the five phases with their figures, the inventory (file:line when code was
audited), and the remediated DDL to download."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from costmodel.audit.render import FINDING_COLUMNS as CODE_FINDING_COLUMNS
from costmodel.audit.render import SITE_COLUMNS
from costmodel.core.errors import CostModelError
from costmodel.report.plan import ITEM_COLUMNS, PHASE_COLUMNS, items_table, phases_table, plan_lead
from costmodel.report.sections import Cell, Column, plain
from dashboard import ui
from dashboard.plan_state import PlanView
from dashboard.state import UploadCache

PREFIX = "plan"
LABEL = "Migration plan"
DDL_NAME = "remediated-dsql.sql"

SHARE: dict[str, Any] = {"type": "numeric", "format": {"specifier": ".1%"}}


def _dash_columns(columns: Sequence[Column]) -> tuple[dict[str, Any], ...]:
    """DataTable columns from a report section table's columns (named once in costmodel/report/plan.py)."""
    return tuple(
        {
            "name": c.header,
            "id": c.key,
            **(SHARE if c.cell is Cell.SHARE else {"type": "numeric"} if c.numeric else {}),
        }
        for c in columns
    )


def _getter_columns(columns: Sequence[tuple[str, Callable[[Any], Any]]]) -> tuple[dict[str, Any], ...]:
    """DataTable columns from the code audit's (name, getter) columns (named once in audit/render.py)."""
    return tuple({"name": name, "id": name} for name, _ in columns)


PHASES = _dash_columns(PHASE_COLUMNS)
ITEMS = _dash_columns(ITEM_COLUMNS)
CODE_FINDINGS = _getter_columns(CODE_FINDING_COLUMNS)
UNRETRIED = _getter_columns(SITE_COLUMNS)


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            html.Div(id=f"{PREFIX}-headline", className="verdict-slot"),
            ui.explain(
                "Five phases of a move to Aurora DSQL: audit what DSQL rejects, refactor the schema (SERIAL keys "
                "to UUID, triggers and procedures into the application), make every write retry on a "
                "serialization failure (SQLSTATE 40001), load-test the hot write patterns for conflicts, and cut "
                "over with replication. Every figure comes from this workload, its schema and (when the dashboard "
                "was started with --code DIR) the application code."
            ),
            ui.data_table(f"{PREFIX}-phases", PHASES, page_size=5),
            html.Div(
                [
                    html.Button(
                        "Download remediated DDL", id=f"{PREFIX}-ddl-button", n_clicks=0, className="button"
                    ),
                    html.Span(id=f"{PREFIX}-ddl-message"),
                    dcc.Download(id=f"{PREFIX}-ddl"),
                ],
                className="buttons",
            ),
            html.H3("What to do, phase by phase"),
            ui.explain(
                "Effort comes from the readiness check or code rule behind each item; filter by phase."
            ),
            ui.data_table(
                f"{PREFIX}-items", ITEMS, sort_action="native", filter_action="native", page_size=20
            ),
            html.H3("Application code"),
            html.Div(id=f"{PREFIX}-code"),
            ui.data_table(f"{PREFIX}-code-findings", CODE_FINDINGS, sort_action="native", page_size=15),
            html.H4("Write paths without a retry on 40001"),
            ui.data_table(f"{PREFIX}-unretried", UNRETRIED, sort_action="native", page_size=15),
        ]
    )


def item_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every item the plan keeps, with its phase number (the report's items table, all rows; text
    cells as every format shows them: yes/no, — for empty)."""
    table = items_table(report, None)
    return [
        {
            c.key: (plain(row.get(c.key), c.cell) if c.cell is Cell.TEXT else row.get(c.key))
            for c in table.columns
        }
        for row in table.rows
    ]


def phase_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per phase with its headline figures."""
    table = phases_table(report)
    return [{c.key: row.get(c.key) for c in table.columns} for row in table.rows]


def code_rows(view: PlanView) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The code audit's findings and its write paths without retry, each at file:line."""
    if view.audit is None:
        return [], []
    findings = [{name: get(f) for name, get in CODE_FINDING_COLUMNS} for f in view.audit.findings]
    sites = [{name: get(s) for name, get in SITE_COLUMNS} for s in view.audit.unretried]
    return findings, sites


def _headline(report: Mapping[str, Any]) -> list[Any]:
    plan = report.get("plan") if isinstance(report.get("plan"), Mapping) else {}
    return [
        html.H2(f"Migration plan: readiness {(plan or {}).get('verdict') or '—'}", id=f"{PREFIX}-title"),
        html.P(plan_lead(report)),
    ]


def _code_note(view: PlanView) -> Any:
    if view.audit is None:
        return ui.explain(
            "Code not audited: start the dashboard with `dsqlcost dashboard EXPORT --code DIR` to list ORM row "
            "locks, SERIAL keys in migrations and write paths without a 40001 retry at file:line."
        )
    audit = view.audit
    return html.P(
        f"{audit.root}: {sum(audit.files.values())} file(s) audited, {len(audit.skipped)} skipped; "
        f"{len(audit.findings)} finding(s); {len(audit.unretried)} of {len(audit.sites)} write path(s) without a "
        f"retry on 40001 ({len(audit.handlers)} retry handler(s) found).",
        id=f"{PREFIX}-code-summary",
    )


def render(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, ...]:
    """All outputs of the page for one (upload, scenario)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), None, [], [], None, [], []
    try:
        view = outcome.run.plan
    except CostModelError as exc:
        return ui.error_box(str(exc)), None, [], [], None, [], []
    report = {"plan": view.section}
    findings, sites = code_rows(view)
    card = html.Div(_headline(report), className=ui.verdict_class(outcome.run.report), id=f"{PREFIX}-card")
    return None, card, phase_rows(report), item_rows(report), _code_note(view), findings, sites


def ddl_download(cache: UploadCache, session: Any, scenario_data: Any) -> tuple[Any, Any]:
    """(dcc.Download data, message): the remediated DDL of the run's schema, or why there is none."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return no_update, ui.error_box(outcome.error)
    try:
        remediation = outcome.run.plan.remediation
    except CostModelError as exc:
        return no_update, ui.error_box(str(exc))
    if remediation is None:
        return no_update, ui.error_box("no schema to remediate: open a bundle with schema.sql")
    return dcc.send_string(remediation.sql, DDL_NAME), None


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the session and scenario stores, and the DDL button to its download."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-headline", "children"),
        Output(f"{PREFIX}-phases", "data"),
        Output(f"{PREFIX}-items", "data"),
        Output(f"{PREFIX}-code", "children"),
        Output(f"{PREFIX}-code-findings", "data"),
        Output(f"{PREFIX}-unretried", "data"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
    )
    def _update(session: Any, scenario_data: Any) -> tuple[Any, ...]:
        return render(cache, session, scenario_data)

    @app.callback(
        Output(f"{PREFIX}-ddl", "data"),
        Output(f"{PREFIX}-ddl-message", "children"),
        Input(f"{PREFIX}-ddl-button", "n_clicks"),
        State("app-session", "data"),
        State("scenario-store", "data"),
        prevent_initial_call=True,
    )
    def _ddl(_n: int | None, session: Any, scenario_data: Any) -> tuple[Any, Any]:
        return ddl_download(cache, session, scenario_data)
