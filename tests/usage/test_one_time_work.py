"""One-time work from a real export: a CREATE EXTENSION, VACUUM and TRUNCATE run once next to an app.

Extrapolated as if they recurred, the one CREATE EXTENSION of a one-hour window became 730 a month
and most of the DSQL bill. They are priced once, listed apart, and their findings are one-time fixes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.cli import main as cli_main

ONCE = (
    "CREATE EXTENSION IF NOT EXISTS pgcrypto",
    "CREATE TABLE scratch (id int PRIMARY KEY, note text)",
    "VACUUM items",
    "TRUNCATE scratch",
)


def _export(server: Any, dbname: str) -> str:
    select = (
        "SELECT s.*, d.datname FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database()"
    )
    out = subprocess.run(
        [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--csv", "-c", select],
        capture_output=True,
        env=server.env(dbname),
        timeout=60,
        check=True,
    )
    return out.stdout.decode()


@pytest.fixture
def export(pg_db, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 200) g")
    pg_db.server.reset_statements(pg_db.name)
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        for sql in ONCE:
            conn.execute(sql)
        for i in range(400):
            conn.execute("SELECT name FROM items WHERE id = %s", (i % 200 + 1,))
            if i % 4 == 0:
                conn.execute("UPDATE items SET name = %s WHERE id = %s", (f"v{i}", i % 200 + 1))
    path = tmp_path / "pgss.csv"
    path.write_text(_export(pg_db.server, pg_db.name))
    return path


def _report(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert cli_main(["report", str(path), "--window", "1h", "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_one_off_statements_are_priced_once_not_monthly(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report(export, capsys)
    once = report["one_time_work"]
    texts = " | ".join(s["query"] for s in once["statements"])
    for head in ("CREATE EXTENSION", "CREATE TABLE scratch", "VACUUM items", "TRUNCATE scratch"):
        assert head in texts, head
    assert once["statements_total"] == len(once["statements"]) >= 4
    assert all(s["calls"] <= once["max_calls"] for s in once["statements"])
    assert once["cost_usd"]["dsql-single-region"] > 0
    # every one-off has no monthly calls: the top statements of DSQL are the application's
    dsql = next(o for o in report["options"] if o["name"] == "dsql-single-region")
    assert all("items" in s["query"] for s in dsql["top_statements"] if s["monthly_usd"] > 0)
    by_id = {s["stmt_id"]: s for s in report["statements"]}
    for s in once["statements"]:
        assert by_id[s["stmt_id"]]["calls_month"] == 0
    assert any(w.startswith("one-time work:") for w in report["warnings"])
    one_time = {f["id"]: f["one_time"] for f in report["readiness"]["findings"]}
    assert one_time.get("extension") is True and one_time.get("truncate") is True


def test_the_application_keeps_its_monthly_calls(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(export, capsys)
    by_text = {s["query"]: s for s in report["statements"]}
    select = next(s for q, s in by_text.items() if q.startswith("SELECT name FROM items"))
    assert select["calls_month"] == pytest.approx(400 * 730, rel=1e-6)
