"""Statements per transaction from several witnesses, on real exports of PostgreSQL 15.

The client sends BEGIN and COMMIT through the extended protocol as prepared statements (psycopg
``prepare=True``, as JDBC and many pools do): PostgreSQL 15's pg_stat_statements then counts them
once per connection. Read naively, 3 connections x 200 transactions of 2 statements show 3 BEGINs
against 1,200 statements: 400 statements per transaction.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.cli import main as cli_main
from costmodel.core.assumptions import AssumptionSet
from costmodel.ingest.load import load_workload
from costmodel.usage.transactions import TxnCounts, infer_statements_per_txn

CONNECTIONS, TXNS = 3, 200


def _drive(dsn: str) -> None:
    for _ in range(CONNECTIONS):
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
            for i in range(TXNS):
                conn.execute("BEGIN", prepare=True)
                conn.execute("SELECT v FROM t WHERE id = %s", (i % 100 + 1,), prepare=True)
                conn.execute("UPDATE t SET v = v + 1 WHERE id = %s", (i % 100 + 1,), prepare=True)
                conn.execute("COMMIT", prepare=True)


@pytest.fixture
def table(pg_db):  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 100) g")
    pg_db.server.reset_statements(pg_db.name)
    return pg_db


def _csv(server: Any, dbname: str) -> str:
    select = (
        "SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
    )
    args = [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--csv", "-c", select]
    return subprocess.run(
        args, capture_output=True, env=server.env(dbname), timeout=60, check=True
    ).stdout.decode()


def _json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert cli_main(["report", str(path), "--window", "1h", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_prepared_begin_undercount_falls_back_with_a_warning(
    table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    _drive(table.dsn)
    path = tmp_path / "pgss.csv"
    path.write_text(_csv(table.server, table.name))
    s = load_workload([path], window="1h").statements
    begins = float(s.loc[s["query"] == "BEGIN", "calls"].sum())
    assert begins == CONNECTIONS  # the PostgreSQL 15 undercount, measured
    report = _json(path, capsys)
    spt = next(a for a in report["assumptions"] if a["key"] == "statements_per_txn")
    assert spt["value"] == 1 and spt["source"] == "default" and "witness: fallback" in spt["description"]
    caveats = report["verdict"]["caveats"]
    assert any("once per connection" in c and "400 statements per transaction" in c for c in caveats)
    dsql = next(o for o in report["options"] if o["name"] == "dsql-single-region")
    assert dsql["details"]["statements_per_txn"] == 1


def test_a_bundle_counts_transactions_in_pg_stat_database(
    table, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from costmodel.collect.live import collect
    from costmodel.collect.options import CollectOptions, Schedule

    rounds = iter((True, False))

    def work(_seconds: float) -> None:
        if next(rounds):
            _drive(table.dsn)

    out = tmp_path / "bundle"
    collect(CollectOptions(dsn=table.dsn, out=out, schedule=Schedule.series(0.2, 0.4)), wait=work)
    workload = load_workload([out])
    xacts = workload.info["xacts_window"]
    assert CONNECTIONS * TXNS <= xacts <= CONNECTIONS * TXNS * 1.1  # a few are the collector's own
    report = _json(out, capsys)
    spt = next(a for a in report["assumptions"] if a["key"] == "statements_per_txn")
    assert spt["source"] == "measured" and "witness: pg_stat_database" in spt["description"]
    assert 1.8 <= spt["value"] <= 2.0  # 1,200 statements in 600 transactions (+ the collector's)
    assert not report["verdict"]["caveats"] or not any(
        "once per connection" in c for c in report["verdict"]["caveats"]
    )


def test_witness_order_and_plausibility() -> None:
    counts = TxnCounts(
        work_calls=1000, begin_calls=500, end_calls=500, write_calls=500, mean_statement_ms=1.0
    )
    got = infer_statements_per_txn(counts, None, AssumptionSet())
    assert (got.statements_per_txn, got.witness) == (2.0, "BEGIN/COMMIT")
    slow = TxnCounts(
        work_calls=1000, begin_calls=100, end_calls=100, write_calls=1, mean_statement_ms=40_000.0
    )
    got = infer_statements_per_txn(slow, None, AssumptionSet())  # 10 x 40 s: past the 5-minute limit
    assert got.witness == "fallback" and "300 s limit" in got.warnings[0]
    assert (got.low, got.high) == (1.0, 50.0)
    none = TxnCounts(work_calls=1000, begin_calls=0, end_calls=0, write_calls=10, mean_statement_ms=1.0)
    assert infer_statements_per_txn(none, None, AssumptionSet()).witness == "autocommit"
    assert infer_statements_per_txn(none, 3.0, AssumptionSet()).witness == "scenario"
