"""The CSV fast path parses in chunks of rows; a chunked read must equal a whole-file read.

Chunks of two or three rows are forced here so every file below crosses several boundaries: the
bundled samples, and an edge-case export with a UTF-8 BOM, quoted newlines, separators and doubled
quotes inside texts, repeated texts across chunks, and (in the last test) a bad value in a later
chunk, which must still be reported with the right file, row and column.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest import read
from costmodel.ingest.columns import VOCABULARY
from costmodel.ingest.load import load_workload

SAMPLES = Path(__file__).resolve().parents[2] / "sample_stats"
TEXTS = [
    "SELECT 1",
    'SELECT "a,b", $1 FROM t\nWHERE note = \'x""y\'',
    "UPDATE t\r\nSET a = $1,\n  b = $2\nWHERE id = $3",
    "INSERT INTO t VALUES ($1, 'x,\ny')",
]


def _edge_file(path: Path, *, bad_row: int | None = None) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["userid", "dbid", "queryid", "query", "calls", "total_exec_time", "rows"])
    for n in range(9):
        calls = "x" if n + 1 == bad_row else str(n + 1)
        writer.writerow([10 + n % 3, 5, 100 + n, TEXTS[n % len(TEXTS)], calls, 1.25 * n, n])
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return path


def _tables_equal(a: read.RawTable, b: read.RawTable) -> None:
    assert (a.columns, a.nrows, a.format) == (b.columns, b.nrows, b.format)
    for left, right in zip(a.values, b.values, strict=True):
        assert np.array_equal(np.asarray(left, dtype=object), np.asarray(right, dtype=object))


def _read_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[read.RawTable, read.RawTable]:
    whole = read.read_source(path, str(path), VOCABULARY)
    monkeypatch.setattr(read, "READ_CHUNK_ROWS", 2)
    chunked = read.read_source(path, str(path), VOCABULARY)
    monkeypatch.setattr(read, "READ_CHUNK_ROWS", 100_000)
    return whole, chunked


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir() if (p / "snapshots").is_dir()))
def test_chunked_read_equals_whole_read_on_the_samples(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshots = sorted((SAMPLES / sample / "snapshots").glob("*.csv*"))  # gzipped in some samples
    assert snapshots
    rows = []
    for path in (snapshots[0], snapshots[-1]):
        whole, chunked = _read_both(path, monkeypatch)
        assert whole.format.startswith("csv") and chunked.lines is None  # the fast path read it
        _tables_equal(whole, chunked)
        rows.append(whole.nrows)
    assert max(rows) > 2  # the last snapshot crosses chunk boundaries


def test_chunked_read_equals_whole_read_on_an_edge_case_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _edge_file(tmp_path / "edge.csv")
    whole, chunked = _read_both(path, monkeypatch)
    assert whole.nrows == 9 and list(whole.values[whole.columns.index("query")])[:4] == TEXTS
    assert whole.lines is None and chunked.lines is None  # both read by the (chunked) fast path
    _tables_equal(whole, chunked)
    frames = []
    for rows in (100_000, 3):
        monkeypatch.setattr(read, "READ_CHUNK_ROWS", rows)
        frames.append(load_workload(path, window="1h").statements)
    pd.testing.assert_frame_equal(frames[0], frames[1])
    queries = frames[1]["query"]
    assert len({id(q) for q in queries}) == len(TEXTS)  # equal texts share one object across chunks


def test_a_bad_value_in_a_later_chunk_names_file_row_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _edge_file(tmp_path / "bad.csv", bad_row=7)
    errors = []
    for rows in (100_000, 2):
        monkeypatch.setattr(read, "READ_CHUNK_ROWS", rows)
        with pytest.raises(IngestError) as caught:
            load_workload(path, window="1h")
        errors.append(caught.value)
    whole, chunked = errors
    assert (chunked.file, chunked.row, chunked.column) == (str(path), 7, "calls")
    assert chunked.message == whole.message and chunked.hint == whole.hint


def _read_streamed(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[read.RawTable, read.RawTable]:
    """The file read whole (text in memory), then parsed straight from disk (the large-file path)."""
    monkeypatch.setattr(read, "STREAM_MIN_BYTES", 1 << 62)
    whole = read.read_source(path, str(path), VOCABULARY)
    monkeypatch.setattr(read, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(read, "READ_CHUNK_ROWS", 2)
    streamed = read.read_source(path, str(path), VOCABULARY)
    return whole, streamed


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir() if (p / "snapshots").is_dir()))
def test_streamed_read_equals_whole_read_on_the_samples(
    sample: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshots = sorted((SAMPLES / sample / "snapshots").glob("*.csv*"))
    assert snapshots
    for snapshot in (snapshots[0], snapshots[-1]):
        path = tmp_path / snapshot.name.removesuffix(".gz")  # streamed only when not gzipped
        data = snapshot.read_bytes()
        path.write_bytes(gzip.decompress(data) if snapshot.suffix == ".gz" else data)
        whole, streamed = _read_streamed(path, monkeypatch)
        assert streamed.lines is None and streamed.format == whole.format
        _tables_equal(whole, streamed)


def test_streamed_read_equals_whole_read_on_an_edge_case_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _edge_file(tmp_path / "edge.csv")  # BOM, quoted newlines, separators and quotes in texts
    whole, streamed = _read_streamed(path, monkeypatch)
    assert streamed.format == "csv, utf-8 with BOM" and streamed.lines is None
    _tables_equal(whole, streamed)
    queries = streamed.values[streamed.columns.index("query")]
    assert len({id(q) for q in queries}) == len(TEXTS)  # equal texts share one object across chunks
    assert [streamed.line_of(i) for i in range(3)] == [whole.line_of(i) for i in range(3)]


def test_streamed_read_leaves_damaged_files_to_the_whole_file_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad value, a NUL byte or invalid UTF-8 late in a large file: the same one-line error."""
    good = _edge_file(tmp_path / "edge.csv").read_bytes()
    cases = {
        "bad.csv": _edge_file(tmp_path / "bad.csv", bad_row=7).read_bytes(),
        "nul.csv": good[:-20] + b"\x00" + good[-20:],
        "latin1.csv": good[:-20] + b"\xe9" + good[-20:],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        errors = []
        for threshold in (1 << 62, 0):
            monkeypatch.setattr(read, "STREAM_MIN_BYTES", threshold)
            with pytest.raises(IngestError) as caught:
                load_workload(path, window="1h")
            errors.append(caught.value)
        whole, streamed = errors
        assert (streamed.message, streamed.file, streamed.row, streamed.column) == (
            whole.message,
            whole.file,
            whole.row,
            whole.column,
        ), name
