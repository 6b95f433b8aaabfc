"""``dsqlcost collect``: snapshot pg_stat_statements of a live PostgreSQL into a bundle directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from costmodel.core.errors import CollectError

DESCRIPTION = """\
Connect read-only to a live PostgreSQL (12 or newer), check that pg_stat_statements is loaded,
created and readable, record server and catalog facts, and take snapshots of pg_stat_statements
into a bundle directory that `dsqlcost ingest|classify|report DIR` reads.

  --interval D           two snapshots D apart: the workload is their delta (default 15m)
  --every D --for T      a snapshot every D for T: the delta plus an activity series
  --once                 one cumulative snapshot (window from pg_stat_statements_info)

Ctrl-C during a series keeps the snapshots taken and writes a valid bundle (interrupted: true).
The role needs pg_read_all_stats (or superuser); it only reads."""

EPILOG = """\
examples (keep the password out of the command line: PGPASSWORD or ~/.pgpass):
  PGPASSWORD=… dsqlcost collect --dsn postgresql://collector@db.example.com:5432/app --out app-bundle
  dsqlcost collect --dsn postgresql://collector@db:5432/app --out week --every 5m --for 7d
  PGHOST=db PGUSER=collector PGDATABASE=app dsqlcost collect --out now --once"""


def register(subparsers: Any) -> None:
    """Add the ``collect`` subcommand."""
    parser = subparsers.add_parser(
        "collect",
        help="snapshot pg_stat_statements of a live PostgreSQL into a bundle directory",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dsn",
        default="",
        metavar="DSN",
        help="libpq connection URL or 'key=value' string; default: the libpq environment "
        "(PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ~/.pgpass)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="new bundle directory to write"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--interval", metavar="D", help="two snapshots D apart (e.g. 15m, 1h, 2s); the default, 15m"
    )
    mode.add_argument("--every", metavar="D", help="a snapshot every D (needs --for)")
    mode.add_argument("--once", action="store_true", help="one cumulative snapshot")
    parser.add_argument(
        "--for", dest="duration", metavar="T", help="how long a --every series runs (e.g. 24h)"
    )
    parser.add_argument(
        "--all-databases",
        action="store_true",
        help="keep statements of every database (default: only the database connected to)",
    )
    parser.add_argument(
        "--statement-timeout",
        default="30s",
        metavar="D",
        help="per-query timeout of the collector (default 30s)",
    )
    parser.add_argument("--no-schema", action="store_true", help="do not run pg_dump --schema-only")
    parser.add_argument(
        "--gzip", action="store_true", help="write snapshots as .csv.gz (advised for long --every series)"
    )
    parser.add_argument("--description", default="", help="free text stored in bundle.yaml")
    parser.add_argument(
        "--keep-secrets",
        action="store_true",
        help="write query texts with their literals (default: replaced by $n as in reports, because "
        "utility statements such as ALTER ROLE … PASSWORD '…' keep them); the bundle is mode 0700/0600 either way",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(func=run)


def options_from_args(args: argparse.Namespace) -> Any:
    """Turn parsed arguments into :class:`costmodel.collect.options.CollectOptions` (errors exit 2)."""
    from costmodel.collect.options import CollectOptions, Schedule
    from costmodel.core.timebase import parse_duration

    if args.duration and not args.every:
        raise CollectError("--for needs --every", hint="write --every 5m --for 24h")
    if args.once:
        schedule = Schedule.once()
    elif args.every:
        if not args.duration:
            raise CollectError("--every needs --for", hint="write --every 5m --for 24h")
        schedule = Schedule.series(
            parse_duration(args.every, what="--every"), parse_duration(args.duration, what="--for")
        )
    else:
        schedule = Schedule.interval(parse_duration(args.interval or "15m", what="--interval"))
    return CollectOptions(
        dsn=args.dsn,
        out=args.out,
        schedule=schedule,
        all_databases=args.all_databases,
        statement_timeout_s=parse_duration(args.statement_timeout, what="--statement-timeout"),
        schema=not args.no_schema,
        compress=args.gzip,
        description=args.description,
        keep_secrets=args.keep_secrets,
    )


def run(args: argparse.Namespace) -> int:
    """Collect; print where the bundle went. Exit 0, 2 on bad input, 130 when interrupted."""
    from costmodel.collect.live import collect
    from costmodel.core.timebase import format_duration

    options = options_from_args(args)

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"dsqlcost collect: {message}", file=sys.stderr, flush=True)

    result = collect(options, progress=progress)
    window = result.window_seconds
    span = (
        f" over {window:.1f} s ({format_duration(round(window))})" if window is not None else " (cumulative)"
    )
    last = result.snapshots[-1].rows if result.snapshots else 0
    state = " (interrupted)" if result.interrupted else ""
    print(
        f"{result.out}: {len(result.snapshots)} snapshot(s){span}, {last} statements, "
        f"{result.tables} tables{state}"
    )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 130 if result.interrupted else 0
