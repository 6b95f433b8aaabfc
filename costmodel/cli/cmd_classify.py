"""``dsqlcost classify``: one row per statement with its pglast profile and its query text."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from typing import Any

import pandas as pd

from costmodel.cli.common import ProgressBar, add_workload_arguments, load_workload_from_args
from costmodel.core.errors import ClassifyError
from costmodel.core.profile import PROFILE_COLUMNS

COLUMNS: tuple[str, ...] = (
    "stmt_id",
    "calls",
    "parse_status",
    "kind",
    "is_write",
    "tables_read",
    "tables_written",
    "join_count",
    "join_types",
    "subquery_count",
    "cte_count",
    "aggregate_count",
    "has_window",
    "has_order_by",
    "has_limit",
    "lock_strength",
    "lock_wait",
    "is_upsert",
    "has_returning",
    "values_rows",
    "key_shape",
    "key_columns",
    "tenant_column",
    "features",
    "parse_error",
    "query",
)
"""Columns of the classify output, in order (``json`` adds every profile column)."""


TABLE_ROWS = 200
"""Rows of the table format by default: a terminal table of thousands of rows is unreadable (and
slow to lay out); csv and json always list every statement."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``classify`` subcommand."""
    parser = sub.add_parser(
        "classify",
        help="classify every statement (kind, tables, joins, locking, key shape, DSQL-relevant features)",
        description=(
            "Parse every statement text once with pglast and print one row per statement: kind, read/write, "
            "tables read and written, joins, subqueries and CTEs, aggregates, ORDER BY/LIMIT, locking clause, "
            "upsert, RETURNING, multi-row VALUES, the key shape of writes and point reads, and the features "
            "that matter for DSQL. Unparsable or truncated texts get a status, not an error."
        ),
    )
    add_workload_arguments(parser)
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    parser.add_argument(
        "--limit",
        type=int,
        default=TABLE_ROWS,
        metavar="N",
        help=f"table format: show the N most-called statements (default {TABLE_ROWS}; 0 = all); csv and json list all",
    )
    parser.add_argument(
        "--show-literals",
        action="store_true",
        help="print texts exactly as exported (by default literals become $n; normalised pgss texts are unchanged)",
    )
    parser.set_defaults(func=run)


def _cell(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _csv_cell(value: Any) -> str:
    """Spreadsheet-safe text, plain numbers (``6`` not ``6.0``), empty for unknown."""
    from costmodel.report.safe import number_cell, text_cell

    cell = _cell(value)
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int | float) or hasattr(cell, "item"):
        return number_cell(cell)
    return text_cell(cell)


def _csv_column(values: list[Any]) -> list[str]:
    """One column's cells, each distinct value converted once (kinds, flags and tables repeat)."""
    cache: dict[tuple[type, Any], str] = {}
    out: list[str] = []
    for value in values:
        try:
            key = (type(value), value)
            cell = cache.get(key)
        except TypeError:  # unhashable (a list): convert it as it is
            out.append(_csv_cell(value))
            continue
        if cell is None:
            cell = cache[key] = _csv_cell(value)
        out.append(cell)
    return out


def _rows(frame: pd.DataFrame, columns: list[str]) -> Any:
    """Row value tuples via column lists (``iterrows`` builds a Series per row: 50× slower)."""
    return zip(*(frame[c].tolist() for c in columns))


