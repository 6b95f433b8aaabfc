"""Fuzzed ingestion: mutated exports give the right workload or an IngestError, never anything else.

The mutations and the oracle live in ``benchmarks/data/fuzz_mutations.py`` and ``fuzz_corpus.py``
(shared with ``python -m benchmarks fuzz``, which runs 100,000 seeded inputs). Bases are the real
exports in ``tests/data/ingest/pg15`` and ``sample_stats``, plus generated exports of every column
generation 1.7–1.12 in CSV, TSV, JSON, JSON lines and COPY text. Families:

* ``preserving`` — BOM, UTF-16, CRLF, CR, gzip, blank lines, old or upper-case column names: the
  result must equal ingest's own parse of the base;
* ``structure`` — columns reordered, added, removed, duplicated, renamed; header only; rows dropped
  or repeated; cells set to huge, negative, textual, empty, NaN, out-of-range values; shifted rows;
  written in any format: the oracle says which rows must come out, or which rule is broken;
* ``bytes`` — flips, inserts, deletes, truncation at every position class (row boundary, after a
  separator, inside a quoted multi-line text, mid-number), NUL bytes, invalid UTF-8, number edits;
* ``garbage`` — random bytes, gzip of garbage or cut short, random JSON structures, empty files.

Every example checks: a Workload or an ``IngestError`` (never another exception, never the
``unexpected …`` last-resort net); errors are one line naming the file; a Workload never loses a
row (rows read = statements + excluded = rows in the table); counters are finite and non-negative or
NaN. Budget: 9,600 inputs here (300 preserving, 800 structure, 4 × 900 bytes, 4 × 1,225 garbage) plus 400
through the CLI (``test_fuzz_cli.py``): 10,000 inputs, derandomized; plus issue 16's ``hostile`` family
(huge and non-decimal numbers, non-string identity values in JSON, lone surrogates; windows down to
1 s): 4 × 150 through ingest and 40 through pricing and rendering, which must give a report or a
typed one-line error — 10,640 inputs in all.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.data.fuzz_checks import run_case, run_pipeline_case
from benchmarks.data.fuzz_corpus import Base, Table, base_named, bases, judge, judge_bytes
from benchmarks.data.fuzz_mutations import RandomChooser, make_case
from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload

SEEDS = st.integers(0, 2**40)
"""Each example is a seed: the case it makes is printed on failure and reproduced by bench_fuzz."""
BATCH = 4
"""Cheap families run this many inputs per example (hypothesis costs ~1 ms per example)."""
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A RAM-backed directory where there is one (each input is written to a file and read back)."""
    yield from ram_directory(tmp_path_factory, "fuzz")


