"""Mutations of valid exports, each with the answer ingest owes, and the check of that answer.

A mutation draws its choices from a :class:`Chooser`: :class:`RandomChooser` (a seeded
:class:`random.Random`, used by ``benchmarks/bench_fuzz.py``, where a failure is reproduced from its
seed) or a hypothesis ``data`` object (the CI tests, which shrink a failure to its smallest choices).
:func:`make_case` turns the choices into a :class:`Case` (bytes, file name, options and the expected
:class:`~benchmarks.data.fuzz_corpus.Verdict`); :func:`run_case` feeds it to ``load_workload`` (or the
CLI) and returns the list of broken properties, empty when all hold:

* the outcome is a Workload or an ``IngestError`` (a ``CostModelError``), never another exception,
  and never the last-resort net (``unexpected …`` in the message);
* an error is one line and names the file;
* a Workload never loses a row: rows read = statements + excluded, and equals the rows the oracle
  counted; counters are finite and non-negative or NaN (unknown), ``calls`` is always known;
* where the oracle (or the unmutated base) says what the rows are, the statements are exactly those.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from benchmarks.data.fuzz_corpus import (
    GENERATIONS,
    KNOWN,
    NUMERIC,
    OLD_NAMES,
    WRITERS,
    Base,
    base_named,
    Table,
    Verdict,
    bases,
    cells_as_read,
    judge,
    judge_bytes,
    json_objects,
    objects_table,
    unsure,
)

T = TypeVar("T")


class Chooser(Protocol):
    """Where a mutation gets its random choices from."""

    def integer(self, low: int, high: int) -> int: ...

    def blob(self, max_size: int) -> bytes: ...


class RandomChooser:
    """Choices from a seeded :class:`random.Random` (reproducible from the seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def blob(self, max_size: int) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, max_size))


class ByteChooser:
    """Choices read from one byte string, libFuzzer style: hypothesis draws the bytes once (cheap) and
    shrinks them towards zeros, i.e. towards the first option of every choice and empty blobs."""

    def __init__(self, buffer: bytes) -> None:
        self.buffer = buffer
        self.pos = 0

    def _take(self, count: int) -> int:
        chunk = self.buffer[self.pos : self.pos + count]
        self.pos += count
        return int.from_bytes(chunk, "big") if chunk else 0

    def integer(self, low: int, high: int) -> int:
        span = high - low + 1
        width = 1 if span <= 256 else 2 if span <= 65536 else 4 if span <= 2**32 else 8
        return low + self._take(width) % span

    def blob(self, max_size: int) -> bytes:
        size = min(self._take(1) % (max_size + 1), len(self.buffer) - self.pos)
        chunk = self.buffer[self.pos : self.pos + max(size, 0)]
        self.pos += len(chunk)
        return chunk


class HypothesisChooser:
    """Choices drawn from hypothesis (``st.data()``), so failures shrink."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data = data
        self.st = st

    def integer(self, low: int, high: int) -> int:
        return int(self.data.draw(self.st.integers(low, high)))

    def blob(self, max_size: int) -> bytes:
        return bytes(self.data.draw(self.st.binary(max_size=max_size)))


def pick(chooser: Chooser, items: Sequence[T]) -> T:
    return items[chooser.integer(0, len(items) - 1)]


def chance(chooser: Chooser, percent: int) -> bool:
    return chooser.integer(0, 99) < percent


@dataclass(frozen=True)
class Case:
    """One generated input and what ingest must make of it."""

    family: str
    mutation: str
    base: str
    data: bytes
    suffix: str = ".csv"
    verdict: Verdict | None = None
    """``None``: the result must equal ingest's own parse of the unmutated base."""
    same_or_error: bool = False
    """With ``verdict is None``: an IngestError is acceptable too (the mutation may break the format)."""
    ignore_cr: bool = False
    """Compare query texts with carriage returns removed (line endings were rewritten)."""
    window: str | None = "1h"
    include_nested: bool = True

    def describe(self) -> str:
        """One line naming the case, for failure reports."""
        head = self.data[:120]
        return (
            f"{self.family}/{self.mutation} of {self.base} ({len(self.data)} bytes, suffix {self.suffix!r}, "
            f"window={self.window!r}, include_nested={self.include_nested}): {head!r}"
            + ("…" if len(self.data) > 120 else "")
        )