def run(args: argparse.Namespace) -> int:
    """Load, classify, print."""
    from costmodel.classify.frame import classify
    from costmodel.report.redact import redact_query

    workload = load_workload_from_args(args)
    with ProgressBar() as bar:
        workload = classify(workload, progress=lambda done, total: bar.update("classifying", done, total))
    frame = workload.statements.copy()
    if not args.show_literals:
        frame["query"] = [None if q is None or q is pd.NA else redact_query(str(q)) for q in frame["query"]]
        if "parse_error" in frame:  # pglast quotes the text near the error: it can be a literal
            frame["parse_error"] = [redact_parse_error(m) for m in frame["parse_error"]]
    if args.format == "json":
        keys = ["stmt_id", "userid", "dbid", "queryid", "calls", *PROFILE_COLUMNS, "query"]
        keys = [k for k in dict.fromkeys(keys) if k in frame]
        rows = [dict(zip(keys, map(_json_value, values))) for values in _rows(frame, keys)]
        out = {"window": workload.window.describe(), "statements": rows}
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return 0
    cols = [c for c in COLUMNS if c in frame]
    if args.format == "csv":
        # CRLF rows (RFC 4180, like the report's CSV): only then does csv quote a bare CR in a text,
        # which a spreadsheet would otherwise take for the end of the row
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(cols)
        writer.writerows(zip(*(_csv_column(frame[c].tolist()) for c in cols)))
        return 0
    if args.limit < 0:
        raise ClassifyError("--limit must be 0 (all) or a positive number of rows", hint="e.g. --limit 50")
    _table(frame, workload.window.describe(), limit=args.limit)
    return 0


_NEAR = re.compile(r'(at or near ")(.*?)(", at index \d+)', re.S)


def redact_parse_error(message: Any) -> Any:
    """A pglast message with the quoted source fragment (``at or near "'secret"``) redacted."""
    from costmodel.report.redact import redact_query

    if not isinstance(message, str):
        return message
    return _NEAR.sub(lambda m: m[1] + redact_query(m[2]) + m[3], message)


def _yes_no(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "?"


def locking_text(strength: Any, wait: Any) -> str:
    """The locking clause of a statement for the table: ``FOR UPDATE SKIP LOCKED``, ``—`` for none."""
    if (
        strength is None
        or (isinstance(strength, float) and pd.isna(strength))
        or str(strength) in ("", "none")
    ):
        return "—"
    text = str(strength).replace("_", " ").upper()  # for_no_key_update → FOR NO KEY UPDATE
    if (
        wait is not None
        and not (isinstance(wait, float) and pd.isna(wait))
        and str(wait) not in ("", "block", "none")
    ):
        text += f" {str(wait).replace('_', ' ').upper()}"
    return text


def _table(frame: pd.DataFrame, window: str, *, limit: int) -> None:
    """The most-called statements as a table (all with ``limit`` 0), saying how many are left out."""
    from rich.console import Console
    from rich.table import Table

    total = len(frame)
    if limit and total > limit:
        calls = pd.to_numeric(frame["calls"], errors="coerce").fillna(-1.0)
        frame = frame.loc[calls.sort_values(ascending=False, kind="stable").index[:limit]]
    shown = len(frame)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    title = f"{total} statements · window {window}"
    caption = (
        f"the {shown} most-called of {total} statements; --limit 0 shows all, --format csv or json lists all"
        if shown < total
        else None
    )
    table = Table(title=title, caption=caption, show_lines=False)
    for name in (
        "stmt",
        "calls",
        "kind",
        "write",
        "tables",
        "joins",
        "locking",
        "key shape",
        "features",
        "query",
    ):
        table.add_column(
            name,
            overflow="ellipsis",
            no_wrap=name in ("stmt", "query"),
            max_width=80 if name == "query" else None,
        )
    for row in _records(frame):
        status = row.get("parse_status")
        kind = str(row.get("kind")) if status == "ok" else f"{row.get('kind')} ({status})"
        tables = sorted({*(row.get("tables_read") or ()), *(row.get("tables_written") or ())})
        table.add_row(
            str(row.get("stmt_id")),
            f"{float(row['calls']):,.0f}" if pd.notna(row.get("calls")) else "?",
            kind,
            _yes_no(row.get("is_write")),
            ",".join(tables),
            str(row.get("join_count") or 0),
            locking_text(row.get("lock_strength"), row.get("lock_wait")),
            str(row.get("key_shape")),
            ",".join(row.get("features") or ()),
            str(row.get("query") if row.get("query") is not None else "<no text>"),
        )
    console.print(table)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of the columns the table reads (missing columns are absent keys)."""
    names = [c for c in ("stmt_id", "calls", "kind", "parse_status", "is_write", "tables_read", "tables_written",
                         "join_count", "lock_strength", "lock_wait", "key_shape", "features", "query")
             if c in frame]  # fmt: skip
    return [dict(zip(names, values)) for values in _rows(frame, names)]
