"""postgres-checkup pg_stat_statements snapshots (issue 17): one snapshot is an export, two give
deltas and their own window (``snapshot_timestamptz``). The committed pair and a fresh pair come
from a real PostgreSQL, shaped as postgres-checkup shapes them
(``tests/data/ingest/make_checkup_snapshots.py`` cites the format's source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from costmodel.cli import main as cli_main
from costmodel.ingest.load import load_workload
from tests.data.ingest.make_checkup_snapshots import take_pair

CHECKUP = Path(__file__).parents[1] / "data" / "ingest" / "checkup"
FIRST, SECOND = CHECKUP / "K000_1.json", CHECKUP / "K000_2.json"


def _entries(path: Path) -> dict[int, dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(e["queryid"]): e for e in data["queries"].values()}


def _check_pair(first: Path, second: Path) -> None:
    workload = load_workload([second], since=first, include_monitoring=True)
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    seconds = float(b["snapshot_timestamptz_s"]) - float(a["snapshot_timestamptz_s"])
    assert workload.window.seconds == pytest.approx(seconds, abs=1e-3)
    assert "snapshot_timestamptz" in workload.window.detail
    before, after = _entries(first), _entries(second)
    frame = workload.statements
    assert len(frame)
    for queryid, calls in zip(frame["queryid"], frame["calls"], strict=True):
        assert calls == after[int(queryid)]["calls"] - before.get(int(queryid), {"calls": 0})["calls"]
    updates = frame[frame["query"].str.startswith("UPDATE accounts")]
    assert len(updates) == 1 and updates["calls"].iloc[0] > 0


def test_one_snapshot_reads_as_an_export() -> None:
    workload = load_workload([SECOND], window="1h", include_monitoring=True)
    entries = _entries(SECOND)
    assert workload.rows_read == len(entries)
    assert set(workload.statements["queryid"].astype("int64")) <= set(entries)
    assert any("postgres-checkup snapshot" in note for note in workload.notes)


def test_two_snapshots_give_deltas_and_their_window() -> None:
    _check_pair(FIRST, SECOND)


def test_report_on_a_pair_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["report", "--since", str(FIRST), str(SECOND), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["window"]["source"] == "snapshots" and report["options"]


def test_a_fresh_pair_from_the_server(pg_db: Any, tmp_path: Path) -> None:
    first, second = take_pair(pg_db.dsn, rounds=(20, 60), pause_s=1.1)
    a, b = tmp_path / "1.json", tmp_path / "2.json"
    a.write_text(first, encoding="utf-8")
    b.write_text(second, encoding="utf-8")
    _check_pair(a, b)
