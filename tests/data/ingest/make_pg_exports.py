"""Produce real pg_stat_statements exports from a throw-away PostgreSQL, in every way people export.

Used two ways:

* ``python -m tests.data.ingest.make_pg_exports [OUT]`` regenerates the committed fixtures in
  ``tests/data/ingest/pg<major>/`` (run from the repository root);
* ``tests/test_ingest_pg.py`` calls :func:`run_workload` and :func:`export_all` against the
  session server, so the reader is checked against what this machine's psql really writes.

The workload puts awkward text into query texts where normalisation keeps it (comments,
identifiers, layout): commas, double quotes, backslashes, tabs, LF and CRLF line breaks, emoji, an
8 KB comment; a PL/pgSQL function adds a nested statement (``toplevel = false``); a second role
runs a statement that an unprivileged exporter sees as ``<insufficient privilege>``. All formats
are exported from one frozen copy of the view (table ``snap``) so they describe the same numbers.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ODD_QUERIES: tuple[str, ...] = (
    'SELECT /* comma, "quote", back\\slash, tab:\t!, emoji 🎉 */ count(*) FROM items',
    "SELECT id,\n       name\nFROM items\nWHERE id = 1",
    "SELECT name\r\nFROM items\r\nWHERE id = 2",
    "SELECT /* " + ("long " * 1640) + "*/ 1",
    'SELECT 1 AS "we""ird, col", 2 AS "tab\there"',
    "SELECT f_nested(3)",
)
"""Statements whose text must survive every export byte for byte (run as the superuser)."""

ORDER = "ORDER BY queryid, toplevel, userid"


def _roles(dbname: str) -> tuple[str, str]:
    """(application role, unprivileged reader role) for one database: unique per database."""
    return f"pgss_app_{dbname}", f"pgss_reader_{dbname}"


def _psql(
    server: Any, dbname: str, args: list[str], *, user: str | None = None, password: str | None = None
) -> str:
    env = server.env(dbname)
    if user is not None:
        env.update(PGUSER=user, PGPASSWORD=password or "")
    result = subprocess.run(
        [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql {args} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode("utf-8")


def run_workload(server: Any, dbname: str) -> None:
    """Run the statements (as the superuser and as a second role) on a fresh database."""
    import psycopg

    app_role, reader_role = _roles(dbname)
    server.execute(f"DROP ROLE IF EXISTS {app_role}")
    server.execute(f"DROP ROLE IF EXISTS {reader_role}")
    server.create_role(app_role, "app-pw")
    server.create_role(reader_role, "reader-pw")
    with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text, note text)")
        conn.execute("INSERT INTO items SELECT g, 'n' || g, NULL FROM generate_series(1, 50) g")
        conn.execute(f"GRANT SELECT ON items TO {app_role}")
        conn.execute(
            "CREATE FUNCTION f_nested(n int) RETURNS bigint LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN (SELECT count(*) FROM items WHERE id <= n); END $$"
        )
        conn.execute(  # casts: PostgreSQL 15's signature is (oid, oid, bigint)
            "SELECT pg_stat_statements_reset(0::oid, (SELECT oid FROM pg_database WHERE datname = %s), 0::bigint)",
            (dbname,),
        )
        for repeat in range(3):
            for text in ODD_QUERIES[: 4 + repeat]:
                conn.execute(text.encode("utf-8"))  # bytes: sent exactly as written
            conn.execute("UPDATE items SET note = 'x' WHERE id = %s", (repeat + 1,))
    with psycopg.connect(server.dsn(dbname, user=app_role, password="app-pw"), autocommit=True) as conn:
        for _ in range(2):
            conn.execute("SELECT count(*) FROM items WHERE id > 10")


def freeze(server: Any, dbname: str) -> None:
    """Copy this database's pg_stat_statements rows (with datname, rolname) into table ``snap``."""
    import psycopg

    with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS snap")
        conn.execute(
            "CREATE TABLE snap AS SELECT s.*, d.datname, r.rolname FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid "
            "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
        )


