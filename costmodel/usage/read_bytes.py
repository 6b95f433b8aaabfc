"""DSQL ReadDPU input: the bytes a statement *scans* on DSQL, from PostgreSQL's counters and catalog.

DSQL bills every row scanned, plus a per-access overhead, not the rows returned. What the public
lab measured (``reference/dsql-pricing.md``, additions 2026-12-07) and this module models:

* **per-access overhead** — a primary-key lookup reads the row + ~776 B (896 B at least); a scan
  or LIMIT page reads its rows + ~276 B (382 B at least). One access per table read (per join
  input for joins).
* **INSERT/UPSERT uniqueness check** — a one-row INSERT reads ~2.9 KB with a primary key (~1.3 KB
  without), plus ~128 B per further row; an INSERT … SELECT also scans its source.
* **rows scanned, not returned** — equal to the rows returned for key lookups, LIMIT pages and
  plain filters; for aggregates, GROUP BY, DISTINCT and joins the pages touched × rows per heap
  page (catalog ``row_estimate`` / heap pages), capped by the table's rows per join input.
* **bytes per row** — the catalog's sampled logical width for tables whose values compress (pages
  then under-state bytes); otherwise the stored (in-heap) width plus the TOAST pages touched
  beyond one heap page per row and the index descents: a continuous estimate, one page more adds
  one page of bytes (no switch between a "rows" and a "buffers" reading).

Planning's catalog page hits stay out: they are not part of the statement's scan, and only
``shared_blks_*`` (execution plus planning when ``track_planning`` is on) are exported, so the
descent allowance is a floor. Buffer counts of INSERT/UPDATE/DELETE include pages the write itself
touches and are not read as scans.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class ReadEstimator(StrEnum):
    """How ``read_bytes_per_call`` was estimated."""

    ROWS = "rows"
    """Rows scanned × row width + per-access overhead (key lookups, LIMIT pages, filters)."""
    ROWS_PAGES = "rows_pages"
    """The same plus out-of-row (TOAST) and filtered-out pages touched beyond one heap page per row."""
    PAGES = "pages"
    """Aggregates, GROUP BY, DISTINCT, joins: pages touched × rows per heap page (capped) × width."""
    UNIQUE_CHECK = "unique_check"
    """INSERT/UPSERT: the uniqueness-check read (plus the source scan of an INSERT … SELECT)."""
    ROWS_ONLY = "rows_only"
    """Buffer counters unknown: rows × width + overhead (a lower bound for scans)."""
    PAGES_ONLY = "pages_only"
    """``rows`` unknown: pages touched (beyond the index descents) × page bytes, or × rows per page."""
    NONE = "none"
    """Nothing read: transaction control."""
    NO_SIGNAL = "no_signal"
    """Neither rows nor buffers known: only the per-transaction minimum is billed."""


@dataclass(frozen=True)
class ReadConstants:
    """Per-access constants (named assumptions in ``data/assumptions/usage.yaml``)."""

    point_overhead: float
    point_floor: float
    scan_overhead: float
    scan_floor: float
    unique_check_pk: float
    unique_check_no_pk: float
    unique_check_per_row: float
    descent_pages: float
    page_bytes: float
    heap_fill: float
    toast_fill: float
    compressed_ratio: float


@dataclass(frozen=True)
class ReadInputs:
    """Per-statement arrays (per call) and per-statement table-set facts."""

    rows: np.ndarray
    pages: np.ndarray
    point: np.ndarray
    scan_shape: np.ndarray
    """Aggregates, GROUP BY, DISTINCT or joins: rows returned under-state rows scanned."""
    accesses: np.ndarray
    joined: np.ndarray
    """Joins: rows returned are combinations, neither a bound nor an estimate of rows read."""
    stored_width: np.ndarray
    logical_width: np.ndarray
    compression: np.ndarray
    rows_per_page: np.ndarray
    table_rows: np.ndarray
    is_ctl: np.ndarray
    is_insert: np.ndarray
    insert_rows: np.ndarray
    has_pk: np.ndarray
    has_source: np.ndarray
    is_change: np.ndarray
    """UPDATE/DELETE/MERGE: they scan the rows they change (rows = rows affected)."""


def _access_bytes(c: ReadConstants, raw: np.ndarray, point: np.ndarray, accesses: np.ndarray) -> np.ndarray:
    """Row bytes + per-access overhead, at least the per-access floor."""
    overhead = np.where(point, c.point_overhead, c.scan_overhead) * accesses
    floor = np.where(point, c.point_floor, c.scan_floor) * accesses
    return np.maximum(raw + overhead, floor)


def read_bytes(c: ReadConstants, x: ReadInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per call: bytes scanned, uniqueness-check bytes, rows scanned; and the estimator label."""
    rows = np.nan_to_num(x.rows)
    rows_known = ~np.isnan(x.rows)
    pages_known = ~np.isnan(x.pages) & ~x.is_change & ~x.is_insert  # a write's pages include its own
    pages = np.nan_to_num(x.pages)
    compressed = np.nan_to_num(x.compression, nan=1.0) >= c.compressed_ratio
    width = np.where(compressed & ~np.isnan(x.logical_width), x.logical_width, x.stored_width)
    # rows scanned: pages x rows per heap page for scan shapes, capped by the rows there are
    from_pages = np.minimum(pages * x.rows_per_page, np.nan_to_num(x.table_rows, nan=np.inf) * x.accesses)
    from_pages = np.nan_to_num(from_pages)
    # a join returns combinations, not rows read: its rows come from the pages alone
    scanned = np.where(x.joined, from_pages, np.maximum(rows, from_pages))
    scanned = np.where(x.scan_shape & pages_known, scanned, rows)
    # pages beyond one heap page per row (or the heap pages a scan reads) and the index descents
    heap_pages = np.where(x.scan_shape, scanned / np.maximum(x.rows_per_page, 1.0), rows)
    extra = np.maximum(pages - heap_pages - c.descent_pages * x.accesses, 0.0)
    # a scan shape's pages are its scanned rows already; beyond a key lookup's or LIMIT page's rows
    # they are out-of-row (TOAST) pages or filtered-out rows
    extra_bytes = np.where(
        pages_known & ~compressed & ~x.scan_shape, extra * c.page_bytes * c.toast_fill, 0.0
    )
    scan = _access_bytes(c, scanned * width + extra_bytes, x.point, x.accesses)
    scan = np.where((scanned > 0) | (extra_bytes > 0), scan, 0.0)
    extra_rows = np.maximum(np.nan_to_num(x.insert_rows) - 1.0, 0.0)
    check = np.where(x.has_pk, c.unique_check_pk, c.unique_check_no_pk) + extra_rows * c.unique_check_per_row
    check = np.where(x.is_insert & (np.nan_to_num(x.insert_rows) > 0), check, 0.0)
    out = np.where(x.is_ctl | (x.is_insert & ~x.has_source), 0.0, scan)
    label = np.select(
        [
            x.is_ctl,
            x.is_insert,
            ~rows_known & np.isnan(x.pages),
            x.is_change,
            np.isnan(x.pages),
            ~rows_known,
            x.scan_shape,
            extra_bytes > 0,
        ],
        [
            ReadEstimator.NONE.value,
            ReadEstimator.UNIQUE_CHECK.value,
            ReadEstimator.NO_SIGNAL.value,
            ReadEstimator.ROWS.value,
            ReadEstimator.ROWS_ONLY.value,
            ReadEstimator.PAGES_ONLY.value,
            ReadEstimator.PAGES.value,
            ReadEstimator.ROWS_PAGES.value,
        ],
        default=ReadEstimator.ROWS.value,
    )
    out = np.where(label == ReadEstimator.NO_SIGNAL.value, 0.0, out)
    equivalent = scanned + extra_bytes / np.maximum(width, 1.0)  # out-of-row pages as rows of this width
    return out, check, np.where(x.is_insert & ~x.has_source, 0.0, equivalent), label
