"""classify_text / classify_texts / classify(workload): contract, caching, order, dtypes, robustness."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pglast import parser

from costmodel.classify import frame as classify_module
from costmodel.classify.frame import (
    FIELDS,
    StatementProfile,
    classify,
    classify_text,
    classify_texts,
    profiles_frame,
)
from costmodel.core.errors import ClassifyError
from costmodel.core.profile import PROFILE_COLUMNS, Feature, KeyShape, ParseStatus, StatementKind
from costmodel.core.workload import Window, Workload

TPCB = [
    "BEGIN",
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
    "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
    "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
    "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
    "END",
]


def _workload(frame: pd.DataFrame) -> Workload:
    return Workload(frame, Window(3600.0, "argument", "test"), ("test",), "1.12 (PostgreSQL 18)")


def test_profile_fields_are_the_contract_columns_in_order() -> None:
    assert list(FIELDS) == list(PROFILE_COLUMNS)
    assert dataclasses.is_dataclass(StatementProfile)
    with pytest.raises(dataclasses.FrozenInstanceError):
        classify_text("SELECT 1").kind = "update"  # type: ignore[misc]


def test_fast_constructor_equals_the_dataclass_init() -> None:
    profile = classify_text(TPCB[1])
    rebuilt = StatementProfile(**{name: getattr(profile, name) for name in FIELDS})
    assert profile == rebuilt
    assert set(vars(profile)) == set(FIELDS)
    assert hash(profile) == hash(rebuilt)


def test_enum_columns_hold_plain_values() -> None:
    profile = classify_text("SELECT id FROM jobs WHERE id = $1 FOR UPDATE SKIP LOCKED")
    for name in ("parse_status", "kind", "key_shape", "lock_strength", "lock_wait"):
        assert type(getattr(profile, name)) is str, name
    assert all(type(f) is str for f in classify_text("CREATE TABLE t (a serial)").features)
    assert {f.value for f in Feature} >= set(
        classify_text("CREATE TEMP TABLE t (a serial, b jsonb)").features
    )


def test_classify_texts_keeps_order_and_one_row_per_input() -> None:
    texts = [*TPCB, None, TPCB[1], "<insufficient privilege>", "SELEC 1"]
    frame = classify_texts(texts)
    assert list(frame.columns) == list(PROFILE_COLUMNS)
    assert list(frame.index) == list(range(len(texts)))
    assert list(frame["kind"]) == [
        "transaction", "update", "select", "update", "update", "insert", "transaction",
        "unknown", "update", "unknown", "unknown",
    ]  # fmt: skip
    assert list(frame["parse_status"])[-4:] == ["no_text", "ok", "no_text", "parse_error"]
    assert frame.loc[1].to_dict() == frame.loc[8].to_dict()


def test_classify_texts_dtypes() -> None:
    frame = classify_texts([TPCB[1], None, "SELECT 1"])
    assert str(frame["is_write"].dtype) == "boolean"
    assert frame["is_write"].isna().tolist() == [False, True, False]
    assert frame["join_count"].dtype == "int64"
    assert frame["has_limit"].dtype == bool
    assert frame["kind"].eq("update").tolist() == [True, False, False]
    assert frame.at[0, "tables_written"] == ("pgbench_accounts",)
    assert frame.at[1, "fingerprint"] is None
    assert frame.at[0, "lock_strength"] is None


def test_empty_input_gives_empty_frame_with_all_columns() -> None:
    frame = classify_texts([])
    assert list(frame.columns) == list(PROFILE_COLUMNS)
    assert len(frame) == 0
    assert profiles_frame([]).shape == (0, len(PROFILE_COLUMNS))


def test_each_text_parsed_once_and_parameter_variants_share_a_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = parser.parse_sql_json

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(parser, "parse_sql_json", counting)
    variants = [
        "SELECT id FROM t WHERE id IN ($1, $2, $3)",
        "SELECT id FROM t WHERE id IN ($1,$2)",
        "SELECT id FROM t WHERE id IN ($1 /*, ... */)",
        "SELECT id FROM t WHERE id IN ($4)",
    ]
    texts = [TPCB[1], TPCB[1], TPCB[2], *variants, TPCB[2]]
    frame = classify_texts(texts)
    assert len(calls) == 3  # TPCB[1], TPCB[2], one IN-list variant
    assert frame["key_shape"].tolist()[3:7] == ["parameter"] * 4
    assert frame["fingerprint"].nunique() == 3


def test_fingerprint_equal_texts_keep_their_own_profiles() -> None:
    """The pglast fingerprint merges these pairs; their profiles differ, so it cannot be the cache key."""
    pairs = [
        ("SELECT * FROM t WHERE id = $1", "SELECT * FROM t WHERE id = 1", "key_shape"),
        ("INSERT INTO t VALUES ($1)", "INSERT INTO t VALUES ($1), ($2)", "values_rows"),
        ("SELECT * FROM t WHERE a = $1::int", "SELECT * FROM t WHERE a = $1::jsonb", "features"),
        ("BEGIN ISOLATION LEVEL REPEATABLE READ", "BEGIN ISOLATION LEVEL SERIALIZABLE", "features"),
    ]
    for first, second, column in pairs:
        frame = classify_texts([first, second])
        assert frame.at[0, "fingerprint"] == frame.at[1, "fingerprint"], (first, second)
        assert frame.at[0, column] != frame.at[1, column], (first, second)


def test_progress_is_reported_to_the_end() -> None:
    seen: list[tuple[int, int]] = []
    classify_texts(["SELECT 1"] * 1203, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(500, 1203), (1000, 1203), (1203, 1203)]


def test_classify_workload_adds_profile_columns() -> None:
    frame = pd.DataFrame(
        {
            "query": [*TPCB, "SELECT secret FROM vault WHERE id = $1", None],
            "calls": [10.0] * 9,
            "unclassifiable": [False] * 7 + [True, True],
        },
        index=pd.RangeIndex(100, 109),
    )
    workload = _workload(frame)
    out = classify(workload)
    assert out is not workload
    assert list(out.statements.index) == list(frame.index)
    assert set(PROFILE_COLUMNS) <= set(out.statements.columns)
    assert out.statements["calls"].tolist() == [10.0] * 9
    assert out.statements.at[101, "key_shape"] == KeyShape.PARAMETER.value
    assert out.statements.at[107, "parse_status"] == ParseStatus.NO_TEXT.value  # flagged, though it has text
    assert out.statements.at[108, "parse_status"] == ParseStatus.NO_TEXT.value
    assert "parse_status" not in workload.statements.columns  # input untouched
    again = classify(out)
    assert list(again.statements.columns) == list(out.statements.columns)
    pd.testing.assert_frame_equal(again.statements, out.statements)


def test_classify_workload_without_unclassifiable_column_and_notes() -> None:
    frame = pd.DataFrame({"query": ["SELEC 1", "SELECT * FROM t WHERE", "SELECT 1"]})
    out = classify(_workload(frame))
    assert out.statements["parse_status"].tolist() == ["parse_error", "truncated", "ok"]
    assert any("1 statement text(s) did not parse" in note for note in out.notes)
    assert any("1 statement text(s) look truncated" in note for note in out.notes)
    assert len(classify(out).notes) == len(out.notes)  # re-classifying does not repeat notes


def test_classify_workload_reads_missing_text_from_a_string_column() -> None:
    frame = pd.DataFrame({"query": pd.Series(["SELECT 1", None], dtype="str")})
    out = classify(_workload(frame))
    assert out.statements["parse_status"].tolist() == ["ok", "no_text"]


def test_classify_workload_without_query_column_is_a_typed_error() -> None:
    with pytest.raises(ClassifyError) as info:
        classify(_workload(pd.DataFrame({"calls": [1.0]})))
    assert info.value.column == "query"
    assert info.value.hint


@pytest.mark.parametrize("statement", [*TPCB, "INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO NOTHING RETURNING a",
                                       "CREATE TABLE t (id bigserial PRIMARY KEY, r bigint REFERENCES x(id))",
                                       "WITH w AS (DELETE FROM q WHERE id = $1 RETURNING *) SELECT * FROM w"])  # fmt: skip
def test_every_prefix_is_a_status_not_an_exception(statement: str) -> None:
    """Texts cut anywhere classify without raising; a cut text keeps the kind its first word names."""
    full = classify_text(statement)
    first_word = statement.split(" ", 1)[0]
    guessed = full.kind if first_word.lower() not in ("with",) else StatementKind.UNKNOWN.value
    for end in range(len(statement) + 1):
        profile = classify_text(statement[:end])
        assert profile.parse_status in {s.value for s in ParseStatus}
        assert profile.kind in {k.value for k in StatementKind}
        if profile.parse_status == ParseStatus.TRUNCATED.value and end > len(first_word):
            assert profile.kind == guessed, statement[:end]
            assert profile.tables_read == profile.tables_written == profile.features == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(text: str) -> None:
    profile = classify_text(text)
    assert profile.parse_status in {s.value for s in ParseStatus}
    if profile.parse_status != ParseStatus.OK.value:
        assert profile.fingerprint is None


def test_module_exposes_documented_api() -> None:
    for name in ("classify", "classify_text", "classify_texts", "StatementProfile"):
        assert getattr(classify_module, name).__doc__


def test_benchmark_corpus_classifies_cleanly() -> None:
    """The benchmark's statements are valid normalised SQL: all parse, none is unknown."""
    from benchmarks.bench_classify import build_corpus, in_list_variants

    corpus = build_corpus(300)
    assert len({parser.fingerprint(t) for t in corpus}) == 300
    frame = classify_texts([*corpus, *in_list_variants(50)])
    assert set(frame["parse_status"]) == {"ok"}
    assert "unknown" not in set(frame["kind"])


