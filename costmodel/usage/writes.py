"""Bytes written per call (DSQL WriteDPU); the INSERT uniqueness-check read comes from the reads step.

Rows affected × (row + one entry per secondary index, each at least 128 B) from the catalog facts
of each written table, else declared defaults. Statements that cannot be classified are costed
from ``wal_bytes`` (minus full-page images), else from dirtied pages, else left NaN and reported.
"""

from __future__ import annotations

import numpy as np

from costmodel.usage.columns import any_of, column, count_labels, label_column
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.model import WriteEstimator
from costmodel.usage.steps import ReadColumns, TableColumns, WriteColumns

_ESTIMATORS = (
    "rows: rows affected x (max(row, 128 B) + secondary index entries x "
    "max(entry, 128 B)), the row at its sampled logical width where collect measured it (TOASTed and "
    "compressed values at their real size), else the catalog's stored width; wal: wal_bytes minus full-page images for statements not classified as DML; "
    "dirtied: shared_blks_dirtied x write_bytes_per_dirtied_page; unknown: NaN, only the write minimum billed"
)
"""What each write estimator means, printed beside the count of statements using it."""


def write_columns(ctx: UsageContext, tables: TableColumns, reads: ReadColumns, notes: Notes) -> WriteColumns:
    """Bytes written per call by the estimator each statement's counters allow."""
    df, per, k, wr = ctx.df, ctx.per, ctx.kinds, tables.written
    rows, rows_known = reads.rows, reads.rows_known
    values_rows = column(df, "values_rows")
    per_row = np.select(
        [k.is_insert | k.is_merge, k.is_update, k.is_delete],
        [wr["insert_row"], wr["update_row"], wr["delete_row"]],
        default=wr["insert_row"],
    )
    has_written = wr["present"]
    dml_like = k.is_dml | (k.is_select & has_written)
    wal = column(df, "wal_bytes") * per
    fpi = np.nan_to_num(column(df, "wal_fpi")) * per
    dirtied = column(df, "shared_blks_dirtied") * per
    is_write_flag = _flagged_writes(ctx)
    use_values = dml_like & ~rows_known & k.is_insert & (np.nan_to_num(values_rows) > 0)
    write_est = np.select(
        [
            k.is_ctl | (k.is_select & ~has_written),
            dml_like & rows_known,
            use_values,
            ~np.isnan(wal) & (dml_like | k.counter_based),
            ~np.isnan(dirtied) & (dml_like | k.counter_based),
            dml_like | (k.counter_based & is_write_flag),
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
    wal_ratio = float(ctx.assumptions.get("wal_write_bytes_ratio"))
    dirtied_bytes = float(ctx.assumptions.get("write_bytes_per_dirtied_page"))
    by_rows = any_of(write_est, [WriteEstimator.ROWS.value, WriteEstimator.VALUES_ROWS.value])
    rows_written = np.select(
        [write_est == WriteEstimator.ROWS.value, write_est == WriteEstimator.VALUES_ROWS.value],
        [np.nan_to_num(rows), np.nan_to_num(values_rows)],
        default=np.where(write_est == WriteEstimator.NONE.value, 0.0, np.nan),
    )
    wal_bytes_net = np.maximum(np.nan_to_num(wal) - fpi * ctx.page, 0.0) * wal_ratio
    write_bytes = np.select(
        [
            write_est == WriteEstimator.NONE.value,
            by_rows,
            write_est == WriteEstimator.WAL.value,
            write_est == WriteEstimator.DIRTIED.value,
        ],
        [0.0, rows_written * per_row, wal_bytes_net, np.nan_to_num(dirtied) * dirtied_bytes],
        default=np.nan,
    )
    write_fraction = np.select(
        [write_est == WriteEstimator.NONE.value, by_rows, write_est == WriteEstimator.UNKNOWN.value],
        [0.0, np.clip(np.nan_to_num(rows_written), 0.0, 1.0), 1.0],
        default=(np.nan_to_num(write_bytes) > 0).astype(float),
    )
    notes.estimators["write_bytes"] = f"{count_labels(write_est)} ({_ESTIMATORS})"
    _warn_blind_writes(k.counter_based & np.isnan(wal) & np.isnan(dirtied) & ~is_write_flag, write_est, notes)
    _warn_unknown_indexes(by_rows & (wr["unknown_indexes"] > 0), tables, ctx, notes)
    return WriteColumns(
        rows_written=rows_written,
        write_bytes=write_bytes,
        write_fraction=write_fraction,
        pk_check=reads.pk_check,
        estimator=label_column(write_est, [member.value for member in WriteEstimator]),
        wal=wal,
        dirtied=dirtied,
    )


def _flagged_writes(ctx: UsageContext) -> np.ndarray:
    """Statements the classifier flagged as writes (``is_write``); none when unclassified."""
    df = ctx.df
    if "is_write" not in df.columns:
        return np.zeros(ctx.n, bool)
    return df["is_write"].eq(True).fillna(False).to_numpy(dtype=bool)


def _warn_unknown_indexes(mask: np.ndarray, tables: TableColumns, ctx: UsageContext, notes: Notes) -> None:
    """Unknown secondary indexes count as the default (0): never silently, the fix is named."""
    if not mask.any():
        return
    names = tables.unknown_index_tables or ("?",)
    default = float(ctx.assumptions.get("secondary_indexes_per_table"))
    notes.warnings.append(
        f"secondary indexes unknown for {len(names)} written table(s) ({', '.join(names[:5])}"
        f"{' …' if len(names) > 5 else ''}): counted as {default:g} (secondary_indexes_per_table); each "
        "index adds at least 128 B of WriteDPU per row written. Fix: collect a bundle with `dsqlcost "
        "collect` (its catalog lists every index) or set --assume secondary_indexes_per_table=N"
    )


def _warn_blind_writes(blind: np.ndarray, write_est: np.ndarray, notes: Notes) -> None:
    if blind.any():
        notes.warnings.append(
            f"{int(blind.sum())} unclassified statement(s) have no WAL or dirtied-page counters: read as "
            "read-only (no write bytes)"
        )
    if (write_est == WriteEstimator.UNKNOWN.value).any():
        notes.warnings.append(
            f"{int((write_est == WriteEstimator.UNKNOWN.value).sum())} write statement(s) have no rows, WAL or "
            "dirtied-page counters: their bytes written are unknown and only the write minimum is billed"
        )