# --------------------------------------------------------------------------- value classes

NUMBER_VALUES: tuple[Any, ...] = (
    "1e308", "179769313486231570000000000000000000000000000000000000000000000000000000000000000000",
    "1e309", "99999999999999999999999999", "1e-400", "-1", "-0", "-0.0", "-1e-300", "lots", "1.2.3",
    "NaN", "nan", "Infinity", "-inf", "0x10", "1_000", " 7 ", "\uff11\uff12", "1,5", "$5", "", "t",
    "+5", ".5", "5.", "0", "12345678901234567890123456789012345678901234567890", "١٢٣", "1e5", "2E-3",
)  # fmt: skip
TYPED_NUMBERS: tuple[Any, ...] = (True, False, [1], {"a": 1}, 1e308, -5, 2**64, 2**70, None, "5", 0, -0.0, 1.5)
QUERYID_VALUES: tuple[Any, ...] = (
    str(2**63), str(-(2**63) - 1), str(2**63 - 1), str(-(2**63)), "12abc", "1.5", "", "0x1F", " 42 ",
    "9007199254740993", "-0", "1e18",
)  # fmt: skip
TYPED_QUERYIDS: tuple[Any, ...] = (2**63, -(2**63) - 1, 1.5, 2.0**60, True, "77", None, 9007199254740993)
OID_VALUES: tuple[Any, ...] = ("-1", str(2**32), str(2**32 - 1), "x", "", "0", "10.0")
BOOL_VALUES: tuple[Any, ...] = ("maybe", "yes", "T", "FALSE", "On", "", "2", "tr")
TYPED_BOOLS: tuple[Any, ...] = (1, 0, "t", None, "no", [True])
TEXT_VALUES: tuple[Any, ...] = (
    "", "SELECT 1", "x" * 9000, "line1\nline2\r\nline3", 'a "quoted" text', "tab\there", "\\N", "back\\slash",
    "=HYPERLINK(\"http://x\")", "@SUM(1)", "+1", "\u2028", "<insufficient privilege>", "'", "$$", "日本語",
)  # fmt: skip
TYPED_TEXTS: tuple[Any, ...] = (5, 1.5, True, ["SELECT 1"], {"q": 1}, None)
TIMESTAMP_VALUES: tuple[Any, ...] = (
    "2026-13-45 00:00:00", "yesterday", "2026-11-27T08:00:00Z", "2026-11-27 08:00:00.123456+05:30", "", "5",
)  # fmt: skip
EXTRA_NAMES = ("datname", "rolname", "note", "app", "stmt_id", "source_row", "Query Text", "", "calls2")
INTERESTING_BYTES = b',"\n\r\t\\\x00\xff\xc3{[-e9 ;|'
BAD_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\xe2\x82")
SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".txt", ".gz", "", ".csv.gz", ".xlsx")


def _cell_values(column: str, typed: bool) -> tuple[Any, ...]:
    name = OLD_NAMES.get(column.strip().strip('"').lower(), column.strip().strip('"').lower())
    if name in NUMERIC:
        return NUMBER_VALUES + (TYPED_NUMBERS if typed else ())
    if name == "queryid":
        return QUERYID_VALUES + (TYPED_QUERYIDS if typed else ())
    if name in ("userid", "dbid"):
        return OID_VALUES + ((-1, 2**32, 1.5) if typed else ())
    if name == "toplevel":
        return BOOL_VALUES + (TYPED_BOOLS if typed else ())
    if name in ("stats_since", "minmax_stats_since"):
        return TIMESTAMP_VALUES + ((1.5,) if typed else ())
    return TEXT_VALUES + (TYPED_TEXTS if typed else ())