def truth(server: Any, dbname: str) -> list[dict[str, Any]]:
    """The frozen rows as psycopg reads them: the reference every export is compared with."""
    import psycopg

    with psycopg.connect(server.dsn(dbname)) as conn:
        cur = conn.execute(
            f"SELECT queryid, userid::bigint, dbid::bigint, toplevel, query, calls, total_exec_time, rows, "
            f"shared_blks_hit, wal_bytes::float8 FROM snap {ORDER}"
        )
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def export_all(server: Any, dbname: str, out: Path) -> dict[str, Path]:
    """Write the frozen rows in every export form; returns name → path."""
    out.mkdir(parents=True, exist_ok=True)
    select = f"SELECT * FROM snap {ORDER}"
    files: dict[str, Path] = {}

    def write(name: str, text: str) -> None:
        path = out / name
        path.write_bytes(text.encode("utf-8"))
        files[name] = path

    write("psql_csv.csv", _psql(server, dbname, ["--csv", "-c", select]))
    copy_csv = out / "copy_csv.csv"
    _psql(server, dbname, ["-c", f"\\copy ({select}) TO '{copy_csv}' WITH (FORMAT csv, HEADER)"])
    files["copy_csv.csv"] = copy_csv
    view_columns = _psql(
        server,
        dbname,
        [
            "-A",
            "-t",
            "-c",
            "SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = 'pg_stat_statements'::regclass AND attnum > 0",
        ],
    ).strip()
    copy_text = out / "copy_text_noheader.tsv"
    _psql(server, dbname, ["-c", f"\\copy (SELECT {view_columns} FROM snap {ORDER}) TO '{copy_text}'"])
    files["copy_text_noheader.tsv"] = copy_text
    if server.major >= 15:
        copy_text_h = out / "copy_text_header.tsv"
        _psql(server, dbname, ["-c", f"\\copy ({select}) TO '{copy_text_h}' WITH (FORMAT text, HEADER)"])
        files["copy_text_header.tsv"] = copy_text_h
    write("json_agg.json", _psql(server, dbname, ["-A", "-t", "-c", f"SELECT json_agg(s) FROM ({select}) s"]))
    write(
        "row_to_json.jsonl",
        _psql(server, dbname, ["-A", "-t", "-c", f"SELECT row_to_json(s) FROM ({select}) s"]),
    )
    write("unaligned_tab.tsv", _psql(server, dbname, ["-A", "-F", "\t", "-c", select]))
    write("unaligned_pipe.txt", _psql(server, dbname, ["-A", "-c", select]))
    for name in ("psql_csv.csv", "json_agg.json"):
        gz = out / f"{name}.gz"
        gz.write_bytes(gzip.compress(files[name].read_bytes(), mtime=0))
        files[gz.name] = gz
    write(
        "reader_csv.csv",
        _psql(
            server,
            dbname,
            [
                "--csv",
                "-c",
                "SELECT * FROM pg_stat_statements WHERE dbid = "
                "(SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0 "
                "AND query IS DISTINCT FROM 'x' ORDER BY calls DESC",
            ],
            user=_roles(dbname)[1],
            password="reader-pw",
        ),
    )
    version = _psql(server, dbname, ["-A", "-t", "-c", "SHOW server_version"]).strip()
    ext = _psql(
        server,
        dbname,
        ["-A", "-t", "-c", "SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'"],
    ).strip()
    meta = f"window: 1h\nserver_version: '{version}'\nextversion: '{ext}'\n"
    for name in list(files):
        (out / f"{name}.meta.yaml").write_text(meta, encoding="utf-8")
    (out / "truth.json").write_text(
        json.dumps(truth(server, dbname), indent=1, default=str, ensure_ascii=True) + "\n", encoding="utf-8"
    )
    return files


def main(argv: list[str] | None = None) -> int:
    """Regenerate the committed fixtures (needs PostgreSQL server binaries)."""
    from tests.pgserver import PgServer

    server = PgServer.start_new()
    try:
        args = argv if argv is not None else sys.argv[1:]
        out = Path(args[0]) if args else Path(__file__).parent / f"pg{server.major}"
        server.create_database("app")
        run_workload(server, "app")
        freeze(server, "app")
        files = export_all(server, "app", out)
        print(f"wrote {len(files)} exports to {out}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
