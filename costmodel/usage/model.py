"""The usage stage's result type and the names of its estimators.

:class:`Usage` is what pricing reads: per-statement per-call quantities and monthly volumes, plus
workload totals. The ``*Estimator`` enums name how each quantity was estimated, per statement, so
a report can say which counters stood behind a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.usage.memory import WorkingSet
from costmodel.usage.read_bytes import ReadEstimator

BYTES_PER_GB = 1024**3
"""AWS meters DSQL storage in GiB-month (billing doc) and Aurora in GB-month of 2**30 bytes."""
MS_PER_SECOND = 1000.0

__all__ = ["BYTES_PER_GB", "MS_PER_SECOND", "CpuEstimator", "ReadEstimator", "Usage", "WriteEstimator"]


class WriteEstimator(StrEnum):
    """How ``write_bytes_per_call`` was estimated."""

    NONE = "none"
    """Read-only statement."""
    ROWS = "rows"
    """Rows affected × (row + secondary index entries) from catalog facts or defaults."""
    VALUES_ROWS = "values_rows"
    """``rows`` unknown: the INSERT's VALUES row count × the same widths."""
    WAL = "wal"
    """Not classifiable as DML: (wal_bytes − wal_fpi × page) × ``wal_write_bytes_ratio``."""
    DIRTIED = "dirtied"
    """No WAL counters: dirtied pages × ``write_bytes_per_dirtied_page`` (a floor)."""
    UNKNOWN = "unknown"
    """A write with no usable signal: NaN bytes (only the write minimum is billed), reported."""


class CpuEstimator(StrEnum):
    """How ``cpu_ms_per_call`` was estimated."""

    EXEC_MINUS_IO = "exec_minus_io"
    """total_exec_time − timed I/O waits (track_io_timing on)."""
    EXEC = "exec"
    """total_exec_time as is: I/O wait unknown (track_io_timing off or not exported)."""


MONTHLY_COLUMNS: tuple[str, ...] = (
    "calls_month",
    "exec_seconds_month",
    "cpu_seconds_month",
    "read_ios_month",
    "write_ios_month",
    "wal_bytes_month",
)
"""Per-statement columns that are monthly totals (they scale with growth); the others are per call."""


@dataclass(frozen=True, eq=False)
class Usage:
    """Monthly usage of a workload under a scenario: per statement plus workload totals.

    ``statements`` is index-aligned with ``workload.statements`` (same index, ``stmt_id`` column)
    and holds per call: ``rows_per_call``, ``exec_ms_per_call``, ``plan_ms_per_call``,
    ``io_wait_ms_per_call``, ``cpu_ms_per_call``, ``rows_scanned_per_call``,
    ``read_bytes_per_call``, ``rows_written_per_call``, ``write_bytes_per_call``,
    ``write_call_fraction`` (share of calls that write at all), ``pk_check_bytes_per_call``,
    ``temp_bytes_per_call``, ``retry_factor``; ``calls_window`` (as observed); per month: ``calls_month``, ``exec_seconds_month``,
    ``cpu_seconds_month``, ``read_ios_month``, ``write_ios_month``, ``wal_bytes_month``; and the
    flags ``kind`` (effective), ``is_txn_control``, ``is_write`` plus the ``*_estimator`` columns.
    """

    statements: pd.DataFrame
    txns_month: float
    write_txns_month: float
    statements_per_txn: float
    statements_per_txn_source: str
    storage_gb: float
    storage_source: str
    assumptions: AssumptionSet
    estimators: dict[str, str]
    window_seconds: float
    growth: float
    warnings: tuple[str, ...] = ()
    counts: dict[str, Any] = field(default_factory=dict)
    """Workload-level sums: ``calls_month``, ``write_calls_month``, ``begin_calls_month`` …"""
    txn: Any = None
    """The :class:`costmodel.usage.transactions.TxnInference`: which witness gave statements per
    transaction, its plausible range and warnings (None for usages built by hand)."""
    active_on_cpu_samples: tuple[int, ...] = ()
    """Client backends active and on CPU at each collected snapshot (``dsqlcost collect``)."""
    working_set: WorkingSet = field(default_factory=lambda: WorkingSet(None, "unknown"))
    """Bytes Serverless v2 should keep in memory, and the rule that found them (:mod:`.memory`)."""

    @property
    def calls_window(self) -> pd.Series:
        """Calls per statement in the observed window, without growth (for calibration against it)."""
        return self.statements["calls_window"]

    def scaled(self, growth: float) -> Usage:
        """This usage at another growth multiplier: every monthly quantity scales linearly.

        Per-call figures, statements per transaction and storage do not depend on growth, so a
        what-if that only moves the growth slider needs no new pass over the statements.
        """
        if growth == self.growth:
            return self
        if self.growth <= 0:
            raise ValueError("cannot rescale a usage computed at growth 0")
        k = growth / self.growth
        # only the monthly columns are new: the per-call ones are shared with this usage (pandas
        # copies on write), where ``.copy()`` duplicated and re-consolidated every column of a
        # 150,000-row table on each growth what-if
        frame = self.statements
        statements = frame.assign(**{c: frame[c] * k for c in MONTHLY_COLUMNS if c in frame})
        return replace(
            self,
            statements=statements,
            txns_month=self.txns_month * k,
            write_txns_month=self.write_txns_month * k,
            growth=growth,
            counts={
                key: (value * k if key.endswith("_month") else value) for key, value in self.counts.items()
            },
        )

    @property
    def writes_per_write_txn(self) -> float:
        """Write statements per write transaction (≥ 1): how a write statement shares the write minimum."""
        writes = float(self.counts.get("write_calls_month", 0.0))
        return max(1.0, writes / self.write_txns_month) if self.write_txns_month > 0 else 1.0
