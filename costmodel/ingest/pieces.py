"""One large plain CSV export read in pieces: parsed and typed in forked worker processes, joined in order.

Why: a fleet reads its files in parallel, but one million-row export was parsed and typed on one
core (≈11 s of a 1M-row report). Here the file is cut at record boundaries into pieces of about
:data:`PIECE_BYTES`; ``jobs`` worker processes each check, parse (the same C parser and options as
:func:`costmodel.ingest.read._read_csv_columns`) and type (:func:`costmodel.ingest.columns.normalise`)
a piece, and the pieces are joined in file order into the frame the serial path gives: same
columns, dtypes, values, row order and index, equal texts sharing one string object.

Where a piece may start — the rule, and why it is safe. A CSV record may hold newlines inside a
quoted field, so not every newline ends a record. Scanning from the start of the data, the parent
counts quote bytes (``bytes.count``, C speed) and cuts only after a ``\\n`` preceded by an even
number of quotes. Parity equals the C parser's quoting state as long as every quote the parser
meets outside a quoted field opens one; the parser opens a quoted field exactly when the quote
starts a field. So each worker also proves, for its piece, that (a) every quote with an even
number of quotes before it follows a ``,``, a ``\\n``, another quote (the second of a doubled
quote) or is the piece's first byte, and (b) every ``\\r`` outside quotes is followed by ``\\n``
(a lone ``\\r`` ends a record in the parser, and what follows it is not a field start). Under (a)
and (b), by induction from the data's first byte, the parser sits at the start of a record after
each even-parity newline, the state it starts a fresh parse in, so parsing the pieces apart gives
the records parsing the file gives. A piece that fails a check, a parser complaint, a doubtful
value (see :func:`costmodel.ingest.read._trusted`), a typing error or a note (an over-long text)
returns ``None``, and the whole file is read again by the serial path, which reports the exact
error with its file, row, line and column: the pieces never speak for a bad file.

Each worker also checks its bytes for what :func:`costmodel.ingest.read.decode` refuses (NUL bytes,
invalid UTF-8; pieces are cut after a ``\\n``, never inside a character), so the parent's only pass
over the file is the quote count, and pieces are handed out while it runs. Pieces come back as
typed arrays, texts as codes into each piece's distinct values (a few bytes per row), not as
pickled rows.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.executor import fork_context
from costmodel.core.safeio import open_regular
from costmodel.core.workload import COUNTER_COLUMNS, IDENTITY_COLUMNS, TIMESTAMP_COLUMNS
from costmodel.ingest import read
from costmodel.ingest.columns import RENAMES, Normalised, detect_generation, normalise
from costmodel.ingest.read import CsvHeader, ProgressFn, Vocabulary

PARALLEL_MIN_BYTES = 32 << 20
"""Exports from this size are read in pieces when ``jobs`` > 1 (smaller ones do not repay a fork)."""
PIECE_BYTES = 16 << 20
"""Bytes per piece, at most (at least two pieces per worker so a slow piece does not hold the end)."""
SCAN_BLOCK = 1 << 24
"""Bytes the parent reads at a time while it counts quotes."""
DERIVED = ("source_file", "source_row")
"""Columns :func:`normalise` numbers per piece; the join makes them again for the whole file."""

_QUOTE, _COMMA, _LF, _CR = (ord(c) for c in '",\n\r')
_Piece = tuple[dict[str, Any], int]
"""A piece typed: column → typed array (texts as ``(codes, distinct values)``), and its rows."""
_Written = tuple[list[tuple[str, str, str]], int]
"""What a worker hands back: ``(column, kind, dtype)`` in the order the arrays are in its file, and
the piece's rows (kinds: ``array``, ``masked`` — data then mask —, ``datetime``, ``text`` — codes,
then the distinct texts' UTF-8 bytes and lengths)."""


