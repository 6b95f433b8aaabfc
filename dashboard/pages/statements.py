"""Statements: every statement with its profile, DPU and DSQL dollars per call and per month.

The table pages, sorts and filters on the server (``page_action='custom'``): a 5,000-statement
workload would otherwise ship megabytes of rows to the browser on every what-if. Filters typed in
the header row arrive as DataTable's ``filter_query`` text and are parsed here into plain pandas
comparisons (:func:`apply_filter`) — never evaluated as code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from dash import Dash, Input, Output, html

from costmodel.report import tables
from dashboard import ui
from dashboard.state import UploadCache

PREFIX = "statements"
LABEL = "Statements"
PAGE_SIZE = 25

COLUMNS: tuple[dict[str, Any], ...] = ui.dash_columns(tables.STATEMENT_COLUMNS)
"""The Statements table's columns, named once in :mod:`costmodel.report.tables`."""
COLUMN_IDS = frozenset(c["id"] for c in COLUMNS)
NUMERIC_IDS = frozenset(c["id"] for c in COLUMNS if c.get("type") == "numeric")
DEFAULT_SORT = [{"column_id": "dsql_monthly_usd", "direction": "desc"}]

_PART = re.compile(
    r"^\s*\{(?P<col>[^}]+)\}\s*"
    r"(?P<op>is blank|is nil|icontains|scontains|contains|datestartswith|s=|i=|!=|>=|<=|=|>|<|eq|ne|ge|le|gt|lt)"
    r"\s*(?P<value>.*?)\s*$"
)
_OP_ALIASES = {"eq": "=", "s=": "=", "i=": "=", "ne": "!=", "ge": ">=", "le": "<=", "gt": ">", "lt": "<"}


def layout() -> html.Div:
    """The page skeleton; :func:`render` fills it."""
    return html.Div(
        [
            html.Div(id=f"{PREFIX}-error"),
            html.P(id=f"{PREFIX}-count"),
            ui.explain(
                "One row per distinct statement. Calls per month scale the observed calls to a month and apply "
                "growth. DPU per call is DSQL's billing unit for one execution (reads + writes + compute, with "
                "per-transaction minimums and OCC retries); DSQL $ prices it in the primary region. SV2 $ is the "
                "statement's share of the compared Serverless v2 option's load-driven charges (ACU-hours by CPU "
                "time, I/O by I/O). Click a header to sort; type in the filter row (e.g. > 100, select, users)."
            ),
            ui.data_table(
                f"{PREFIX}-table",
                COLUMNS,
                page_action="custom",
                sort_action="custom",
                sort_mode="multi",
                filter_action="custom",
                filter_options={"case": "insensitive"},
                page_current=0,
                page_size=PAGE_SIZE,
                sort_by=DEFAULT_SORT,
                filter_query="",
                tooltip_duration=None,
                style_cell_conditional=[
                    {
                        "if": {"column_id": "query"},
                        "maxWidth": "340px",
                        "minWidth": "200px",
                        "overflow": "hidden",
                        "textOverflow": "ellipsis",
                        "whiteSpace": "nowrap",
                    },
                    {"if": {"column_id": "stmt_id"}, "whiteSpace": "nowrap"},
                ],
            ),
        ]
    )


def _parse_value(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1].replace("\\" + text[0], text[0])
    return text


