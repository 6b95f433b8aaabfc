"""Monitoring and exporter statements, from a real export script run three times against a real server.

The script is the usual cron export: a temp table of pg_stat_statements, ``\\copy`` of it, a reset
(the first time), the drop. Run three times, the last export records the earlier runs' statements, next to a monitoring
agent's catalog queries and the application's own statements.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.cli import main as cli_main
from costmodel.ingest.load import load_workload
from costmodel.ingest.monitoring import EXCLUDED_MONITORING, monitoring_mask

EXPORT_SCRIPT = """
CREATE TEMP TABLE pgss_export AS
  SELECT now() AS exported_at, s.*, d.datname FROM pg_stat_statements s
  JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database();
\\copy pgss_export TO '{out}' WITH (FORMAT csv, HEADER)
{reset}DROP TABLE pgss_export;
"""

APP = (
    "SELECT name FROM items WHERE id = %s",
    "UPDATE items SET name = name WHERE id = %s",
)
AGENT = (
    "SELECT state, count(*) FROM pg_stat_activity GROUP BY state",
    "SELECT c.relname, s.n_live_tup FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid",
    "SELECT mode, count(*) FROM pg_locks GROUP BY mode",
)


def _export(server: Any, dbname: str, out: Path, script_dir: Path, *, reset: bool) -> None:
    script = script_dir / "export.sql"
    script.write_text(
        EXPORT_SCRIPT.format(out=out, reset="SELECT pg_stat_statements_reset();\n" if reset else "")
    )
    subprocess.run(
        [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
        env=server.env(dbname),
        capture_output=True,
        timeout=60,
        check=True,
    )


@pytest.fixture
def export(pg_db, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 20) g")
    _export(pg_db.server, pg_db.name, tmp_path / "first.csv", tmp_path, reset=True)
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        for i in range(30):
            for sql in APP:
                conn.execute(sql, (i % 20 + 1,))
            if i % 10 == 0:
                for sql in AGENT:
                    conn.execute(sql)
    _export(pg_db.server, pg_db.name, tmp_path / "second.csv", tmp_path, reset=False)
    out = tmp_path / "third.csv"
    _export(pg_db.server, pg_db.name, out, tmp_path, reset=False)
    return out


def test_exporter_and_agent_statements_are_set_apart(export: Path) -> None:
    kept = load_workload([export], window="1h", include_monitoring=True).statements
    texts = kept["query"].tolist()
    assert any("pg_stat_statements_reset" in t for t in texts)  # the first run's reset, recorded
    assert any(t.startswith("DROP TABLE pgss_export") for t in texts)
    assert any("COPY" in t and "pgss_export" in t for t in texts)
    workload = load_workload([export], window="1h")
    left = workload.statements["query"].tolist()
    assert sorted(left) == sorted(
        ["SELECT name FROM items WHERE id = $1", "UPDATE items SET name = name WHERE id = $1"]
    ) or all("items" in t for t in left)
    assert not any("pg_" in t or "pgss_export" in t for t in left)
    set_apart = len(kept) - len(workload.statements)
    assert workload.excluded[EXCLUDED_MONITORING] == set_apart >= 6
    assert len(workload.warnings) == 1 and "--include-monitoring" in workload.warnings[0]


def test_the_report_names_them_and_include_monitoring_prices_them(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert cli_main(["report", str(export), "--window", "1h", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any("monitoring/exporter statements" in w for w in report["warnings"])
    assert not any("pg_stat_statements" in str(s.get("query")) for s in report.get("statements", []))
    assert (
        cli_main(["report", str(export), "--window", "1h", "--format", "json", "--include-monitoring"]) == 0
    )
    kept = json.loads(capsys.readouterr().out)
    assert not any("monitoring/exporter statements" in w for w in kept["warnings"])


def test_application_statements_are_not_monitoring() -> None:
    texts = [
        "SELECT 1",
        "SELECT * FROM orders WHERE id = $1",
        "SELECT o.id FROM orders o JOIN pg_class c ON c.relname = o.kind",
        "UPDATE pg_settings_app SET v = $1",
        "COPY orders TO STDOUT",
        "SELECT relname FROM pg_catalog.pg_class",
        "SELECT * FROM information_schema.tables",
    ]
    assert monitoring_mask(texts).tolist() == [False, False, False, False, False, True, True]
