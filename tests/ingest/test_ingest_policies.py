"""Statement-table policies: nested rows, filters, --group-by query, ids, unclassifiable rows, notes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costmodel.core.errors import IngestError
from costmodel.core.workload import Workload
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b

COLS = [*b.PG16, "datname", "rolname"]


def _export(tmp_path: Path, rows: list[dict], name: str = "pgss.csv", **meta: object) -> Path:
    return b.write(tmp_path / name, b.csv_text(rows), **meta)  # type: ignore[arg-type]


def _people(tmp_path: Path) -> Path:
    """Six rows: two databases (app 16384, shop 16385), two roles (alice 10, bob 20), one nested row."""
    rows = b.make_rows(
        COLS,
        6,
        userid=[10, 20, 10, 20, 10, 10],
        dbid=[16384, 16384, 16385, 16385, 16384, 16384],
        queryid=[1, 1, 2, 2, 3, 4],
        query=["SELECT a", "SELECT a", "SELECT a", "SELECT b", "SELECT c", None],
        toplevel=[True, True, True, True, False, True],
        calls=[10, 30, 60, 1, 5, 2],
        total_exec_time=[10.0, 90.0, 60.0, 1.0, 5.0, 2.0],
        min_exec_time=[0.5, 1.0, 0.2, 1.0, 1.0, 1.0],
        max_exec_time=[3.0, 9.0, 4.0, 1.0, 1.0, 1.0],
        mean_exec_time=[1.0, 3.0, 1.0, 1.0, 1.0, 1.0],
        stddev_exec_time=[0.5, 2.0, 1.0, 0.0, 0.0, 0.0],
    )
    names = {10: "alice", 20: "bob", 16384: "app", 16385: "shop"}
    for row in rows:
        row["rolname"], row["datname"] = names[row["userid"]], names[row["dbid"]]
    return _export(tmp_path, rows)


def _reconciles(workload: Workload) -> bool:
    kept = int(workload.statements["merged_rows"].sum())
    return kept + sum(workload.excluded.values()) == workload.rows_read


def test_nested_rows_are_excluded_and_counted(tmp_path: Path) -> None:
    workload = load_workload([_people(tmp_path)])
    assert len(workload.statements) == 5
    assert workload.excluded == {"nested (toplevel = false)": 1}
    assert workload.statements["toplevel"].all()
    assert _reconciles(workload)


def test_include_nested_keeps_them_with_a_note(tmp_path: Path) -> None:
    workload = load_workload([_people(tmp_path)], include_nested=True)
    assert len(workload.statements) == 6 and workload.excluded == {}
    assert any("1 nested statements" in note for note in workload.notes)


@pytest.mark.parametrize(
    ("databases", "users", "expect_ids"),
    [
        (["app"], [], ["q1.1", "q1.2", "q4"]),
        (["16385"], [], ["q2.1", "q2.2"]),
        ([], ["bob"], ["q1.2", "q2.2"]),
        (["app", "shop"], ["alice"], ["q1.1", "q2.1", "q4"]),
        (["shop"], ["20"], ["q2.2"]),
    ],
)
def test_filters_by_name_or_oid(
    tmp_path: Path, databases: list[str], users: list[str], expect_ids: list[str]
) -> None:
    workload = load_workload([_people(tmp_path)], databases=databases, users=users)
    assert workload.statements["stmt_id"].tolist() == expect_ids
    assert _reconciles(workload)
    if databases:
        assert workload.excluded.get("--database filter", 0) + workload.excluded.get("--user filter", 0) > 0


def test_unknown_filter_name_lists_what_exists(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        load_workload([_people(tmp_path)], databases=["nope"])
    assert "database 'nope' matches no rows" in str(info.value)
    assert "app (16384)" in str(info.value) and "shop (16385)" in str(info.value)
    with pytest.raises(IngestError, match=r"alice \(10\), bob \(20\)"):
        load_workload([_people(tmp_path)], users=["carol"])


def test_filters_by_oid_without_names(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 3, dbid=[1, 2, 2])
    path = _export(tmp_path, rows)
    assert load_workload([path], databases=["2"]).statements["queryid"].tolist() == [1001, 1002]
    with pytest.raises(IngestError, match="the export has: 1, 2"):
        load_workload([path], databases=["app"])


def test_group_by_query_merges_across_users_and_databases(tmp_path: Path) -> None:
    workload = load_workload([_people(tmp_path)], group_by="query")
    s = workload.statements.set_index("query", drop=False)
    merged = s.loc["SELECT a"]
    assert merged["merged_rows"] == 3
    assert merged["calls"] == 100 and merged["total_exec_time"] == 160.0
    assert merged["mean_exec_time"] == pytest.approx(1.6)
    assert merged["min_exec_time"] == 0.2 and merged["max_exec_time"] == 9.0
    # pooled population stddev of the three groups
    n = np.array([10, 30, 60])
    mean = np.array([1.0, 3.0, 1.0])
    sd = np.array([0.5, 2.0, 1.0])
    pooled = math.sqrt(float((n * (sd**2 + mean**2)).sum() / n.sum() - 1.6**2))
    assert merged["stddev_exec_time"] == pytest.approx(pooled)
    assert pd.isna(merged["userid"]) and pd.isna(merged["dbid"])  # two users, two databases merged
    assert pd.isna(merged["datname"])
    assert pd.isna(merged["queryid"])  # different queryids (one per database)
    assert s.loc["SELECT b", "merged_rows"] == 1 and s.loc["SELECT b", "datname"] == "shop"
    assert workload.statements["stmt_id"].is_unique
    assert any("--group-by query merged 5 rows into 3 statements" in note for note in workload.notes)
    assert _reconciles(workload)


def test_group_by_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot group by 'user'"):
        load_workload([_people(tmp_path)], group_by="user")


def test_stmt_ids_are_short_stable_and_unique(tmp_path: Path) -> None:
    path = _people(tmp_path)
    first = load_workload([path], include_nested=True).statements["stmt_id"].tolist()
    again = load_workload([path], include_nested=True).statements["stmt_id"].tolist()
    assert first == again == ["q1.1", "q1.2", "q2.1", "q2.2", "q3", "q4"]
    assert load_workload([path], users=["bob"]).statements["stmt_id"].tolist() == ["q1.2", "q2.2"]


def test_insufficient_privilege_and_null_texts_are_kept_and_marked(tmp_path: Path) -> None:
    rows = b.make_rows(
        COLS,
        4,
        queryid=[1, None, None, 4],
        query=["SELECT 1", "<insufficient privilege>", None, "SELECT 4"],
    )
    workload = load_workload([_export(tmp_path, rows)])
    s = workload.statements
    assert len(s) == 4
    assert s["unclassifiable"].tolist() == [False, True, True, False]
    assert workload.unclassifiable_count == 2
    assert s["stmt_id"].tolist() == ["q1", "r2", "r3", "q4"]
    assert s["query"].tolist()[2] is None
    assert s["calls"].tolist()[1] == 20  # costed from its counters
    assert any("2 statements have no query text" in note for note in workload.notes)


def test_source_file_and_row_point_back(tmp_path: Path) -> None:
    path = _people(tmp_path)
    s = load_workload([path]).statements
    assert s["source_row"].tolist() == [1, 2, 3, 4, 6]
    assert set(s["source_file"]) == {str(path)}


def test_dealloc_note_from_metadata(tmp_path: Path) -> None:
    path = _export(tmp_path, b.make_rows(b.PG16, 2), dealloc=42, extversion="1.10", server_version="16.4")
    workload = load_workload([path])
    assert any("42 entries were evicted" in note and "incomplete" in note for note in workload.notes)
    assert workload.info["dealloc"] == 42 and workload.info["server_version"] == "16.4"


def test_extversion_mismatch_note(tmp_path: Path) -> None:
    path = _export(tmp_path, b.make_rows(b.PG16, 1), extversion="1.11")
    assert any("extversion 1.11 is declared" in note for note in load_workload([path]).notes)


def test_io_timing_all_zero_note(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 2, blk_read_time=[0.0, 0.0], blk_write_time=[0.0, 0.0])
    assert any(
        "track_io_timing was probably off" in n for n in load_workload([_export(tmp_path, rows)]).notes
    )


def test_empty_after_filters_is_a_workload_with_a_note(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 2, toplevel=[False, False])
    workload = load_workload([_export(tmp_path, rows)])
    assert len(workload.statements) == 0
    assert workload.excluded == {"nested (toplevel = false)": 2}
    assert any("no statements are left" in note for note in workload.notes)


def test_statement_columns_follow_the_contract(tmp_path: Path) -> None:
    s = load_workload([_people(tmp_path)]).statements
    assert list(s.columns[:5]) == ["stmt_id", "userid", "dbid", "toplevel", "queryid"]
    assert list(s.columns[-4:]) == ["unclassifiable", "merged_rows", "source_file", "source_row"]
    assert str(s["userid"].dtype) == "Int64" and str(s["toplevel"].dtype) == "boolean"
    assert s["query"].dtype == object
