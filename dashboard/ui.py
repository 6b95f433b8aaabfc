"""Small building blocks shared by the pages: explanations, metric tiles, error boxes, tables.

Every number the dashboard shows sits next to a sentence saying what it means (:func:`explain`,
:func:`metric`); errors are the one-line :class:`~costmodel.core.errors.CostModelError` text
(:func:`error_box`), never a traceback.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import dash_table, html

from costmodel.core.errors import CostModelError
from costmodel.report.sections import Cell, Column, plain
from dashboard.scenarios import from_store
from dashboard.state import DashboardRun, UploadCache

GENERIC_ERROR = (
    "Something went wrong while computing this view. The server log has the details; "
    "try another setting or reload the page."
)
"""Shown for an unexpected exception (a bug), instead of any stack trace."""
NO_WORKLOAD = (
    "No workload loaded yet: drop a pg_stat_statements export or a bundle archive on the upload box."
)


def explain(text: str, **kwargs: Any) -> html.P:
    """A plain-words explanation printed under a chart or number."""
    return html.P(text, className="explain", **kwargs)


def metric(title: str, value: str, explanation: str, *, className: str = "metric", **attrs: Any) -> html.Div:
    """A labelled number with its explanation (``attrs`` adds e.g. ``id`` or ``data-*``)."""
    return html.Div(
        [
            html.Div(title, className="metric-title"),
            html.Div(value, className="metric-value"),
            explain(explanation),
        ],
        className=className,
        **attrs,
    )


def error_box(message: str | None) -> html.Div | None:
    """The error line shown at the top of a page, or None when there is none."""
    if not message:
        return None
    return html.Div(message, className="error", role="alert")


DASH_FORMATS: dict[Cell, dict[str, Any]] = {
    Cell.SHARE: {"type": "numeric", "format": {"specifier": ".1%"}},
    Cell.QTY: {"type": "numeric", "format": {"specifier": ",.6~f"}},
    Cell.COUNT: {"type": "numeric", "format": {"specifier": ",.0f"}},
    Cell.USD: {"type": "numeric", "format": {"specifier": "$,.4~f"}},
    Cell.USD2: {"type": "numeric", "format": {"specifier": "$,.2f"}},
    Cell.PRICE: {"type": "numeric", "format": {"specifier": "$,.8~f"}},
    Cell.MULTIPLIER: {"type": "numeric", "format": {"specifier": ".3~g"}},
}
"""DataTable column types by cell kind: numbers stay numbers (they sort as numbers) with a d3 format."""


def dash_columns(columns: Sequence[Column]) -> tuple[dict[str, Any], ...]:
    """DataTable columns from a report table's columns (:mod:`costmodel.report.tables`): the same
    headers, every column (the dashboard scrolls sideways), numbers typed and formatted."""
    return tuple({"name": c.header, "id": c.key, **DASH_FORMATS.get(c.cell, {})} for c in columns)


def dash_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> list[dict[str, Any]]:
    """DataTable rows: numbers as they are (formatted by the column), text cells as every format shows them."""
    return [
        {
            c.key: row.get(c.key) if c.cell in DASH_FORMATS else plain(row.get(c.key), c.cell, c.empty)
            for c in columns
        }
        for row in rows
    ]


def data_table(table_id: str, columns: Sequence[Mapping[str, Any]], **kwargs: Any) -> Any:
    """A DataTable with the dashboard's look (compact, zebra rows, long text wrapped) that scrolls
    sideways and down inside a box at most 70% of the window tall, so a wide table (the readiness
    findings have 11 columns) shows its scrollbar instead of looking cut off."""
    defaults: dict[str, Any] = {
        "page_size": 25,
        # the table scrolls inside a box no taller than the window, so its sideways scrollbar is
        # on screen next to the rows (a 20-row page of wrapped text put it far below the fold)
        "style_table": {"overflowX": "auto", "overflowY": "auto", "maxHeight": "70vh"},
        "style_cell": {
            "fontFamily": "inherit",
            "fontSize": "13px",
            "padding": "4px 8px",
            "textAlign": "left",
            "whiteSpace": "normal",
            "height": "auto",
            "maxWidth": "420px",
        },
        "style_header": {"fontWeight": "600", "backgroundColor": "#f3f4f6"},
        "style_data_conditional": [{"if": {"row_index": "odd"}, "backgroundColor": "#fafafa"}],
    }
    defaults.update(kwargs)
    with warnings.catch_warnings():  # DataTable is deprecated in favour of dash-ag-grid (an extra package)
        warnings.simplefilter("ignore", DeprecationWarning)
        return dash_table.DataTable(id=table_id, columns=list(columns), **defaults)  # type: ignore[attr-defined]


READINESS_CLASSES = {"ready": "ready", "changes needed": "changes-needed", "blocked": "blocked"}


def verdict_class(report: Mapping[str, Any]) -> str:
    """CSS class of a verdict card: its colour follows DSQL readiness (green only when ready, amber
    for changes needed, red when blocked, grey when not assessed), as in the HTML report."""
    readiness = report.get("readiness") if isinstance(report.get("readiness"), Mapping) else {}
    state = READINESS_CLASSES.get(str((readiness or {}).get("verdict")), "unknown")
    return f"verdict {state}"


def money_format() -> dict[str, Any]:
    """DataTable number format for USD with cents."""
    return {"specifier": "$,.2f"}


@dataclass(frozen=True)
class Outcome:
    """A scenario run for a page, or the message saying why there is none."""

    run: DashboardRun | None
    error: str | None


def run_for(cache: UploadCache, session: Any, scenario_data: Any) -> Outcome:
    """Price the stored scenario on the session's upload, turning input errors into a message."""
    key = session.get("key") if isinstance(session, Mapping) else None
    if not key:
        return Outcome(None, NO_WORKLOAD)
    try:
        return Outcome(cache.run(str(key), from_store(scenario_data)), None)
    except CostModelError as exc:
        return Outcome(None, str(exc))