def apply_filter(frame: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Rows of ``frame`` matching a DataTable ``filter_query`` (``&&``-joined column conditions).

    Unknown columns and unparsable parts are ignored rather than failing the page.
    """
    if not query or frame.empty:
        return frame
    mask = pd.Series(True, index=frame.index)
    for part in str(query).split(" && "):
        match = _PART.match(part)
        if match is None or match["col"] not in COLUMN_IDS or match["col"] not in frame:
            continue
        col, op = match["col"], _OP_ALIASES.get(match["op"], match["op"])
        value = _parse_value(match["value"])
        series = frame[col]
        if op in ("is blank", "is nil"):
            mask &= series.isna() | (series.astype(str) == "")
        elif op in ("contains", "icontains", "scontains", "datestartswith"):
            text = series.astype(str)
            if op == "datestartswith":
                mask &= text.str.startswith(value)
            else:
                mask &= text.str.contains(value, case=op == "scontains", regex=False, na=False)
        elif col in NUMERIC_IDS:
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number):
                continue
            values = pd.to_numeric(series, errors="coerce")
            mask &= _compare(values, op, float(number)).fillna(False).astype(bool)
        else:
            text = series.astype(str).str.lower()
            if op == "=":
                mask &= text == value.lower()
            elif op == "!=":
                mask &= text != value.lower()
            else:
                mask &= _compare(text, op, value.lower()).fillna(False).astype(bool)
    return frame[mask]


def _compare(values: pd.Series, op: str, other: Any) -> pd.Series:
    if op == "=":
        return values == other
    if op == "!=":
        return values != other
    if op == ">":
        return values > other
    if op == ">=":
        return values >= other
    if op == "<":
        return values < other
    return values <= other


def apply_sort(frame: pd.DataFrame, sort_by: Sequence[Any] | None) -> pd.DataFrame:
    """``frame`` sorted by DataTable ``sort_by`` entries (missing values last)."""
    keys = [
        (s["column_id"], s.get("direction") != "desc")
        for s in (sort_by or [])
        if isinstance(s, dict) and s.get("column_id") in COLUMN_IDS and s.get("column_id") in frame
    ]
    if not keys or frame.empty:
        return frame
    return frame.sort_values(
        [k for k, _ in keys], ascending=[a for _, a in keys], na_position="last", kind="stable"
    )


def page_rows(frame: pd.DataFrame, page: int, size: int) -> list[dict[str, Any]]:
    """The rows of one page as JSON-ready records (NaN → None)."""
    size = max(1, min(int(size or PAGE_SIZE), 500))
    start = max(0, int(page or 0)) * size
    chunk = frame.iloc[start : start + size]
    columns = [c for c in (c["id"] for c in COLUMNS) if c in chunk]
    chunk = chunk[columns].astype(object).where(chunk[columns].notna(), None)
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in chunk.to_dict("records")]
    for row in records:
        for key, value in row.items():
            if isinstance(value, np.generic):
                row[key] = value.item()
    return records


def tooltips(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The full (redacted) query text of each row, shown when hovering its cut-off cell."""
    return [{"query": {"value": str(r.get("query") or ""), "type": "text"}} for r in rows]


def render(
    cache: UploadCache,
    session: Any,
    scenario_data: Any,
    page: int = 0,
    size: int = PAGE_SIZE,
    sort_by: Sequence[Any] | None = None,
    filter_query: str | None = None,
) -> tuple[Any, ...]:
    """Error, count line, page rows, page count and tooltips for one (upload, scenario, table state)."""
    outcome = ui.run_for(cache, session, scenario_data)
    if outcome.run is None:
        return ui.error_box(outcome.error), "", [], 1, []
    frame = outcome.run.statements
    shown = apply_sort(apply_filter(frame, filter_query), sort_by)
    size = max(1, min(int(size or PAGE_SIZE), 500))
    pages = max(1, -(-len(shown) // size))
    page = min(max(0, int(page or 0)), pages - 1)
    count = f"{len(shown):,} of {len(frame):,} statements" + (" match the filter" if filter_query else "")
    rows = page_rows(shown, page, size)
    return None, count, rows, pages, tooltips(rows)


def register(app: Dash, cache: UploadCache) -> None:
    """Wire :func:`render` to the stores and the table's paging, sorting and filtering."""

    @app.callback(
        Output(f"{PREFIX}-error", "children"),
        Output(f"{PREFIX}-count", "children"),
        Output(f"{PREFIX}-table", "data"),
        Output(f"{PREFIX}-table", "page_count"),
        Output(f"{PREFIX}-table", "tooltip_data"),
        Input("app-session", "data"),
        Input("scenario-store", "data"),
        Input(f"{PREFIX}-table", "page_current"),
        Input(f"{PREFIX}-table", "page_size"),
        Input(f"{PREFIX}-table", "sort_by"),
        Input(f"{PREFIX}-table", "filter_query"),
    )
    def _update(
        session: Any, scenario_data: Any, page: int, size: int, sort_by: list[Any], filter_query: str
    ) -> tuple[Any, ...]:
        return render(cache, session, scenario_data, page, size, sort_by, filter_query)
