"""Bytes read per call (DSQL ReadDPU bills every row *scanned*): the inputs of :mod:`.read_bytes`.

This step turns the counters, the classifier's shapes and the catalog's table facts into the
per-statement arrays the estimator needs (rows and pages per call, point lookup or scan, accesses,
stored and logical widths, rows per heap page, primary keys), and returns its figures with the
INSERT uniqueness-check read kept apart (``pk_check_bytes_per_call``).
"""

from __future__ import annotations

import re

import numpy as np

from costmodel.core.profile import KeyShape
from costmodel.core.workload import CatalogFacts
from costmodel.usage.columns import column, count_labels, label_column, objects
from costmodel.usage.context import KEYED_SHAPES, Notes, UsageContext
from costmodel.usage.read_bytes import ReadConstants, ReadEstimator, ReadInputs, read_bytes
from costmodel.usage.steps import Defaults, ReadColumns, ReadFlags, TableColumns, TableKeys

_RANGE_COLUMN = re.compile(r"(?:\b\w+\.)?\b([a-z_][a-z0-9_]*)\s*(?:<=|>=|<|>|\bbetween\b)", re.IGNORECASE)
"""``col <`` / ``t.col BETWEEN`` in a WHERE clause: the range columns the classifier does not list."""


def _predicate_columns(keys: object, query: object) -> set[str]:
    """Key columns of an equality (from classify), else the range columns after WHERE in the text."""
    if isinstance(keys, list | tuple) and keys:
        return {str(k).lower() for k in keys}
    if not isinstance(query, str):
        return set()
    where = re.split(r"\bwhere\b", query, maxsplit=1, flags=re.IGNORECASE)
    return {m.lower() for m in _RANGE_COLUMN.findall(where[1])} if len(where) == 2 else set()


def _on_primary_key(
    tables: np.ndarray, keys: np.ndarray, queries: np.ndarray, catalog: CatalogFacts | None
) -> np.ndarray:
    """Statements whose predicate columns are (part of) the read table's primary key, or unknown.

    Unknown (no catalog, several tables, a table without index facts) counts as a key range: the
    rows returned are then read as the rows scanned, the lower reading.
    """
    out = np.ones(len(tables), dtype=bool)
    if catalog is None:
        return out
    for i, (tabs, cols, query) in enumerate(zip(tables, keys, queries, strict=True)):
        names = tuple(tabs) if isinstance(tabs, list | tuple) else ()
        facts = catalog.table(names[0]) if len(names) == 1 else None
        if facts is None or not (facts.indexes or facts.secondary_index_count is not None):
            continue
        columns = _predicate_columns(cols, query)
        out[i] = bool(columns) and columns <= {c.lower() for c in facts.primary_key}
    return out


def read_flags(ctx: UsageContext, keys: TableKeys) -> ReadFlags:
    """Point lookups, scan shapes and accesses per call (from the statements and their table
    tuples only: :func:`costmodel.usage.compute.usage_start` computes them once for every run that
    reuses its start).

    Scan shapes read more rows than they return: aggregates, GROUP BY, DISTINCT, joins, and a
    range or no predicate on columns that are not the table's primary key, without LIMIT (a
    filtered scan). A range on the primary key (``WHERE id < $1``) reads the rows it returns, and
    so does a LIMIT page.
    """
    df, k = ctx.df, ctx.kinds
    tuples = [key or ("?",) for key in keys.scan_keys]  # no tables: one defaulted table (as tables.py)
    present = np.array([len(key) > 0 for key in keys.scan_keys], dtype=bool)[keys.scan_codes]
    n_tables = np.array([len(tup) for tup in tuples], dtype=np.intp).astype(float)[keys.scan_codes]
    key_shape = objects(df, "key_shape")
    joins = np.nan_to_num(column(df, "join_count"))
    aggregates = np.nan_to_num(column(df, "aggregate_count"))
    group = objects(df, "has_group_by") == True  # noqa: E712 - object arrays of bools and None
    distinct = objects(df, "has_distinct") == True  # noqa: E712
    limit = objects(df, "has_limit") == True  # noqa: E712
    is_change = k.is_update | k.is_delete | k.is_merge
    point = np.isin(key_shape, KEYED_SHAPES) & (joins == 0) & (aggregates == 0)
    filtered = np.isin(key_shape, [KeyShape.RANGE.value, KeyShape.NONE.value, KeyShape.WHOLE_TABLE.value])
    filtered &= ~limit & k.is_select
    filtered &= ~_on_primary_key(
        objects(df, "tables_read"), objects(df, "key_columns"), objects(df, "query"), ctx.workload.catalog
    )
    shaped = (aggregates > 0) | group | distinct | (joins > 0) | k.counter_based | filtered
    return ReadFlags(
        has_source=present & ~k.counter_based,
        point=point & ~k.counter_based,
        scan_shape=shaped & ~is_change,
        accesses=np.maximum(np.maximum(n_tables, joins + 1.0), 1.0),
        joined=(joins > 0) & ~is_change,
        is_change=is_change,
    )


