"""Catalog facts for ``catalog.yaml``: what turns rows into bytes and key spaces.

DSQL bills bytes read and written per row and per secondary-index entry, so pricing needs each
table's average row width, its secondary indexes and its key columns; the contention model needs
the number of distinct keys (``n_distinct``). All of it is read from the catalog of the database
connected to, with plain catalog queries any role may run (``pg_stats`` only shows tables the role
may ``SELECT``; elsewhere the width stays unknown and a note says so).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from costmodel.collect.widths import sample_widths

HEAP_TUPLE_HEADER_BYTES = 24
"""PostgreSQL's heap tuple header (23 B, MAXALIGN-ed to 24): added to the column widths of a row."""

_TABLES = """
SELECT c.oid, n.nspname, c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
       c.reltuples, st.n_live_tup
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_STATS = """
SELECT schemaname, tablename, attname, avg_width, n_distinct
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY inherited DESC
"""

_INDEXES = """
SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY(%s)
ORDER BY i.indrelid, ic.relname
"""


def resolve_n_distinct(n_distinct: float | None, rows: float | None) -> int | None:
    """pg_stats ``n_distinct`` as a count: positive is a count, negative a fraction of the rows.

    Zero means ANALYZE could not tell (e.g. all values NULL): unknown, like a missing value.

    >>> resolve_n_distinct(-0.5, 1000), resolve_n_distinct(12, 1000), resolve_n_distinct(0, 10)
    (500, 12, None)
    """
    if n_distinct is None or n_distinct == 0:
        return None
    if n_distinct > 0:
        return round(n_distinct)
    if rows is None:
        return None
    return max(1, round(-n_distinct * rows))


def row_estimate(reltuples: float | None, n_live_tup: int | None) -> int | None:
    """``reltuples``, or ``n_live_tup`` when the table was never vacuumed or analyzed.

    ``reltuples`` is −1 before the first VACUUM/ANALYZE from PostgreSQL 14, and 0 before it.
    """
    if reltuples is not None and reltuples > 0:
        return round(reltuples)
    if n_live_tup is not None and n_live_tup > 0:
        return int(n_live_tup)
    if reltuples is not None and reltuples == 0:
        return 0
    return None if n_live_tup is None else int(n_live_tup)


def read_catalog(
    conn: psycopg.Connection[Any], database_size_bytes: int, mark: Callable[[str], str]
) -> tuple[dict[str, Any], list[str]]:
    """The ``catalog.yaml`` mapping of the connected database, plus notes for the reader.

    ``mark`` prefixes each statement with the collector's marker comment.
    """
    tables = conn.execute(mark(_TABLES)).fetchall()
    oids = [row[0] for row in tables]
    columns: dict[int, list[tuple[str, str]]] = {}
    for relid, name, typ in conn.execute(mark(_COLUMNS), (oids,)).fetchall():
        columns.setdefault(relid, []).append((name, typ))
    stats: dict[tuple[str, str, str], tuple[float | None, float | None]] = {}
    for schema, table, column, width, nd in conn.execute(mark(_STATS)).fetchall():
        stats[(schema, table, column)] = (width, nd)  # inherited rows first, plain rows win
    indexes: dict[int, list[dict[str, Any]]] = {}
    for relid, name, unique, primary, keys in conn.execute(mark(_INDEXES), (oids,)).fetchall():
        indexes.setdefault(relid, []).append(
            {"name": name, "columns": list(keys), "unique": bool(unique), "primary": bool(primary)}
        )
    sampled, notes = sample_widths(conn, [(t[0], t[1], t[2]) for t in tables], columns, mark)
    out: list[dict[str, Any]] = []
    unanalyzed: list[str] = []
    for oid, schema, name, size, heap, reltuples, live in tables:
        rows = row_estimate(reltuples, live)
        cols: list[dict[str, Any]] = []
        widths: list[float] = []
        for col, typ in columns.get(oid, []):
            width, nd = stats.get((schema, name, col), (None, None))
            if width is not None:
                widths.append(float(width))
            cols.append(
                {
                    "name": col,
                    "type": typ,
                    "avg_width": None if width is None else int(width),
                    "n_distinct": resolve_n_distinct(nd, rows),
                }
            )
        idx = indexes.get(oid, [])
        pk: list[str] = next((list(i["columns"]) for i in idx if i["primary"]), [])
        if not widths:
            unanalyzed.append(f"{schema}.{name}")
        out.append(
            {
                "schema": schema,
                "name": name,
                "size_bytes": int(size),
                "table_bytes": int(heap),
                "row_estimate": rows,
                "avg_row_width": round(sum(widths)) + HEAP_TUPLE_HEADER_BYTES if widths else None,
                **sampled.get(oid, {}),
                "secondary_index_count": sum(1 for i in idx if not i["primary"]),
                "primary_key": pk,
                "indexes": idx,
                "columns": cols,
            }
        )
    if unanalyzed:
        shown = ", ".join(unanalyzed[:5]) + (" …" if len(unanalyzed) > 5 else "")
        notes.append(
            f"avg_row_width unknown for {len(unanalyzed)} table(s) (never analyzed, or no SELECT privilege "
            f"for pg_stats): {shown}"
        )
    return {"database_size_bytes": database_size_bytes, "tables": out}, notes
