"""The Workload: what ingest produces and every later stage reads.

A :class:`Workload` is one table of statements (a pandas DataFrame, one row per
pg_stat_statements entry, or per merged statement with ``--group-by query``) plus the facts needed
to turn counters into rates: the observation :class:`Window` and where it came from, the column
generation, which signals were missing, and optional catalog facts and an activity series from a
``dsqlcost collect`` bundle.

Column conventions of ``Workload.statements``
---------------------------------------------
* Counters and timings use the canonical pg_stat_statements 1.12 (PostgreSQL 18) names
  (:data:`COUNTER_COLUMNS`), as ``float64``. **NaN means unknown** (the export lacked the column),
  never zero. Timings are milliseconds, as in pg_stat_statements.
* ``queryid`` is a nullable ``Int64`` (exact, also beyond 2**53); ``userid`` and ``dbid`` are
  nullable ``Int64`` oids; ``toplevel`` a nullable boolean (NA when the export predates PG14).
* ``query`` is the exact text (``None`` for NULL texts); ``stmt_id`` a short stable id used in
  reports and errors; ``source_row`` the 1-based data row in the source file, ``source_file`` its
  name.
* Extra columns from the export (``datname``, ``rolname``, …) are kept under their own names.
* ``unclassifiable`` is True for rows whose text is NULL or ``<insufficient privilege>``: they are
  costed from their counters but cannot be classified.

Classification (:mod:`costmodel.classify.frame`) adds the profile columns listed in
:mod:`costmodel.core.profile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pandas as pd

from costmodel.core.timebase import format_duration

IDENTITY_COLUMNS: tuple[str, ...] = ("userid", "dbid", "toplevel", "queryid", "query")

COUNTER_COLUMNS: tuple[str, ...] = (
    "plans",
    "total_plan_time",
    "min_plan_time",
    "max_plan_time",
    "mean_plan_time",
    "stddev_plan_time",
    "calls",
    "total_exec_time",
    "min_exec_time",
    "max_exec_time",
    "mean_exec_time",
    "stddev_exec_time",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "shared_blks_dirtied",
    "shared_blks_written",
    "local_blks_hit",
    "local_blks_read",
    "local_blks_dirtied",
    "local_blks_written",
    "temp_blks_read",
    "temp_blks_written",
    "shared_blk_read_time",
    "shared_blk_write_time",
    "local_blk_read_time",
    "local_blk_write_time",
    "temp_blk_read_time",
    "temp_blk_write_time",
    "wal_records",
    "wal_fpi",
    "wal_bytes",
    "wal_buffers_full",
    "jit_functions",
    "jit_generation_time",
    "jit_inlining_count",
    "jit_inlining_time",
    "jit_optimization_count",
    "jit_optimization_time",
    "jit_emission_count",
    "jit_emission_time",
    "jit_deform_count",
    "jit_deform_time",
    "parallel_workers_to_launch",
    "parallel_workers_launched",
)
"""Numeric columns in pg_stat_statements 1.12 order (float64, NaN = unknown)."""

IO_TIMING_COLUMNS: tuple[str, ...] = (
    "shared_blk_read_time",
    "shared_blk_write_time",
    "local_blk_read_time",
    "local_blk_write_time",
    "temp_blk_read_time",
    "temp_blk_write_time",
)
"""Time spent waiting for block I/O (ms; non-zero only with ``track_io_timing = on``)."""

TIMESTAMP_COLUMNS: tuple[str, ...] = ("stats_since", "minmax_stats_since")

CANONICAL_COLUMNS: tuple[str, ...] = IDENTITY_COLUMNS + COUNTER_COLUMNS + TIMESTAMP_COLUMNS

REQUIRED_COLUMNS: tuple[str, ...] = ("query", "calls", "total_exec_time")
"""The least an export must carry to be priced at all (``rows`` is strongly recommended)."""

# Counters that are cumulative and therefore subtracted between snapshots. min/max/mean/stddev
# are not cumulative; after a delta they describe the later snapshot only and mean_* is recomputed.
CUMULATIVE_COLUMNS: tuple[str, ...] = tuple(
    c for c in COUNTER_COLUMNS if not c.startswith(("min_", "max_", "mean_", "stddev_"))
)

SIGNALS: dict[str, tuple[str, ...]] = {
    "rows": ("rows",),
    "buffers": ("shared_blks_hit", "shared_blks_read"),
    "buffer writes": ("shared_blks_dirtied", "shared_blks_written"),
    "temp spills": ("temp_blks_read", "temp_blks_written"),
    "temp tables (local buffers)": ("local_blks_hit", "local_blks_read", "local_blks_written"),
    "I/O timing": ("shared_blk_read_time", "shared_blk_write_time"),
    "WAL volume": ("wal_bytes",),
    "planning time": ("total_plan_time",),
    "toplevel flag": ("toplevel",),
    "JIT": ("jit_functions",),
    "parallel workers": ("parallel_workers_launched",),
}
"""Named signals and the columns that carry them; a signal is *missing* when any column is unknown
for every statement. Reports name missing signals and the estimator used instead."""


@dataclass(frozen=True)
class Window:
    """The observation window: how many seconds the counters cover, and how we know.

    ``source`` is one of ``metadata`` (YAML beside the export or bundle), ``argument``
    (``--window``), ``stats_since`` / ``stats_reset`` (columns or pg_stat_statements_info, ending
    at the export time), or ``snapshots`` (two snapshots, counters are deltas).
    """

    seconds: float
    source: str
    detail: str
    start: datetime | None = None
    end: datetime | None = None

    def describe(self) -> str:
        """One line for reports: ``7200 s (2h) from snapshots: …``."""

        return f"{self.seconds:g} s ({format_duration(self.seconds)}) from {self.source}: {self.detail}"


@dataclass(frozen=True)
class IndexFacts:
    """One index of a table as recorded by ``dsqlcost collect``."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    primary: bool = False