def read_in_pieces(
    path: Path, file: str, vocabulary: Vocabulary, jobs: int, progress: ProgressFn | None = None
) -> Normalised | None:
    """``path`` read and typed in pieces by ``jobs`` forked processes, or ``None`` (serial path).

    ``None`` when ``jobs`` is 1, the platform cannot fork, this process is itself a pool worker,
    the file is small, not a plain UTF-8 CSV with a trusted header, or any piece has a doubt.
    """
    if jobs <= 1 or fork_context() is None or mp.current_process().daemon:
        return None
    start = read.csv_start(path, file, PARALLEL_MIN_BYTES, check=False)
    if start is None:
        return None
    offset, fmt = start
    source = read.file_source(path, file, offset)
    header = read.csv_header(source, ",", vocabulary)
    if header is None:
        return None
    size = path.stat().st_size
    count = max(2 * jobs, -(-(size - offset) // PIECE_BYTES))
    try:
        with (
            tempfile.TemporaryDirectory(prefix="dsqlcost-pieces-") as spool,
            ProcessPoolExecutor(max_workers=jobs, mp_context=fork_context()) as pool,
        ):
            futures: list[Future[_Written | None]] = []
            for index, (low, high) in enumerate(cuts(path, file, offset, size, count)):
                out = os.path.join(spool, str(index))
                futures.append(pool.submit(_piece, path, file, low, high, index == 0, header, out))
            joined = _join(futures, spool, file, progress)
            if joined is None:
                pool.shutdown(wait=True, cancel_futures=True)
                return None
    except Exception:  # a broken pool, an unreadable file or piece: the serial path reads the file
        return None
    frame, distinct = joined
    raw = read.csv_table(source, file, fmt, ",", header.names, [], len(frame))
    if "query" in frame and frame["query"].dtype == object and distinct < len(frame):
        # what share_equal_texts leaves (the column set anew), without walking a million texts again
        frame["query"] = pd.Series(frame["query"].to_numpy(), index=frame.index, dtype=object)
    return _normalised(frame, raw)


def cuts(path: Path, file: str, offset: int, size: int, count: int) -> Iterator[tuple[int, int]]:
    """``count`` pieces (fewer when records are long) ``[low, high)`` covering ``[offset, size)``,
    each cut right after a ``\\n`` with an even number of quotes before it; yielded as found."""
    step = (size - offset) / count
    targets = [offset + round(step * i) for i in range(1, count)]
    low, pos, quotes = offset, offset, 0
    with open_regular(path, file) as handle:
        handle.seek(offset)
        while targets and (block := handle.read(SCAN_BLOCK)):
            end = pos + len(block)
            while targets and targets[0] < end:
                at = max(targets[0], low) - pos
                cut = _even_newline(block, at, quotes)
                if cut < 0:
                    targets[0] = end  # no even newline left in this block: look on in the next
                    break
                low_before, low = low, pos + cut + 1
                if low >= size:
                    targets.clear()
                    low = low_before
                    break
                yield low_before, low
                while targets and targets[0] < low:
                    targets.pop(0)
            quotes += block.count(b'"')
            pos = end
    yield low, size


def _even_newline(block: bytes, at: int, quotes: int) -> int:
    """Index of the first ``\\n`` at or after ``at`` with an even count of quotes before it (``quotes``
    before the block), or -1."""
    newline = block.find(b"\n", at)
    counted, seen = 0, quotes
    while newline >= 0:
        seen += block.count(b'"', counted, newline)
        counted = newline
        if seen % 2 == 0:
            return newline
        newline = block.find(b"\n", newline + 1)
    return -1


def quotes_track_records(data: bytes) -> bool:
    """True when quote parity in ``data`` (a piece starting at a record) is the C parser's quoting
    state: an even count, every opening quote at a field start, no lone ``\\r`` outside quotes."""
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == _QUOTE)
    if len(quotes) % 2:
        return False
    opening = quotes[0::2]
    opening = opening[opening > 0]
    if not np.isin(arr[opening - 1], (_COMMA, _LF, _QUOTE)).all():
        return False
    returns = np.flatnonzero(arr == _CR)
    if not len(returns):
        return True
    following = np.append(arr, np.uint8(0))[returns + 1]
    lone = returns[following != _LF]
    return bool((np.searchsorted(quotes, lone) % 2 == 1).all())  # inside a quoted field


def _piece(
    path: Path, file: str, low: int, high: int, first: bool, header: CsvHeader, out: str
) -> _Written | None:
    """One piece checked, parsed and typed (in a worker) and written to ``out`` as ``.npy`` arrays
    (nothing pickled); ``None`` on any doubt.

    Why a file and not the pool's result: the pool unpickles results on its own thread, whose
    malloc arena kept the freed pieces (a 1M-row read peaked 300 MB higher); the main thread reads
    the file, so the arrays live in the arena the rest of the run allocates from.
    """
    try:
        piece = _checked(path, file, low, high, first, header)
        if piece is None:
            return None
        columns, nrows = piece
        layout: list[tuple[str, str, str]] = []
        with open(out, "wb") as handle:
            for name, column in columns.items():
                kind, arrays = _arrays(column)
                layout.append((name, kind, str(column.dtype) if kind != "text" else "object"))
                for array in arrays:
                    np.save(handle, array, allow_pickle=False)
        return layout, nrows
    except Exception:  # a full disk, an unexpected column type: the serial path reads the file
        return None


def _arrays(column: Any) -> tuple[str, list[np.ndarray]]:
    """A typed column as plain numpy arrays (``kind``, arrays), the inverse of :func:`_column`."""
    if isinstance(column, tuple):
        codes, uniques = column
        encoded = [text.encode("utf-8") for text in uniques]
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return "text", [codes, blob, np.array([len(e) for e in encoded], dtype=np.int64)]
    if isinstance(column, np.ndarray) and column.dtype != object:
        return "array", [column]
    if isinstance(column, pd.arrays.DatetimeArray) and column.tz is not None:
        return "datetime", [column.tz_convert("UTC").tz_localize(None).to_numpy()]
    if isinstance(column, (pd.arrays.IntegerArray, pd.arrays.BooleanArray, pd.arrays.FloatingArray)):
        masked: Any = column  # data and mask: the arrays a masked array is made of
        return "masked", [masked._data, masked._mask]
    raise TypeError(f"no plain form for {type(column).__name__}")


def _column(kind: str, dtype: str, handle: Any) -> Any:
    """The typed column :func:`_arrays` wrote (read on the main thread)."""
    if kind == "text":
        codes = np.load(handle, allow_pickle=False)
        blob = np.load(handle, allow_pickle=False).tobytes()
        ends = np.cumsum(np.load(handle, allow_pickle=False))
        starts = ends - np.diff(ends, prepend=0)
        texts = [blob[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist())]
        return codes, texts
    if kind == "array":
        return np.load(handle, allow_pickle=False)
    if kind == "datetime":
        naive = pd.Series(np.load(handle, allow_pickle=False))
        return naive.dt.tz_localize("UTC").dt.tz_convert(_dtype(dtype).tz).array
    data = np.load(handle, allow_pickle=False)
    mask = np.load(handle, allow_pickle=False)
    return _dtype(dtype).construct_array_type()(data, mask)


def _dtype(name: str) -> Any:
    return pd.api.types.pandas_dtype(name)


def _checked(path: Path, file: str, low: int, high: int, first: bool, header: CsvHeader) -> _Piece | None:
    try:
        with open_regular(path, file) as handle:
            handle.seek(low)
            data = handle.read(high - low)
        if len(data) != high - low or b"\x00" in data or not quotes_track_records(data):
            return None
        data.decode("utf-8")  # what decode() refuses: the serial path names the line
        return _typed(data, first, header, file)
    except Exception:  # a parser complaint, a bad value: the serial path explains it
        return None


def _typed(data: bytes, first: bool, header: CsvHeader, file: str) -> _Piece | None:
    frame = pd.read_csv(
        io.BytesIO(data),
        sep=",",
        dtype=header.dtypes,
        header=0 if first else None,
        names=None if first else header.raw,
        **read.CSV_OPTIONS,
    )
    if list(frame.columns) != header.raw or not isinstance(frame.index, pd.RangeIndex) or not len(frame):
        return None  # a wider first row became an index: the serial parser refuses such a row
    values = [
        frame[name].to_numpy(dtype=object if frame[name].dtype == object else None, copy=True)
        for name in header.raw
    ]
    nrows = len(frame)
    del frame
    if not read._trusted(values):
        return None
    norm = normalise(read.RawTable(file=file, format="csv", columns=header.names, values=values, nrows=nrows))
    if norm.notes:
        return None  # notes count rows (texts cut to 1 MiB): the serial path words them for the file
    columns: dict[str, Any] = {}
    for name in norm.frame.columns:
        if name in DERIVED:
            continue
        column = norm.frame[name]
        if column.dtype == object:
            codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
            if (codes < 0).any() and any(v is not None for v in column.to_numpy()[codes < 0]):
                return None  # only None is expected as a missing text
            columns[name] = (codes.astype(np.int32), np.asarray(uniques, dtype=object))
        else:
            columns[name] = column.to_numpy() if isinstance(column.dtype, np.dtype) else column.array
    return columns, nrows


def _join(
    futures: list[Future[_Written | None]], spool: str, file: str, progress: ProgressFn | None
) -> tuple[pd.DataFrame, int] | None:
    """The pieces' columns joined in order (texts shared across pieces); ``None`` if any piece failed."""
    parts: dict[str, list[Any]] = {}
    shared: dict[str, dict[str, str]] = {}
    total = 0
    for done in range(len(futures)):
        written = futures[done].result()
        if written is None:
            return None
        layout, nrows = written
        out = os.path.join(spool, str(done))
        with open(out, "rb") as handle:
            columns = {name: _column(kind, dtype, handle) for name, kind, dtype in layout}
        os.unlink(out)
        for name, column in columns.items():
            if isinstance(column, tuple):
                seen = shared.setdefault(name, {})
                codes, uniques = column
                table = np.empty(len(uniques) + 1, dtype=object)  # the last slot: None for code -1
                table[:-1] = np.fromiter(
                    (seen.setdefault(v, v) for v in uniques), dtype=object, count=len(uniques)
                )
                column = table.take(codes)
            parts.setdefault(name, []).append(column)
        total += nrows
        if progress is not None:
            progress(f"reading {file}", done + 1, len(futures))
    data: dict[str, Any] = {}
    for name, pieces in parts.items():
        data[name] = _concat(pieces)
        pieces.clear()
        if name == "query":
            data[name] = pd.Series(data[name], dtype=object)
    data["source_file"] = [file] * total
    data["source_row"] = np.arange(1, total + 1, dtype=np.int64)
    distinct = len(shared.get("query", {}))
    return pd.DataFrame(data), distinct


def _concat(pieces: list[Any]) -> Any:
    if isinstance(pieces[0], np.ndarray):
        return np.concatenate(pieces)
    return type(pieces[0])._concat_same_type(pieces)


def _normalised(frame: pd.DataFrame, raw: read.RawTable) -> Normalised:
    """What :func:`normalise` returns for the whole file (present columns and generation from the header)."""
    canonical = set(IDENTITY_COLUMNS) | set(COUNTER_COLUMNS) | set(TIMESTAMP_COLUMNS)
    present = frozenset(RENAMES.get(name, name) for name in raw.columns) & canonical
    return Normalised(
        frame=frame, present=present, generation=detect_generation(raw.columns), raw=raw, notes=[]
    )
