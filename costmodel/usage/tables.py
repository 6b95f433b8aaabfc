"""Byte factors of the tables each statement reads and writes (catalog facts, else defaults).

A workload has thousands of statements but only dozens of table sets: factors are computed once
per table, summed once per distinct tuple of tables, and broadcast to the statements where a step
reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.workload import CatalogFacts, Workload
from costmodel.usage.columns import objects
from costmodel.usage.context import Kinds, Notes
from costmodel.usage.steps import Defaults, TableColumns, TableKeys, TupleFactors


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
    logical: float
    """Logical bytes per row (sampled by collect), else the stored width: what DSQL bills."""
    stored: float
    """Sampled stored (compressed) bytes per row, else the logical width (no compression known)."""
    rows: float
    """Row estimate (NaN unknown)."""
    heap_bytes: float
    """Heap bytes without TOAST and indexes (NaN unknown)."""
    has_pk: float
    """1 with a primary key or when unknown (DSQL tables have one), 0 when the catalog shows none."""
    unknown_indexes: float
    """1 when the catalog says nothing about the table's secondary indexes."""


def _table_factors(name: str, catalog: CatalogFacts | None, d: Defaults) -> _TableFactors:
    floor = d.entry_floor
    facts = catalog.table(name) if catalog is not None and name != "?" else None
    width = facts.avg_row_width if facts is not None and facts.avg_row_width else None
    defaulted = facts is None or width is None
    width = float(width) if width else d.width
    unknown_indexes = 0.0
    if facts is not None and facts.secondary_index_count is not None:
        indexes = float(facts.secondary_index_count)
    elif facts is not None and facts.indexes:
        indexes = float(sum(1 for ix in facts.indexes if not ix.primary))
    else:
        indexes, unknown_indexes = d.indexes, 1.0
    logical = facts.logical_row_bytes if facts is not None and facts.logical_row_bytes else None
    stored = facts.stored_row_bytes if facts is not None and facts.stored_row_bytes else None
    rows = facts.row_estimate if facts is not None and facts.row_estimate is not None else np.nan
    heap = facts.table_bytes if facts is not None and facts.table_bytes else np.nan
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
    row = max(float(logical) if logical else width, floor)
    return _TableFactors(
        width=width,
        logical=float(logical) if logical else width,
        stored=float(stored) if stored else (float(logical) if logical else width),
        rows=float(rows),
        heap_bytes=float(heap),
        has_pk=0.0 if facts is not None and not facts.primary_key and not unknown_indexes else 1.0,
        unknown_indexes=unknown_indexes,
        insert_row=row + indexes * entry,
        update_row=row + indexes * d.update_fraction * entry,
        delete_row=(1.0 + indexes) * d.delete_entry,
        pk=pk_width,
        indexes=indexes,
        defaulted=defaulted,
    )


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


_FACTOR_FIELDS = (
    "width",
    "insert_row",
    "update_row",
    "delete_row",
    "pk",
    "indexes",
    "logical",
    "stored",
    "rows",
    "heap_bytes",
    "has_pk",
    "unknown_indexes",
)
_AGG_FIELDS = (
    "width_sum",
    "insert_row",
    "update_row",
    "delete_row",
    "pk",
    "index_entries",
    "logical",
    "stored",
    "rows",
    "heap_bytes",
    "has_pk",
    "unknown_indexes",
)


def _agg_columns(
    codes: np.ndarray,
    keys: Sequence[tuple[str, ...]],
    catalog: CatalogFacts | None,
    d: Defaults,
    tables: dict[str, _TableFactors],
) -> TupleFactors:
    """Table factors summed once per distinct tuple of tables, with each statement's tuple.

    Why per tuple: a workload has thousands of statements but only dozens of table sets, and a
    few dozen tables (``tables`` caches each one's factors). A tuple's factors are the sums of its
    tables' factors, added in the tuple's order (no tables: one defaulted table ``?``), done for
    all tuples at once, one table position at a time; a step broadcasts the factors it reads
    (:class:`TupleFactors`).
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
    by_tuple = {f: np.ascontiguousarray(sums[:, i]) for i, f in enumerate(_AGG_FIELDS)}
    by_tuple["n"] = lengths.astype(float)
    by_tuple["present"] = np.array([len(k) > 0 for k in keys], dtype=bool)
    return TupleFactors(codes=codes, by_tuple=by_tuple)


def declared_defaults(assumptions: AssumptionSet, entry_floor: float) -> Defaults:
    """The table defaults from the assumption set (recorded as used)."""
    return Defaults(
        entry_floor=entry_floor,
        width=float(assumptions.get("row_width_bytes")),
        indexes=float(assumptions.get("secondary_indexes_per_table")),
        index_entry=float(assumptions.get("index_entry_bytes")),
        pk=float(assumptions.get("pk_key_bytes")),
        update_fraction=float(assumptions.get("update_index_fraction")),
        delete_entry=float(assumptions.get("delete_entry_bytes")),
    )


def table_keys(workload: Workload, kinds: Kinds) -> TableKeys:
    """Each statement's tuple of tables scanned and written, as codes (:class:`TableKeys`)."""
    df = workload.statements
    read_codes, read_keys = _table_keys(objects(df, "tables_read"))
    written_codes, written_keys = _table_keys(objects(df, "tables_written"))
    scan_codes, scan_keys = read_codes.copy(), list(read_keys)
    position = {key: i for i, key in enumerate(scan_keys)}
    changing = np.flatnonzero(
        kinds.is_update | kinds.is_delete | kinds.is_merge
    )  # they read the rows they change
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
    return TableKeys(scan_codes, tuple(scan_keys), written_codes, tuple(written_keys))


def table_columns(workload: Workload, keys: TableKeys, d: Defaults, notes: Notes) -> TableColumns:
    """Factors of every statement's tables (:func:`table_keys`), and the ``row_widths`` estimator line."""
    scan_keys, written_keys = keys.scan_keys, keys.written_keys
    tables: dict[str, _TableFactors] = {}
    rd = _agg_columns(keys.scan_codes, scan_keys, workload.catalog, d, tables)
    wr = _agg_columns(keys.written_codes, written_keys, workload.catalog, d, tables)
    used_tables = {t for key in (*scan_keys, *written_keys) for t in key}
    defaulted = sorted(t for t in used_tables if tables[t].defaulted and t != "?")
    notes.estimators["row_widths"] = (
        f"catalog facts for {len(used_tables) - len(defaulted)} table(s); defaults (row_width_bytes, "
        f"secondary_indexes_per_table, index_entry_bytes, pk_key_bytes) for {len(defaulted)}"
        + (f": {', '.join(defaulted[:10])}{' …' if len(defaulted) > 10 else ''}" if defaulted else "")
    )
    unknown = tuple(
        sorted({t for key in written_keys for t in key if t != "?" and tables[t].unknown_indexes > 0})
    )
    return TableColumns(scan=rd, written=wr, unknown_index_tables=unknown)
