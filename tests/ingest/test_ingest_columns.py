"""Every column generation PG12–18, renames, unknown-not-zero, partial exports, exact big ids."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from costmodel.core.workload import COUNTER_COLUMNS, SIGNALS
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b

EXPECTED_LABEL = {
    "1.7": "1.7 (PostgreSQL 12)",
    "1.8": "1.8 (PostgreSQL 13)",
    "1.9": "1.9 (PostgreSQL 14)",
    "1.10": "1.10 (PostgreSQL 15–16)",
    "1.11": "1.11 (PostgreSQL 17)",
    "1.12": "1.12 (PostgreSQL 18)",
}
REFERENCE_RENAMES = {  # reference §3
    "total_time": "total_exec_time",
    "min_time": "min_exec_time",
    "max_time": "max_exec_time",
    "mean_time": "mean_exec_time",
    "stddev_time": "stddev_exec_time",
    "blk_read_time": "shared_blk_read_time",
    "blk_write_time": "shared_blk_write_time",
}
MISSING_BY_VERSION = {
    "1.7": {"WAL volume", "planning time", "toplevel flag", "JIT", "parallel workers"},
    "1.8": {"toplevel flag", "JIT", "parallel workers"},
    "1.9": {"JIT", "parallel workers"},
    "1.10": {"parallel workers"},
    "1.11": {"parallel workers"},
    "1.12": set(),
}


def test_reference_lists_have_the_documented_lengths() -> None:
    for version, spec in b.GENERATIONS.items():
        assert len(spec["columns"]) == spec["count"], version
        assert len(set(spec["columns"])) == spec["count"], version


@pytest.mark.parametrize("version", b.VERSIONS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_each_generation_is_detected_and_normalised(tmp_path: Path, version: str, fmt: str) -> None:
    columns = b.GENERATIONS[version]["columns"]
    rows = b.make_rows(columns, 3)
    path = b.write(tmp_path / f"pg.{fmt}", b.FORMATS[fmt](rows))
    workload = load_workload([path])
    assert workload.generation == EXPECTED_LABEL[version]
    assert workload.info["extversion_detected"] == version
    s = workload.statements
    # renamed timings land under the canonical names with their values
    assert s["total_exec_time"].tolist() == [1.5, 3.0, 4.5]
    assert s["mean_exec_time"].tolist() == [1.5, 3.0, 4.5]
    assert s["shared_blk_read_time"].notna().all()
    for old in ("total_time", "mean_time", "blk_read_time", "blk_write_time"):
        assert old not in s.columns
    # every canonical counter exists; those the version lacks are NaN (unknown), never 0
    present = {REFERENCE_RENAMES.get(c, c) for c in columns}
    for column in COUNTER_COLUMNS:
        assert column in s.columns
        if column in present:
            assert s[column].notna().all(), column
        else:
            assert s[column].isna().all(), column
    assert set(workload.missing_signals) == MISSING_BY_VERSION[version]
    if "toplevel" not in columns:
        assert s["toplevel"].isna().all()
        assert any("no toplevel column" in note for note in workload.notes)


def test_pg12_plan_and_wal_columns_are_unknown(tmp_path: Path) -> None:
    rows = b.make_rows(b.GENERATIONS["1.7"]["columns"], 2)
    s = load_workload([b.write(tmp_path / "pg12.csv", b.csv_text(rows))]).statements
    for column in (
        "plans",
        "total_plan_time",
        "wal_bytes",
        "wal_records",
        "jit_functions",
        "temp_blk_read_time",
    ):
        assert s[column].isna().all(), column
    assert s["shared_blk_write_time"].tolist() == [1.5, 3.0]


def test_both_old_and_new_names_is_an_error(tmp_path: Path) -> None:
    rows = [{"query": "q", "calls": 1, "total_time": 1.0, "total_exec_time": 1.0}]
    with pytest.raises(IngestError, match="'total_time' and 'total_exec_time' both mean"):
        load_workload([b.write(tmp_path / "x.csv", b.csv_text(rows))])


@pytest.mark.parametrize(
    ("columns", "missing"),
    [
        (["query", "calls", "total_exec_time", "rows"], {"buffers", "WAL volume", "toplevel flag"}),
        (["query", "calls", "total_time"], {"rows", "buffers", "toplevel flag"}),
    ],
    ids=["query-calls-time-rows", "without-rows-pg12-name"],
)
def test_partial_exports_work_and_name_missing_signals(
    tmp_path: Path, columns: list[str], missing: set[str]
) -> None:
    rows = b.make_rows(columns, 3)
    workload = load_workload([b.write(tmp_path / "partial.csv", b.csv_text(rows))])
    assert len(workload.statements) == 3
    assert missing <= set(workload.missing_signals)
    assert "partial" in workload.generation
    if "rows" not in columns:
        assert workload.statements["rows"].isna().all()
    assert workload.statements["stmt_id"].tolist() == ["r1", "r2", "r3"]  # no queryid: row-based ids


def test_partial_generation_labels(tmp_path: Path) -> None:
    cases = {
        (
            "query",
            "calls",
            "total_exec_time",
            "rows",
        ): "1.8+ (PostgreSQL 13 or later), partial: 4 of 32 columns",
        ("query", "calls", "total_time"): "1.7 (PostgreSQL 12), partial: 3 of 23 columns",
        (
            "query",
            "calls",
            "total_exec_time",
            "blk_read_time",
        ): "1.8–1.10 (PostgreSQL 13–16), partial: 4 of 32 columns",
    }
    for columns, label in cases.items():
        rows = b.make_rows(columns, 1)
        assert load_workload([b.write(tmp_path / "p.csv", b.csv_text(rows))]).generation == label


@pytest.mark.parametrize("required", ["query", "calls", "total_exec_time"])
def test_missing_required_column_is_named(tmp_path: Path, required: str) -> None:
    columns = [c for c in ("queryid", "query", "calls", "total_exec_time", "rows") if c != required]
    path = b.write(tmp_path / "req.csv", b.csv_text(b.make_rows(columns, 2)))
    with pytest.raises(IngestError) as info:
        load_workload([path])
    assert info.value.column == required
    assert "req.csv" in str(info.value) and f"required column '{required}'" in str(info.value)


def test_extra_columns_are_kept(tmp_path: Path) -> None:
    rows = b.make_rows([*b.PG16, "datname", "rolname", "bucket"], 2)
    for row in rows:
        row.update(datname="app", rolname="alice", bucket="7")
    s = load_workload([b.write(tmp_path / "x.csv", b.csv_text(rows))]).statements
    assert s["datname"].tolist() == ["app", "app"]
    assert s["rolname"].tolist() == ["alice", "alice"]
    assert s["bucket"].tolist() == ["7", "7"]


def test_derived_column_names_in_the_export_are_kept_apart(tmp_path: Path) -> None:
    rows = b.make_rows([*b.PG16, "stmt_id"], 1)
    workload = load_workload([b.write(tmp_path / "x.csv", b.csv_text(rows))])
    assert workload.statements["export_stmt_id"].tolist() == ["1"]
    assert workload.statements["stmt_id"].tolist() == ["q1000"]


BIG = 2**63 - 1
NEG = -(2**63)
NEAR = 2**53 + 1


def test_json_big_and_negative_queryids_stay_exact(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 3, queryid=[BIG, NEG, NEAR])
    for fmt in ("json", "jsonl", "csv"):
        s = load_workload([b.write(tmp_path / f"big.{fmt}", b.FORMATS[fmt](rows))]).statements
        assert str(s["queryid"].dtype) == "Int64"
        assert [int(v) for v in s["queryid"]] == [BIG, NEG, NEAR], fmt
        assert s["stmt_id"].tolist() == [f"q{BIG}", f"q{NEG}", f"q{NEAR}"]


def test_json_ids_as_strings_or_numbers(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 2)
    rows[0]["queryid"] = str(BIG)
    text = b.json_text(rows, oids_as_text=False)
    s = load_workload([b.write(tmp_path / "ids.json", text)]).statements
    assert [int(v) for v in s["queryid"]] == [BIG, 1001]
    assert s["userid"].tolist() == [10, 11] and str(s["userid"].dtype) == "Int64"
    s2 = load_workload([b.write(tmp_path / "ids2.json", b.json_text(rows))]).statements
    assert s2["userid"].tolist() == [10, 11]


def test_json_float_queryid_beyond_2_53_is_refused(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 1)
    text = json.dumps(rows).replace('"queryid": 1000', '"queryid": 1.2345678901234567e18')
    with pytest.raises(IngestError, match="queryid"):
        load_workload([b.write(tmp_path / "f.json", text)])


def test_scientific_notation_and_integers(tmp_path: Path) -> None:
    text = "query,calls,total_exec_time,rows,wal_bytes\nq,12,1.5e3,3,12345678901234567890\n"
    s = load_workload([b.write(tmp_path / "n.csv", text)]).statements
    assert s["total_exec_time"].iloc[0] == 1500.0
    assert s["calls"].iloc[0] == 12.0
    assert s["wal_bytes"].iloc[0] == pytest.approx(1.2345678901234567e19)


def test_toplevel_spellings(tmp_path: Path) -> None:
    spellings = ["t", "f", "true", "FALSE", "1", "0", ""]
    rows = b.make_rows(b.PG16, len(spellings), toplevel=spellings)
    s = load_workload([b.write(tmp_path / "t.csv", b.csv_text(rows))], include_nested=True).statements
    assert s["toplevel"].tolist()[:6] == [True, False, True, False, True, False]
    assert s["toplevel"].isna().tolist()[6]


def test_counters_are_float64_and_nan_means_unknown(tmp_path: Path) -> None:
    rows = b.make_rows(["query", "calls", "total_exec_time", "rows", "wal_bytes", "wal_records"], 2)
    rows[1]["wal_bytes"] = None
    workload = load_workload([b.write(tmp_path / "nan.csv", b.csv_text(rows))])
    s = workload.statements
    assert str(s["calls"].dtype) == "float64"
    assert s["wal_bytes"].tolist()[0] == 1.0
    assert math.isnan(s["wal_bytes"].tolist()[1])  # NULL stays unknown, not 0
    assert "WAL volume" not in workload.missing_signals  # known for some statements


def test_signal_missing_when_all_unknown(tmp_path: Path) -> None:
    rows = b.make_rows(["query", "calls", "total_exec_time", "rows", "wal_bytes", "wal_records"], 2)
    for row in rows:
        row["wal_bytes"] = None
    workload = load_workload([b.write(tmp_path / "nan.csv", b.csv_text(rows))])
    assert "WAL volume" in workload.missing_signals
    assert set(workload.missing_signals) <= set(SIGNALS)


def test_stats_since_parsed_as_utc_timestamps(tmp_path: Path) -> None:
    rows = b.make_rows(b.GENERATIONS["1.11"]["columns"], 2)
    rows[1]["stats_since"] = "2026-11-27T10:30:00.123456+02:00"
    s = load_workload([b.write(tmp_path / "pg17.csv", b.csv_text(rows))]).statements
    assert str(s["stats_since"].dtype).startswith("datetime64")
    assert s["stats_since"].iloc[1].isoformat() == "2026-11-27T08:30:00.123456+00:00"


def test_code_generation_lists_match_the_reference() -> None:
    from costmodel.ingest.columns import GENERATIONS

    assert [g.version for g in GENERATIONS] == list(b.VERSIONS)
    for generation in GENERATIONS:
        assert list(generation.columns) == b.GENERATIONS[generation.version]["columns"], generation.version
