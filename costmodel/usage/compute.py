"""Workload × scenario → monthly usage per statement: the single place time math lives.

pg_stat_statements gives totals over an observation window; pricing needs per-call quantities
(bytes read and written, CPU time) and monthly volumes. This module turns one into the other for
every statement at once (vectorised: a 5,000-statement workload takes milliseconds) and says, per
statement and per quantity, which estimator produced the number, because several counters are
proxies that can be missing (``wal_bytes`` before PG13, I/O timings without ``track_io_timing``).

Estimators (the ``*_estimator`` columns, summarised in :attr:`Usage.estimators`):

* **CPU** — execution time minus the I/O wait that pg_stat_statements timed
  (``shared/local/temp_blk_*_time``), plus planning time when it was tracked. Without I/O timing
  the whole execution time counts (an over-estimate for I/O-bound statements).
* **Bytes read** (DSQL ReadDPU: every row *scanned*, 128 B floor per partition) — two readings of
  the counters: *rows* (rows returned × row width of each table read) and *buffers* (pages touched
  minus B-tree descents × page bytes × fill). Few data pages per returned row means index access,
  where pages over-state bytes (a 100 B row costs a whole 8 KiB page), so rows win; many pages per
  row means a scan with a filter or an aggregate, where rows under-state bytes, so buffers win.
  INSERTs and UPDATE/DELETE by key equality are read by rows: their buffers include the pages the
  write itself touched.
* **Bytes written** (DSQL WriteDPU) — rows affected × (row + one entry per secondary index, each
  at least 128 B) from the catalog facts of each written table, else declared defaults. Statements
  that cannot be classified are costed from ``wal_bytes`` (minus full-page images), else from
  dirtied pages, else left NaN and reported.
* **Transactions** — explicit ``BEGIN``/``COMMIT`` counts where the export has them, autocommit
  otherwise, or the scenario's ``statements_per_txn``.

Unknown counters stay NaN unless an estimator replaces them, and every replacement is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import ScenarioError
from costmodel.core.profile import KeyShape, ParseStatus, StatementKind
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import IO_TIMING_COLUMNS, CatalogFacts, Workload
from costmodel.scenario.model import Scenario

BYTES_PER_GB = 1024**3
"""AWS meters DSQL storage in GiB-month (billing doc) and Aurora in GB-month of 2**30 bytes."""
MS_PER_SECOND = 1000.0


@dataclass(frozen=True)
class _Facts:
    """Documented byte facts from the price files (formula constants, not assumptions)."""

    entry_floor: float
    """DSQL bills every row and index entry written at >= 128 B (``write_min_bytes_per_row``)."""
    partition_floor: float
    """…and every storage partition read at >= 128 B (``read_min_bytes_per_partition``)."""
    write_io_bytes: float
    """Aurora counts write I/Os in 4 KiB units of log (``write_io_unit_bytes``)."""


def _facts() -> _Facts:

    catalog = load_catalog()
    return _Facts(
        entry_floor=float(catalog.decimal_fact("aurora_dsql", "write_min_bytes_per_row")),
        partition_floor=float(catalog.decimal_fact("aurora_dsql", "read_min_bytes_per_partition")),
        write_io_bytes=float(catalog.decimal_fact("aurora_serverless_v2", "write_io_unit_bytes")),
    )


class ReadEstimator(StrEnum):
    """How ``read_bytes_per_call`` was estimated."""

    ROWS = "rows"
    """Rows returned × row width of the tables read (index access: few pages per row)."""
    BUFFERS = "buffers"
    """(Buffers touched − index descents) × page bytes × fill (a scan: many pages per row)."""
    ROWS_ONLY = "rows_only"
    """Rows × width because buffer counters are unknown: a lower bound for scans."""
    BUFFERS_ONLY = "buffers_only"
    """Buffers because ``rows`` is unknown."""
    NONE = "none"
    """Nothing read: transaction control, or an INSERT … VALUES (its PK check is separate)."""
    NO_SIGNAL = "no_signal"
    """Neither rows nor buffers known: only the per-transaction minimum is billed."""


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


_DML_WRITES = frozenset(
    {StatementKind.INSERT, StatementKind.UPDATE, StatementKind.DELETE, StatementKind.MERGE}
)
_KEYED_SHAPES = [k.value for k in (KeyShape.CONSTANT, KeyShape.PARAMETER, KeyShape.TENANT, KeyShape.UPSERT)]
"""Key shapes of an UPDATE/DELETE that finds its rows by key equality: read by rows, not buffers,
because a write's buffers also count the pages the write itself touches (new row versions, index
insertions, pruning), which DSQL does not bill as reads."""


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
        statements = self.statements.copy()
        for column in MONTHLY_COLUMNS:
            if column in statements:
                statements[column] = statements[column] * k
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


@dataclass(frozen=True)
class _Defaults:
    entry_floor: float
    width: float
    indexes: float
    index_entry: float
    pk: float
    update_fraction: float
    delete_entry: float


@dataclass(frozen=True)
class _TableFactors:
    """One table's byte factors (computed once per table name, then summed per tuple of tables)."""

    width: float
    insert_row: float
    update_row: float
    delete_row: float
    pk: float
    indexes: float
    defaulted: bool


