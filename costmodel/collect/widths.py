"""Logical row widths for ``catalog.yaml``: the bytes DSQL bills, not the bytes PostgreSQL stores.

``pg_stats.avg_width`` is the *stored* width: a TOASTed value counts as its 18-byte pointer, a
compressed one at its compressed size. DSQL bills reads and writes by the row's logical bytes, so a
table of 1 MiB text values looks 18 bytes wide to the catalog while every row written bills 1 MiB
(×2,500 too low). The collector therefore samples up to :data:`SAMPLE_ROWS` rows of every table and
records both widths:

* ``logical_row_bytes`` — mean of Σ ``octet_length`` (text-like columns, uncompressed) or
  ``pg_column_size`` (other columns) per row: what DSQL reads and writes;
* ``stored_row_bytes`` — mean of Σ ``pg_column_size`` per row (compressed as stored): their ratio
  says how much pages touched under-state the bytes read.

A table the role may not read, or one that times out, keeps its widths unknown and a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

SAMPLE_ROWS = 1000
"""Rows read per table (the first ones in physical order: cheap, and enough for a mean)."""
TEXT_LIKE = ("text", "character varying", "character", "bytea", "json", "xml", "citext")
"""Types whose ``octet_length`` is their uncompressed size (``pg_column_size`` is the stored one)."""


def _logical(column: str, typ: str) -> sql.Composable:
    ident = sql.Identifier(column)
    if typ.split("(")[0].strip() in TEXT_LIKE:
        cast = sql.SQL("::text") if typ.startswith("json") or typ == "xml" else sql.SQL("")
        return sql.SQL("coalesce(octet_length({}{}), 0)").format(ident, cast)
    return sql.SQL("coalesce(pg_column_size({}), 0)").format(ident)


def _query(schema: str, table: str, columns: Sequence[tuple[str, str]]) -> sql.Composed:
    logical = sql.SQL(" + ").join(_logical(c, t) for c, t in columns)
    stored = sql.SQL(" + ").join(
        sql.SQL("coalesce(pg_column_size({}), 0)").format(sql.Identifier(c)) for c, _ in columns
    )
    return sql.SQL(
        "SELECT avg({logical})::float8, avg({stored})::float8, count(*) FROM (SELECT * FROM {table} LIMIT {n}) AS s"
    ).format(logical=logical, stored=stored, table=sql.Identifier(schema, table), n=sql.Literal(SAMPLE_ROWS))


def _sample(conn: psycopg.Connection[Any], mark: Callable[[str], str], query: str) -> tuple[Any, ...] | None:
    """One sampling query; an error (privilege, timeout) returns None and leaves the session usable.

    Every statement carries the collector's marker so none of them shows up in the snapshots (a
    ``conn.transaction()`` block would add unmarked BEGIN/COMMIT or SAVEPOINT statements).
    """
    savepoint = not conn.autocommit
    try:
        if savepoint:
            conn.execute(mark("SAVEPOINT dsqlcost_widths"))
        row = conn.execute(mark(query)).fetchone()
        if savepoint:
            conn.execute(mark("RELEASE SAVEPOINT dsqlcost_widths"))
        return tuple(row) if row is not None else None
    except psycopg.Error:
        if savepoint:
            conn.execute(mark("ROLLBACK TO SAVEPOINT dsqlcost_widths"))
        return None


def sample_widths(
    conn: psycopg.Connection[Any],
    tables: Sequence[tuple[int, str, str]],
    columns: dict[int, list[tuple[str, str]]],
    mark: Callable[[str], str],
) -> tuple[dict[int, dict[str, Any]], list[str]]:
    """``oid`` → ``{logical_row_bytes, stored_row_bytes, sampled_rows}`` and notes on skipped tables."""
    out: dict[int, dict[str, Any]] = {}
    failed: list[str] = []
    for oid, schema, name in tables:
        cols = columns.get(oid) or []
        if not cols:
            continue
        query = _query(schema, name, cols).as_string(conn)
        row = _sample(conn, mark, query)
        if row is None:
            failed.append(f"{schema}.{name}")
            continue
        logical, stored, count = row
        if count:
            out[oid] = {
                "logical_row_bytes": round(float(logical), 1),
                "stored_row_bytes": round(float(stored), 1),
                "sampled_rows": int(count),
            }
    notes = []
    if failed:
        shown = ", ".join(failed[:5]) + (" …" if len(failed) > 5 else "")
        notes.append(
            f"logical row widths not sampled for {len(failed)} table(s) (no SELECT privilege or a timeout): {shown}"
        )
    return out, notes
