"""A large CSV read in pieces by worker processes must give the frame the one-process read gives.

Pieces of a few hundred bytes are forced here (the thresholds are lowered), so a generated export
of a few hundred rows crosses dozens of piece boundaries, with quoted multi-line texts (``\\n`` and
``\\r\\n`` inside quotes), doubled quotes and separators inside texts, texts repeated across pieces
and a UTF-8 BOM. Damaged files (a bad value, a NUL byte, invalid UTF-8 in a late piece) must be
reported with the one-process read's error. The cut rule itself is checked on generated CSVs with
stray quotes and lone carriage returns: whenever every piece passes the check, the pieces parse to
the records of the whole text.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pandas as pd
import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest import pieces, read
from costmodel.ingest.columns import VOCABULARY
from costmodel.ingest.load import load_workload

TEXTS = [
    "SELECT 1",
    'SELECT "a,b", $1 FROM t\nWHERE note = \'x""y\'',
    "UPDATE t\r\nSET a = $1,\n  b = $2\nWHERE id = $3",
    "INSERT INTO t VALUES ($1, 'x,\ny')",
    '"\n"',
    'SELECT é, ü FROM "ß"\n\n\n-- end',
]
HEADER = ["userid", "dbid", "toplevel", "queryid", "query", "calls", "total_exec_time", "stats_since", "rows"]


def _export(path: Path, rows: int = 400, *, bad_row: int | None = None, bom: bool = True) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for n in range(rows):
        calls = "x" if n + 1 == bad_row else str(n + 1)
        when = f"2026-01-{n % 28 + 1:02d} 10:00:00+00" if n % 5 else ""
        text = TEXTS[n % len(TEXTS)] if n % 17 else f"SELECT {n}"
        writer.writerow([10 + n % 3, 5, "ft"[n % 11 > 0], 100 + n, text, calls, 1.25 * n, when, n])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return path


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pieces, "PIECE_BYTES", 700)
    monkeypatch.setattr(pieces, "SCAN_BLOCK", 4096)  # cuts searched across block ends too
    monkeypatch.setattr(read, "STREAM_MIN_BYTES", 0)  # the serial side streams from the file as well


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("bom", [True, False])
def test_pieces_read_equals_one_process_read(tmp_path: Path, bom: bool) -> None:
    path = _export(tmp_path / "big.csv", bom=bom)
    offset = 3 if bom else 0
    found = list(pieces.cuts(path, str(path), offset, path.stat().st_size, 60))
    assert len(found) > 20 and found[0][0] == offset and found[-1][1] == path.stat().st_size
    norm = pieces.read_in_pieces(path, str(path), VOCABULARY, 2)
    assert norm is not None  # read in pieces, not handed back to the serial path
    assert norm.raw.format == ("csv, utf-8 with BOM" if bom else "csv")
    serial, parallel = (load_workload(path, window="1h", jobs=jobs) for jobs in (1, 2))
    one, two = serial.statements, parallel.statements
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert [b.dtype for b in one._mgr.blocks] == [b.dtype for b in two._mgr.blocks]
    assert (serial.notes, serial.info, serial.rows_read, serial.missing_signals) == (
        parallel.notes,
        parallel.info,
        parallel.rows_read,
        parallel.missing_signals,
    )
    assert set(one["query"]) >= set(TEXTS)
    distinct = one["query"].nunique()
    assert len({id(q) for q in one["query"]}) == len({id(q) for q in two["query"]}) == distinct


@pytest.mark.usefixtures("small_pieces")
def test_a_piece_read_locates_rows_as_the_one_process_read(tmp_path: Path) -> None:
    path = _export(tmp_path / "big.csv")
    norm = pieces.read_in_pieces(path, str(path), VOCABULARY, 2)
    whole = read.read_source(path, str(path), VOCABULARY)
    assert norm is not None
    assert [norm.raw.line_of(i) for i in (0, 1, 250, 399)] == [whole.line_of(i) for i in (0, 1, 250, 399)]


@pytest.mark.usefixtures("small_pieces")
def test_damaged_files_get_the_one_process_error(tmp_path: Path) -> None:
    """A bad value, a NUL byte or invalid UTF-8 in a late piece: the same one-line error."""
    good = _export(tmp_path / "good.csv").read_bytes()
    cases = {
        "bad.csv": _export(tmp_path / "bad.csv", bad_row=390).read_bytes(),
        "nul.csv": good[:-20] + b"\x00" + good[-20:],
        "latin1.csv": good[:-20] + b"\xe9" + good[-20:],
        "cut.csv": good[:-30] + b'"unterminated\n',
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert pieces.read_in_pieces(path, str(path), VOCABULARY, 2) is None, name
        errors = []
        for jobs in (1, 2):
            with pytest.raises(IngestError) as caught:
                load_workload(path, window="1h", jobs=jobs)
            errors.append(caught.value)
        serial, parallel = errors
        assert (parallel.message, parallel.file, parallel.row, parallel.column, parallel.hint) == (
            serial.message,
            serial.file,
            serial.row,
            serial.column,
            serial.hint,
        ), name
    assert errors[1].row is not None


def test_one_job_or_a_small_file_stays_in_this_process(tmp_path: Path) -> None:
    path = _export(tmp_path / "big.csv")
    assert pieces.read_in_pieces(path, str(path), VOCABULARY, 1) is None
    assert pieces.read_in_pieces(path, str(path), VOCABULARY, 2) is None  # far below PARALLEL_MIN_BYTES


def _parse(data: bytes, width: int) -> list[list[str]] | None:
    """Records as the fast path's C parser gives them, or None when it refuses the text."""
    try:
        frame = pd.read_csv(
            io.BytesIO(data), header=None, names=list(range(width)), dtype=object, **read.CSV_OPTIONS
        )
    except Exception:
        return None
    if not isinstance(frame.index, pd.RangeIndex):
        return None
    return frame.astype(object).where(frame.notna(), None).to_numpy().tolist()