def _table_factors(name: str, catalog: CatalogFacts | None, d: _Defaults) -> _TableFactors:
    floor = d.entry_floor
    facts = catalog.table(name) if catalog is not None and name != "?" else None
    width = facts.avg_row_width if facts is not None and facts.avg_row_width else None
    defaulted = facts is None or width is None
    width = float(width) if width else d.width
    if facts is not None and facts.secondary_index_count is not None:
        indexes = float(facts.secondary_index_count)
    elif facts is not None and facts.indexes:
        indexes = float(sum(1 for ix in facts.indexes if not ix.primary))
    else:
        indexes = d.indexes
    widths = facts.column_avg_width if facts is not None else {}
    pk_width = (
        sum(widths.get(c, np.nan) for c in facts.primary_key) if facts and facts.primary_key else np.nan
    )
    pk_width = float(pk_width) if np.isfinite(pk_width) and pk_width > 0 else d.pk
    entry_sizes = []
    for ix in facts.indexes if facts is not None else ():
        if not ix.primary:
            size = sum(widths.get(c, np.nan) for c in ix.columns) + pk_width
            entry_sizes.append(max(float(size), floor) if np.isfinite(size) else max(d.index_entry, floor))
    entry = float(np.mean(entry_sizes)) if entry_sizes else max(d.index_entry, floor)
    row = max(width, floor)
    return _TableFactors(
        width=width,
        insert_row=row + indexes * entry,
        update_row=row + indexes * d.update_fraction * entry,
        delete_row=(1.0 + indexes) * d.delete_entry,
        pk=pk_width,
        indexes=indexes,
        defaulted=defaulted,
    )


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float array; a missing column is all-NaN (unknown, never zero)."""
    if name in df.columns:
        column = df[name]
        if column.dtype == np.float64:  # the ingested counters: no conversion needed, only a copy
            return np.array(column.to_numpy(), dtype=float)
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(df), np.nan)


def _objects(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as an object array (None where the column is missing)."""
    if name not in df.columns:
        return np.full(len(df), None, dtype=object)
    return df[name].to_numpy(dtype=object)


