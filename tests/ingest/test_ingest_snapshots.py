"""Snapshots in one export or bundle: appended snapshots, produced by appending real psql CSV exports of a real server.

A cron job that appends ``psql --csv`` output of pg_stat_statements to one file yields every entry
once per snapshot with rising cumulative counters. Summed, every call counts once per snapshot;
read right, the file is a snapshot series (deltas from the first to the last snapshot).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from costmodel.cli import main as cli_main
from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.pgserver import PgServer, find_bindir

WORK = "SELECT count(*) FROM items WHERE id <= %s"
MINE = "dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"


def _psql_csv(server: Any, dbname: str, select: str, *, header: bool) -> str:
    args = [server.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "--csv", "-c", select]
    if not header:
        args.insert(2, "--tuples-only")
    out = subprocess.run(args, capture_output=True, env=server.env(dbname), timeout=60, check=True)
    return out.stdout.decode()


def _run(dsn: str, times: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(times):
            conn.execute(WORK, (i % 40,))


def _snapshots(server: Any, dbname: str, dsn: str, columns: str, rounds: list[int]) -> tuple[str, list[str]]:
    """Append one export per round (after running the workload ``rounds[i]`` times)."""
    select = (
        f"SELECT {columns}s.* FROM pg_stat_statements s WHERE {MINE} "
        "AND s.query NOT LIKE '%pg_stat_statements%' ORDER BY s.queryid"
    )
    parts: list[str] = []
    for i, times in enumerate(rounds):
        _run(dsn, times)
        parts.append(_psql_csv(server, dbname, select, header=i == 0))
        time.sleep(1.1)
    return "".join(parts), parts


@pytest.fixture
def items(pg_db):  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_db.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY)")
        conn.execute("INSERT INTO items SELECT generate_series(1, 50)")
    return pg_db


def _calls(workload: Any, text: str) -> float:
    s = workload.statements
    return float(s.loc[s["query"] == text, "calls"].sum())


def test_appended_snapshots_with_time_are_a_series_not_a_sum(items, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, _ = _snapshots(items.server, items.name, items.dsn, "now() AS snapshot_time, ", [10, 20, 30])
    path = tmp_path / "appended.csv"
    path.write_text(text)
    workload = load_workload([path])
    query = "SELECT count(*) FROM items WHERE id <= $1"
    # first snapshot after 10 calls, last after 60: the window saw 50 calls (a sum would say 10+30+60)
    assert _calls(workload, query) == 50
    assert workload.window.source == "snapshots"
    assert 2.0 <= workload.window.seconds < 30
    assert "3 snapshots appended" in workload.window.detail
    assert workload.series is not None and len(workload.series.intervals) == 2
    assert any("appended snapshots" in n and "not summed" in n for n in workload.notes)
    assert workload.info["appended_snapshots"] == 3


def test_appended_snapshots_equal_since_on_the_split_files(items, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, parts = _snapshots(items.server, items.name, items.dsn, "now() AS snapshot_time, ", [5, 7])
    header = parts[0].splitlines(keepends=True)[0]
    (tmp_path / "a.csv").write_text(parts[0])
    (tmp_path / "b.csv").write_text(header + parts[1])
    (tmp_path / "all.csv").write_text(text)
    appended = load_workload([tmp_path / "all.csv"])
    split = load_workload([tmp_path / "b.csv"], since=tmp_path / "a.csv", window="1h")
    key = ["queryid", "calls", "rows", "total_exec_time"]
    assert (
        appended.statements[key]
        .sort_values("queryid")
        .reset_index(drop=True)
        .equals(split.statements[key].sort_values("queryid").reset_index(drop=True))
    )


def test_appended_snapshots_without_time_are_exit_2(
    items, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    text, _ = _snapshots(items.server, items.name, items.dsn, "", [3, 4])
    path = tmp_path / "appended.csv"
    path.write_text(text)
    with pytest.raises(IngestError, match=r"same entry key \(userid \d+, dbid \d+, toplevel True, queryid"):
        load_workload([path], window="1h")
    assert cli_main(["report", str(path), "--window", "1h"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "snapshot_time" in err


def test_appended_snapshots_of_two_servers_are_exit_2(items, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bindir = find_bindir()
    assert bindir is not None
    other = PgServer.start_new(bindir)
    try:
        other.create_database(items.name)
        with psycopg.connect(other.dsn(items.name), autocommit=True) as conn:
            conn.execute("CREATE TABLE items (id int PRIMARY KEY)")
        columns = "now() AS snapshot_time, (SELECT system_identifier FROM pg_control_system()) AS system_identifier, "
        first, _ = _snapshots(items.server, items.name, items.dsn, columns, [3])
        second, _ = _snapshots(other, items.name, other.dsn(items.name), columns, [0, 3])
    finally:
        other.stop()
    path = tmp_path / "two-servers.csv"
    path.write_text(first + second.split("\n", 1)[1])
    with pytest.raises(IngestError, match="different servers") as info:
        load_workload([path])
    assert info.value.column == "system_identifier"


def test_a_plain_export_is_not_mistaken_for_appended_snapshots(items, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, _ = _snapshots(items.server, items.name, items.dsn, "now() AS snapshot_time, ", [4])
    path = tmp_path / "one.csv"
    path.write_text(text)
    workload = load_workload([path], window="1h")
    assert _calls(workload, "SELECT count(*) FROM items WHERE id <= $1") == 4
    assert "appended_snapshots" not in workload.info


def test_an_empty_first_bundle_snapshot_is_all_zero_counters(items, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Right after a reset nothing has run: the collector's first snapshot has a header and no rows."""
    from costmodel.collect.live import collect
    from costmodel.collect.options import CollectOptions, Schedule

    other = f"{items.name}_resetter"  # reset our database's entries from another one: ours is empty
    items.server.create_database(other)
    items.server.execute(
        "SELECT pg_stat_statements_reset(0::oid, (SELECT oid FROM pg_database WHERE datname = %s), 0::bigint)",
        dbname=other,
        params=(items.name,),
    )
    rounds = iter((12, 0))

    def work(_seconds: float) -> None:
        _run(items.dsn, next(rounds))

    out = tmp_path / "bundle"
    collect(CollectOptions(dsn=items.dsn, out=out, schedule=Schedule.series(0.2, 0.4)), wait=work)
    first = sorted((out / "snapshots").iterdir())[0]
    assert len(first.read_text().splitlines()) == 1  # the header only
    workload = load_workload([out])
    assert _calls(workload, "SELECT count(*) FROM items WHERE id <= $1") == 12
    assert workload.series is not None and workload.series.intervals["calls"].iloc[0] >= 12