def test_classify_command_table_shows_the_most_called_and_says_how_many_are_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A terminal table of thousands of rows is unreadable: the table lists the most-called
    statements and its caption names the total; csv lists every one."""
    from costmodel.cli import main

    export = tmp_path / "pgss.csv"
    rows = ["queryid,query,calls,total_exec_time"] + [
        f"{i},SELECT c{i} FROM t{i},{i},1.0" for i in range(1, 31)
    ]
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["classify", str(export), "--window", "1h", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "the 5 most-called of 30 statements" in out
    assert "q30" in out and "q26" in out and "q25 " not in out
    assert main(["classify", str(export), "--window", "1h", "--limit", "0"]) == 0
    out = capsys.readouterr().out
    assert "most-called" not in out and "q1 " in out
    assert main(["classify", str(export), "--window", "1h", "--format", "csv", "--limit", "5"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 31  # header + every statement
    assert main(["classify", str(export), "--window", "1h", "--limit", "-1"]) == 2
    assert "--limit must be 0" in capsys.readouterr().err


def test_batches_in_worker_processes_give_the_same_profiles() -> None:
    """Large inputs are classified in batches on an executor (local processes here, Dask tasks for
    fleets): the profiles, their order and dtypes are those of one process, statuses included."""
    from benchmarks.bench_classify import build_corpus, in_list_variants
    from costmodel.core.executor import LocalExecutor

    texts = [*build_corpus(400), *in_list_variants(60), None, "", "SELEC oops FROM", "UPDATE t SET a = 1 WHERE",
             *TPCB, *TPCB]  # fmt: skip
    alone = classify_texts(texts)
    batched = classify_texts(texts, executor=LocalExecutor(2, min_batch_texts=1))
    pd.testing.assert_frame_equal(alone, batched)
    assert set(alone["parse_status"]) >= {"ok", "no_text", "parse_error", "truncated"}


def test_classify_table_has_a_locking_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README says the classify table shows locking: the clause and its wait policy (issue 17)."""
    from costmodel.cli import main

    export = tmp_path / "pgss.csv"
    rows = [
        "queryid,query,calls,total_exec_time",
        '1,"SELECT id FROM jobs ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",30,1.0',
        '2,"SELECT id FROM accounts WHERE id = $1 FOR SHARE",20,1.0',
        '3,"SELECT id FROM accounts WHERE id = $1",10,1.0',
    ]
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["classify", str(export), "--window", "1h"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "locking" in line)
    assert header.index("joins") < header.index("locking") < header.index("key shape")
    by_id = {next(w for w in line.split("│") if w.strip()).strip(): line for line in lines if "│ q" in line}
    assert "FOR UPDATE SKIP LOCKED" in by_id["q1"] and "FOR SHARE" in by_id["q2"]
    assert "FOR " not in by_id["q3"].split("│")[7]