# --------------------------------------------------------------------------- helpers


def _plain(base: Base) -> bytes:
    return gzip.decompress(base.data) if base.data[:2] == b"\x1f\x8b" else base.data


def _table_case(chooser: Chooser, base: Base, mutation: str, table: Table) -> Case:
    """Write ``table`` in the base's format (sometimes another one) and judge what was written."""
    fmt = base.fmt if chance(chooser, 70) else pick(chooser, tuple(WRITERS))
    if fmt in ("json", "jsonl") and not table.typed:
        table = cells_as_read(table, fmt)  # numbers typed as json_agg would
    text = WRITERS[fmt](table)
    cells = cells_as_read(table, fmt) if fmt not in ("json", "jsonl") else objects_table(json_objects(table))
    ambiguous = fmt in ("tsv", "copy-text") and (
        re.search(r"\\[\\ntrbfvN0-7x]", text) is not None or re.search(r'(^|\t)"', text, re.M) is not None
    )
    # JSON is judged from its text: json and ujson differ on bare NaN, and the text oracle knows it
    verdict = judge_bytes(text.encode("utf-8"), fmt) if fmt in ("json", "jsonl") else judge(cells, texts_exact=not ambiguous)
    if fmt in ("tsv", "copy-text") and verdict.kind == "invalid" and ambiguous:
        verdict = unsure(f"ambiguous {fmt}: {verdict.reason}")
    if fmt in ("tsv", "copy-text") and verdict.kind == "valid" and any(
        isinstance(v, str) and ("\r" in v or v.startswith('"')) for row in cells.rows for v in row
    ):
        verdict = unsure(f"{fmt} with CR or a leading quote in a cell")
    data = text.encode("utf-8")
    if chance(chooser, 10):
        data = gzip.compress(data, mtime=0)
    return Case("structure", mutation, base.name, data, pick(chooser, SUFFIXES), verdict)


def _positions(data: bytes, kind: str) -> list[int]:
    if kind == "row boundary":
        return [m.end() for m in re.finditer(rb"\n", data)]
    if kind == "after delimiter":
        return [m.end() for m in re.finditer(rb"[,\t|]", data)]
    if kind == "in quoted multi-line text":
        spots: list[int] = []
        for match in re.finditer(rb'"[^"]*\n[^"]*"', data):
            spots.extend(range(match.start() + 1, match.end() - 1))
        return spots
    if kind == "mid-number":
        return [m.start() + 1 for m in re.finditer(rb"\d\d", data)]
    return [len(data)]


# --------------------------------------------------------------------------- families


def preserving(chooser: Chooser, base: Base) -> Case:
    """Changes that keep the export valid: the result must equal the base's parse."""
    plain = _plain(base)
    kind = pick(chooser, ("bom", "utf16", "crlf", "cr", "gzip", "trailing blank lines", "leading spaces", "rename"))
    same_or_error = False
    ignore_cr = False
    suffix = pick(chooser, SUFFIXES)
    if kind == "bom":
        data = b"\xef\xbb\xbf" + plain
    elif kind == "utf16":
        data = plain.decode("utf-8").encode("utf-16")
    elif kind == "crlf":
        data = plain.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        ignore_cr = True
    elif kind == "cr":
        data = plain.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
        ignore_cr = same_or_error = True
    elif kind == "gzip":
        data = gzip.compress(plain, mtime=chooser.integer(0, 2**31))
    elif kind == "trailing blank lines":
        data = plain.rstrip(b"\n") + b"\n" * chooser.integer(1, 4)
    elif kind == "leading spaces":
        data = b" \n" * chooser.integer(1, 3) + plain
        same_or_error = base.fmt not in ("json", "jsonl")
    elif base.fmt in ("csv", "tsv", "json", "jsonl", "copy-text"):
        data, same_or_error = _rename_header(chooser, plain, base)
    else:
        kind, data = "bom", b"\xef\xbb\xbf" + plain
    return Case("preserving", kind, base.name, data, suffix, None, same_or_error, ignore_cr)


