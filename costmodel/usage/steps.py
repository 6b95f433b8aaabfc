"""What each usage step returns: plain columns (numpy arrays) and a few totals.

The types live apart from the steps so that a step reads an earlier step's result without
importing its code (the steps stay side by side, and the import chain stays short).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Defaults:
    """Declared defaults for tables the catalog does not describe (and the 128 B entry floor)."""

    entry_floor: float
    width: float
    indexes: float
    index_entry: float
    pk: float
    update_fraction: float
    delete_entry: float


@dataclass(frozen=True)
class TableKeys:
    """The tuple of tables each statement scans (the tables it reads; UPDATE, DELETE and MERGE also
    read the rows they change) and writes, as integer codes into the distinct tuples. They come from
    the statements alone, so a usage start keeps them for every run that reuses it."""

    scan_codes: np.ndarray
    scan_keys: tuple[tuple[str, ...], ...]
    written_codes: np.ndarray
    written_keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TupleFactors:
    """Table factors summed per distinct tuple of tables, and each statement's tuple.

    ``factors[name]`` is that factor for every statement, broadcast when a step reads it: a
    million statements have a few dozen table tuples, and two dozen per-statement arrays held
    through the reads and writes steps were some 200 bytes a statement in every range case.
    """

    codes: np.ndarray
    by_tuple: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.by_tuple[name][self.codes]


@dataclass(frozen=True)
class TableColumns:
    """Sums of table factors: ``scan`` for the tables a statement reads (UPDATE, DELETE and MERGE
    also read the rows they change), ``written`` for the tables it writes."""

    scan: TupleFactors
    written: TupleFactors
    unknown_index_tables: tuple[str, ...] = ()
    """Written tables whose secondary indexes the catalog does not list (counted as the default)."""


@dataclass(frozen=True)
class ReadFlags:
    """Statement shapes the read estimator branches on (vectorised booleans): they read the
    statements and their table tuples only, so a usage start keeps them."""

    has_source: np.ndarray
    point: np.ndarray
    scan_shape: np.ndarray
    accesses: np.ndarray
    joined: np.ndarray
    is_change: np.ndarray


@dataclass(frozen=True)
class CpuColumns:
    """Milliseconds per call."""

    exec_ms: np.ndarray
    plan_ms: np.ndarray
    io_ms: np.ndarray
    cpu_ms: np.ndarray
    estimator: np.ndarray
    """One string object per label (:func:`~costmodel.usage.columns.label_column`), as the usage
    table holds it: a text array took 44–52 bytes a row in every kept start or head."""
    jit_ms: np.ndarray
    """JIT compile time per call (part of exec_ms; NaN where the export has no jit_* columns)."""


@dataclass(frozen=True)
class ReadColumns:
    """Per call: rows returned, bytes read, rows scanned, and the estimator of each statement."""

    rows: np.ndarray
    rows_known: np.ndarray
    read_bytes: np.ndarray
    rows_scanned: np.ndarray
    estimator: np.ndarray
    """One string object per label (:func:`~costmodel.usage.columns.label_column`), as the usage
    table holds it: a text array took 44–52 bytes a row in every kept start or head."""
    pk_check: np.ndarray
    """INSERT/UPSERT uniqueness-check bytes per call (``read_bytes`` excludes them)."""
    unique_check: np.ndarray
    """INSERTs into a table with a primary key (or an unknown one): they pay the uniqueness check."""
    keyed_tables: np.ndarray
    """Tables read that have a primary key (or are unknown to the catalog): the compute model's
    keyed-table term (a key-less table is scanned by its hidden key, with no index to plan)."""


@dataclass(frozen=True)
class WriteColumns:
    """Per call: rows and bytes written, share of calls that write, PK check bytes; WAL counters."""

    rows_written: np.ndarray
    write_bytes: np.ndarray
    write_fraction: np.ndarray
    pk_check: np.ndarray
    estimator: np.ndarray
    """One string object per label (:func:`~costmodel.usage.columns.label_column`), as the usage
    table holds it: a text array took 44–52 bytes a row in every kept start or head."""
    wal: np.ndarray
    """wal_bytes per call (NaN where unknown): Serverless v2 write I/Os read it too."""
    dirtied: np.ndarray


@dataclass(frozen=True)
class TxnInference:
    """Statements per transaction, which witness gave it, and what the reader must be told."""

    statements_per_txn: float
    source: str
    """``scenario`` | ``measured`` | ``default`` (as recorded in the assumptions)."""
    witness: str
    """``scenario`` | ``pg_stat_database`` | ``BEGIN/COMMIT`` | ``autocommit`` | ``fallback``."""
    detail: str
    low: float
    high: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transactions:
    """Monthly transactions and the call counts they were derived from."""

    statements_per_txn: float
    source: str
    txns_month: float
    write_txns_month: float
    begin_calls: float
    end_calls: float
    work_calls: float
    write_calls: float
    inference: TxnInference | None = None
    """Which witness gave statements per transaction, its range and warnings."""

    @property
    def writes_per_write_txn(self) -> float:
        """Write statements per write transaction (≥ 1)."""
        return max(1.0, self.write_calls / self.write_txns_month) if self.write_txns_month > 0 else 1.0
