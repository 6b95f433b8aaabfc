"""Two snapshots → deltas; bundles → first/last delta, activity series, catalog facts, settings."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b

COLS = [*b.GENERATIONS["1.10"]["columns"], "datname", "rolname"]
T0, T1, T2, T3 = (f"2026-11-27T{h:02d}:00:00Z" for h in (9, 10, 11, 12))


def _rows(calls: list[int], queryids: list[int | None] | None = None, **extra: list) -> list[dict]:
    n = len(calls)
    rows = b.make_rows(
        COLS,
        n,
        calls=calls,
        queryid=queryids or [1000 + i for i in range(n)],
        total_exec_time=[c * 2.0 for c in calls],
        rows=[c * 3 for c in calls],
        shared_blks_hit=[c * 10 for c in calls],
        **extra,
    )
    for row in rows:
        row["datname"], row["rolname"] = "app", "alice"
    return rows


def _pair(tmp_path: Path, early: list[dict], late: list[dict]) -> tuple[Path, Path]:
    e = b.write(tmp_path / "early.csv", b.csv_text(early), window=None, taken_at=T0)
    l_ = b.write(tmp_path / "late.csv", b.csv_text(late), window=None, taken_at=T1)
    return e, l_


def test_since_gives_deltas_per_entry(tmp_path: Path) -> None:
    early = _rows([10, 20, 30])
    late = _rows([15, 20, 45, 7], queryids=[1000, 1001, 1002, 2000])
    e, l_ = _pair(tmp_path, early, late)
    workload = load_workload([l_], since=e)
    s = workload.statements.set_index("stmt_id")
    assert s.loc["q1000", "calls"] == 5 and s.loc["q1002", "calls"] == 15
    assert s.loc["q1000", "total_exec_time"] == 10.0 and s.loc["q1000", "rows"] == 15
    assert s.loc["q1000", "mean_exec_time"] == 2.0  # recomputed from the deltas
    assert s.loc["q2000", "calls"] == 7  # only in the later snapshot: counts fully
    assert "q1001" not in s.index  # unchanged: no calls in the window
    assert workload.excluded == {"no calls between the snapshots": 1}
    assert workload.window.source == "snapshots" and workload.window.seconds == 3600
    assert workload.rows_read == 4
    assert [f["role"] for f in workload.info["files"]] == ["earlier snapshot (--since)", "later snapshot"]


def test_entries_only_in_the_earlier_snapshot_are_counted(tmp_path: Path) -> None:
    e, l_ = _pair(tmp_path, _rows([10, 20, 30]), _rows([11], queryids=[1000]))
    workload = load_workload([l_], since=e)
    assert workload.excluded == {"only in the earlier snapshot": 2}
    assert workload.statements["calls"].tolist() == [1.0]


def test_counter_going_down_is_a_reset_error(tmp_path: Path) -> None:
    e, l_ = _pair(tmp_path, _rows([10, 20]), _rows([12, 5]))
    with pytest.raises(IngestError) as info:
        load_workload([l_], since=e)
    message = str(info.value)
    assert "reset" in message and "'calls' went down from 20 to 5" in message
    assert "late.csv:2" in message and "early.csv (row 2)" in message
    assert info.value.column == "calls"


def test_stats_since_moving_forward_is_a_reset_error(tmp_path: Path) -> None:
    cols = [*b.GENERATIONS["1.11"]["columns"]]
    early = b.make_rows(cols, 1, calls=[10])
    late = b.make_rows(cols, 1, calls=[12], stats_since=["2026-11-27 09:30:00+00"])
    e = b.write(tmp_path / "e.csv", b.csv_text(early), window=None, taken_at=T0)
    l_ = b.write(tmp_path / "l.csv", b.csv_text(late), window=None, taken_at=T1)
    with pytest.raises(IngestError, match="stats_since moved"):
        load_workload([l_], since=e)


def test_nested_rows_are_keyed_separately_in_deltas(tmp_path: Path) -> None:
    early = _rows([10, 4], queryids=[1000, 1000], toplevel=[True, False])
    late = _rows([12, 9], queryids=[1000, 1000], toplevel=[True, False])
    e, l_ = _pair(tmp_path, early, late)
    workload = load_workload([l_], since=e, include_nested=True)
    assert workload.statements["calls"].tolist() == [2.0, 5.0]
    assert workload.statements["stmt_id"].tolist() == ["q1000.1", "q1000.2"]
    assert load_workload([l_], since=e).excluded == {"nested (toplevel = false)": 1}


def test_rows_without_queryid_are_merged_per_user_and_db(tmp_path: Path) -> None:
    early = _rows([10, 5, 3], queryids=[1000, None, None])
    late = _rows([11, 9, 6], queryids=[1000, None, None])
    for rows in (early, late):
        for row in rows[1:]:
            row["query"] = "<insufficient privilege>"
        rows[2]["userid"], rows[2]["dbid"] = rows[1]["userid"], rows[1]["dbid"]
    e, l_ = _pair(tmp_path, early, late)
    workload = load_workload([l_], since=e)
    hidden = workload.statements[workload.statements["unclassifiable"]]
    assert len(hidden) == 1
    assert hidden["calls"].iloc[0] == (9 + 6) - (5 + 3)
    assert hidden["merged_rows"].iloc[0] == 2
    assert any("without queryid" in note for note in workload.notes)


def test_duplicate_entry_key_in_a_snapshot_is_an_error(tmp_path: Path) -> None:
    same = {"userid": [10, 10], "dbid": [5, 5]}
    e, l_ = _pair(
        tmp_path, _rows([10, 20], queryids=[7, 7], **same), _rows([11, 21], queryids=[7, 7], **same)
    )
    with pytest.raises(IngestError, match="same entry key"):
        load_workload([l_], since=e)


def test_since_with_different_toplevel_presence_is_an_error(tmp_path: Path) -> None:
    early = b.make_rows(b.GENERATIONS["1.8"]["columns"], 1)
    late = b.make_rows(b.GENERATIONS["1.9"]["columns"], 1)
    e = b.write(tmp_path / "e.csv", b.csv_text(early), window=None, taken_at=T0)
    l_ = b.write(tmp_path / "l.csv", b.csv_text(late), window=None, taken_at=T1)
    with pytest.raises(IngestError, match="toplevel"):
        load_workload([l_], since=e)


def test_since_with_partial_exports_keys_on_query_text(tmp_path: Path) -> None:
    cols = ["query", "calls", "total_exec_time"]
    early = b.make_rows(cols, 2, calls=[1, 2])
    late = b.make_rows(cols, 2, calls=[4, 2])
    e = b.write(tmp_path / "e.csv", b.csv_text(early), window=None, taken_at=T0)
    l_ = b.write(tmp_path / "l.csv", b.csv_text(late), window=None, taken_at=T1)
    workload = load_workload([l_], since=e)
    assert workload.statements["calls"].tolist() == [3.0]


def test_since_needs_exactly_one_later_export(tmp_path: Path) -> None:
    e, l_ = _pair(tmp_path, _rows([1]), _rows([2]))
    with pytest.raises(IngestError, match="one earlier export"):
        load_workload([l_, l_], since=e)


# ------------------------------------------------------------------------------- bundles

CATALOG = {
    "database_size_bytes": 123456789,
    "tables": [
        {
            "schema": "public",
            "name": "pgbench_accounts",
            "size_bytes": 13434880,
            "table_bytes": 13049856,
            "row_estimate": 100000,
            "avg_row_width": 97,
            "secondary_index_count": 0,
            "primary_key": ["aid"],
            "indexes": [
                {"name": "pgbench_accounts_pkey", "columns": ["aid"], "unique": True, "primary": True}
            ],
            "columns": [{"name": "aid", "type": "integer", "avg_width": 4, "n_distinct": 100000}],
        }
    ],
}


def test_bundle_two_snapshots(tmp_path: Path) -> None:
    root = b.bundle(
        tmp_path / "bundle",
        [(T0, _rows([10, 20])), (T1, _rows([15, 26]))],
        window_seconds=3600.0,
        catalog=CATALOG,
    )
    workload = load_workload([root])
    assert workload.statements["calls"].tolist() == [5.0, 6.0]
    assert workload.window.source == "snapshots" and workload.window.seconds == 3600
    assert "bundle.yaml" in workload.window.detail and "0000.csv" in workload.window.detail
    assert workload.series is None
    assert workload.info["server_version"] == "16.4" and workload.info["extversion"] == "1.10"
    assert workload.info["settings"]["track_io_timing"] == "on"
    assert workload.info["dealloc"] == 0
    facts = workload.catalog
    assert facts is not None and facts.database_size_bytes == 123456789
    table = facts.table("pgbench_accounts")
    assert table is not None and table.row_estimate == 100000 and table.primary_key == ("aid",)
    assert table.indexes[0].primary and table.column_n_distinct == {"aid": 100000.0}
    assert table.column_avg_width == {"aid": 4.0}


def test_bundle_series_from_three_or_more_snapshots(tmp_path: Path) -> None:
    snaps = [
        (T0, _rows([10, 20])),
        (T1, _rows([15, 26])),
        (T2, _rows([16, 40], toplevel=[True, False])),
        (T3, _rows([30, 50], toplevel=[True, False])),
    ]
    for _, rows in snaps[:2]:
        rows[1]["toplevel"] = False
    root = b.bundle(tmp_path / "bundle", snaps, window_seconds=3 * 3600.0)
    workload = load_workload([root])
    series = workload.series
    assert series is not None
    frame = series.intervals
    assert list(frame.columns) == [
        "seconds",
        "calls",
        "rows",
        "total_exec_time",
        "shared_blks_read",
        "shared_blks_hit",
        "wal_bytes",
    ]
    assert frame["seconds"].tolist() == [3600.0] * 3
    assert frame["calls"].tolist() == [5.0, 1.0, 14.0]  # top-level entry only
    assert frame["total_exec_time"].tolist() == [10.0, 2.0, 28.0]
    assert str(frame.index[0]) == "2026-11-27 09:00:00+00:00"
    assert workload.statements["calls"].tolist() == [20.0]  # first → last delta, nested excluded
    assert workload.excluded == {"nested (toplevel = false)": 1}


def test_bundle_single_snapshot_uses_stats_reset(tmp_path: Path) -> None:
    root = b.bundle(
        tmp_path / "bundle",
        [(T2, _rows([10]))],
        pgss_info={"dealloc": 12, "stats_reset": "2026-11-27T08:00:00Z"},
    )
    workload = load_workload([root])
    assert workload.window.source == "stats_reset" and workload.window.seconds == 3 * 3600
    assert "pgss_info.stats_reset" in workload.window.detail
    assert any("12 entries were evicted" in note for note in workload.notes)
    assert any("one snapshot" in note for note in workload.notes)


def test_bundle_settings_turn_unmeasured_zeros_into_unknowns(tmp_path: Path) -> None:
    settings = {
        "pg_stat_statements.track": "top",
        "pg_stat_statements.track_planning": "off",
        "pg_stat_statements.max": "2",
        "track_io_timing": "off",
    }
    root = b.bundle(
        tmp_path / "bundle",
        [(T0, _rows([1, 2])), (T1, _rows([3, 4]))],
        window_seconds=3600,
        settings=settings,
    )
    workload = load_workload([root])
    s = workload.statements
    assert s["shared_blk_read_time"].isna().all() and s["total_plan_time"].isna().all()
    assert math.isnan(s["plans"].iloc[0])
    assert "I/O timing" in workload.missing_signals and "planning time" in workload.missing_signals
    notes = " ".join(workload.notes)
    assert "track_io_timing is off" in notes and "track_planning is off" in notes
    assert "pg_stat_statements.max (2)" in notes


def test_bundle_without_window_or_times_is_an_error(tmp_path: Path) -> None:
    root = b.bundle(tmp_path / "bundle", [(T0, _rows([1])), (T1, _rows([2]))])
    text = (root / "bundle.yaml").read_text().replace(f"taken_at: '{T0}'", "taken_at: null")
    text = text.replace(f"'{T0}'", "null")
    (root / "bundle.yaml").write_text(text)
    with pytest.raises(IngestError, match="gives no window"):
        load_workload([root])
    assert load_workload([root], window="1h").window.source == "argument"


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda t: t.replace("dsqlcost-bundle/1", "dsqlcost-bundle/9"), "unsupported bundle format"),
        (lambda t: t.replace("snapshots/0001.csv", "snapshots/0009.csv"), "is missing"),
        (lambda t: t + "catalog: nothere.yaml\n", "catalog file 'nothere.yaml' is missing"),
        (lambda t: "{{{", "invalid YAML"),
    ],
    ids=["format", "snapshot-missing", "catalog-missing", "yaml"],
)
def test_bad_bundles(tmp_path: Path, edit, fragment: str) -> None:  # type: ignore[no-untyped-def]
    root = b.bundle(tmp_path / "bundle", [(T0, _rows([1])), (T1, _rows([2]))], window_seconds=3600)
    (root / "bundle.yaml").write_text(edit((root / "bundle.yaml").read_text()))
    with pytest.raises(IngestError) as info:
        load_workload([root])
    assert fragment in str(info.value) and "bundle.yaml" in str(info.value)


def test_directory_that_is_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not a bundle"):
        load_workload([tmp_path])


def test_bundle_must_be_alone(tmp_path: Path) -> None:
    root = b.bundle(tmp_path / "bundle", [(T0, _rows([1])), (T1, _rows([2]))], window_seconds=3600)
    with pytest.raises(IngestError, match="alone"):
        load_workload([root, root])


def test_bundle_gzipped_snapshots(tmp_path: Path) -> None:
    root = b.bundle(tmp_path / "bundle", [(T0, _rows([1])), (T1, _rows([4]))], window_seconds=3600)
    for name in ("0000", "0001"):
        plain = root / "snapshots" / f"{name}.csv"
        b.write(root / "snapshots" / f"{name}.csv.gz", plain.read_text(), gz=True, window=None)
        plain.unlink()
    text = (root / "bundle.yaml").read_text().replace(".csv", ".csv.gz")
    (root / "bundle.yaml").write_text(text)
    assert load_workload([root]).statements["calls"].tolist() == [3.0]


def test_bundle_collect_notes_and_evictions_in_the_window(tmp_path: Path) -> None:
    root = b.bundle(tmp_path / "bundle", [(T0, _rows([1])), (T1, _rows([4]))], window_seconds=3600)
    text = (root / "bundle.yaml").read_text()
    text = text.replace("taken_at: '2026-11-27T09:00:00Z'", "taken_at: '2026-11-27T09:00:00Z'\n  dealloc: 2")
    text = text.replace("taken_at: '2026-11-27T10:00:00Z'", "taken_at: '2026-11-27T10:00:00Z'\n  dealloc: 9")
    text += "notes:\n- 'pg_dump not found: no schema.sql'\n"
    (root / "bundle.yaml").write_text(text)
    notes = load_workload([root]).notes
    assert "collect: pg_dump not found: no schema.sql" in notes
    assert any(
        note.startswith("7 entries were evicted between the first and last snapshot") for note in notes
    )
