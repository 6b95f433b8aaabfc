"""``dsqlcost collect`` against the real throw-away PostgreSQL (marked ``postgres`` via the fixtures)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from costmodel.cli import main
from costmodel.collect.live import MARKER, _Conn, collect
from costmodel.collect.options import CollectOptions, Schedule
from costmodel.core.errors import CollectError
from costmodel.ingest.load import load_workload
from tests.conftest import PgDatabase
from tests.pgserver import PgServer, free_port

REPO = Path(__file__).resolve().parents[2]


def no_pw_dsn(db: PgDatabase, user: str = "postgres") -> str:
    return f"postgresql://{user}@127.0.0.1:{db.server.port}/{db.name}"


def read_snapshot(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def load_bundle(out: Path) -> dict[str, Any]:
    return yaml.safe_load((out / "bundle.yaml").read_text())


def all_text(out: Path) -> str:
    parts = []
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            parts.append((gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def shop(pg_db: PgDatabase) -> PgDatabase:
    """A small analysed table with a primary key and one secondary index."""
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, sku text NOT NULL, price numeric(10,2), note text)"
        )
        conn.execute("CREATE INDEX items_sku ON items (sku)")
        conn.execute(
            "INSERT INTO items SELECT g, 'sku-' || (g % 50), g * 1.5, CASE WHEN g % 2 = 0 THEN 'even' END "
            "FROM generate_series(1, 2000) g"
        )
        conn.execute("ANALYZE items")
    return pg_db


def options(db: PgDatabase, out: Path, schedule: Schedule, **kw: Any) -> CollectOptions:
    return CollectOptions(dsn=db.dsn, out=out, schedule=schedule, **kw)


def test_two_snapshot_bundle_measures_the_delta(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "bundle"

    def workload(_seconds: float) -> None:
        with psycopg.connect(shop.dsn) as conn:
            for i in range(25):
                conn.execute("SELECT price FROM items WHERE id = %s", (i + 1,)).fetchone()

    result = collect(options(shop, out, Schedule.interval(0.2)), wait=workload)
    meta = load_bundle(out)
    assert meta["format"] == "dsqlcost-bundle/1"
    assert meta["interrupted"] is False and not result.interrupted
    assert meta["server"]["version_num"] >= 120000
    assert meta["server"]["extversion"] and meta["server"]["block_size"] == 8192
    assert meta["settings"]["pg_stat_statements.track"] == "all"
    assert meta["settings"]["track_io_timing"] == "on"
    assert meta["database"]["name"] == shop.name and meta["database"]["size_bytes"] > 0
    assert meta["pgss_info"]["dealloc"] == 0 and meta["pgss_info"]["stats_reset"].endswith("Z")
    assert meta["window"]["source"] == "snapshots"
    assert meta["window"]["seconds"] == pytest.approx(result.window_seconds)
    assert meta["window"]["seconds"] > 0
    assert [s["file"] for s in meta["snapshots"]] == ["snapshots/0000.csv", "snapshots/0001.csv"]
    assert meta["schema"] == "schema.sql" and meta["catalog"] == "catalog.yaml"

    first, last = (read_snapshot(out / s["file"]) for s in meta["snapshots"])
    with psycopg.connect(shop.dsn) as conn:
        view_cols = [d.name for d in conn.execute("SELECT * FROM pg_stat_statements LIMIT 0").description]
    assert list(last[0].keys()) == [*view_cols, "datname", "rolname"]
    assert {r["datname"] for r in last} == {shop.name}
    assert all(MARKER not in (r["query"] or "") for r in first + last)
    assert meta["snapshots"][1]["rows"] == len(last)

    def calls(rows: list[dict[str, str]]) -> int:
        return sum(
            int(r["calls"]) for r in rows if r["query"].startswith("SELECT price FROM items WHERE id = $1")
        )

    assert calls(last) - calls(first) == 25

    catalog = yaml.safe_load((out / "catalog.yaml").read_text())
    items = next(t for t in catalog["tables"] if t["name"] == "items")
    assert items["schema"] == "public" and items["primary_key"] == ["id"]
    assert items["secondary_index_count"] == 1
    assert {i["name"]: i["columns"] for i in items["indexes"]} == {"items_pkey": ["id"], "items_sku": ["sku"]}
    assert items["row_estimate"] == 2000
    widths = {c["name"]: c["avg_width"] for c in items["columns"]}
    assert items["avg_row_width"] == sum(widths.values()) + 24
    nd = {c["name"]: c["n_distinct"] for c in items["columns"]}
    assert nd["id"] == 2000 and nd["sku"] == 50 and nd["note"] == 1
    assert items["size_bytes"] > items["table_bytes"] > 0
    assert catalog["database_size_bytes"] == meta["database"]["size_bytes"]

    schema = (out / "schema.sql").read_text()
    assert "CREATE TABLE public.items" in schema and "CREATE INDEX items_sku" in schema
    assert "\\restrict" not in schema
    assert shop.server.password not in all_text(out)


def test_cli_series_with_password_from_env(shop: PgDatabase, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PGPASSWORD", shop.server.password)
    out = tmp_path / "series"
    code = main(
        ["collect", "--dsn", no_pw_dsn(shop), "--out", str(out), "--every", "0.1s", "--for", "0.3s", "--gzip"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    meta = load_bundle(out)
    assert len(meta["snapshots"]) == 4
    assert all(s["file"].endswith(".csv.gz") for s in meta["snapshots"])
    assert meta["schedule"] == {"snapshots": 4, "every_seconds": 0.1}
    assert meta["window"]["seconds"] == pytest.approx(0.3, abs=0.1)
    rows = read_snapshot(out / meta["snapshots"][-1]["file"])
    assert rows and "calls" in rows[0]
    assert "4 snapshot(s)" in captured.out
    assert "snapshot 4/4" in captured.err
    assert shop.server.password not in captured.out + captured.err + all_text(out)


def test_once_all_databases_has_no_window(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "once"
    collect(options(shop, out, Schedule.once(), all_databases=True, schema=False))
    meta = load_bundle(out)
    assert meta["window"] is None and meta["scope"] == "all_databases" and meta["schema"] is None
    assert not (out / "schema.sql").exists()
    rows = read_snapshot(out / meta["snapshots"][0]["file"])
    assert {shop.name, "postgres"} <= {r["datname"] for r in rows}


def test_interrupt_keeps_snapshots_and_writes_valid_bundle(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "cut"
    waits = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    result = collect(options(shop, out, Schedule.series(0.05, 1.0)), wait=wait)
    meta = load_bundle(out)
    assert result.interrupted and meta["interrupted"] is True
    assert len(meta["snapshots"]) == 2 == len(list((out / "snapshots").iterdir()))
    assert meta["window"]["seconds"] > 0
    assert meta["schema"] is None  # pg_dump is skipped when stopped early


def test_interrupt_before_first_snapshot_leaves_nothing(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "nothing"

    def progress(message: str) -> None:
        if message.startswith("catalog"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        collect(options(shop, out, Schedule.interval(0.1)), progress=progress)
    assert not out.exists()


def test_ctrl_c_signal_on_cli_series(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "sigint"
    env = dict(os.environ, PGPASSWORD=shop.server.password, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "costmodel",
            "collect",
            "--dsn",
            no_pw_dsn(shop),
            "--out",
            str(out),
            "--every",
            "0.2s",
            "--for",
            "60s",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A loaded 2-core CI machine can take many seconds to start the CLI: wait for two snapshots
    # (not a fixed time), so the signal always lands on a running series with its handler installed.
    deadline = time.monotonic() + 90
    snapshots = 0
    while time.monotonic() < deadline and proc.poll() is None:
        meta = yaml.safe_load((out / "bundle.yaml").read_text()) if (out / "bundle.yaml").exists() else None
        snapshots = len(meta["snapshots"]) if meta else 0
        if snapshots >= 2:
            break
        time.sleep(0.05)
    assert snapshots >= 2, f"the series wrote {snapshots} snapshot(s) before the deadline"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    meta = load_bundle(out)
    assert meta["interrupted"] is True and len(meta["snapshots"]) >= 2
    assert meta["schedule"]["snapshots"] == 301
    for snap in meta["snapshots"]:
        assert read_snapshot(out / snap["file"])
    assert not list((out / "snapshots").glob("*.tmp"))
    assert "(interrupted)" in stdout


def test_reconnects_when_the_backend_is_killed(shop: PgDatabase, tmp_path: Path) -> None:
    out = tmp_path / "reconnect"

    def kill_collector(_seconds: float) -> None:
        shop.server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dsqlcost collect'"
        )

    result = collect(options(shop, out, Schedule.series(0.05, 0.1), schema=False), wait=kill_collector)
    assert len(result.snapshots) == 3 and not result.interrupted


def test_session_is_read_only_with_timeout(shop: PgDatabase, tmp_path: Path) -> None:
    session = _Conn.from_options(options(shop, tmp_path / "x", Schedule.once(), statement_timeout_s=7))
    conn = session.connect()
    try:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("7s",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE evil (a int)")
    finally:
        session.close()


# ---- bad input: one line, exit 2, no password ------------------------------------------------


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = main(["collect", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_one_line_error(code: int, text: str, secret: str) -> None:
    assert code == 2
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1, text
    assert secret not in text


def test_wrong_password(shop: PgDatabase, tmp_path: Path, capsys) -> None:
    secret = "WrongHorse-93"
    dsn = shop.server.dsn(shop.name, password=secret)
    code, text = run_cli(["--dsn", dsn, "--out", str(tmp_path / "b"), "--once"], capsys)
    assert_one_line_error(code, text, secret)
    assert 'password authentication failed for user "postgres"' in text
    assert "fix: check the user name and the password" in text
    assert not (tmp_path / "b").exists()


def test_unreachable_host(tmp_path: Path, capsys) -> None:
    secret = "Unreach-77"
    dsn = f"postgresql://app:{secret}@127.0.0.1:{free_port()}/app"
    code, text = run_cli(["--dsn", dsn, "--out", str(tmp_path / "b"), "--once"], capsys)
    assert_one_line_error(code, text, secret)
    assert "cannot connect to postgresql://app@127.0.0.1:" in text
    assert "refused" in text.lower()


def test_extension_not_created(pg_server: PgServer, tmp_path: Path, capsys) -> None:
    pg_server.execute("DROP DATABASE IF EXISTS noext")
    pg_server.execute("CREATE DATABASE noext")
    code, text = run_cli(["--dsn", pg_server.dsn("noext"), "--out", str(tmp_path / "b"), "--once"], capsys)
    assert_one_line_error(code, text, pg_server.password)
    assert "extension pg_stat_statements is not created in database 'noext'" in text
    assert "CREATE EXTENSION pg_stat_statements" in text


def test_role_without_pg_read_all_stats(shop: PgDatabase, tmp_path: Path, capsys) -> None:
    server = shop.server
    role, secret = f"nostats_{shop.name}", "NoStats-Pw-1"
    server.create_role(role, secret)
    with psycopg.connect(shop.dsn) as conn:  # statements of another role, hidden from `role`
        conn.execute("SELECT count(*) FROM items").fetchone()
    code, text = run_cli(
        ["--dsn", server.dsn(shop.name, user=role, password=secret), "--out", str(tmp_path / "b"), "--once"],
        capsys,
    )
    assert_one_line_error(code, text, secret)
    assert f"role '{role}' lacks pg_read_all_stats" in text
    assert "<insufficient privilege>" in text
    assert f"GRANT pg_read_all_stats TO {role};" in text
    server.execute(f'GRANT pg_read_all_stats TO "{role}"')
    code, text = run_cli(
        ["--dsn", server.dsn(shop.name, user=role, password=secret), "--out", str(tmp_path / "ok"), "--once"],
        capsys,
    )
    assert code == 0, text
    rows = read_snapshot(tmp_path / "ok" / "snapshots" / "0000.csv")
    assert "<insufficient privilege>" not in {r["query"] for r in rows}
    assert "postgres" in {r["rolname"] for r in rows}
    assert secret not in text + all_text(tmp_path / "ok")


@pytest.mark.postgres
def test_library_not_preloaded(tmp_path: Path, capsys) -> None:
    from tests.pgserver import find_bindir

    if find_bindir() is None:
        pytest.skip("no PostgreSQL server binaries")
    bare = PgServer.start_new(preload=False)
    try:
        code, text = run_cli(["--dsn", bare.dsn(), "--out", str(tmp_path / "a"), "--once"], capsys)
        assert_one_line_error(code, text, bare.password)
        assert "is not loaded" in text and "not created in database 'postgres'" in text
        assert "shared_preload_libraries" in text
        bare.execute("CREATE EXTENSION pg_stat_statements")
        with pytest.raises(
            CollectError, match="created but not loaded: it is not in shared_preload_libraries"
        ):
            collect(CollectOptions(dsn=bare.dsn(), out=tmp_path / "b", schedule=Schedule.once()))
    finally:
        bare.stop()


def test_snapshots_sample_active_backends(shop: PgDatabase, tmp_path: Path) -> None:
    """A backend burning CPU counts as active on CPU; one in pg_sleep as active but waiting."""
    out = tmp_path / "bundle"
    threads: list[threading.Thread] = []

    def run(query: str) -> None:
        with psycopg.connect(shop.dsn) as conn, contextlib.suppress(psycopg.errors.QueryCanceled):
            conn.execute(query)

    def workload(_seconds: float) -> None:
        for query in ("SELECT count(*) FROM generate_series(1, 200000000)", "SELECT pg_sleep(30)"):
            thread = threading.Thread(target=run, args=(query,))
            thread.start()
            threads.append(thread)
        # return (and let the next snapshot sample pg_stat_activity) only once both are seen running,
        # the counting one on CPU: on a loaded machine a fixed sleep raced the backends' start-up
        deadline = time.monotonic() + 60
        with psycopg.connect(shop.dsn, autocommit=True) as conn:
            while time.monotonic() < deadline:
                on_cpu, waiting = conn.execute(
                    "SELECT count(*) FILTER (WHERE query LIKE 'SELECT count(*) FROM generate_series%' "
                    "AND wait_event IS NULL), count(*) FILTER (WHERE query LIKE 'SELECT pg_sleep%') "
                    "FROM pg_stat_activity WHERE state = 'active'"
                ).fetchone()
                if on_cpu and waiting:
                    return
                time.sleep(0.05)

    try:
        collect(options(shop, out, Schedule.interval(0.2)), wait=workload)
    finally:
        with psycopg.connect(shop.dsn, autocommit=True) as conn:  # stop both backends
            conn.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND (query LIKE 'SELECT count(*) FROM generate_series%' OR query LIKE 'SELECT pg_sleep%')"
            )
        for thread in threads:
            thread.join()
    meta = load_bundle(out)
    last = meta["snapshots"][1]
    assert last["active"] >= 2
    assert 1 <= last["active_on_cpu"] < last["active"]
    samples = load_workload(out).info["active_on_cpu_samples"]
    assert samples == [s["active_on_cpu"] for s in meta["snapshots"]]


def test_catalog_samples_logical_widths_that_toast_hides(shop: PgDatabase, tmp_path: Path) -> None:
    """pg_stats sees a TOASTed value as its pointer (or compressed size); DSQL bills the real bytes."""
    with psycopg.connect(shop.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE docs (id int PRIMARY KEY, body text)")
        conn.execute("INSERT INTO docs SELECT g, repeat('x', 500000) || g FROM generate_series(1, 3) g")
        conn.execute("ANALYZE docs")
    out = tmp_path / "bundle"
    collect(options(shop, out, Schedule.once(), schema=False))
    catalog = yaml.safe_load((out / "catalog.yaml").read_text(encoding="utf-8"))
    docs = next(t for t in catalog["tables"] if t["name"] == "docs")
    assert docs["sampled_rows"] == 3
    assert docs["logical_row_bytes"] == pytest.approx(4 + 500001, abs=1)
    assert docs["avg_row_width"] < 10_000  # compressed: the catalog's width is far below the real one
    assert docs["logical_row_bytes"] / docs["stored_row_bytes"] > 2  # so reads use the logical width
    items = next(t for t in catalog["tables"] if t["name"] == "items")
    assert items["logical_row_bytes"] == pytest.approx(items["stored_row_bytes"], rel=0.5)
    snapshot = read_snapshot(out / "snapshots" / "0000.csv")
    assert not any("octet_length" in row["query"] for row in snapshot)  # the sampling is not a statement


def test_snapshots_sample_transactions_left_open(shop: PgDatabase, tmp_path: Path) -> None:
    """DSQL bills an open transaction's wall-clock time: collect samples pg_stat_activity for it."""
    with psycopg.connect(shop.dsn) as idle:
        idle.execute("SELECT 1")  # psycopg opened a transaction: the session is now idle in it
        out = tmp_path / "bundle"
        collect(options(shop, out, Schedule.once(), schema=False))
    activity = load_bundle(out)["snapshots"][0]["activity"]
    assert activity["idle_in_transaction"] >= 1 and activity["open_transactions"] >= 1
    assert activity["longest_idle_in_transaction_s"] >= 0