def _rename_header(chooser: Chooser, plain: bytes, base: Base) -> tuple[bytes, bool]:
    """Spell a column the PostgreSQL 12 way, or in upper case: the same export to a reader."""
    text = plain.decode("utf-8")
    new_to_old = {v: k for k, v in OLD_NAMES.items()}
    if base.fmt in ("json", "jsonl"):
        name = pick(chooser, ("total_exec_time", "calls", "query"))
        if name in new_to_old and chance(chooser, 50):
            return text.replace(f'"{name}":', f'"{new_to_old[name]}":').encode("utf-8"), False
        return text.replace(f'"{name}":', f'"{name.upper()}":').encode("utf-8"), False
    head, sep, rest = text.partition("\n")
    names = head.split(",") if base.fmt == "csv" else head.split("\t")
    index = chooser.integer(0, len(names) - 1)
    old = names[index].strip()
    quote = base.fmt == "csv" and chance(chooser, 50)
    names[index] = f'"{old}"' if quote else new_to_old.get(old, old.upper())
    joiner = "," if base.fmt == "csv" else "\t"
    return (joiner.join(names) + sep + rest).encode("utf-8"), False


def structure(chooser: Chooser, base: Base) -> Case:
    """Column and row edits on the table, written back out; the oracle judges the result."""
    table = base.table
    assert table is not None
    columns, rows = list(table.columns), [list(r) for r in table.rows]
    kinds = ("reorder", "extra column", "drop column", "duplicate column", "rename column", "header only",
             "drop rows", "duplicate rows", "set cell", "set cell", "set cell", "swap cells", "shift row",
             "misaligned header")  # fmt: skip
    kind = pick(chooser, kinds)
    width = len(columns)
    if kind == "reorder":
        order = list(range(width))
        for i in range(width - 1, 0, -1):
            j = chooser.integer(0, i)
            order[i], order[j] = order[j], order[i]
        columns = [columns[i] for i in order]
        rows = [[r[i] for i in order] for r in rows]
    elif kind == "extra column":
        name = pick(chooser, EXTRA_NAMES)
        at = chooser.integer(0, width)
        columns.insert(at, name)
        for r in rows:
            r.insert(at, pick(chooser, ("x", None, "1", "=cmd")))
    elif kind == "drop column":
        at = chooser.integer(0, width - 1)
        del columns[at]
        for r in rows:
            del r[at]
    elif kind == "duplicate column":
        at = chooser.integer(0, width - 1)
        columns.append(columns[at])
        for r in rows:
            r.append(r[at])
    elif kind == "rename column":
        at = chooser.integer(0, width - 1)
        columns[at] = pick(chooser, (*sorted(KNOWN), *OLD_NAMES, "calls ", "CALLS", "unknown_col", "x"))
    elif kind == "header only":
        rows = []
    elif kind == "drop rows":
        keep = [r for r in rows if chance(chooser, 50)]
        rows = keep or rows[:1]
    elif kind == "duplicate rows":
        rows = rows + [rows[chooser.integer(0, len(rows) - 1)] for _ in range(chooser.integer(1, 3))]
    elif kind == "set cell":
        for _ in range(chooser.integer(1, 2)):
            at = chooser.integer(0, width - 1)
            row = chooser.integer(0, len(rows) - 1)
            rows[row][at] = pick(chooser, _cell_values(columns[at], table.typed))
    elif kind == "swap cells":
        row = rows[chooser.integer(0, len(rows) - 1)]
        i, j = chooser.integer(0, width - 1), chooser.integer(0, width - 1)
        row[i], row[j] = row[j], row[i]
    elif kind == "misaligned header":  # a header name lost or added, the rows untouched
        if chance(chooser, 50):
            del columns[chooser.integer(0, width - 1)]
        else:
            columns.insert(chooser.integer(0, width), pick(chooser, EXTRA_NAMES))
        return _table_case(chooser, base, kind, _ragged(columns, rows, table.typed))
    else:  # shift row: a value went missing and everything after it moved left
        row = rows[chooser.integer(0, len(rows) - 1)]
        del row[chooser.integer(0, width - 1)]
        row.append(None)
    new = Table(tuple(columns), tuple(tuple(r) for r in rows), table.typed)
    return _table_case(chooser, base, kind, new)


