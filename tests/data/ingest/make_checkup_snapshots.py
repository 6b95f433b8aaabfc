"""Two postgres-checkup pg_stat_statements snapshots from a throw-away PostgreSQL, shaped as
postgres-checkup shapes them.

Format source: postgres-checkup (https://gitlab.com/postgres-ai/postgres-checkup, GPL-3.0),
``resources/checks/K000_query_analysis.sh``: it selects the top entries of pg_stat_statements by
total time (``total_time``, or ``total_plan_time + total_exec_time`` on PostgreSQL 13+), keys each by
``md5(queryid::text || dbid::text || userid::text)`` and saves
``json_build_object('snapshot_timestamptz', now(), 'snapshot_timestamptz_s', extract(epoch from
now()), 'queries', json_object_agg(md5, row))``; K001–K003 then take the difference of two such
files. The query below is written from that description (without the pg_stat_kcache join).

* ``python -m tests.data.ingest.make_checkup_snapshots [OUT]`` regenerates the committed pair in
  ``tests/data/ingest/checkup/`` (run from the repository root, needs PostgreSQL);
* ``tests/ingest/test_ingest_checkup.py`` also takes a fresh pair from the session server.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

LIST_LIMIT = 100
"""postgres-checkup keeps this many entries (its LISTLIMIT)."""

TOTAL_TIME = (
    "coalesce((row_to_json(s)->>'total_time')::double precision, "
    "(row_to_json(s)->>'total_plan_time')::double precision + (row_to_json(s)->>'total_exec_time')::double precision)"
)
SNAPSHOT_SQL = f"""
WITH data AS (
  SELECT row_number() OVER (ORDER BY {TOTAL_TIME} DESC) AS rownum,
         left(query, 50000) AS query, calls, {TOTAL_TIME} AS total_time, rows,
         shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
         local_blks_hit, local_blks_read, local_blks_dirtied, local_blks_written,
         temp_blks_read, temp_blks_written, blk_read_time, blk_write_time, queryid,
         md5(queryid::text || dbid::text || userid::text) AS md5
  FROM pg_stat_statements s
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  ORDER BY total_time DESC
  LIMIT {LIST_LIMIT}
)
SELECT json_build_object(
  'snapshot_timestamptz', to_json(now()::timestamptz),
  'snapshot_timestamptz_s', to_json(extract('epoch' FROM now()::timestamptz)),
  'queries', json_object_agg(data.md5, data.*)
)::text
FROM data
"""
"""One snapshot (``blk_read_time``/``blk_write_time`` exist up to PostgreSQL 16, as postgres-checkup
expects)."""

SETUP = (
    "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)",
    "INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 200) g ON CONFLICT DO NOTHING",
)


def _load(conn: Any, rounds: int) -> None:
    """A little application traffic: point reads, updates and a scan."""
    with conn.cursor() as cur:
        for i in range(rounds):
            cur.execute("SELECT balance FROM accounts WHERE id = %s", (i % 200 + 1,))
            cur.execute("UPDATE accounts SET balance = balance + 1 WHERE id = %s", (i % 200 + 1,))
            if i % 10 == 0:
                cur.execute("SELECT count(*) FROM accounts WHERE balance > %s", (i,))


def take_pair(dsn: str, rounds: tuple[int, int] = (50, 150), pause_s: float = 1.2) -> tuple[str, str]:
    """Two snapshots of the database at ``dsn`` with traffic before each (the second after more)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in SETUP:
            conn.execute(sql)
        _load(conn, rounds[0])
        first = str(conn.execute(SNAPSHOT_SQL).fetchone()[0])  # type: ignore[index]
        time.sleep(pause_s)
        _load(conn, rounds[1])
        second = str(conn.execute(SNAPSHOT_SQL).fetchone()[0])  # type: ignore[index]
    return first, second


def main(argv: list[str]) -> int:
    from tests.pgserver import PgServer

    out = Path(argv[0]) if argv else Path("tests/data/ingest/checkup")
    out.mkdir(parents=True, exist_ok=True)
    server = PgServer.start_new()
    try:
        dsn = server.create_database("checkup")
        server.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", dbname="checkup")
        first, second = take_pair(dsn)
        (out / "K000_1.json").write_text(first + "\n", encoding="utf-8")
        (out / "K000_2.json").write_text(second + "\n", encoding="utf-8")
    finally:
        server.stop()
    print(f"wrote {out}/K000_1.json and K000_2.json (PostgreSQL {server.major})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
