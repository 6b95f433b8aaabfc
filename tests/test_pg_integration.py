"""pgbench → collect → ingest against the real throw-away PostgreSQL.

pgbench prints its own count of processed transactions; every statement of its TPC-B script runs
exactly once per transaction, so the snapshot delta of each must equal that count, first in the
raw CSV files and then after ``costmodel.ingest.load`` (imported lazily: it is written alongside).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from costmodel.collect.live import collect
from costmodel.collect.options import CollectOptions, Schedule
from tests.pgserver import PgServer

pytestmark = pytest.mark.postgres

TPCB = {
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2": 1,
    "SELECT abalance FROM pgbench_accounts WHERE aid = $1": 1,
    "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2": 1,
    "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2": 1,
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)": 1,
    "BEGIN": 1,
    "END": 1,
}
"""The statements of pgbench's built-in TPC-B script as pg_stat_statements normalises them."""
BRANCHES = "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2"


@dataclass(frozen=True)
class PgbenchBundle:
    out: Path
    processed: tuple[int, ...]
    """pgbench's own transaction count, one per interval."""

    @property
    def total(self) -> int:
        return sum(self.processed)


def make_bundle(server: PgServer, dbname: str, out: Path, per_interval: tuple[int, ...]) -> PgbenchBundle:
    """Snapshot around pgbench runs: one run of ``2 clients × t`` transactions per interval."""
    processed: list[int] = []
    runs = iter(per_interval)

    def run_pgbench(_seconds: float) -> None:
        t = next(runs)
        if t == 0:  # an idle interval
            processed.append(0)
            return
        processed.append(server.pgbench(dbname, "-n", "-c", "2", "-j", "2", "-t", str(t), "--random-seed=11"))

    schedule = Schedule(count=len(per_interval) + 1, every=0.05)
    collect(
        CollectOptions(dsn=server.dsn(dbname), out=out, schedule=schedule, schema=False), wait=run_pgbench
    )
    return PgbenchBundle(out=out, processed=tuple(processed))


@pytest.fixture(scope="module")
def pgbench_db(pg_server: PgServer) -> Iterator[str]:
    name = "pgbench_it"
    pg_server.create_database(name)
    pg_server.pgbench(name, "-i", "-s", "1", "-q")
    yield name
    pg_server.execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(scope="module")
def pair(pg_server: PgServer, pgbench_db: str, tmp_path_factory: pytest.TempPathFactory) -> PgbenchBundle:
    return make_bundle(pg_server, pgbench_db, tmp_path_factory.mktemp("pair") / "b", (120,))


@pytest.fixture(scope="module")
def series(pg_server: PgServer, pgbench_db: str, tmp_path_factory: pytest.TempPathFactory) -> PgbenchBundle:
    return make_bundle(pg_server, pgbench_db, tmp_path_factory.mktemp("series") / "b", (40, 100, 0))


def ingest() -> ModuleType:
    import costmodel.ingest.load as module

    return module


def csv_calls(out: Path) -> list[dict[str, tuple[int, int]]]:
    """Per snapshot: query → (calls, rows) of top-level entries."""
    meta = yaml.safe_load((out / "bundle.yaml").read_text())
    result = []
    for snap in meta["snapshots"]:
        with (out / snap["file"]).open(newline="") as handle:
            result.append(
                {
                    r["query"]: (int(r["calls"]), int(r["rows"]))
                    for r in csv.DictReader(handle)
                    if r["toplevel"] == "t"
                }
            )
    return result


def test_pgbench_reports_what_it_ran(pair: PgbenchBundle) -> None:
    assert pair.processed == (240,)


def test_snapshot_delta_equals_pgbench_transaction_count(pair: PgbenchBundle) -> None:
    first, last = csv_calls(pair.out)
    for query, per_txn in TPCB.items():
        before = first.get(query, (0, 0))
        assert query in last, f"{query!r} missing from the last snapshot"
        assert last[query][0] - before[0] == per_txn * pair.total, query
    assert last[BRANCHES][1] - first.get(BRANCHES, (0, 0))[1] == pair.total  # one row updated per call


def test_ingest_counts_match_pgbench(pair: PgbenchBundle) -> None:
    workload = ingest().load_workload([pair.out])
    meta = yaml.safe_load((pair.out / "bundle.yaml").read_text())
    statements = workload.statements
    by_query = statements.groupby("query")["calls"].sum()
    for query, per_txn in TPCB.items():
        assert by_query.get(query) == per_txn * pair.total, query
    assert workload.window.source == "snapshots"
    assert workload.window.seconds == pytest.approx(meta["window"]["seconds"])
    assert workload.catalog is not None
    accounts = workload.catalog.table("pgbench_accounts")
    assert accounts is not None and accounts.primary_key == ("aid",)
    assert accounts.row_estimate == pytest.approx(100_000, rel=0.05)


def test_ingest_series_follows_pgbench_runs(series: PgbenchBundle) -> None:
    workload = ingest().load_workload([series.out])
    assert series.processed == (80, 200, 0)
    assert workload.series is not None
    intervals = workload.series.intervals
    assert len(intervals) == 3
    branches = workload.statements.loc[workload.statements["query"] == BRANCHES, "calls"].sum()
    assert branches == series.total
    # each interval carries its pgbench run: 7 statements per transaction plus pgbench's start-up queries
    for calls, processed in zip(intervals["calls"], series.processed):
        if processed:
            assert 7 * processed <= calls <= 7 * processed + 10
        else:  # the idle interval: nothing ran, and idle is a measured zero (scale-to-zero needs it)
            assert calls == 0
    # the series measures the server's activity, pgbench's start-up catalog queries included; the
    # statement table sets those apart as monitoring (--include-monitoring keeps them)
    everything = ingest().load_workload([series.out], include_monitoring=True)
    assert intervals["calls"].sum() == pytest.approx(everything.statements["calls"].sum())
    assert (intervals["seconds"] > 0).all()
