"""The valid exports fuzzing starts from, writers for every format, and an oracle independent of ingest.

Why an oracle: "no crash" is a weak property. For a mutated export that is still a well-formed table,
ingest must return exactly the rows the table holds; for one that breaks a documented rule it must say
so with an :class:`~costmodel.core.errors.IngestError`. The oracle decides which, from the rules in
``README.md`` / ``costmodel/ingest_columns.py`` docstrings (RFC 4180 via :mod:`csv`, :mod:`json`,
strict typing), written again here without importing the code under test. Where the rules leave
room (header-less files, unusual timestamp spellings, ambiguous TSV), it answers *unsure* and only
the invariants are checked.

Bases are the real exports in ``tests/data/ingest/pg15`` and ``sample_stats/*/snapshots`` plus
generated exports for every column generation 1.7–1.12 in every format (column lists come from
``tests/data/ingest/generations.yaml``, copied from the reference, not from the code).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GENERATIONS: dict[str, dict[str, Any]] = yaml.safe_load(
    (REPO / "tests" / "data" / "ingest" / "generations.yaml").read_text(encoding="utf-8")
)
KNOWN: frozenset[str] = frozenset(c for g in GENERATIONS.values() for c in g["columns"])
OLD_NAMES: dict[str, str] = {
    "total_time": "total_exec_time",
    "min_time": "min_exec_time",
    "max_time": "max_exec_time",
    "mean_time": "mean_exec_time",
    "stddev_time": "stddev_exec_time",
    "blk_read_time": "shared_blk_read_time",
    "blk_write_time": "shared_blk_write_time",
}
TEXT_COLUMNS = frozenset({"query"})
OID_COLUMNS = frozenset({"userid", "dbid"})
TIMESTAMPS = frozenset({"stats_since", "minmax_stats_since"})
IDENTITY = frozenset({"queryid", "toplevel"}) | TEXT_COLUMNS | OID_COLUMNS
NUMERIC: frozenset[str] = frozenset(
    OLD_NAMES.get(c, c) for c in KNOWN if c not in IDENTITY and c not in TIMESTAMPS
)
REQUIRED = ("query", "calls", "total_exec_time")
WIDTHS = frozenset(len(g["columns"]) for g in GENERATIONS.values())
TRUE = frozenset(v for t in ("t", "true", "1", "yes", "y", "on") for v in (t, t.upper(), t.capitalize()))
FALSE = frozenset(v for f in ("f", "false", "0", "no", "n", "off") for v in (f, f.upper(), f.capitalize()))
INT64 = (-(2**63), 2**63 - 1)
OID = (0, 2**32 - 1)
BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"BZh", b"\xfd7zXZ",
                 b"\x28\xb5\x2f\xfd", b"SQLite format 3", b"PGDMP")  # fmt: skip
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

NASTY_TEXTS: tuple[str, ...] = (
    "SELECT a,\n       b\nFROM t\nWHERE id = $1",
    "SELECT name\r\nFROM items\r\nWHERE id = $1",
    'SELECT 1 AS "we""ird, col" /* comma, "quote" */',
    "SELECT /* tab:\there */ $1",
    "SELECT E'back\\\\slash \\n not a newline' /* \\N \\t */",
    "SELECT '🎉 emoji ✓ ünïcödé' /* 日本語 */",
    "SELECT $1 -- trailing comment with ; and |",
    "  leading and trailing spaces  ",
    "SELECT 'line sep \u2028 and para \u2029'",
    "=cmd|' /C calc'!A0",
    "-- leading comment\nSELECT 1",
    "ALTER ROLE app PASSWORD 'secret'",
)


# --------------------------------------------------------------------------- tables and writers


@dataclass(frozen=True)
class Table:
    """Columns and rows of cells: ``str``/``None`` for text formats, JSON values when ``typed``."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    typed: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(table: Table, delimiter: str = ",") -> str:
    """psql ``--csv`` (RFC 4180, minimal quoting, NULL as an empty field)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([_text(v) for v in row] for row in table.rows)
    return out.getvalue()


def _json_value(column: str, value: Any) -> Any:
    """Text cells as json_agg would type them (numbers, booleans); anything odd stays a string."""
    if not isinstance(value, str):
        return value
    name = OLD_NAMES.get(column, column)
    if name == "toplevel" and value in ("t", "f"):
        return value == "t"
    if name in NUMERIC or name == "queryid":
        try:
            return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
        except ValueError:
            return value
    return value


def json_objects(table: Table) -> list[dict[str, Any]]:
    """Rows as objects; a ``None`` cell of a typed table whose key was absent stays absent."""
    return [
        {c: (v if table.typed else _json_value(c, v)) for c, v in zip(table.columns, row)}
        for row in table.rows
    ]


def write_json(table: Table) -> str:
    """``json_agg`` output: one element per line."""
    return "[" + ", \n ".join(json.dumps(o, ensure_ascii=False) for o in json_objects(table)) + "]\n"


def write_jsonl(table: Table) -> str:
    """``row_to_json`` per line."""
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in json_objects(table))


def write_copy_text(table: Table) -> str:
    """``COPY … TO`` text format with a header line: tabs, ``\\N`` for NULL, backslash escapes."""

    def esc(value: Any) -> str:
        if value is None:
            return "\\N"
        text = _text(value)
        for raw, rep in (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            text = text.replace(raw, rep)
        return text

    lines = ["\t".join(table.columns), *("\t".join(esc(v) for v in row) for row in table.rows)]
    return "\n".join(lines) + "\n"


WRITERS = {
    "csv": write_csv,
    "tsv": lambda t: write_csv(t, "\t"),
    "json": write_json,
    "jsonl": write_jsonl,
    "copy-text": write_copy_text,
}
"""Format → writer; every one carries any query text faithfully."""


def cells_as_read(table: Table, fmt: str) -> Table:
    """The cells ingest sees after reading ``table`` written as ``fmt`` (text formats: strings or None)."""
    if fmt in ("json", "jsonl"):
        objects = json_objects(table)
        return Table(table.columns, tuple(tuple(o.get(c) for c in table.columns) for o in objects), True)
    rows = tuple(tuple(None if v is None or _text(v) == "" else _text(v) for v in row) for row in table.rows)
    return Table(table.columns, rows, False)


# --------------------------------------------------------------------------- the oracle


@dataclass(frozen=True)
class Verdict:
    """What ingest must answer: ``valid`` (with the rows), ``invalid`` (an IngestError) or ``unsure``."""

    kind: str
    rows: tuple[dict[str, Any], ...] = ()
    reason: str = ""
    texts_exact: bool = True
    """False where the format may legitimately re-read texts differently (unquoted TSV escapes)."""


def unsure(reason: str) -> Verdict:
    return Verdict("unsure", reason=reason)


def invalid(reason: str) -> Verdict:
    return Verdict("invalid", reason=reason)


class _Invalid(Exception):
    pass


class _Unsure(Exception):
    pass


MAX_COUNTER = float(2**63)
MAX_TIME_MS = 1e17
"""The ceilings ingest states (costmodel.ingest.columns): bigint counters, time columns in ms."""


def _plain_digits(value: Any) -> None:
    if isinstance(value, str) and (not value.isascii() or "_" in value):
        raise _Invalid(f"{value!r} is not a plain ASCII decimal")


def _number(value: Any, required: bool, ceiling: float = MAX_COUNTER) -> float:
    if value is None or value == "":
        if required:
            raise _Invalid("empty required value")
        return math.nan
    if isinstance(value, (bool, list, dict)):
        raise _Invalid(f"{value!r} is not a number")
    _plain_digits(value)
    if isinstance(value, (int, float)):
        number = float(value) if not isinstance(value, int) or abs(value) < 2**1023 else math.inf
    else:
        try:
            number = float(value)
        except (ValueError, OverflowError):
            raise _Invalid(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise _Invalid(f"{value!r} is not finite")
    if number < 0:
        raise _Invalid(f"{value!r} is negative")
    if number > ceiling:
        raise _Invalid(f"{value!r} is beyond the counter's ceiling")
    return number


def _integer(value: Any, bounds: tuple[int, int]) -> int | None:
    if value is None or value == "":
        return None
    _plain_digits(value)
    if type(value) is int:
        number = value
    elif type(value) is float and value.is_integer() and abs(value) < 2**53:
        number = int(value)
    elif type(value) is str:
        try:
            number = int(value.strip())
        except ValueError:
            raise _Invalid(f"{value!r} is not an integer") from None
    else:
        raise _Invalid(f"{value!r} is not an integer")
    if not bounds[0] <= number <= bounds[1]:
        raise _Invalid(f"{value!r} is out of range")
    return number


def _boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if type(value) is bool:
        return value
    if type(value) is str and value in TRUE:
        return True
    if type(value) is str and value in FALSE:
        return False
    raise _Invalid(f"{value!r} is not a boolean")


def _timestamp(value: Any) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise _Invalid(f"{value!r} is not a timestamp")
    if not _ISO.match(value):
        raise _Unsure(f"timestamp spelling {value!r}")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Unsure(f"timestamp {value!r}") from None


def judge(table: Table, *, texts_exact: bool = True) -> Verdict:
    """The verdict for a table as the reader hands it over (names as written, cells as read)."""
    names = [
        str(c).strip().lower() if table.typed else str(c).strip().strip('"').lower() for c in table.columns
    ]
    if not any(n in KNOWN for n in names):
        return invalid("no known column")
    if len(set(names)) != len(names):
        return invalid("duplicate column")
    canonical = [OLD_NAMES.get(n, n) for n in names]
    if len(set(canonical)) != len(canonical):
        return invalid("two columns mean the same")
    for required in REQUIRED:
        if required not in canonical:
            return invalid(f"required column {required} missing")
    if not table.rows:
        return invalid("no data rows")
    rows: list[dict[str, Any]] = []
    try:
        for row in table.rows:
            if len(row) != len(names):
                return invalid("row width")
            out: dict[str, Any] = {}
            for name, value in zip(canonical, row):
                if name in NUMERIC:
                    ceiling = (
                        MAX_TIME_MS
                        if name.endswith("_time")
                        else 1e24
                        if name == "wal_bytes"
                        else MAX_COUNTER
                    )
                    out[name] = _number(value, name in REQUIRED, ceiling)
                elif name == "queryid":
                    out[name] = _integer(value, INT64)
                elif name in OID_COLUMNS:
                    out[name] = _integer(value, OID)
                elif name == "toplevel":
                    out[name] = _boolean(value)
                elif name == "query":
                    if table.typed and value is not None and not isinstance(value, str):
                        raise _Invalid("query is not text")
                    out[name] = None if value == "" else value
                elif name in TIMESTAMPS:
                    _timestamp(value)
                elif table.typed and isinstance(value, (list, dict)):
                    raise _Invalid(f"{name} holds an array or object")
            rows.append(out)
    except _Invalid as exc:
        return invalid(str(exc))
    except _Unsure as exc:
        return unsure(str(exc))
    if _repeats_an_entry_key(rows, canonical):
        if any(n in SNAPSHOT_TIME_COLUMNS for n in canonical):
            return unsure("appended snapshots with a time column")
        return invalid("an entry key repeats: appended snapshots without a snapshot time")
    return Verdict("valid", tuple(rows), texts_exact=texts_exact)


SNAPSHOT_TIME_COLUMNS = frozenset(
    {"snapshot_time", "snapshot_ts", "snapshot_at", "snap_time", "snap_ts", "taken_at", "captured_at"}
    | {"collected_at", "sampled_at", "sample_time", "ts", "timestamp", "now"}
)
"""Columns the reader takes as the time of appended snapshots (docs: "Appended snapshots")."""


def _repeats_an_entry_key(rows: list[dict[str, Any]], names: list[str]) -> bool:
    """Two rows with a queryid and the same (userid, dbid, toplevel, queryid): not one snapshot."""
    if "queryid" not in names:
        return False
    keys = [k for k in ("userid", "dbid", "toplevel", "queryid") if k in names]
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        if row.get("queryid") is None:
            continue
        key = tuple(row.get(k) for k in keys)
        if key in seen:
            return True
        seen.add(key)
    return False


def decode_bytes(data: bytes) -> str | Verdict:
    """Bytes → text as the documented reader does it, or the verdict when that already decides."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:
            return invalid("damaged gzip")
    if data.startswith(BINARY_MAGICS):
        return invalid("binary magic")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return unsure("utf-16")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in data:
        return invalid("NUL byte")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return invalid("invalid UTF-8")
    if not text.strip():
        return invalid("empty")
    return text


