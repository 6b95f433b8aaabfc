"""OCC risk from plain CSV exports (no catalog facts) of real runs: pgbench's hot rows, a job queue.

Without row counts every keyed write used to get 10,000 keys, so pgbench TPC-B at scale 1 (one
branch, ten tellers) read "risk low" from a CSV, and a ``FOR UPDATE SKIP LOCKED LIMIT 1`` queue
head too. The export itself carries the signals: lock waits (mean execution time far above the
minimum of a single-row update) and the queue-head shape; the rest of the key spaces are a range.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.analysis.run import Analysis
from costmodel.contention.model import Risk
from costmodel.core.catalog import load_catalog
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import Scenario


def _csv(server: Any, dbname: str, out: Path) -> Path:
    select = (
        "SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'"
    )
    args = [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--csv", "-c", select]
    text = subprocess.run(args, capture_output=True, env=server.env(dbname), timeout=60, check=True).stdout
    out.write_bytes(text)
    return out


def _run(path: Path, window: str) -> Any:
    workload = load_workload([path], window=window)
    return Analysis(workload, load_catalog(), with_readiness=False).run(Scenario(), sweep_points=50)


def test_pgbench_hot_rows_from_a_csv_are_not_low(pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg_db.server.pgbench(pg_db.name, "-i", "-s", "1", "-q")
    pg_db.server.reset_statements(pg_db.name)
    done = pg_db.server.pgbench(pg_db.name, "-c", "8", "-j", "2", "-T", "4", "-n")
    assert done > 500
    result = _run(_csv(pg_db.server, pg_db.name, tmp_path / "pgbench.csv"), "4s")
    c = result.contention
    patterns = c.patterns.set_index("table")
    branches = patterns.loc["pgbench_branches"]
    assert branches["key_space"] <= 10 and "lock waits" in branches["key_space_basis"]
    assert "pgbench_branches" in set(c.hot_spots["table"])
    assert c.risk in (Risk.HIGH, Risk.UNKNOWN) and c.risk is not Risk.LOW
    low, high = c.conflict_rate_range
    assert low <= c.predicted_conflict_rate <= high and high > 0.05
    assert c.to_dict()["predicted_conflict_rate_range"] == [low, high]


JOBS = 400
WORKERS = 4


def _worker(dsn: str, errors: list[BaseException]) -> None:
    try:
        with psycopg.connect(dsn) as conn:
            while True:
                with conn.transaction():
                    row = conn.execute(
                        "SELECT id FROM jobs WHERE status = %s ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                        ("queued",),
                    ).fetchone()
                    if row is None:
                        return
                    conn.execute(
                        "UPDATE jobs SET status = %s, done_at = now() WHERE id = %s", ("done", row[0])
                    )
    except BaseException as exc:  # pragma: no cover - surfaced by the assertion below
        errors.append(exc)


def test_a_skip_locked_queue_head_is_one_hot_key(pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, status text NOT NULL, done_at timestamptz)")
        conn.execute(f"INSERT INTO jobs SELECT g, 'queued', NULL FROM generate_series(1, {JOBS}) g")
    pg_db.server.reset_statements(pg_db.name)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_worker, args=(pg_db.dsn, errors)) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    result = _run(_csv(pg_db.server, pg_db.name, tmp_path / "queue.csv"), "10s")
    c = result.contention
    head = c.patterns[c.patterns["query"].str.contains("SKIP LOCKED", na=False)].iloc[0]
    assert head["key_space"] == 1 and "queue head" in head["key_space_basis"]
    assert not bool(head["key_space_assumed"])
    assert "jobs" in set(c.hot_spots["table"])
    assert c.risk is not Risk.LOW


def test_read_only_transactions_carry_no_retry_cost(pg_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A workload of read-only explicit transactions: no statement gets a retry factor."""
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 50) g")
    pg_db.server.reset_statements(pg_db.name)
    with psycopg.connect(pg_db.dsn) as conn:
        for i in range(300):
            with conn.transaction():
                conn.execute("SELECT v FROM t WHERE id = %s", (i % 50 + 1,)).fetchone()
                conn.execute("SELECT count(*) FROM t WHERE v > %s", (i,)).fetchone()
            if i % 10 == 0:
                with conn.transaction():
                    conn.execute("UPDATE t SET v = v + 1 WHERE id = %s", (1,))
    result = _run(_csv(pg_db.server, pg_db.name, tmp_path / "reads.csv"), "2s")
    retry = result.contention.retry_factors
    reads = result.usage.statements["kind"] == "select"
    writes = result.usage.statements["is_write"]
    assert (retry[reads] < retry[writes].max() * 0.2).all()


@pytest.mark.parametrize("cap", [3.0, 10.0])
def test_retries_are_bounded_by_the_retry_policy(cap: float) -> None:
    import numpy as np

    from costmodel.contention.model import _attempts

    p = np.array([0.0, 0.5, 0.99, 1.0])
    got = _attempts(p, cap)
    assert got[0] == 1.0 and got[-1] == cap and (got <= cap).all()
    assert got[1] == pytest.approx((1 - 0.5**cap) / 0.5)


def test_conflict_cost_grows_faster_than_load_in_the_sweep() -> None:
    import numpy as np

    from costmodel.pricing.dsql_curve import DsqlCostCurve

    curve = DsqlCostCurve(
        fixed=0.0, linear=100.0, usage_dpu=(), free_tier_dpu=0.0, discount_rate=0.0, retry_usd=10.0,
        conflict_rate=0.05, max_attempts=10.0,
    )  # fmt: skip
    k = np.array([0.5, 1.0, 2.0, 4.0])
    scale = curve.retry_scale(k)
    assert scale[1] == pytest.approx(1.0)
    assert scale[2] > 2.0 * 1.5 and scale[3] > 4.0 * 2.0  # retries per commit grow with load too
    assert curve(k)[1] == pytest.approx(110.0)
    linear = DsqlCostCurve(0.0, 100.0, (), 0.0, 0.0, retry_usd=10.0, conflict_rate=0.0)
    assert linear.retry_scale(k).tolist() == k.tolist()