def _constants(ctx: UsageContext) -> ReadConstants:
    get = ctx.assumptions.get
    floor = ctx.facts.partition_floor
    return ReadConstants(
        point_overhead=float(get("dsql_point_access_overhead_bytes")),
        point_floor=max(float(get("dsql_point_access_floor_bytes")), floor),
        scan_overhead=float(get("dsql_scan_access_overhead_bytes")),
        scan_floor=max(float(get("dsql_scan_access_floor_bytes")), floor),
        unique_check_pk=float(get("dsql_unique_check_read_bytes")),
        unique_check_no_pk=float(get("dsql_insert_read_bytes_no_pk")),
        unique_check_per_row=float(get("dsql_unique_check_bytes_per_extra_row")),
        descent_pages=float(get("index_descent_pages")),
        page_bytes=ctx.page,
        heap_fill=float(get("heap_page_fill_fraction")),
        toast_fill=float(get("toast_page_fill_fraction")),
        compressed_ratio=float(get("compressed_table_ratio")),
    )


def read_columns(
    ctx: UsageContext, tables: TableColumns, f: ReadFlags, d: Defaults, notes: Notes
) -> ReadColumns:
    """Bytes scanned per call, the uniqueness-check read, rows scanned and the estimator labels;
    ``f`` is :func:`read_flags` of the same statements."""
    df, per, k = ctx.df, ctx.per, ctx.kinds
    rd, wr = tables.scan, tables.written
    c = _constants(ctx)
    rows = column(df, "rows") * per
    pages = (column(df, "shared_blks_hit") + column(df, "shared_blks_read")) * per
    n = np.maximum(rd["n"], 1.0)
    stored = np.where(f.has_source, rd["width_sum"], d.width)
    logical = np.where(f.has_source, rd["logical"], d.width)
    sampled_stored = np.where(f.has_source, rd["stored"], d.width)
    heap_pages = rd["heap_bytes"] / ctx.page
    fallback_rpp = ctx.page * c.heap_fill / (d.width + 28.0)
    rows_per_page = np.where(
        heap_pages > 0, rd["rows"] / np.maximum(heap_pages, 1.0), ctx.page * c.heap_fill / (stored / n + 28.0)
    )
    insert_rows = np.where(np.isnan(rows), column(df, "values_rows"), rows)
    unique_check = k.is_insert & (wr["has_pk"] > 0)
    x = ReadInputs(
        rows=rows,
        pages=pages,
        point=f.point,
        scan_shape=f.scan_shape,
        accesses=f.accesses,
        joined=f.joined,
        stored_width=stored / n,
        logical_width=logical / n,
        compression=logical / np.maximum(sampled_stored, 1.0),
        rows_per_page=np.nan_to_num(rows_per_page, nan=fallback_rpp),
        table_rows=rd["rows"] / n,
        is_ctl=k.is_ctl,
        is_insert=k.is_insert,
        insert_rows=np.where(k.is_insert, np.nan_to_num(insert_rows), 0.0),
        has_pk=np.where(k.is_insert, wr["has_pk"] > 0, True),
        has_source=f.has_source,
        is_change=f.is_change,
    )
    scanned_bytes, check, rows_scanned, label = read_bytes(c, x)
    notes.estimators["read_bytes"] = (
        f"{count_labels(label)} (bytes scanned on DSQL, not returned: rows scanned x logical row width + "
        "per-access overhead (key lookup or scan) + out-of-row pages; aggregates, joins and filtered scans: "
        "pages x rows per heap page; INSERT: the uniqueness-check read; see costmodel/usage/read_bytes.py)"
    )
    if (label == ReadEstimator.NO_SIGNAL.value).any():
        notes.warnings.append(
            f"{int((label == ReadEstimator.NO_SIGNAL.value).sum())} statement(s) have neither rows nor "
            "buffer counters: their reads are billed at the transaction minimum only"
        )
    return ReadColumns(
        rows=rows,
        rows_known=~np.isnan(rows),
        read_bytes=scanned_bytes,
        rows_scanned=rows_scanned,
        estimator=label_column(label, [member.value for member in ReadEstimator]),
        pk_check=check,
        unique_check=unique_check,
        keyed_tables=np.where(rd["present"], rd["has_pk"], np.nan),
    )