def ram_directory(factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        path = Path(tempfile.mkdtemp(prefix=f"dsqlcost-{name}-", dir=shm))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
    else:
        yield factory.mktemp(name)


def _assert_holds(seed: int, family: str, workdir: Path, batch: int = 1) -> None:
    """Run ``batch`` cases derived from ``seed``; reproduce one with
    ``python -m benchmarks.bench_fuzz --family FAMILY --seed N``."""
    for sub in range(seed * batch, seed * batch + batch):
        case = make_case(RandomChooser(sub), (family,))
        outcome = run_case(case, workdir)
        assert not outcome.problems, (
            f"seed {sub}: {case.describe()}\n  -> {outcome.result}: {outcome.message}\n  "
            + "\n  ".join(outcome.problems)
        )


# --------------------------------------------------------------------------- the oracle itself


def _oracle_bases() -> list[Base]:
    return [b for b in bases() if b.fmt in ("csv", "json", "jsonl")]


@pytest.mark.parametrize("base", _oracle_bases(), ids=lambda b: b.name)
def test_every_base_is_valid_and_read_as_the_oracle_says(base: Base, tmp_path: Path) -> None:
    """The starting points are valid, and the independent oracle agrees with ingest on them."""
    verdict = judge_bytes(base.data, base.fmt)
    assert verdict.kind == "valid", verdict.reason
    path = tmp_path / "base.data"
    path.write_bytes(base.data)
    statements = load_workload([path], window="1h", include_nested=True, include_monitoring=True).statements
    assert len(statements) == len(verdict.rows)
    assert statements["query"].tolist() == [r["query"] for r in verdict.rows]
    assert statements["calls"].tolist() == [r["calls"] for r in verdict.rows]
    assert statements["queryid"].astype(object).where(statements["queryid"].notna(), None).tolist() == [
        r.get("queryid") for r in verdict.rows
    ]


def test_the_oracle_refuses_what_the_rules_refuse() -> None:
    """A few hand-made tables: the oracle must not be a rubber stamp."""
    header = ("query", "calls", "total_exec_time")
    assert judge(Table(header, (("SELECT 1", "1", "2.5"),))).kind == "valid"
    assert judge(Table(header, (("SELECT 1", "-1", "2.5"),))).kind == "invalid"
    assert judge(Table(header, (("SELECT 1", "lots", "2.5"),))).kind == "invalid"
    assert judge(Table(header, (("SELECT 1", "1e309", "2.5"),))).kind == "invalid"
    assert judge(Table(header, (("SELECT 1", None, "2.5"),))).kind == "invalid"
    assert judge(Table((*header, "calls"), (("SELECT 1", "1", "2", "1"),))).kind == "invalid"
    assert judge(Table(("query", "calls"), (("SELECT 1", "1"),))).kind == "invalid"
    assert judge(Table(header, ())).kind == "invalid"
    assert judge_bytes(b'query,calls,total_exec_time\n"SELECT 1,2,3\n', "csv").kind == "invalid"
    assert judge_bytes(gzip.compress(b"x")[:-3], "csv").kind == "invalid"


# --------------------------------------------------------------------------- the fuzz families


@settings(FUZZ, max_examples=300)
@given(seed=SEEDS)
def test_fuzz_preserving_changes_keep_the_workload(seed: int, workdir: Path) -> None:
    _assert_holds(seed, "preserving", workdir)


@settings(FUZZ, max_examples=800)
@given(seed=SEEDS)
def test_fuzz_structure_edits_are_read_or_refused_as_the_oracle_says(seed: int, workdir: Path) -> None:
    _assert_holds(seed, "structure", workdir)


@settings(FUZZ, max_examples=900)
@given(seed=SEEDS)
def test_fuzz_byte_edits_give_a_workload_or_an_ingest_error(seed: int, workdir: Path) -> None:
    _assert_holds(seed, "bytes", workdir, batch=BATCH)


@settings(FUZZ, max_examples=1_225)
@given(seed=SEEDS)
def test_fuzz_garbage_is_refused_cleanly(seed: int, workdir: Path) -> None:
    _assert_holds(seed, "garbage", workdir, batch=BATCH)


@settings(FUZZ, max_examples=150)
@given(seed=SEEDS)
def test_fuzz_hostile_values_are_read_or_refused_cleanly(seed: int, workdir: Path) -> None:
    """Issue 16's mutations: huge and non-decimal numbers, non-string identity values, surrogates."""
    _assert_holds(seed, "hostile", workdir, batch=BATCH)


@settings(FUZZ, max_examples=40)
@given(seed=SEEDS)
def test_fuzz_hostile_values_through_pricing_and_rendering(seed: int, workdir: Path) -> None:
    """What reads must also price and render, or fail with a typed one-line error (no traceback)."""
    case = make_case(RandomChooser(seed), ("hostile",))
    outcome = run_pipeline_case(case, workdir)
    assert not outcome.problems, f"seed {seed}: {case.describe()}\n  " + "\n  ".join(outcome.problems)


# --------------------------------------------------------------------------- regressions found by fuzzing


def test_first_data_row_wider_than_the_header_is_refused_not_shifted(tmp_path: Path) -> None:
    """Regression: pandas' fast CSV path took the extra leading field of every row as an index and
    silently shifted each value under the wrong column name (queryid 7 read as 1, etc.)."""
    path = tmp_path / "wide.csv"
    path.write_text("queryid,query,calls,total_exec_time\n7,1,SELECT 1,2,3.5\n8,2,SELECT 2,5,6.5\n")
    with pytest.raises(IngestError, match=r"row has 5 fields, the header has 4 \(data row 1, line 2\)"):
        load_workload([path], window="1h")


def test_a_nul_byte_after_the_first_8_kib_is_refused_with_its_line(tmp_path: Path) -> None:
    """Regression: only the first 8 KiB were checked for NUL, so a NUL later reached query texts
    (where pglast silently stops parsing at it)."""
    base = base_named("pg15/copy_text_header.tsv").data
    at = base.index(b"long long", 8200)
    path = tmp_path / "damaged.tsv"
    path.write_bytes(base[:at] + b"\x00" + base[at:])
    line = base.count(b"\n", 0, at) + 1
    with pytest.raises(IngestError, match=rf"NUL byte at line {line}: the file is damaged"):
        load_workload([path], window="1h")


def test_the_header_check_reads_past_a_huge_first_record(tmp_path: Path) -> None:
    """The fast path looks at the first records through a growing prefix (not a copy of the whole
    export): a first query text longer than the prefix must still be read whole and exactly."""
    import csv

    from costmodel.ingest.read import _first_records

    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # as ingest sets it before reading
    huge = "SELECT '" + "x" * 300_000 + "',\n 1"
    body = f'queryid,query,calls,total_exec_time\n1,"{huge}",2,3.5\n2,"SELECT 2",5,6.5'
    assert _first_records(body, ",", 2) == [
        ["queryid", "query", "calls", "total_exec_time"],
        ["1", huge, "2", "3.5"],
    ]
    assert _first_records(body[: len(body) - 30], ",", 3) is None  # cut inside a quoted text
    path = tmp_path / "huge.csv"
    path.write_text(body, encoding="utf-8")
    workload = load_workload([path], window="1h")
    assert workload.statements["query"].tolist() == [huge, "SELECT 2"]
    assert workload.info["files"][0]["format"] == "csv"


@pytest.mark.parametrize("value", ["-3", "-1-11-27 08:00:00+00", "10000-01-01 00:00:00+00", "0000-06-01"])
def test_a_timestamp_outside_years_1_to_9999_is_refused_not_the_net(value: str, tmp_path: Path) -> None:
    """Regression (found by the 100,000-input run): pandas reads ``-3`` as the year -3, and the window
    code then failed with ``ValueError: year -3 is out of range`` inside the last-resort net."""
    path = tmp_path / "pgss.jsonl"
    path.write_text(
        f'{{"query": "SELECT 1", "calls": 5, "total_exec_time": 1.5, "stats_since": "{value}"}}\n',
        encoding="utf-8",
    )
    for window in (None, "1h"):
        with pytest.raises(IngestError) as caught:
            load_workload([path], window=window)
        assert "unexpected" not in caught.value.message
        assert f"value {value!r} is not a timestamp" in str(caught.value)