def _ragged(columns: list[str], rows: list[list[Any]], typed: bool) -> Table:
    """A table whose header and rows differ in width (only text formats can carry that)."""
    return Table(tuple(columns), tuple(tuple(r) for r in rows), typed)


def _number_edit(chooser: Chooser, plain: bytes) -> bytes:
    spots = [m.span() for m in re.finditer(rb"(?<![\w.$])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])", plain)]
    if not spots:
        return plain
    start, end = pick(chooser, spots)
    value = str(pick(chooser, NUMBER_VALUES)).encode("utf-8")
    return plain[:start] + value + plain[end:]


def bytes_level(chooser: Chooser, base: Base) -> Case:
    """Byte edits: flips, inserts, deletes, truncation at every position class, NUL, invalid UTF-8."""
    plain = _plain(base)
    kinds = ("flip", "set byte", "insert", "delete", "truncate", "truncate", "nul", "bad utf-8", "number edit",
             "splice")  # fmt: skip
    kind = pick(chooser, kinds)
    n = len(plain)
    at = chooser.integer(0, max(0, n - 1))
    if kind == "flip" and n:
        data = plain[:at] + bytes([plain[at] ^ chooser.integer(1, 255)]) + plain[at + 1 :]
    elif kind == "set byte" and n:
        value = INTERESTING_BYTES[chooser.integer(0, len(INTERESTING_BYTES) - 1)]
        data = plain[:at] + bytes([value]) + plain[at + 1 :]
    elif kind == "insert":
        extra = chooser.blob(8) if chance(chooser, 50) else pick(chooser, (b'"', b",", b"\n", b'""', b"\r", b"\\"))
        data = plain[:at] + extra + plain[at:]
    elif kind == "delete":
        data = plain[:at] + plain[at + chooser.integer(1, 64) :]
    elif kind == "truncate":
        where = pick(chooser, ("anywhere", "row boundary", "after delimiter", "in quoted multi-line text", "mid-number"))
        spots = _positions(plain, where)
        cut = chooser.integer(0, n) if where == "anywhere" else pick(chooser, spots or [n])
        data = plain[:cut]
        kind = f"truncate ({where})"
    elif kind == "nul":
        late = chance(chooser, 50) and n > 9000
        at = chooser.integer(8192, n - 1) if late else at
        data = plain[:at] + b"\x00" + plain[at:]
        kind = "nul (after 8 KiB)" if late else "nul"
    elif kind == "bad utf-8":
        data = plain[:at] + pick(chooser, BAD_UTF8) + plain[at:]
    elif kind == "number edit":
        data = _number_edit(chooser, plain)
    else:
        other = chooser.integer(0, max(0, n - 1))
        data = plain[:at] + plain[other : other + chooser.integer(1, 200)] + plain[at:]
    if chance(chooser, 10):
        data = gzip.compress(data, mtime=0)
    verdict = judge_bytes(data, base.fmt)
    return Case("bytes", kind, base.name, data, pick(chooser, SUFFIXES), verdict)


