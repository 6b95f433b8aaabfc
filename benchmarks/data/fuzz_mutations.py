"""Mutations of valid exports, each with the answer ingest owes, and the check of that answer.

A mutation draws its choices from a :class:`Chooser`; :class:`RandomChooser` wraps a seeded
:class:`random.Random`, so one integer reproduces a case. The CI tests draw that seed from hypothesis
(``derandomize=True``); ``benchmarks/bench_fuzz.py`` walks seed ranges and prints failing seeds.
:func:`make_case` turns the choices into a :class:`Case` (bytes, file name, options and the expected
:class:`~benchmarks.data.fuzz_corpus.Verdict`); :mod:`benchmarks.data.fuzz_checks` runs it and checks
the properties.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from benchmarks.data.fuzz_corpus import (
    KNOWN,
    NUMERIC,
    OLD_NAMES,
    WRITERS,
    Base,
    Table,
    Verdict,
    bases,
    cells_as_read,
    json_objects,
    judge,
    judge_bytes,
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
TYPED_NUMBERS: tuple[Any, ...] = (
    True,
    False,
    [1],
    {"a": 1},
    1e308,
    -5,
    2**64,
    2**70,
    None,
    "5",
    0,
    -0.0,
    1.5,
)
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
    ambiguous = _ambiguous_tab_text(text, fmt)
    # JSON is judged from its text: json and ujson differ on bare NaN, and the text oracle knows it
    verdict = (
        judge_bytes(text.encode("utf-8"), fmt)
        if fmt in ("json", "jsonl")
        else judge(cells, texts_exact=not ambiguous)
    )
    if ambiguous:
        verdict = unsure(
            f"{fmt} the reader may take for another tab format: {verdict.reason or verdict.kind}"
        )
    if (
        fmt in ("tsv", "copy-text")
        and verdict.kind == "valid"
        and any(isinstance(v, str) and ("\r" in v or v.startswith('"')) for row in cells.rows for v in row)
    ):
        verdict = unsure(f"{fmt} with CR or a leading quote in a cell")
    data = text.encode("utf-8")
    if chance(chooser, 10):
        data = gzip.compress(data, mtime=0)
    return Case("structure", mutation, base.name, data, pick(chooser, SUFFIXES), verdict)


def _ambiguous_tab_text(text: str, fmt: str) -> bool:
    """Whether a tab-separated text can be read as another tab format than it was written in.

    The reader tells quoted TSV, COPY text and plain TSV apart from content (README: a ``\\N``
    cell means COPY text, a field starting with a quote means quoted TSV, backslash escapes
    without quotes mean COPY text); a cell that happens to look like one of those signals
    changes how the whole file is read.
    """
    if fmt not in ("tsv", "copy-text"):
        return False
    null_marker = re.search(r"(^|\t)\\N(\t|$)", text, re.M) is not None
    quoted = re.search(r'(^|\t)"', text, re.M) is not None
    escapes = re.search(r"\\[\\ntrbfv]", text) is not None
    if fmt == "tsv":
        return null_marker or (not quoted and escapes)
    return not null_marker and quoted


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
    kind = pick(
        chooser, ("bom", "utf16", "crlf", "cr", "gzip", "trailing blank lines", "leading spaces", "rename")
    )
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
        extra = (
            chooser.blob(8)
            if chance(chooser, 50)
            else pick(chooser, (b'"', b",", b"\n", b'""', b"\r", b"\\"))
        )
        data = plain[:at] + extra + plain[at:]
    elif kind == "delete":
        data = plain[:at] + plain[at + chooser.integer(1, 64) :]
    elif kind == "truncate":
        where = pick(
            chooser,
            ("anywhere", "row boundary", "after delimiter", "in quoted multi-line text", "mid-number"),
        )
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
    return {
        pick(chooser, ("a", "calls", "query")): _json_value(chooser, depth + 1)
        for _ in range(chooser.integer(0, 2))
    }


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
        lines = [
            _json_object(chooser) if chance(chooser, 85) else _json_value(chooser, 1)
            for _ in range(chooser.integer(1, 4))
        ]
        data = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
        fmt = "jsonl"
    elif kind == "empty":
        data = pick(
            chooser, (b"", b"\n", b"  \r\n\t", b"\xef\xbb\xbf", gzip.compress(b""), b"null", b"[]", b"{}")
        )
    else:
        data = _plain(base).split(b"\n", 1)[0] + b"\n"
    verdict = judge_bytes(data, fmt) if fmt != "other" else judge_bytes(data, "csv")
    if kind == "random json" and data.lstrip()[:1] == b"{":
        verdict = judge_bytes(data, "jsonl")
    return Case("garbage", kind, base.name, data, pick(chooser, SUFFIXES), verdict)


HOSTILE_NUMBERS: tuple[Any, ...] = (
    "99999999999999999999999999999999999999999999", 10**44, "9223372036854775807", 2**63 - 1, 2**63,
    "1e300", 1e300, 1.7976931348623157e308, "1e17", 1e16, "1_000", "\u0661\u0662\u0663", "\uff11\uff10",
    "0x10", " 5 ", "+5", "5.", ".5", "1e-320", 0, "0",
)  # fmt: skip
"""Numbers that crashed pricing (huge counters) or that Python reads but PostgreSQL never writes."""
HOSTILE_VALUES: tuple[Any, ...] = ([], {}, [1, 2], {"a": 1}, 5, 1.5, True, None, "", "x" * 300)
"""Non-string values for identity columns (``datname: []`` crashed the database breakdown)."""
SURROGATES = ("\udc80", "\ud800", "\udfff", "\ud83d", "\udc80\udc80")
HOSTILE_COUNTERS = ("calls", "total_exec_time", "rows", "shared_blks_hit", "shared_blks_dirtied", "wal_bytes",
                    "total_plan_time", "plans", "queryid", "userid", "dbid")  # fmt: skip


def _hostile_rows(chooser: Chooser) -> list[dict[str, Any]]:
    rows = []
    for index in range(chooser.integer(1, 4)):
        rows.append(
            {
                "userid": 10, "dbid": 5, "toplevel": True, "queryid": 1000 + index,
                "query": pick(chooser, ("SELECT a FROM t WHERE id = $1", "UPDATE t SET a = $1 WHERE id = $2",
                                        "INSERT INTO t VALUES ($1, $2)", "COPY t FROM PROGRAM 'curl -u a:b x'",
                                        "ALTER ROLE r PASSWORD 'pw'", "BEGIN", "COMMIT")),
                "calls": 10 * (index + 1), "total_exec_time": 2.5 * (index + 1), "rows": index + 1,
                "shared_blks_hit": 3, "shared_blks_dirtied": 1, "wal_bytes": 100, "plans": 1,
                "total_plan_time": 0.1, "datname": "app", "rolname": "web",
            }
        )  # fmt: skip
    return rows


def hostile(chooser: Chooser, base: Base) -> Case:
    """The mutations that found the tracebacks of issue 16: huge and non-decimal numbers, non-string
    identity columns in JSON, lone surrogates in texts; read with a window from one second up."""
    rows = _hostile_rows(chooser)
    kind = pick(chooser, ("huge number", "huge number", "identity value", "surrogate", "mixed"))
    as_json = kind in ("identity value", "surrogate") or chance(chooser, 50)
    for _ in range(chooser.integer(1, 3)):
        row = pick(chooser, rows)
        if kind in ("huge number", "mixed"):
            row[pick(chooser, HOSTILE_COUNTERS)] = pick(chooser, HOSTILE_NUMBERS)
        if kind in ("identity value", "mixed") and as_json:
            row[pick(chooser, ("datname", "rolname", "query", "toplevel", "queryid", "userid"))] = pick(
                chooser, HOSTILE_VALUES
            )
        if kind in ("surrogate", "mixed"):
            at = chooser.integer(0, len(str(row["query"])))
            text = str(row["query"])
            row["query"] = text[:at] + pick(chooser, SURROGATES) + text[at:]
    if as_json:
        text = json.dumps(rows, ensure_ascii=True)
        data, suffix = text.encode("utf-8"), ".json"
    else:
        columns = list(rows[0])
        lines = [",".join(columns)]
        for row in rows:
            cells = ['"' + str(row.get(c, "")).replace('"', '""') + '"' for c in columns]
            lines.append(",".join(cells))
        data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
        suffix = ".csv"
    window = pick(chooser, ("1h", "1s", "7d", "90m"))
    return Case("hostile", kind, "hostile", data, suffix, unsure("hostile values"), window=window)


FAMILIES: dict[str, Callable[[Chooser, Base], Case]] = {
    "preserving": preserving,
    "structure": structure,
    "bytes": bytes_level,
    "garbage": garbage,
    "hostile": hostile,
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


__all__ = [
    "FAMILIES",
    "Case",
    "Chooser",
    "RandomChooser",
    "make_case",
]