def _noisy_csv(rng: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    for _ in range(rng.randint(1, 12)):
        writer.writerow(
            ["".join(rng.choice('ab ,"\n\r') for _ in range(rng.randint(0, 6))) for _ in range(3)]
        )
    data = bytearray(out.getvalue().encode())
    for _ in range(rng.choice([0, 0, 1, 2])):  # damage: a stray quote, a lone CR, a space, a newline
        data.insert(rng.randint(0, len(data)), ord(rng.choice('"\r \n')))
    return bytes(data)


def test_the_cut_rule_gives_the_records_of_the_whole_text(tmp_path: Path) -> None:
    """On texts where every piece passes :func:`pieces.quotes_track_records`, the pieces parse to the
    whole text's records; the check also turns damaged texts away (it is not vacuous)."""
    rng = random.Random(19)
    compared = refused = 0
    for case in range(400):
        data = _noisy_csv(rng)
        path = tmp_path / f"{case % 10}.csv"
        path.write_bytes(data)
        cut = list(pieces.cuts(path, str(path), 0, len(data), 8))
        parts = [data[low:high] for low, high in cut]
        assert b"".join(parts) == data
        if not all(pieces.quotes_track_records(part) for part in parts):
            refused += 1
            continue
        pieced = [_parse(part, 3) for part in parts]
        if any(p is None for p in pieced):
            continue  # a parser complaint: the serial path reads the whole text
        whole = _parse(data, 3)
        assert whole == [row for part in pieced for row in part or []], data  # type: ignore[union-attr]
        compared += 1
    assert compared > 150 and refused > 50


def test_quotes_track_records_refuses_stray_quotes_and_lone_returns() -> None:
    assert pieces.quotes_track_records(b'a,"b\n""c",d\n"x",y\n')
    assert pieces.quotes_track_records(b'a,"b\rc"\r\n')  # a lone CR inside quotes is text
    assert not pieces.quotes_track_records(b'a,b"c\n')  # an odd count
    assert not pieces.quotes_track_records(b'a,b"c",d"\n')  # a quote inside an unquoted field
    assert not pieces.quotes_track_records(b'a, "c"\n')  # a space before the opening quote
    assert not pieces.quotes_track_records(b"a,b\rc,d\n")  # a lone CR ends a record
