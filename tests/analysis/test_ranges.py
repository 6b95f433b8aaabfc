"""Low–high totals from the defaults a run used, on a real export with unknown transactions.

The export comes from the real PostgreSQL 15 with prepared BEGIN/COMMIT (their count is useless),
without catalog facts (key spaces assumed) and without a database size (storage assumed): every
one of those defaults must widen the range, and every front end must show it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.cli import main as cli_main


@pytest.fixture
def export(pg_db, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint, note text)")
        conn.execute("INSERT INTO accounts SELECT g, 0, repeat('n', 80) FROM generate_series(1, 500) g")
    pg_db.server.reset_statements(pg_db.name)
    for _ in range(2):
        with psycopg.connect(pg_db.dsn, autocommit=True, prepare_threshold=0) as conn:
            for i in range(250):
                conn.execute("BEGIN", prepare=True)
                conn.execute("SELECT balance, note FROM accounts WHERE id = %s", (i % 500 + 1,), prepare=True)
                conn.execute(
                    "UPDATE accounts SET balance = balance + 1 WHERE id = %s", (i % 500 + 1,), prepare=True
                )
                conn.execute("COMMIT", prepare=True)
    select = (
        "SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
    )
    args = [pg_db.server.tool("psql"), "-X", "--csv", "-c", select]
    out = subprocess.run(args, capture_output=True, env=pg_db.server.env(pg_db.name), timeout=60, check=True)
    path = tmp_path / "pgss.csv"
    path.write_bytes(out.stdout)
    return path


def _report(path: Path, capsys: pytest.CaptureFixture[str], fmt: str = "json") -> Any:
    assert cli_main(["report", str(path), "--window", "1h", "--format", fmt, "--width", "160"]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt == "json" else out


def test_every_option_carries_a_range_from_the_defaults(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report(export, capsys)
    for option in report["options"]:
        low, high = option["total_monthly_usd_range"]
        assert low <= option["total_monthly_usd"] <= high
    dsql = next(o for o in report["options"] if o["name"] == "dsql-single-region")
    assert dsql["total_monthly_usd_range"][1] > dsql["total_monthly_usd_range"][0]
    varied = {c["key"] for c in report["verdict"]["ranges"]["cases"]}
    assert {"statements_per_txn", "storage_gb", "row_width_bytes"} <= varied
    assert isinstance(report["verdict"]["ranking_holds"], bool)
    said = " ".join(report["verdict"]["caveats"])
    assert "ranking" in said and "storage assumed" in said and "statements per transaction unknown" in said
    if not report["verdict"]["ranking_holds"]:
        assert "makes" in said  # names the default and the end that flips the cheapest option


def test_text_and_markdown_show_the_range(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(export, capsys)
    dsql = next(o for o in report["options"] if o["name"] == "dsql-single-region")
    low, high = dsql["total_monthly_usd_range"]
    shown = f"${low:,.2f}–${high:,.2f}"
    assert "Range" in _report(export, capsys, "table") and shown in _report(export, capsys, "table")
    assert shown in _report(export, capsys, "markdown")


def test_range_cases_priced_in_workers_equal_the_serial_run(
    export: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large export prices its range cases in forked workers; the report must not change.

    The threshold is lowered so this small real export takes the worker path (``--jobs 2``)."""
    from costmodel.analysis import run as run_module

    serial = _report(export, capsys)
    monkeypatch.setattr(run_module, "PARALLEL_RANGE_ROWS", 1)
    calls: list[int] = []
    real_map = run_module.LocalExecutor.map_shared
    monkeypatch.setattr(
        run_module.LocalExecutor,
        "map_shared",
        lambda self, fn, shared, items: calls.append(len(items)) or real_map(self, fn, shared, items),
    )
    assert cli_main(["report", str(export), "--window", "1h", "--format", "json", "--jobs", "2"]) == 0
    parallel = json.loads(capsys.readouterr().out)
    assert calls and calls[0] == len(serial["verdict"]["ranges"]["cases"]) >= 2
    serial.pop("generated_at", None)
    parallel.pop("generated_at", None)
    assert parallel == serial