def test_snapshots_measure_sessions_and_idle_transaction_time(shop: PgDatabase, tmp_path: Path) -> None:
    """PostgreSQL 14+ pg_stat_database counts sessions and idle-in-transaction time: measured, not assumed."""
    from costmodel.classify.frame import classify
    from costmodel.core.assumptions import AssumptionSet
    from costmodel.scenario.model import Scenario
    from costmodel.usage.compute import compute_usage

    out = tmp_path / "bundle"

    def workload(_seconds: float) -> None:
        for session in range(4):
            with psycopg.connect(shop.dsn) as conn:
                for i in range(5):
                    conn.execute("SELECT price FROM items WHERE id = %s", (session * 5 + i + 1,)).fetchone()
                    if session == 0 and i == 0:
                        time.sleep(0.3)  # the transaction stays open, idle, before its COMMIT
                    conn.commit()

    collect(options(shop, out, Schedule.interval(0.2), schema=False), wait=workload)
    first, last = (s["sessions"] for s in load_bundle(out)["snapshots"])
    assert last["sessions"] - first["sessions"] >= 4
    assert last["transactions"] - first["transactions"] >= 20
    assert last["idle_in_transaction_time_ms"] - first["idle_in_transaction_time_ms"] >= 250
    usage = compute_usage(classify(load_workload(out)), Scenario(), AssumptionSet())
    used = {a.key: a for a in usage.assumptions.used()}
    per_session = used["dsql_transactions_per_session"]
    assert per_session.source == "measured"
    sessions = last["sessions"] - first["sessions"]
    assert per_session.value == pytest.approx((last["transactions"] - first["transactions"]) / sessions)
    idle = used["dsql_idle_in_txn_seconds_per_txn"]
    assert idle.source == "measured" and idle.value > 0.25 / (last["transactions"] - first["transactions"])
    assert "pg_stat_database" in usage.estimators["sessions"]