def _json_value(chooser: Chooser, depth: int) -> Any:
    kind = chooser.integer(0, 9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return chance(chooser, 50)
    if kind == 2:
        return chooser.integer(-(2**70), 2**70) if chance(chooser, 20) else chooser.integer(-5, 10**6)
    if kind == 3:
        return pick(chooser, (0.5, -1.5, 1e308, 1e-320, float("nan"), float("inf"), 123456.789))
    if kind in (4, 5, 6):
        return pick(chooser, ("SELECT 1", "", "t", "12", "-3", "x" * 50, "2026-11-27 08:00:00+00", "\u0000"))
    if kind in (7, 8):
        return [_json_value(chooser, depth + 1) for _ in range(chooser.integer(0, 3))]
    return {pick(chooser, ("a", "calls", "query")): _json_value(chooser, depth + 1) for _ in range(chooser.integer(0, 2))}


def _json_object(chooser: Chooser) -> dict[str, Any]:
    names = ("query", "calls", "total_exec_time", "rows", "queryid", "userid", "dbid", "toplevel", "total_time",
             "stats_since", "wal_bytes", "plans", "Calls", "datname", "x", "")  # fmt: skip
    obj: dict[str, Any] = {}
    if chance(chooser, 60):
        obj.update({"query": "SELECT 1", "calls": chooser.integer(0, 100), "total_exec_time": 1.5})
    for _ in range(chooser.integer(0, 6)):
        obj[pick(chooser, names)] = _json_value(chooser, 1)
    return obj


def garbage(chooser: Chooser, base: Base) -> Case:
    """Random bytes, gzip of garbage or cut short, random JSON structures, empty files."""
    kind = pick(chooser, ("random bytes", "gzip garbage", "truncated gzip", "random json", "random json",
                          "random json lines", "empty", "header line only"))  # fmt: skip
    fmt = "other"
    if kind == "random bytes":
        data = chooser.blob(300)
    elif kind == "gzip garbage":
        data = gzip.compress(chooser.blob(200), mtime=0)
    elif kind == "truncated gzip":
        whole = gzip.compress(_plain(base), mtime=0)
        data = whole[: chooser.integer(0, len(whole) - 9)]
    elif kind == "random json":
        top = pick(chooser, ("array", "array", "object", "scalar", "nested"))
        if top == "array":
            value: Any = [_json_object(chooser) for _ in range(chooser.integer(0, 4))]
        elif top == "object":
            value = _json_object(chooser)
        elif top == "scalar":
            value = _json_value(chooser, 3)
        else:
            value = [[_json_object(chooser)]] if chance(chooser, 50) else {"rows": [_json_object(chooser)]}
        data = json.dumps(value, indent=pick(chooser, (None, 1))).encode("utf-8")
        fmt = "json"
    elif kind == "random json lines":
        lines = [_json_object(chooser) if chance(chooser, 85) else _json_value(chooser, 1) for _ in range(chooser.integer(1, 4))]
        data = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
        fmt = "jsonl"
    elif kind == "empty":
        data = pick(chooser, (b"", b"\n", b"  \r\n\t", b"\xef\xbb\xbf", gzip.compress(b""), b"null", b"[]", b"{}"))
    else:
        data = _plain(base).split(b"\n", 1)[0] + b"\n"
    verdict = judge_bytes(data, fmt) if fmt != "other" else judge_bytes(data, "csv")
    if kind == "random json" and data.lstrip()[:1] == b"{":
        verdict = judge_bytes(data, "jsonl")
    return Case("garbage", kind, base.name, data, pick(chooser, SUFFIXES), verdict)


FAMILIES: dict[str, Callable[[Chooser, Base], Case]] = {
    "preserving": preserving,
    "structure": structure,
    "bytes": bytes_level,
    "garbage": garbage,
}


def make_case(chooser: Chooser, families: Sequence[str] = tuple(FAMILIES)) -> Case:
    """One case: a family, a base it applies to, the mutation, and the options to read it with."""
    roll = chooser.integer(0, 99)
    family = pick(chooser, families)
    candidates = [b for b in bases() if family != "structure" or b.table is not None]
    base = pick(chooser, candidates)
    case = FAMILIES[family](chooser, base)
    if roll >= 92:
        case = replace(case, window=None)
    elif roll >= 75:
        case = replace(case, include_nested=False)
    return case


# --------------------------------------------------------------------------- running and checking


@dataclass
class Outcome:
    """What happened to one case."""

    case: Case
    result: str  # "workload" or "error"
    problems: list[str]
    message: str = ""


_REFERENCE: dict[str, Any] = {}


def reference(base: Base, directory: Path) -> pd.DataFrame | None:
    """Ingest's own parse of the unmutated base (cached per process); ``None`` when it is refused."""
    from costmodel.errors import IngestError
    from costmodel.ingest import load_workload

    if base.name not in _REFERENCE:
        path = directory / ("reference" + (".gz" if base.data[:2] == b"\x1f\x8b" else ".data"))
        path.write_bytes(base.data)
        try:
            _REFERENCE[base.name] = load_workload([path], window="1h", include_nested=True).statements
        except IngestError:  # a base that is refused on purpose (psql -A output with newlines)
            _REFERENCE[base.name] = None
    frame: pd.DataFrame | None = _REFERENCE[base.name]
    return frame


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _same(got: Any, want: Any) -> bool:
    if _missing(want) or _missing(got):
        return _missing(want) and _missing(got)
    if isinstance(want, float) or isinstance(got, float):
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=0.0)
    return bool(got == want)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _compare(frame: pd.DataFrame, rows: Sequence[dict[str, Any]], *, texts: bool, ignore_cr: bool) -> list[str]:
    if len(frame) != len(rows):
        return [f"{len(frame)} statements, expected {len(rows)}"]
    problems: list[str] = []
    present = set().union(*(r.keys() for r in rows)) if rows else set()
    names = [c for c in frame.columns if c in present]
    records = [dict(zip(names, values)) for values in frame[names].to_numpy(dtype=object).tolist()]
    for index, (got, want) in enumerate(zip(records, rows)):
        for name, value in want.items():
            if name == "query":
                if not texts:
                    continue
                g = got.get("query")
                if ignore_cr and isinstance(g, str) and isinstance(value, str):
                    g, value = _lines(g), _lines(value)
                if g != value:
                    problems.append(f"row {index + 1}: query {g!r:.80} != expected {value!r:.80}")
            elif not _same(got.get(name), value):
                problems.append(f"row {index + 1}: {name} = {got.get(name)!r}, expected {value!r}")
        if len(problems) > 5:
            break
    absent = [c for c in frame.columns if c in NUMERIC and c not in present]
    if absent and frame[absent].notna().to_numpy().any():
        problems.append(f"a column the export lacks holds values instead of NaN: {absent}")
    return problems


