"""Options shared by every command that reads a workload, and a small progress bar.

``ingest``, ``classify``, ``report``, ``readiness`` … all start from the same question — which
exports, which window, which statements — so they declare the same options through
:func:`add_workload_arguments` and load through :func:`load_workload_from_args`. Keeping that in one
place means one spelling and one help text for ``--window`` everywhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import IO, Any

from costmodel.core.workload import Workload

WINDOW_HELP = (
    "how long the counters ran (3600s, 90m, 2h, 7d); overrides every other window source "
    "(snapshots, .meta.yaml, stats_since, stats_reset)"
)


LINT_CACHE_HELP = (
    "lint every statement text with dsql-lint afresh: by default the diagnostics of texts linted "
    "before by the same dsql-lint binary come from a cache in ~/.cache/dsqlcost ($XDG_CACHE_HOME, "
    "$DSQLCOST_CACHE_DIR), so a re-run lints only new texts"
)


def add_lint_cache_argument(parser: argparse.ArgumentParser | Any) -> None:
    """Add ``--no-lint-cache`` (report, readiness, dashboard)."""
    parser.add_argument("--no-lint-cache", action="store_true", help=LINT_CACHE_HELP)


def apply_lint_cache(args: argparse.Namespace) -> None:
    """Turn the dsql-lint cache off for this process when ``--no-lint-cache`` was given."""
    if getattr(args, "no_lint_cache", False):
        from costmodel.readiness.lintcache import set_lint_cache

        set_lint_cache(False)


def add_workload_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``EXPORT…`` and the options that choose what is read as the workload."""
    parser.add_argument(
        "exports",
        nargs="+",
        metavar="EXPORT",
        help="pg_stat_statements export (CSV, TSV, JSON, JSON lines; may be gzipped) or a bundle directory "
        "written by `dsqlcost collect`",
    )
    parser.add_argument(
        "--since",
        metavar="FILE",
        help="an earlier export of the same server: counters become deltas, the window the time between them",
    )
    parser.add_argument("--window", metavar="DURATION", help=WINDOW_HELP)
    parser.add_argument(
        "--max-bytes",
        metavar="SIZE",
        help="refuse an input (or a gzip expansion) larger than this: 4GiB by default; 500MB, 8GiB …",
    )
    parser.add_argument(
        "--database",
        dest="databases",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only this database (name where the export has datname, else oid); repeatable",
    )
    parser.add_argument(
        "--user",
        dest="users",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only this role (name where the export has rolname, else oid); repeatable",
    )
    parser.add_argument(
        "--include-nested",
        action="store_true",
        help="keep nested statements (toplevel = false); they double count the work of their callers",
    )
    parser.add_argument(
        "--include-monitoring",
        action="store_true",
        help="keep monitoring and exporter statements (pg_stat_statements reads and resets, catalog-only "
        "queries, the export's temp table and COPY); they are set apart by default",
    )
    parser.add_argument(
        "--group-by",
        choices=("query",),
        default=None,
        help="merge the same statement text across users and databases",
    )


def load_workload_from_args(args: argparse.Namespace, *, jobs: int = 1) -> Workload:
    """Load the workload the options of :func:`add_workload_arguments` describe (a large CSV export
    read in pieces over ``jobs`` processes)."""
    from costmodel.ingest.load import load_workload

    bar = ProgressBar()
    try:
        return load_workload(
            args.exports,
            since=args.since,
            window=args.window,
            databases=args.databases,
            users=args.users,
            include_nested=args.include_nested,
            group_by=args.group_by,
            progress=bar.update,
            include_monitoring=args.include_monitoring,
            jobs=jobs,
        )
    finally:
        bar.close()


class ProgressBar:
    """A one-line progress bar on stderr, silent when stderr is not a terminal.

    ``update(label, done, total)`` redraws at most every 0.1 s; :meth:`close` clears the line.
    Commands pass :meth:`update` as the ``progress`` callback of long operations.
    """

    WIDTH = 30

    def __init__(self, stream: IO[str] | None = None, *, force: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = force or bool(isatty and isatty())
        self._last = 0.0
        self._drawn = False

    def update(self, label: str, done: int, total: int) -> None:
        """Show ``label`` with ``done`` of ``total``."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        share = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{label[:40]:<40} [{bar}] {share:4.0%}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Clear the line (nothing to do when nothing was drawn)."""
        if self._drawn:
            self.stream.write("\r" + " " * (40 + self.WIDTH + 8) + "\r")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