def judge_csv_text(text: str) -> Verdict:
    """Verdict for a comma-separated text (psql --csv family)."""
    first = text.split("\n", 1)[0].rstrip("\r")
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{") or stripped.startswith("null") or _IDENT.match(first.strip().lower()):
        return unsure("not read as CSV")
    counts = {d: first.count(d) for d in (",", "\t", "|", ";")}
    if max(counts.values()) != counts[","] or list(counts.values()).count(counts[","]) > 1:
        return unsure("separator")
    body = text.rstrip("\r\n")
    try:
        rows = [r for r in csv.reader(io.StringIO(body, newline=""), strict=True) if r]
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return invalid("ends inside a quoted field")
        try:
            list(csv.reader(io.StringIO(body, newline=""), strict=False))
        except csv.Error:
            return invalid("malformed CSV")
        # e.g. a quote inside a quoted field that is not doubled: pandas' C parser (ingest's fast
        # path) reads it the lenient way, like csv with strict=False
        return unsure("CSV that only a lenient parser reads")
    if not rows:
        return invalid("empty")
    header = rows[0]
    names = [h.strip().strip('"').lower() for h in header]
    if not any(n in KNOWN for n in names):
        first_cell = rows[0][0].strip().lstrip("-")
        if len(rows[0]) in WIDTHS and first_cell.isdigit():
            return unsure("header-less")
        return invalid("no header")
    if len(rows) > 1 and any(len(r) != len(header) for r in rows[1:]):
        if len(set(names)) != len(names):
            return invalid("duplicate column")
        return invalid("row width")
    cells = tuple(tuple(None if v == "" else v for v in r) for r in rows[1:])
    return judge(Table(tuple(header), cells))


def judge_json_text(text: str) -> Verdict:
    """Verdict for a JSON array (``json_agg``) text."""
    if not text.lstrip().startswith("["):
        return unsure("not an array")
    constants: list[str] = []
    try:
        data = json.loads(text, parse_constant=lambda c: constants.append(c) or float(c))
    except (json.JSONDecodeError, RecursionError):
        return unsure("JSON that ujson may accept") if _lenient_json(text) else invalid("bad JSON")
    if "NaN" in constants:
        return unsure("a bare NaN: ujson reads it as null, json as a float")
    return _judge_objects(data if isinstance(data, list) else None)


def _lenient_json(text: str) -> bool:
    """Whether pandas' bundled ujson (which ingest tries first) accepts what :mod:`json` rejects.

    ujson takes ``5.`` as a number, among other liberties; such files are not judged.
    """
    try:
        from pandas.io import json as pandas_json

        pandas_json.ujson_loads(text, precise_float=True)  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


def judge_jsonl_text(text: str) -> Verdict:
    """Verdict for JSON lines (``row_to_json`` per line)."""
    if not text.lstrip().startswith("{"):
        return unsure("not JSON lines")
    objects = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except (json.JSONDecodeError, RecursionError):
            return invalid("bad JSON line")
    if (
        len(objects) == 1
        and isinstance(objects[0], dict)
        and not any(str(k).strip().lower() in KNOWN for k in objects[0])
    ):
        return invalid("an object")
    return _judge_objects(objects)


def _judge_objects(data: list[Any] | None) -> Verdict:
    if data is None or not data:
        return invalid("not a non-empty array")
    if not all(isinstance(o, dict) for o in data):
        return invalid("element not an object")
    order: dict[str, None] = {}
    for obj in data:
        for key in obj:
            order.setdefault(key, None)
    names = tuple(order)
    if not names:
        return invalid("no keys")
    lowered = [str(k).strip().lower() for k in names]
    if len(set(lowered)) != len(lowered):
        return invalid("duplicate keys")
    rows = tuple(tuple(obj.get(k) for k in names) for obj in data)
    return judge(Table(names, rows, typed=True))


def judge_bytes(data: bytes, fmt: str) -> Verdict:
    """Verdict for a file's bytes when the base format is ``fmt`` (csv, json, jsonl; else unsure)."""
    text = decode_bytes(data)
    if isinstance(text, Verdict):
        return text
    if fmt == "csv":
        return judge_csv_text(text)
    if fmt == "json":
        return judge_json_text(text)
    if fmt == "jsonl":
        return judge_jsonl_text(text)
    return unsure(f"no text oracle for {fmt}")


# --------------------------------------------------------------------------- bases


@dataclass(frozen=True)
class Base:
    """A valid export to mutate: its bytes, its format, and its table when it can be rewritten."""

    name: str
    fmt: str
    data: bytes
    table: Table | None = None
    """Logical cells (text or typed); ``None`` for formats only mutated byte-wise."""


def _text_table(text: str, delimiter: str = ",") -> Table:
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    return Table(tuple(rows[0]), tuple(tuple(None if v == "" else v for v in r) for r in rows[1:]))


def objects_table(objects: Sequence[dict[str, Any]]) -> Table:
    """A typed table from JSON objects (columns: the union of keys, first-seen order)."""
    names: dict[str, None] = {}
    for obj in objects:
        for key in obj:
            names.setdefault(key, None)
    columns = tuple(names)
    return Table(columns, tuple(tuple(o.get(c) for c in columns) for o in objects), typed=True)


def _value(column: str, index: int, rng_texts: Sequence[str]) -> Any:
    name = OLD_NAMES.get(column, column)
    if name in OID_COLUMNS:
        return 10 + index % 3 if name == "userid" else 16384
    if name == "toplevel":
        return index % 4 != 3
    if name == "queryid":
        return (-1) ** index * (2**62 + 7919 * index)
    if name == "query":
        return rng_texts[index % len(rng_texts)]
    if name in ("calls", "plans"):
        return 10 * (index + 1)
    if name == "rows":
        return None if index == 2 else 5 * index
    if name in TIMESTAMPS:
        return "2026-11-27 08:00:00+00"
    if name.endswith("_time"):
        return 1.5 * (index + 1) + 1e-7
    return index * 1000 + 1


def generated_table(version: str, count: int = 6, texts: Sequence[str] = NASTY_TEXTS) -> Table:
    """``count`` rows of generation ``version`` with awkward texts, NULLs, datname and rolname."""
    columns = (*GENERATIONS[version]["columns"], "datname", "rolname")
    rows = []
    for index in range(count):
        row = [_value(c, index, texts) for c in columns[:-2]]
        rows.append((*row, "app", "=cmd" if index == 1 else "app_user"))
    return Table(columns, tuple(rows), typed=True)


@functools.cache
def bases() -> tuple[Base, ...]:
    """Every base export (loaded once per process)."""
    out: list[Base] = []
    pg15 = REPO / "tests" / "data" / "ingest" / "pg15"
    for name in ("psql_csv.csv", "copy_csv.csv", "reader_csv.csv"):
        data = (pg15 / name).read_bytes()
        out.append(Base(f"pg15/{name}", "csv", data, _text_table(data.decode("utf-8"))))
    json_data = (pg15 / "json_agg.json").read_bytes()
    out.append(Base("pg15/json_agg.json", "json", json_data, objects_table(json.loads(json_data))))
    jsonl = (pg15 / "row_to_json.jsonl").read_bytes()
    objects = [json.loads(line) for line in jsonl.decode("utf-8").split("\n") if line.strip()]
    out.append(Base("pg15/row_to_json.jsonl", "jsonl", jsonl, objects_table(objects)))
    for name in ("copy_text_header.tsv", "copy_text_noheader.tsv", "unaligned_pipe.txt"):
        out.append(Base(f"pg15/{name}", "other", (pg15 / name).read_bytes()))
    for gz in ("psql_csv.csv.gz", "json_agg.json.gz"):
        out.append(Base(f"pg15/{gz}", "other", (pg15 / gz).read_bytes()))
    for sample in sorted((REPO / "sample_stats").iterdir()):
        snaps = sorted((sample / "snapshots").glob("*.csv*")) if sample.is_dir() else []
        if snaps:
            data = snaps[-1].read_bytes()
            if snaps[-1].suffix == ".gz":
                data = gzip.decompress(data)
            out.append(
                Base(f"{sample.name}/{snaps[-1].name}", "csv", data, _text_table(data.decode("utf-8")))
            )
    for version in GENERATIONS:
        typed = generated_table(version)
        for fmt, writer in WRITERS.items():
            texts = [t for t in NASTY_TEXTS if not t.startswith('"')] if fmt == "copy-text" else NASTY_TEXTS
            table = generated_table(version, texts=texts) if fmt == "copy-text" else typed
            logical = table if fmt in ("json", "jsonl") else cells_as_read(table, fmt)
            out.append(Base(f"gen-{version}.{fmt}", fmt, writer(table).encode("utf-8"), logical))
    return tuple(out)


def base_named(name: str) -> Base:
    """The base called ``name``."""
    return next(b for b in bases() if b.name == name)