@dataclass(frozen=True)
class TableFacts:
    """Catalog facts for one table: sizes and shapes that turn rows into bytes and key spaces."""

    schema: str
    name: str
    size_bytes: float | None = None
    row_estimate: float | None = None
    avg_row_width: float | None = None
    secondary_index_count: int | None = None
    primary_key: tuple[str, ...] = ()
    indexes: tuple[IndexFacts, ...] = ()
    column_n_distinct: dict[str, float] = field(default_factory=dict)
    """pg_stats ``n_distinct`` resolved to a count (negative fractions × row estimate)."""
    column_avg_width: dict[str, float] = field(default_factory=dict)
    table_bytes: float | None = None
    """Heap bytes (``pg_relation_size``, no TOAST or indexes): with ``row_estimate``, rows per page."""
    logical_row_bytes: float | None = None
    """Sampled mean logical (uncompressed, de-TOASTed) bytes per row: what DSQL bills."""
    stored_row_bytes: float | None = None
    """Sampled mean stored (compressed) bytes per row: logical / stored is the compression ratio."""


@dataclass(frozen=True)
class CatalogFacts:
    """Catalog facts of the observed database (from a bundle's ``catalog.yaml``)."""

    tables: dict[str, TableFacts]
    """Keyed by ``schema.name``; :meth:`table` also resolves bare names."""
    database_size_bytes: float | None = None
    source: str = ""

    def table(self, name: str) -> TableFacts | None:
        """Look a table up by ``schema.name`` or bare name (``public`` first, then any schema)."""
        key = name.lower()
        if key in self.tables:
            return self.tables[key]
        if "." not in key:
            if f"public.{key}" in self.tables:
                return self.tables[f"public.{key}"]
            for facts in self.tables.values():
                if facts.name.lower() == key:
                    return facts
        return None


@dataclass(frozen=True)
class ActivitySeries:
    """Per-interval activity measured by a series of snapshots (``dsqlcost collect --every``).

    ``intervals`` has one row per interval between consecutive snapshots, indexed by the interval
    start (UTC timestamps), with columns ``seconds`` (interval length), ``calls``, ``rows``,
    ``total_exec_time`` (ms), ``shared_blks_read``, ``shared_blks_hit``, ``wal_bytes`` (NaN when
    unknown): the sums over top-level statements of the counter deltas in that interval.
    """

    intervals: pd.DataFrame
    source: str = ""


@dataclass(frozen=True)
class Workload:
    """Statements with their counters, the window they cover, and what is known about them."""

    statements: pd.DataFrame
    window: Window
    sources: tuple[str, ...]
    generation: str
    """Detected column generation, e.g. ``1.10 (PostgreSQL 15–16)``."""
    missing_signals: tuple[str, ...] = ()
    rows_read: int = 0
    """Data rows read from the source files before filters."""
    excluded: dict[str, int] = field(default_factory=dict)
    """Rows left out of the statement table, by reason (``nested (toplevel = false)``, filters…)."""
    catalog: CatalogFacts | None = None
    series: ActivitySeries | None = None
    info: dict[str, Any] = field(default_factory=dict)
    """Server facts when known: ``server_version``, ``extversion``, ``dealloc``, ``stats_reset``,
    ``settings`` (track, track_utility, track_io_timing, track_planning, max) …"""
    notes: tuple[str, ...] = ()
    """Warnings for the reader (evictions, un-normalised texts, suspicious windows …)."""
    warnings: tuple[str, ...] = ()
    """What the estimate left out or inferred that a reader must see next to the verdict (statements
    set apart as monitoring …); reports list them with the pricing warnings."""

    @property
    def unclassifiable_count(self) -> int:
        """Rows whose text is NULL or ``<insufficient privilege>``."""
        if "unclassifiable" not in self.statements:
            return 0
        return int(self.statements["unclassifiable"].sum())

    def with_statements(self, statements: pd.DataFrame, **changes: Any) -> Workload:
        """A copy with a new statement table (used by classify and filters)."""
        return replace(self, statements=statements, **changes)
