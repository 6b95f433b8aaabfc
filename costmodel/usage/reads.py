"""Bytes read per call (DSQL ReadDPU bills every row *scanned*, 128 B floor per partition).

Two readings of the counters: *rows* (rows returned × row width of each table read) and *buffers*
(pages touched minus B-tree descents × page bytes × fill). Few data pages per returned row means
index access, where pages over-state bytes (a 100 B row costs a whole 8 KiB page), so rows win;
many pages per row means a scan with a filter or an aggregate, where rows under-state bytes, so
buffers win. INSERTs and UPDATE/DELETE by key equality are read by rows: their buffers include the
pages the write itself touched.
"""

from __future__ import annotations

import numpy as np

from costmodel.usage.columns import any_of, column, count_labels, objects
from costmodel.usage.context import KEYED_SHAPES, Notes, UsageContext
from costmodel.usage.model import ReadEstimator
from costmodel.usage.steps import Defaults, ReadColumns, TableColumns


def read_columns(ctx: UsageContext, tables: TableColumns, d: Defaults, notes: Notes) -> ReadColumns:
    """Bytes read per call by the estimator each statement's counters allow."""
    df, per, k, a = ctx.df, ctx.per, ctx.kinds, ctx.assumptions
    rd, wr = tables.scan, tables.written
    fill = float(a.get("heap_page_fill_fraction"))
    descent_pages = float(a.get("index_descent_pages"))
    point_pages = float(a.get("point_access_pages_per_row"))
    has_source = rd["present"]
    rows = column(df, "rows") * per
    pages = (column(df, "shared_blks_hit") + column(df, "shared_blks_read")) * per
    rows_known = ~np.isnan(rows)
    pages_known = ~np.isnan(pages)
    idx_w = np.where(k.is_update | k.is_merge, d.update_fraction, 1.0) * wr["index_entries"]
    written_rows_for_pages = np.where(k.is_update | k.is_delete | k.is_merge, np.nan_to_num(rows), 0.0)
    descents = (
        descent_pages * (np.maximum(rd["n"], 1.0) + written_rows_for_pages * idx_w) + written_rows_for_pages
    )
    data_pages = np.maximum(np.nan_to_num(pages) - descents, 0.0)
    width_sum = np.where(k.counter_based | ~has_source, d.width, rd["width_sum"])
    n_tables = np.where(k.counter_based | ~has_source, 1.0, rd["n"])
    floor_bytes = ctx.facts.partition_floor * n_tables
    rows_bytes = np.where(
        np.nan_to_num(rows) > 0, np.maximum(np.nan_to_num(rows) * width_sum, floor_bytes), 0.0
    )
    buffer_bytes = data_pages * ctx.page * fill
    index_access = data_pages <= point_pages * np.nan_to_num(rows)
    keyed_write = (k.is_update | k.is_delete | k.is_merge) & np.isin(objects(df, "key_shape"), KEYED_SHAPES)
    read_est = np.select(
        [
            k.is_ctl,
            k.is_insert & ~has_source,
            (k.is_insert | keyed_write) & rows_known,
            rows_known & pages_known & (index_access & ~k.counter_based),
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
    by_rows = any_of(read_est, [ReadEstimator.ROWS.value, ReadEstimator.ROWS_ONLY.value])
    read_bytes = np.select(
        [any_of(read_est, [ReadEstimator.NONE.value, ReadEstimator.NO_SIGNAL.value]), by_rows],
        [0.0, rows_bytes],
        default=np.maximum(buffer_bytes, rows_bytes),
    )
    mean_width = width_sum / n_tables
    rows_scanned = np.where(by_rows, np.nan_to_num(rows), read_bytes / mean_width)
    notes.estimators["read_bytes"] = (
        f"{count_labels(read_est)} (rows: rows returned x row width, for index access at <= "
        f"{point_pages:g} data pages per row, INSERTs and UPDATE/DELETE by key equality; buffers: (shared_blks_hit + shared_blks_read - "
        f"{descent_pages:g} descent pages per table) x {ctx.page:g} B x {fill:g}; rows_only/buffers_only: the "
        "other counter is unknown; no_signal: billed at the transaction minimum)"
    )
    if (read_est == ReadEstimator.NO_SIGNAL.value).any():
        notes.warnings.append(
            f"{int((read_est == ReadEstimator.NO_SIGNAL.value).sum())} statement(s) have neither rows nor "
            "buffer counters: their reads are billed at the transaction minimum only"
        )
    return ReadColumns(
        rows=rows, rows_known=rows_known, read_bytes=read_bytes, rows_scanned=rows_scanned, estimator=read_est
    )
