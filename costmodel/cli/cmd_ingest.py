"""``dsqlcost ingest``: read exports and say what was read, before anything is priced.

The first thing to check with a new export is whether the tool understood it: how many rows,
which were left out and why, which window and where it came from, which column generation, which
signals are missing. This command prints exactly that and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from costmodel.cli.common import add_workload_arguments, load_workload_from_args
from costmodel.core.errors import IngestError
from costmodel.core.timebase import format_duration
from costmodel.core.workload import Workload

SCHEMA_VERSION = 1

DESCRIPTION = """\
Read pg_stat_statements exports (CSV, TSV, JSON array, JSON lines, each may be gzipped; any
column set from PostgreSQL 12 to 18), two snapshots (--since), or a `dsqlcost collect` bundle,
and print what was read: files, rows, statements kept, rows excluded by reason, the observation
window and where it came from, the column generation, missing signals and notes.

The window comes from, in order: --window; two snapshots (--since or a bundle); a metadata file
beside the export (pgss.csv.meta.yaml: `window: 2h`, or window_start/window_end, taken_at,
stats_reset); the stats_since column (PostgreSQL 17+); stats_reset. Without any of them ingest
still prints what it read, marks the window MISSING with the ways to give it, and exits 0 (the
cost commands need the window and exit 2)."""

EPILOG = """\
examples:
  psql -X --csv -c 'SELECT s.*, d.datname, r.rolname FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid' > pgss.csv
  dsqlcost ingest pgss.csv --window 2h
  dsqlcost ingest --since pgss-0900.csv pgss-1000.csv
  dsqlcost ingest app-bundle/ --database app --format json"""


def register(subparsers: Any) -> None:
    """Add the ``ingest`` subcommand."""
    parser = subparsers.add_parser(
        "ingest",
        help="read pg_stat_statements exports and print what was read",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_arguments(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.set_defaults(func=run)


NO_WINDOW = "no observation window"
"""The one input problem ``ingest`` reports instead of failing: it shows what it read."""


def run(args: argparse.Namespace) -> int:
    """Load the workload and print the summary.

    Without a window the export is still read and summarised (exit 0), with the window marked
    missing and the ways to give it: ``ingest`` is where a user looks at what an export holds, and
    the cost commands (which need the window) still refuse to run without one."""
    missing: IngestError | None = None
    try:
        workload = load_workload_from_args(args)
    except IngestError as exc:
        if exc.message != NO_WINDOW or args.window is not None:
            raise
        missing = exc
        # read it again with a stand-in window: nothing in the summary is scaled by it
        workload = load_workload_from_args(argparse.Namespace(**{**vars(args), "window": "1s"}))
    summary = summarise(workload)
    if missing is not None:
        summary["window"] = {
            "seconds": None,
            "human": "missing",
            "source": "missing",
            "detail": missing.hint or "give --window",
            "start": None,
            "end": None,
        }
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, indent=2, default=_json_default, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(summary))
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def summarise(workload: Workload) -> dict[str, Any]:
    """The facts ``ingest`` prints, as plain data (also the ``--format json`` document)."""
    statements = workload.statements
    window = workload.window
    info = {k: v for k, v in workload.info.items() if k != "files"}
    return {
        "schema_version": SCHEMA_VERSION,
        "files": list(workload.info.get("files", [])),
        "rows_read": workload.rows_read,
        "statements": len(statements),
        "excluded": dict(workload.excluded),
        "window": {
            "seconds": window.seconds,
            "human": format_duration(window.seconds),
            "source": window.source,
            "detail": window.detail,
            "start": window.start,
            "end": window.end,
        },
        "generation": workload.generation,
        "missing_signals": list(workload.missing_signals),
        "unclassifiable": workload.unclassifiable_count,
        "calls": float(statements["calls"].sum()) if len(statements) else 0.0,
        "total_exec_time_ms": float(statements["total_exec_time"].sum()) if len(statements) else 0.0,
        "series_intervals": 0 if workload.series is None else len(workload.series.intervals),
        "catalog_tables": 0 if workload.catalog is None else len(workload.catalog.tables),
        "notes": list(workload.notes),
        "info": info,
    }


def render_text(summary: dict[str, Any]) -> str:
    """The summary as aligned text lines."""
    lines = ["Files:"]
    for entry in summary["files"]:
        lines.append(f"  {entry['file']}  ({entry['format']}, {entry['rows']:,} rows, {entry['role']})")
    lines.append(f"Rows read:          {summary['rows_read']:,}")
    lines.append(f"Statements kept:    {summary['statements']:,}")
    if summary["excluded"]:
        lines.append("Excluded:")
        width = max(len(reason) for reason in summary["excluded"])
        for reason, count in summary["excluded"].items():
            lines.append(f"  {reason:<{width}}  {count:,}")
    else:
        lines.append("Excluded:           none")
    window = summary["window"]
    if window["seconds"] is None:
        lines.append(
            "Window:             MISSING: report, classify and readiness need it to scale to a month"
        )
        lines.append(f"                    {window['detail']}")
    else:
        lines.append(
            f"Window:             {window['seconds']:g} s ({window['human']}) from {window['source']}"
        )
        lines.append(f"                    {window['detail']}")
    lines.append(f"Column generation:  {summary['generation']}")
    missing = ", ".join(summary["missing_signals"]) or "none"
    lines.append(f"Missing signals:    {missing}")
    lines.append(f"Unclassifiable:     {summary['unclassifiable']:,} (NULL or <insufficient privilege> text)")
    lines.append(f"Calls:              {summary['calls']:,.0f}")
    lines.append(f"Execution time:     {summary['total_exec_time_ms'] / 1000:,.1f} s")
    if summary["series_intervals"]:
        lines.append(f"Activity series:    {summary['series_intervals']} intervals")
    if summary["catalog_tables"]:
        lines.append(f"Catalog:            {summary['catalog_tables']} tables")
    if summary["notes"]:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in summary["notes"])
    return "\n".join(lines) + "\n"
