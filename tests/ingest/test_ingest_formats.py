"""Ingest reads every export format, found from content, and keeps query texts byte for byte."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b

PG15 = Path(__file__).parents[1] / "data" / "ingest" / "pg15"


def _rows(count: int = 4) -> list[dict]:
    return b.make_rows(b.PG16, count)


@pytest.mark.parametrize("fmt", sorted(b.FORMATS))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_every_format_reads_the_same_numbers(tmp_path: Path, fmt: str, gz: bool) -> None:
    rows = _rows()
    path = b.write(tmp_path / "export.data", b.FORMATS[fmt](rows), gz=gz)
    workload = load_workload([path])
    s = workload.statements
    assert len(s) == 4
    assert s["queryid"].tolist() == [1000, 1001, 1002, 1003]
    assert s["calls"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert s["total_exec_time"].tolist() == [1.5, 3.0, 4.5, 6.0]
    assert s["userid"].tolist() == [10, 11, 12, 10]
    assert s["query"].tolist() == [r["query"] for r in rows]
    assert workload.generation == "1.10 (PostgreSQL 15–16)"
    fmt_seen = workload.info["files"][0]["format"]
    # clean COPY text (no NULL, no escapes) and clean quoted TSV read as plain TSV: same bytes, same result
    expected = {"csv": ("csv",), "json": ("json",), "jsonl": ("jsonl",)}.get(fmt, ("tsv", "copy-text"))
    assert fmt_seen.startswith(expected)
    assert ("gzip" in fmt_seen) is gz


@pytest.mark.parametrize("fmt", sorted(b.FORMATS))
def test_nasty_texts_survive_byte_for_byte(tmp_path: Path, fmt: str) -> None:
    texts = list(b.NASTY_TEXTS)
    if (
        fmt == "copy-text"
    ):  # COPY never writes a field starting with a quote unquoted … but a query cannot start so
        texts = [t for t in texts if not t.startswith('"')]
    rows = b.make_rows(b.PG16, len(texts), query=texts)
    path = b.write(tmp_path / f"nasty.{fmt}", b.FORMATS[fmt](rows))
    statements = load_workload([path]).statements
    assert statements["query"].tolist() == texts
    for got, want in zip(statements["query"], texts):
        assert got.encode("utf-8") == want.encode("utf-8")


@pytest.mark.parametrize("name", ["export.txt", "export.json", "export.csv", "export"])
def test_format_is_detected_from_content_not_extension(tmp_path: Path, name: str) -> None:
    rows = _rows(2)
    for text, want in ((b.json_text(rows), "json"), (b.csv_text(rows), "csv"), (b.jsonl_text(rows), "jsonl")):
        path = b.write(tmp_path / name, text)
        workload = load_workload([path])
        assert workload.info["files"][0]["format"] == want
        assert len(workload.statements) == 2


def test_gzip_detected_by_magic_even_without_gz_name(tmp_path: Path) -> None:
    path = b.write(tmp_path / "export.csv", b.csv_text(_rows(3)), gz=True)
    workload = load_workload([path])
    assert workload.info["files"][0]["format"] == "csv, gzip, utf-8"
    assert len(workload.statements) == 3


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = b.write(tmp_path / "bom.csv", "\ufeff" + b.csv_text(_rows(2)))
    workload = load_workload([path])
    assert list(workload.statements["queryid"]) == [1000, 1001]
    assert "BOM" in workload.info["files"][0]["format"]


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    text = b.csv_text(b.make_rows(b.PG16, 2, query=["SELECT 'ü'", "SELECT '🎉'"]))
    path = b.write(tmp_path / "ps.csv", text.encode("utf-16"))
    assert load_workload([path]).statements["query"].tolist() == ["SELECT 'ü'", "SELECT '🎉'"]


def test_psql_unaligned_tab_with_footer_reads_clean_texts(tmp_path: Path) -> None:
    path = b.write(tmp_path / "u.tsv", b.unaligned_text(_rows(3)))
    workload = load_workload([path])
    assert workload.info["files"][0]["format"] == "psql-unaligned (tab)"
    assert len(workload.statements) == 3


def test_psql_unaligned_pipe_reads_clean_texts(tmp_path: Path) -> None:
    path = b.write(tmp_path / "u.txt", b.unaligned_text(_rows(3), separator="|"))
    workload = load_workload([path])
    assert workload.info["files"][0]["format"] == "psql-unaligned (separator '|')"
    path = b.write(tmp_path / "u2.txt", b.unaligned_text(_rows(3), separator="|", footer=False))
    assert load_workload([path]).info["files"][0]["format"] == "text (separator '|', unquoted)"
    assert workload.statements["calls"].sum() == 60


@pytest.mark.parametrize(
    "text",
    ["SELECT a,\n b FROM t", "SELECT a\t, b FROM t"],
    ids=["newline", "tab"],
)
def test_psql_unaligned_broken_rows_are_an_error_not_shifted_numbers(tmp_path: Path, text: str) -> None:
    rows = b.make_rows(b.PG16, 3, query=["SELECT 1", text, "SELECT 3"])
    path = b.write(tmp_path / "u.tsv", b.unaligned_text(rows))
    with pytest.raises(IngestError) as info:
        load_workload([path])
    message = str(info.value)
    assert "u.tsv" in message
    assert "data row 2" in message and "line 3" in message
    assert "psql --csv" in message


def test_psql_unaligned_without_footer_still_detects_broken_rows(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 2, query=["SELECT 1", "SELECT\n2"])
    path = b.write(tmp_path / "u.tsv", b.unaligned_text(rows, footer=False))
    with pytest.raises(IngestError, match="fields, the header has 43"):
        load_workload([path])


def test_psql_aligned_output_is_refused_with_advice(tmp_path: Path) -> None:
    text = " queryid | query | calls | total_exec_time \n---------+-------+-------+-----------------\n 1 | x | 2 | 3\n(1 row)\n"
    path = b.write(tmp_path / "aligned.txt", text)
    with pytest.raises(IngestError, match="aligned"):
        load_workload([path])


def test_copy_text_without_header_uses_view_order(tmp_path: Path) -> None:
    rows = b.make_rows(b.PG16, 3, query=["SELECT 1", "SELECT\t2", None])
    path = b.write(tmp_path / "copy.tsv", b.copy_text(rows, header=False))
    workload = load_workload([path])
    assert workload.info["files"][0]["format"] == "copy-text"
    assert workload.statements["query"].tolist()[:2] == ["SELECT 1", "SELECT\t2"]
    assert workload.unclassifiable_count == 1
    assert any("no header line" in note for note in workload.notes)


def test_csv_without_header_of_a_known_width_is_read(tmp_path: Path) -> None:
    text = b.csv_text(_rows(2)).split("\n", 1)[1]
    path = b.write(tmp_path / "noheader.csv", text)
    workload = load_workload([path])
    assert workload.generation == "1.10 (PostgreSQL 15–16)"
    assert workload.statements["calls"].tolist() == [10.0, 20.0]


def test_json_lines_tolerates_blank_lines_and_crlf(tmp_path: Path) -> None:
    text = b.jsonl_text(_rows(2)).replace("\n", "\r\n") + "\r\n\r\n"
    path = b.write(tmp_path / "x.jsonl", text)
    assert len(load_workload([path]).statements) == 2


def test_psql_wrapped_json_agg_output_is_unwrapped(tmp_path: Path) -> None:
    text = "json_agg\n" + b.json_text(_rows(2)) + "(1 row)\n"
    path = b.write(tmp_path / "wrapped.txt", text)
    workload = load_workload([path])
    assert workload.info["files"][0]["format"] == "json (psql output)"
    assert len(workload.statements) == 2


def test_json_objects_with_different_keys_union_columns(tmp_path: Path) -> None:
    rows = [
        {"queryid": 1, "query": "a", "calls": 1, "total_exec_time": 1.0, "rows": 4},
        {"queryid": 2, "query": "b", "calls": 2, "total_exec_time": 2.0, "wal_bytes": 100},
    ]
    path = b.write(tmp_path / "u.json", json.dumps(rows))
    s = load_workload([path]).statements
    assert s["rows"].iloc[1] != s["rows"].iloc[1]  # NaN: unknown, not 0
    assert s["wal_bytes"].tolist()[1] == 100.0
    assert s["wal_bytes"].isna().tolist() == [True, False]


def test_semicolon_separated_csv(tmp_path: Path) -> None:
    path = b.write(tmp_path / "excel.csv", b.csv_text(_rows(2), delimiter=";"))
    workload = load_workload([path])
    assert workload.statements["calls"].tolist() == [10.0, 20.0]


def test_large_query_texts_beyond_csv_field_limit(tmp_path: Path) -> None:
    huge = "SELECT /* " + "y" * 300_000 + " */ 1"
    rows = b.make_rows(b.PG16, 2, query=[huge, "SELECT 2"])
    path = b.write(tmp_path / "huge.csv", b.csv_text(rows).replace(",f,", ",t,"))
    assert load_workload([path]).statements["query"].iloc[0] == huge


# ---------------------------------------------------------------- real PostgreSQL 15 exports

TRUTH = json.loads((PG15 / "truth.json").read_text(encoding="utf-8")) if PG15.exists() else []
REAL = [
    "psql_csv.csv",
    "psql_csv.csv.gz",
    "copy_csv.csv",
    "copy_text_header.tsv",
    "copy_text_noheader.tsv",
    "json_agg.json",
    "json_agg.json.gz",
    "row_to_json.jsonl",
]


def _key(values: tuple) -> tuple:
    return tuple(values)


@pytest.mark.parametrize("name", REAL)
def test_real_pg15_exports_match_what_psycopg_reads(name: str) -> None:
    """Committed exports made by tests/data/ingest/make_pg_exports.py from a real PostgreSQL 15."""
    workload = load_workload([PG15 / name], include_nested=True)
    s = workload.statements
    got = sorted(
        (int(q), bool(t), x, c, e, r, w)
        for q, t, x, c, e, r, w in zip(
            s["queryid"],
            s["toplevel"],
            s["query"],
            s["calls"],
            s["total_exec_time"],
            s["rows"],
            s["wal_bytes"],
        )
    )
    want = sorted(
        (t["queryid"], t["toplevel"], t["query"], t["calls"], t["total_exec_time"], t["rows"], t["wal_bytes"])
        for t in TRUTH
    )
    assert got == want
    assert workload.generation == "1.10 (PostgreSQL 15–16)"
    assert workload.window.seconds == 3600 and workload.window.source == "metadata"
    texts = {t["query"] for t in TRUTH}
    assert (
        any("\r\n" in t for t in texts)
        and any(len(t) > 8000 for t in texts)
        and any("🎉" in t for t in texts)
    )


def test_real_pg15_nested_and_privilege_rows() -> None:
    workload = load_workload([PG15 / "psql_csv.csv"])
    assert workload.excluded == {"nested (toplevel = false)": 1}
    reader = load_workload([PG15 / "reader_csv.csv"])
    assert reader.unclassifiable_count >= 1
    hidden = reader.statements[reader.statements["unclassifiable"]]
    assert hidden["queryid"].isna().all()
    assert (hidden["calls"] > 0).all()  # counters are still there: costed, not classified


@pytest.mark.parametrize("name", ["unaligned_tab.tsv", "unaligned_pipe.txt"])
def test_real_pg15_unaligned_exports_are_refused(name: str) -> None:
    with pytest.raises(IngestError) as info:
        load_workload([PG15 / name])
    assert name in str(info.value) and "psql --csv" in str(info.value)


def test_real_gzip_matches_plain() -> None:
    plain = load_workload([PG15 / "psql_csv.csv"]).statements
    packed = load_workload([PG15 / "psql_csv.csv.gz"]).statements
    assert gzip.decompress((PG15 / "psql_csv.csv.gz").read_bytes()) == (PG15 / "psql_csv.csv").read_bytes()
    assert plain.drop(columns="source_file").equals(packed.drop(columns="source_file"))