def _table_keys(values: np.ndarray) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Codes and distinct tuples of a tables column (tuples from classify, lists after JSON, None)."""
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # lists are unhashable: convert, then factorize
        values = np.array([tuple(v) if isinstance(v, list | tuple) else () for v in values] + [None], object)[
            :-1
        ]
        codes, uniques = pd.factorize(values)
    keys = [tuple(u) if isinstance(u, list | tuple) else () for u in uniques]
    if (codes < 0).any():  # None / NaN: no tables
        codes = np.where(codes < 0, len(keys), codes)
        keys.append(())
    return codes, keys


_FACTOR_FIELDS = ("width", "insert_row", "update_row", "delete_row", "pk", "indexes")
_AGG_FIELDS = ("width_sum", "insert_row", "update_row", "delete_row", "pk", "index_entries")


def _agg_columns(
    codes: np.ndarray,
    keys: list[tuple[str, ...]],
    catalog: CatalogFacts | None,
    d: _Defaults,
    tables: dict[str, _TableFactors],
) -> dict[str, np.ndarray]:
    """Per-statement table factors, summed once per distinct tuple of tables and broadcast.

    Why per tuple: a workload has thousands of statements but only dozens of table sets, and a
    few dozen tables (``tables`` caches each one's factors). A tuple's factors are the sums of its
    tables' factors, added in the tuple's order (no tables: one defaulted table ``?``), done for
    all tuples at once, one table position at a time.
    """
    names = [key or ("?",) for key in keys]
    for tup in names:
        for name in tup:
            if name not in tables:
                tables[name] = _table_factors(name, catalog, d)
    index = {name: i for i, name in enumerate(tables)}
    factors = np.array([[getattr(tables[t], f) for f in _FACTOR_FIELDS] for t in tables], dtype=float)
    lengths = np.array([len(tup) for tup in names], dtype=np.intp)
    flat = np.array([index[name] for tup in names for name in tup], dtype=np.intp)
    starts = np.cumsum(lengths) - lengths
    sums = np.zeros((len(names), len(_FACTOR_FIELDS)))
    for j in range(int(lengths.max()) if len(names) else 0):
        at = flat[np.minimum(starts + j, len(flat) - 1)]
        sums = np.where((j < lengths)[:, None], sums + factors[at], sums)
    out = {f: sums[codes, i] for i, f in enumerate(_AGG_FIELDS)}
    out["n"] = lengths.astype(float)[codes]
    out["present"] = np.array([len(k) > 0 for k in keys], dtype=bool)[codes]
    return out


def _any_of(values: np.ndarray, options: list[str]) -> np.ndarray:
    """``np.isin`` for a few labels (plain comparisons: several times faster on text arrays)."""
    out = values == options[0]
    for option in options[1:]:
        out = out | (values == option)
    return np.asarray(out, dtype=bool)


def _setting(workload: Workload, name: str) -> str | None:
    settings = workload.info.get("settings") or {}
    value = settings.get(name)
    return None if value is None else str(value).strip().lower()


def _count(labels: np.ndarray) -> str:
    """``rows 120, buffers 30`` — how many statements each estimator served."""
    names, counts = np.unique(labels.astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return ", ".join(f"{names[i]} {counts[i]}" for i in order) or "none"


def compute_usage(workload: Workload, scenario: Scenario, assumptions: AssumptionSet) -> Usage:
    """Per-statement per-call quantities and monthly volumes of ``workload`` under ``scenario``.

    ``assumptions`` resolves every modelling constant (declared in
    ``costmodel/data/assumptions/usage.yaml``) and records the ones used; scenario overrides are
    expected to be in it already (build it with :func:`costmodel.scenario.model.scenario_assumptions`).
    The same set is read later by the pricing stages, so one report lists every assumption once.
    """
    df = workload.statements
    n = len(df)
    warnings: list[str] = []
    estimators: dict[str, str] = {}
    window = float(workload.window.seconds)
    growth = float(scenario.growth)
    scale = SECONDS_PER_MONTH / window * growth

    page = float(assumptions.get("page_bytes"))
    if workload.info.get("block_size"):
        page = float(workload.info["block_size"])
        assumptions.record("page_bytes", page, "bytes", "measured", "Block size reported by the server")
    fill = float(assumptions.get("heap_page_fill_fraction"))
    descent_pages = float(assumptions.get("index_descent_pages"))
    point_pages = float(assumptions.get("point_access_pages_per_row"))
    facts = _facts()
    d = _Defaults(
        entry_floor=facts.entry_floor,
        width=float(assumptions.get("row_width_bytes")),
        indexes=float(assumptions.get("secondary_indexes_per_table")),
        index_entry=float(assumptions.get("index_entry_bytes")),
        pk=float(assumptions.get("pk_key_bytes")),
        update_fraction=float(assumptions.get("update_index_fraction")),
        delete_entry=float(assumptions.get("delete_entry_bytes")),
    )

    # --- calls and per-call divisor -------------------------------------------------------------
    calls = _column(df, "calls")
    if np.isnan(calls).any():
        warnings.append(f"{int(np.isnan(calls).sum())} statement(s) without a calls count are not costed")
    calls = np.nan_to_num(calls, nan=0.0)
    per = np.divide(1.0, calls, out=np.zeros(n), where=calls > 0)
    calls_month = calls * scale

    # --- kinds ------------------------------------------------------------------------------------
    kind = _objects(df, "kind") if "kind" in df.columns else np.full(n, StatementKind.UNKNOWN.value)
    if "parse_status" in df.columns:
        trusted = _objects(df, "parse_status") == ParseStatus.OK.value
        kind = np.where(trusted, kind, StatementKind.UNKNOWN.value)
    else:
        estimators["classification"] = "workload not classified: every statement costed from its counters"
    kind = np.where(pd.isna(kind), StatementKind.UNKNOWN.value, kind).astype(str)
    tc = _objects(df, "transaction_control") if "transaction_control" in df.columns else np.full(n, None)
    is_ctl = (kind == StatementKind.TRANSACTION.value) | ~pd.isna(tc)
    is_insert = kind == StatementKind.INSERT.value
    is_update = kind == StatementKind.UPDATE.value
    is_delete = kind == StatementKind.DELETE.value
    is_merge = kind == StatementKind.MERGE.value
    is_select = kind == StatementKind.SELECT.value
    is_dml = _any_of(kind, [k.value for k in _DML_WRITES])
    counter_based = ~(is_dml | is_select | is_ctl)

    # --- table facts --------------------------------------------------------------------------------
    read_codes, read_keys = _table_keys(_objects(df, "tables_read"))
    written_codes, written_keys = _table_keys(_objects(df, "tables_written"))
    scan_codes, scan_keys = read_codes.copy(), list(read_keys)
    position = {key: i for i, key in enumerate(scan_keys)}
    changing = np.flatnonzero(is_update | is_delete | is_merge)  # they read the rows they change
    if len(changing):
        pairs = read_codes[changing] * (len(written_keys) + 1) + written_codes[changing]
        _, first, inverse = np.unique(pairs, return_index=True, return_inverse=True)
        pair_code = np.empty(len(first), dtype=scan_codes.dtype)
        for u in np.argsort(first, kind="stable").tolist():  # new keys in order of first appearance
            i = changing[first[u]]
            key = tuple(dict.fromkeys(read_keys[read_codes[i]] + written_keys[written_codes[i]]))
            if key not in position:
                position[key] = len(scan_keys)
                scan_keys.append(key)
            pair_code[u] = position[key]
        scan_codes[changing] = pair_code[inverse.reshape(-1)]
    tables: dict[str, _TableFactors] = {}
    rd = _agg_columns(scan_codes, scan_keys, workload.catalog, d, tables)
    wr = _agg_columns(written_codes, written_keys, workload.catalog, d, tables)
    has_source, has_written = rd["present"], wr["present"]
    used_tables = {t for key in (*scan_keys, *written_keys) for t in key}
    defaulted = sorted(t for t in used_tables if tables[t].defaulted and t != "?")
    estimators["row_widths"] = (
        f"catalog facts for {len(used_tables) - len(defaulted)} table(s); defaults (row_width_bytes, "
        f"secondary_indexes_per_table, index_entry_bytes, pk_key_bytes) for {len(defaulted)}"
        + (f": {', '.join(defaulted[:10])}{' …' if len(defaulted) > 10 else ''}" if defaulted else "")
    )

    # --- CPU ----------------------------------------------------------------------------------------
    exec_ms = _column(df, "total_exec_time") * per
    plan_total = _column(df, "total_plan_time")
    planning_on = _setting(workload, "pg_stat_statements.track_planning") == "on" or bool(
        np.nansum(plan_total) > 0
    )
    plan_ms = np.where(planning_on & ~np.isnan(plan_total), np.nan_to_num(plan_total) * per, 0.0)
    estimators["planning"] = (
        "planning time included (track_planning on)"
        if planning_on
        else "planning time not tracked: CPU is execution only"
    )
    io_cols = [_column(df, c) for c in IO_TIMING_COLUMNS]
    io_known = ~np.all([np.isnan(c) for c in io_cols], axis=0)
    timing = _setting(workload, "track_io_timing")
    reads_blocks = np.nansum(_column(df, "shared_blks_read")) > 0
    timed = np.nansum(np.nan_to_num(io_cols[0])) > 0
    if timing == "off" or (timing is None and reads_blocks and not timed):
        io_known[:] = False
    io_ms = np.where(io_known, np.nansum(io_cols, axis=0) * per, np.nan)
    cpu_ms = (
        np.where(io_known, np.maximum(np.nan_to_num(exec_ms) - np.nan_to_num(io_ms), 0.0), exec_ms) + plan_ms
    )
    cpu_est = np.where(io_known, CpuEstimator.EXEC_MINUS_IO.value, CpuEstimator.EXEC.value)
    estimators["cpu"] = (
        f"{_count(cpu_est)} (exec_minus_io: total_exec_time minus timed I/O waits; exec: I/O timing "
        f"{'off' if timing == 'off' else 'not recorded'}, the whole execution time counts)"
    )

    # --- reads --------------------------------------------------------------------------------------
    rows = _column(df, "rows") * per
    pages = (_column(df, "shared_blks_hit") + _column(df, "shared_blks_read")) * per
    rows_known = ~np.isnan(rows)
    pages_known = ~np.isnan(pages)
    idx_w = np.where(is_update | is_merge, d.update_fraction, 1.0) * wr["index_entries"]
    written_rows_for_pages = np.where(is_update | is_delete | is_merge, np.nan_to_num(rows), 0.0)
    descents = (
        descent_pages * (np.maximum(rd["n"], 1.0) + written_rows_for_pages * idx_w) + written_rows_for_pages
    )
    data_pages = np.maximum(np.nan_to_num(pages) - descents, 0.0)
    width_sum = np.where(counter_based | ~has_source, d.width, rd["width_sum"])
    n_tables = np.where(counter_based | ~has_source, 1.0, rd["n"])
    floor_bytes = facts.partition_floor * n_tables
    rows_bytes = np.where(
        np.nan_to_num(rows) > 0, np.maximum(np.nan_to_num(rows) * width_sum, floor_bytes), 0.0
    )
    buffer_bytes = data_pages * page * fill
    index_access = data_pages <= point_pages * np.nan_to_num(rows)
    key_shape = _objects(df, "key_shape")
    keyed_write = (is_update | is_delete | is_merge) & np.isin(key_shape, _KEYED_SHAPES)
    read_est = np.select(
        [
            is_ctl,
            is_insert & ~has_source,
            (is_insert | keyed_write) & rows_known,
            rows_known & pages_known & (index_access & ~counter_based),
            rows_known & pages_known,
            rows_known,
            pages_known,
        ],
        [
            ReadEstimator.NONE.value,
            ReadEstimator.NONE.value,
            ReadEstimator.ROWS.value,
            ReadEstimator.ROWS.value,
            ReadEstimator.BUFFERS.value,
            ReadEstimator.ROWS_ONLY.value,
            ReadEstimator.BUFFERS_ONLY.value,
        ],
        default=ReadEstimator.NO_SIGNAL.value,
    )
    read_bytes = np.select(
        [
            _any_of(read_est, [ReadEstimator.NONE.value, ReadEstimator.NO_SIGNAL.value]),
            _any_of(read_est, [ReadEstimator.ROWS.value, ReadEstimator.ROWS_ONLY.value]),
        ],
        [0.0, rows_bytes],
        default=np.maximum(buffer_bytes, rows_bytes),
    )
    mean_width = width_sum / n_tables
    rows_scanned = np.where(
        _any_of(read_est, [ReadEstimator.ROWS.value, ReadEstimator.ROWS_ONLY.value]),
        np.nan_to_num(rows),
        read_bytes / mean_width,
    )
    estimators["read_bytes"] = (
        f"{_count(read_est)} (rows: rows returned x row width, for index access at <= "
        f"{point_pages:g} data pages per row, INSERTs and UPDATE/DELETE by key equality; buffers: (shared_blks_hit + shared_blks_read - "
        f"{descent_pages:g} descent pages per table) x {page:g} B x {fill:g}; rows_only/buffers_only: the "
        "other counter is unknown; no_signal: billed at the transaction minimum)"
    )
    if (read_est == ReadEstimator.NO_SIGNAL.value).any():
        warnings.append(
            f"{int((read_est == ReadEstimator.NO_SIGNAL.value).sum())} statement(s) have neither rows nor "
            "buffer counters: their reads are billed at the transaction minimum only"
        )

    # --- writes -------------------------------------------------------------------------------------
    values_rows = _column(df, "values_rows")
    per_row = np.select(
        [is_insert | is_merge, is_update, is_delete],
        [wr["insert_row"], wr["update_row"], wr["delete_row"]],
        default=wr["insert_row"],
    )
    dml_like = is_dml | (is_select & has_written)
    wal = _column(df, "wal_bytes") * per
    fpi = np.nan_to_num(_column(df, "wal_fpi")) * per
    dirtied = _column(df, "shared_blks_dirtied") * per
    is_write_flag = (
        df["is_write"].eq(True).fillna(False).to_numpy(dtype=bool)
        if "is_write" in df.columns
        else np.zeros(n, bool)
    )
    use_values = dml_like & ~rows_known & is_insert & (np.nan_to_num(values_rows) > 0)
    write_est = np.select(
        [
            is_ctl | (is_select & ~has_written),
            dml_like & rows_known,
            use_values,
            ~np.isnan(wal) & (dml_like | counter_based),
            ~np.isnan(dirtied) & (dml_like | counter_based),
            dml_like | (counter_based & is_write_flag),
        ],
        [
            WriteEstimator.NONE.value,
            WriteEstimator.ROWS.value,
            WriteEstimator.VALUES_ROWS.value,
            WriteEstimator.WAL.value,
            WriteEstimator.DIRTIED.value,
            WriteEstimator.UNKNOWN.value,
        ],
        default=WriteEstimator.NONE.value,
    )
    wal_ratio = float(assumptions.get("wal_write_bytes_ratio"))
    dirtied_bytes = float(assumptions.get("write_bytes_per_dirtied_page"))
    rows_written = np.select(
        [write_est == WriteEstimator.ROWS.value, write_est == WriteEstimator.VALUES_ROWS.value],
        [np.nan_to_num(rows), np.nan_to_num(values_rows)],
        default=np.where(write_est == WriteEstimator.NONE.value, 0.0, np.nan),
    )
    wal_bytes_net = np.maximum(np.nan_to_num(wal) - fpi * page, 0.0) * wal_ratio
    write_bytes = np.select(
        [
            write_est == WriteEstimator.NONE.value,
            _any_of(write_est, [WriteEstimator.ROWS.value, WriteEstimator.VALUES_ROWS.value]),
            write_est == WriteEstimator.WAL.value,
            write_est == WriteEstimator.DIRTIED.value,
        ],
        [0.0, rows_written * per_row, wal_bytes_net, np.nan_to_num(dirtied) * dirtied_bytes],
        default=np.nan,
    )
    write_fraction = np.select(
        [
            write_est == WriteEstimator.NONE.value,
            _any_of(write_est, [WriteEstimator.ROWS.value, WriteEstimator.VALUES_ROWS.value]),
            write_est == WriteEstimator.UNKNOWN.value,
        ],
        [0.0, np.clip(np.nan_to_num(rows_written), 0.0, 1.0), 1.0],
        default=(np.nan_to_num(write_bytes) > 0).astype(float),
    )
    pk_rows = np.where(is_insert | is_merge, np.nan_to_num(rows_written), 0.0)
    pk_check = np.where(pk_rows > 0, np.maximum(pk_rows * wr["pk"], facts.partition_floor), 0.0)
    estimators["write_bytes"] = (
        f"{_count(write_est)} (rows: rows affected x (max(row, 128 B) + secondary index entries x "
        "max(entry, 128 B)); wal: wal_bytes minus full-page images for statements not classified as DML; "
        "dirtied: shared_blks_dirtied x write_bytes_per_dirtied_page; unknown: NaN, only the write minimum billed)"
    )
    blind = counter_based & np.isnan(wal) & np.isnan(dirtied) & ~is_write_flag
    if blind.any():
        warnings.append(
            f"{int(blind.sum())} unclassified statement(s) have no WAL or dirtied-page counters: read as "
            "read-only (no write bytes)"
        )
    if (write_est == WriteEstimator.UNKNOWN.value).any():
        warnings.append(
            f"{int((write_est == WriteEstimator.UNKNOWN.value).sum())} write statement(s) have no rows, WAL or "
            "dirtied-page counters: their bytes written are unknown and only the write minimum is billed"
        )

    # --- Serverless v2 inputs ---------------------------------------------------------------------
    io_unit = facts.write_io_bytes
    ios_per_dirtied = float(assumptions.get("write_ios_per_dirtied_page"))
    write_ios_call = np.where(~np.isnan(wal), np.nan_to_num(wal) / io_unit, dirtied * ios_per_dirtied)
    estimators["write_ios"] = (
        f"wal_bytes per call / {io_unit:g} (Aurora packs log records into {io_unit:g}-byte I/Os), at least one "
        "I/O per write transaction shared by its write statements, x calls"
        if not np.isnan(wal).any()
        else f"wal_bytes unknown for {int(np.isnan(wal).sum())} statement(s): shared_blks_dirtied x "
        "write_ios_per_dirtied_page instead (NaN where that is unknown too)"
    )
    read_blks = _column(df, "shared_blks_read")
    estimators["read_ios"] = (
        "shared_blks_read x month / window"
        if not np.isnan(read_blks).any()
        else f"shared_blks_read unknown for {int(np.isnan(read_blks).sum())} statement(s): read I/Os NaN there"
    )

    retry = _column(df, "retry_factor")
    out = pd.DataFrame(
        {
            "stmt_id": df["stmt_id"]
            if "stmt_id" in df.columns
            else pd.Series(df.index.astype(str), index=df.index),
            "kind": kind,
            "is_txn_control": is_ctl,
            "is_write": write_fraction > 0,
            "calls_window": calls,
            "calls_month": calls_month,
            "rows_per_call": rows,
            "exec_ms_per_call": exec_ms,
            "plan_ms_per_call": plan_ms,
            "io_wait_ms_per_call": io_ms,
            "cpu_ms_per_call": cpu_ms,
            "cpu_estimator": cpu_est,
            "rows_scanned_per_call": rows_scanned,
            "read_bytes_per_call": read_bytes,
            "read_estimator": read_est,
            "rows_written_per_call": rows_written,
            "write_bytes_per_call": write_bytes,
            "write_call_fraction": write_fraction,
            "write_estimator": write_est,
            "pk_check_bytes_per_call": pk_check,
            "temp_bytes_per_call": _column(df, "temp_blks_written") * per * page,
            "exec_seconds_month": exec_ms / MS_PER_SECOND * calls_month,
            "cpu_seconds_month": cpu_ms / MS_PER_SECOND * calls_month,
            "read_ios_month": read_blks * scale,
            "write_ios_month": write_ios_call * calls_month,
            "wal_bytes_month": _column(df, "wal_bytes") * scale,
            "retry_factor": np.nan_to_num(retry, nan=0.0),
        },
        index=df.index,
    )

    # --- transactions -----------------------------------------------------------------------------
    tc_s = pd.Series(tc, index=df.index, dtype=object)
    begin_calls = float(calls_month[(tc_s == "begin").to_numpy()].sum())
    end_calls = float(calls_month[tc_s.isin(["commit", "rollback", "commit_prepared"]).to_numpy()].sum())
    work_calls = float(calls_month[~is_ctl].sum())
    write_calls = float((calls_month * write_fraction)[~is_ctl].sum())
    explicit = begin_calls if begin_calls > 0 else end_calls
    if scenario.statements_per_txn is not None:
        if not scenario.statements_per_txn >= 1:
            raise ScenarioError(
                f"statements_per_txn is {scenario.statements_per_txn!r}",
                column="statements_per_txn",
                hint="give the average number of statements per transaction, 1 or more",
            )
        spt, spt_source = float(scenario.statements_per_txn), "scenario"
        spt_detail = f"scenario statements_per_txn = {spt:g}"
    elif explicit > 0:
        spt, spt_source = max(1.0, work_calls / explicit), "measured"
        spt_detail = (
            f"statement calls / explicit transactions (BEGIN/COMMIT calls) = {spt:.4g}; assumes every "
            "statement runs inside an explicit transaction"
        )
    else:
        spt, spt_source = 1.0, "default"
        spt_detail = "no BEGIN/COMMIT in the export: autocommit, one statement per transaction"
    assumptions.record("statements_per_txn", spt, "statements", spt_source, spt_detail)
    estimators["statements_per_txn"] = spt_detail
    txns = work_calls / spt
    write_txns = min(txns, write_calls)
    estimators["write_txns"] = (
        "min(transactions, write statement calls): each write statement in its own transaction until "
        "every transaction holds one (conservative for the write minimum)"
    )
    # Each commit flushes at least one log I/O: a statement that writes WAL costs at least its share of
    # one I/O per write transaction, however few bytes it logs.
    writes_per_txn = max(1.0, write_calls / write_txns) if write_txns > 0 else 1.0
    io_floor = np.where(np.nan_to_num(wal) > 0, write_fraction / writes_per_txn, 0.0)
    out["write_ios_month"] = (
        np.where(~np.isnan(wal), np.maximum(write_ios_call, io_floor), write_ios_call) * calls_month
    )

    # --- storage ------------------------------------------------------------------------------------
    if scenario.storage.gb is not None:
        storage_gb, storage_source = float(scenario.storage.gb), "scenario storage.gb"
        assumptions.record("storage_gb", storage_gb, "GB", "scenario", "Stored data (scenario storage.gb)")
    elif workload.catalog is not None and workload.catalog.database_size_bytes:
        storage_gb = float(workload.catalog.database_size_bytes) / BYTES_PER_GB
        storage_source = f"catalog database_size_bytes ({workload.catalog.source or 'bundle'})"
        assumptions.record(
            "storage_gb", storage_gb, "GB", "measured", "Database size from the bundle catalog"
        )
    else:
        storage_gb, storage_source = float(assumptions.get("storage_gb")), "default assumption storage_gb"
    estimators["storage"] = f"{storage_gb:,.3f} GB from {storage_source}"

    return Usage(
        statements=out,
        txns_month=txns,
        write_txns_month=write_txns,
        statements_per_txn=spt,
        statements_per_txn_source=spt_source,
        storage_gb=storage_gb,
        storage_source=storage_source,
        assumptions=assumptions,
        estimators=estimators,
        window_seconds=window,
        growth=growth,
        warnings=tuple(warnings),
        counts={
            "calls_month": float(calls_month.sum()),
            "statement_calls_month": work_calls,
            "write_calls_month": write_calls,
            "begin_calls_month": begin_calls,
            "end_calls_month": end_calls,
        },
    )