_EXPECTED: dict[str, list[dict[str, Any]]] = {}


def _expected_rows(name: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    if name not in _EXPECTED:
        _EXPECTED[name] = _expected_from_frame(frame)
    return _EXPECTED[name]


def _expected_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["query", "queryid", "userid", "dbid", "toplevel", *sorted(NUMERIC)]
    keep = [k for k in keys if k in frame and not (k in NUMERIC and frame[k].isna().all())]
    columns = {k: frame[k].tolist() for k in keep}
    return [{k: (None if _missing(v) else v) for k, v in zip(columns, values)} for values in zip(*columns.values())]


def check_workload(case: Case, workload: Any, directory: Path) -> list[str]:
    """The properties of a successful read."""
    problems: list[str] = []
    s = workload.statements
    excluded = sum(workload.excluded.values())
    if workload.rows_read != len(s) + excluded:
        problems.append(f"rows read {workload.rows_read} != {len(s)} statements + {excluded} excluded")
    if len(s):
        if s["stmt_id"].isna().any() or s["stmt_id"].duplicated().any():
            problems.append("statement ids are missing or repeat")
        if s["calls"].isna().any():
            problems.append("calls unknown for a statement")
        numeric = [name for name in s.columns if name in NUMERIC]
        values = s[numeric].to_numpy(dtype=float)
        known = values[~np.isnan(values)]
        if (known < 0).any() or np.isinf(known).any():
            problems.append("a counter holds a negative or infinite value")
    verdict = case.verdict
    if verdict is None:
        frame = reference(base_named(case.base), directory)
        if frame is None:
            return problems  # the base itself is refused; a mutation may make it readable
        want = _expected_rows(case.base, frame)
        texts = True
    elif verdict.kind == "valid":
        want = list(verdict.rows)
        texts = verdict.texts_exact
        if workload.rows_read != len(want):
            problems.append(f"rows read {workload.rows_read}, the table has {len(want)}")
    else:
        if verdict.kind == "invalid":
            problems.append(f"read as a workload although the oracle says invalid ({verdict.reason})")
        return problems
    if not case.include_nested:
        want = [r for r in want if r.get("toplevel") is not False]
    # statement order is the source order; only nested rows are removed
    problems += _compare(s, want, texts=texts, ignore_cr=case.ignore_cr)
    return problems


def check_error(case: Case, exc: BaseException, path: Path) -> list[str]:
    """The properties of a refusal."""
    from costmodel.errors import IngestError

    problems: list[str] = []
    if not isinstance(exc, IngestError):
        return [f"raised {type(exc).__name__}: {exc!r}"[:400]]
    text = str(exc)
    if "unexpected" in exc.message:
        problems.append(f"the last-resort net was hit: {text[:300]}")
    if "\n" in text or "\r" in text:
        problems.append(f"the error spans several lines: {text[:200]!r}")
    if path.name not in text:
        problems.append(f"the error does not name the file: {text[:200]}")
    verdict = case.verdict
    accept = verdict is None and (case.same_or_error or reference(base_named(case.base), path.parent) is None)
    if case.window is None and "window" in text:
        accept = True
    if not accept and (verdict is None or verdict.kind == "valid"):
        problems.append(f"refused although valid: {text[:300]}")
    return problems


def run_case(case: Case, directory: Path) -> Outcome:
    """Read ``case`` with ``load_workload`` and check every property."""
    from costmodel.ingest import load_workload

    path = directory / f"fuzz{case.suffix}"
    path.write_bytes(case.data)
    try:
        workload = load_workload(
            [path], window=case.window, include_nested=case.include_nested
        )
    except Exception as exc:
        return Outcome(case, "error", check_error(case, exc, path), str(exc))
    return Outcome(case, "workload", check_workload(case, workload, directory))


def run_cli_case(case: Case, directory: Path) -> Outcome:
    """Read ``case`` through ``dsqlcost ingest`` and check exit code and output."""
    from costmodel.cli import main

    path = directory / f"fuzz{case.suffix}"
    path.write_bytes(case.data)
    argv = ["ingest", str(path)] + (["--window", case.window] if case.window else [])
    argv += ["--include-nested"] if case.include_nested else []
    out, err = io.StringIO(), io.StringIO()
    problems: list[str] = []
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:  # SystemExit included: the CLI must return, not raise
        return Outcome(case, "error", [f"the CLI raised {type(exc).__name__}: {exc!r}"[:300]])
    stderr = err.getvalue()
    if "Traceback" in stderr or "Traceback" in out.getvalue():
        problems.append("a traceback was printed")
    if code == 0:
        if not out.getvalue().startswith("Files:"):
            problems.append("exit 0 without the summary")
        if case.verdict is not None and case.verdict.kind == "invalid":
            problems.append(f"exit 0 although the oracle says invalid ({case.verdict.reason})")
        return Outcome(case, "workload", problems)
    if code != 2:
        problems.append(f"exit code {code}")
    lines = stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("dsqlcost ingest: error: "):
        problems.append(f"stderr is not one error line: {stderr[:300]!r}")
    elif "unexpected" in lines[0]:
        problems.append(f"the last-resort net was hit: {lines[0][:300]}")
    verdict = case.verdict
    if verdict is not None and verdict.kind == "valid" and not (case.window is None and "window" in stderr):
        problems.append(f"exit 2 although valid: {stderr[:300]}")
    return Outcome(case, "error", problems, stderr.strip())


__all__ = [
    "FAMILIES",
    "GENERATIONS",
    "ByteChooser",
    "Case",
    "Chooser",
    "HypothesisChooser",
    "Outcome",
    "RandomChooser",
    "make_case",
    "run_case",
    "run_cli_case",
]
