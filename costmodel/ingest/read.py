"""Read one export file into a :class:`RawTable`: bytes → text → rows, the format found from content.

Why content and not the extension: exports travel by mail and chat, get renamed, gzipped, or saved
by a spreadsheet; the name lies more often than the bytes. The order of checks is:

1. gzip magic → decompress (any name);
2. known binary magics (images, ZIP/xlsx, PDF, other archives) → a clear "not an export" error;
3. text: UTF-8 (a BOM is accepted; UTF-16 with a BOM is decoded too, as PowerShell writes it);
   an invalid byte is an error naming the line;
4. ``[`` → JSON array (``json_agg``), ``{`` → JSON lines (``row_to_json`` per line);
5. otherwise a delimited table: the separator is the commonest of ``,`` ``\\t`` ``|`` ``;`` on the
   header line; RFC 4180 quoting for CSV (psql ``--csv``, ``COPY … CSV HEADER``); tab or pipe
   without quoting is psql unaligned output (``-A``), whose rows break on texts holding the
   separator or a newline, so a row of the wrong width is an error, never a shifted row; a tab
   table with ``\\N`` or backslash escapes is ``COPY … TO`` text format, whose escapes are decoded.

Nothing here knows pg_stat_statements column semantics except the header check (does the first
line name any known column?) and the header-less fallback (a row as wide as one generation's
``SELECT *``): :mod:`costmodel.ingest.columns` does the typing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from costmodel.core.errors import IngestError
from costmodel.core.safeio import gunzip_capped, max_bytes, open_regular, read_capped

ProgressFn = Callable[[str, int, int], None]
"""``progress(label, done, total)``: called while large inputs are read."""

BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PGDMP", "a pg_dump custom-format archive"),
)

EXPORT_HINT = (
    "export with: psql -X --csv -c 'SELECT * FROM pg_stat_statements' > pgss.csv, "
    "or SELECT json_agg(s) FROM pg_stat_statements s"
)
UNALIGNED_HINT = (
    "psql unaligned output (-A) cannot hold query texts with newlines or the field separator; "
    "export with psql --csv, \\copy (…) TO 'f.csv' CSV HEADER, or json_agg"
)
PROGRESS_EVERY = 20_000
"""Rows between progress reports of the exact (line-by-line) reader."""
_FOOTER = re.compile(r"^\((\d+) rows?\)$")
_ALIGNED_RULE = re.compile(r"^-+(\+-+)+$|^-+$")
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_COPY_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def row_error(
    file: str,
    message: str,
    *,
    row: int | None = None,
    line: int | None = None,
    column: str | None = None,
    hint: str | None = None,
) -> IngestError:
    """An IngestError with the 1-based data row and, where known, the physical line in the text."""
    where = []
    if row is not None:
        where.append(f"data row {row}")
    if line is not None:
        where.append(f"line {line}")
    suffix = f" ({', '.join(where)})" if where else ""
    return IngestError(f"{message}{suffix}", file=file, row=row, column=column, hint=hint)


@dataclass
class RawTable:
    """One file's rows before typing: column names and per-column value lists.

    Values are ``str``/``None`` for delimited text (``None`` only where the format has a NULL
    marker; an empty string means NULL for every format except COPY text), or the JSON values.
    """

    file: str
    format: str
    columns: list[str]
    values: list[Sequence[Any]]
    nrows: int
    lines: list[int] | None = None
    """Physical 1-based line where each data row starts, when cheaply known."""
    line_lookup: Callable[[int], int | None] | None = None
    """Computes the line of a data row on demand (JSON arrays: only when an error is raised)."""
    typed: bool = False
    """True for JSON: numbers and booleans arrive typed."""
    numeric_hint: str = "check that this is an unmodified pg_stat_statements export"
    notes: list[str] = field(default_factory=list)
    assumed_columns: str | None = None
    """Set when the file had no header and the columns were taken from a generation's view order."""
    taken_at: datetime | None = None
    """When the file says it was taken (a postgres-checkup snapshot's ``snapshot_timestamptz``)."""

    def line_of(self, index: int) -> int | None:
        """Physical line of the data row at 0-based ``index`` (``None`` when unknown)."""
        if self.lines is not None and 0 <= index < len(self.lines):
            return self.lines[index]
        if self.line_lookup is not None:
            try:
                return self.line_lookup(index)
            except Exception:  # pragma: no cover - best effort location only
                return None
        return None

    def error(
        self, message: str, index: int, column: str | None = None, hint: str | None = None
    ) -> IngestError:
        """An error located at 0-based data row ``index``."""
        return row_error(
            self.file, message, row=index + 1, line=self.line_of(index), column=column, hint=hint
        )


def read_bytes(path: Path, file: str) -> bytes:
    """The raw bytes of ``path`` (a regular file, at most ``--max-bytes``), OS errors as IngestErrors."""
    if path.is_dir():
        raise IngestError(
            "is a directory, not a bundle (no bundle.yaml inside)",
            file=file,
            hint="give an export file, or a directory written by `dsqlcost collect`",
        )
    return read_capped(path, file)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decompress and decode file bytes; returns (text, description such as ``gzip, utf-8``)."""
    parts: list[str] = []
    if data[:2] == b"\x1f\x8b":
        data = gunzip_capped(data, file)
        parts.append("gzip")
    for magic, what in BINARY_MAGICS:
        if data.startswith(magic):
            raise IngestError(f"this is {what}, not a pg_stat_statements export", file=file, hint=EXPORT_HINT)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"invalid UTF-16 text at byte {exc.start}", file=file) from None
        parts.append("utf-16")
        return text, ", ".join(parts)
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
        parts.append("utf-8 with BOM")
    else:
        parts.append("utf-8")
    nul = data.find(b"\x00")
    if 0 <= nul < 8192:
        raise IngestError("binary content (NUL bytes), not a text export", file=file, hint=EXPORT_HINT)
    if nul >= 0:  # PostgreSQL text never holds NUL: a later one means damage, not a binary file
        line = data.count(b"\n", 0, nul) + 1
        raise IngestError(
            f"NUL byte at line {line}: the file is damaged",
            file=file,
            hint="copy or export the file again",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise IngestError(
            f"byte 0x{data[exc.start]:02x} at line {line}, position {col} is not valid UTF-8",
            file=file,
            hint="re-export with PGCLIENTENCODING=UTF8, or convert it: iconv -f LATIN1 -t UTF-8 FILE",
        ) from None
    return text, ", ".join(parts)


@dataclass(frozen=True)
class Vocabulary:
    """What the reader needs to know about pg_stat_statements column names."""

    known: frozenset[str]
    """Every column name of any generation: a first line naming one of them is a header."""
    numeric: frozenset[str]
    """Columns parsed as float64 by the fast CSV path."""
    widths: dict[int, tuple[str, tuple[str, ...]]]
    """Row width of ``SELECT *`` → (version, ordered names), for exports without a header."""


def read_source(
    path: Path,
    file: str,
    vocabulary: Vocabulary,
    progress: ProgressFn | None = None,
    *,
    allow_empty: bool = False,
) -> RawTable:
    """Read ``path`` (displayed as ``file``) into a RawTable.

    ``allow_empty`` accepts a header without data rows (a bundle snapshot taken when nothing had
    run since the reset: all counters zero, which is a measurement, not a broken file).
    """
    streamed = _stream_csv(path, file, vocabulary, progress)
    if streamed is not None:
        return streamed
    text, encoding = decode(read_bytes(path, file), file)
    if not text.strip():
        raise IngestError("the file is empty", file=file, hint=EXPORT_HINT)
    stripped = text.lstrip()
    head = stripped[:1]
    if head == "[":
        table = _read_json_array(text, file)
    elif head == "{" and (checkup := _checkup_snapshot(text, file)) is not None:
        table = checkup
    elif head == "{":
        table = _read_json_lines(text, file)
        if table.nrows == 1 and not _is_header(table.columns, vocabulary.known):
            raise IngestError(
                "the JSON is an object, not an array of objects (no pg_stat_statements column at the top level)",
                file=file,
                hint=EXPORT_HINT,
            )
    elif stripped.startswith("null") and stripped.strip() == "null":
        raise IngestError(
            "the JSON is null: the export query returned no rows",
            file=file,
            hint="check that pg_stat_statements has entries (is it in shared_preload_libraries?)",
        )
    else:
        wrapped = _psql_wrapped_json(text)
        if wrapped is not None:
            table = _read_json_array(wrapped[0], file, line_offset=wrapped[1])
            table.format = "json (psql output)"
        else:
            table = _read_delimited(text, file, vocabulary, progress, allow_empty)
    if encoding != "utf-8":
        table.format = f"{table.format}, {encoding}"
    return table


# --------------------------------------------------------------------------- JSON


def _json_decode_error(exc: json.JSONDecodeError, text: str, file: str, line_offset: int = 0) -> IngestError:
    at_end = not text[exc.pos :].strip() or exc.msg.startswith("Unterminated string")
    what = "the JSON ends early: the file looks cut short" if at_end else f"invalid JSON: {exc.msg}"
    return IngestError(
        f"{what} (line {exc.lineno + line_offset}, column {exc.colno})",
        file=file,
        hint="export again with SELECT json_agg(s) FROM pg_stat_statements s (psql -X -A -t)",
    )


def _array_element_lines(text: str, line_offset: int) -> list[int]:
    """Start line of every element of a JSON array (computed only when an error needs it)."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lines: list[int] = []
    ws = re.compile(r"[\s,]*")
    while True:
        match = ws.match(text, pos)
        pos = match.end() if match else pos
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1 + line_offset)
        _, pos = decoder.raw_decode(text, pos)


def _fast_json(text: str) -> Any:
    """pandas' bundled ujson (about twice as fast as :mod:`json`, same values); None when unusable."""
    try:
        from pandas.io import json as pandas_json

        return pandas_json.ujson_loads(text, precise_float=True)  # type: ignore[attr-defined]
    except Exception:  # not available, or anything unusual: the standard parser decides and explains
        return None


def _read_json_array(text: str, file: str, line_offset: int = 0) -> RawTable:
    try:
        data = _fast_json(text)
        if data is None:
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_decode_error(exc, text, file, line_offset) from None
    except RecursionError:
        raise IngestError("the JSON nests too deeply to be an export", file=file, hint=EXPORT_HINT) from None
    if not isinstance(data, list):
        raise IngestError(
            f"the JSON is {_json_kind(data)}, not an array of objects", file=file, hint=EXPORT_HINT
        )
    if not data:
        raise IngestError("the JSON array is empty: no rows", file=file, hint=EXPORT_HINT)
    cache: dict[str, list[int]] = {}

    def lookup(index: int) -> int | None:
        if "lines" not in cache:
            cache["lines"] = _array_element_lines(text, line_offset)
        found = cache["lines"]
        return found[index] if index < len(found) else None

    return _table_from_objects(data, file, "json", None, lookup)


def _read_json_lines(text: str, file: str) -> RawTable:
    objects: list[Any] = []
    lines: list[int] = []
    physical = text.split("\n")  # not splitlines(): U+2028 and friends may sit inside JSON strings
    for number, line in enumerate(physical, start=1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if not objects:
                try:
                    whole = json.loads(text)
                except (json.JSONDecodeError, RecursionError):
                    whole = None
                if whole is not None:
                    raise IngestError(
                        f"the JSON is {_json_kind(whole)}, not an array of objects",
                        file=file,
                        hint=EXPORT_HINT,
                    ) from None
            cut = number == len(physical) and not line[exc.pos :].strip()
            what = "the last line is cut short" if cut else f"invalid JSON: {exc.msg}"
            raise IngestError(
                f"{what} (JSON lines, line {number}, column {exc.colno})", file=file, hint=EXPORT_HINT
            ) from None
        except RecursionError:
            raise IngestError(f"line {number} nests too deeply to be an export", file=file) from None
        lines.append(number)
    return _table_from_objects(objects, file, "jsonl", lines, None)


CHECKUP_FORMAT = "json (postgres-checkup snapshot)"
CHECKUP_DROPPED = ("rownum", "md5")
"""Keys of a postgres-checkup entry that are not pg_stat_statements columns (its rank, and the md5 of
queryid||dbid||userid it is keyed by)."""


def _checkup_snapshot(text: str, file: str) -> RawTable | None:
    """A postgres-checkup pg_stat_statements snapshot, or None when ``text`` is not one.

    postgres-checkup (https://gitlab.com/postgres-ai/postgres-checkup, resources/checks/
    K000_query_analysis.sh) saves ``{"snapshot_timestamptz": …, "snapshot_timestamptz_s": …,
    "queries": {md5: {rownum, query, calls, total_time, rows, shared_blks_*, local_blks_*,
    temp_blks_*, blk_read_time, blk_write_time, queryid, md5}}}`` with ``total_time`` = planning +
    execution time on PostgreSQL 13+. The entries become rows; the snapshot time is kept so that
    two snapshots give their own window (``--since``)."""
    if '"queries"' not in text[:4096] and '"snapshot_timestamptz"' not in text[:4096]:
        return None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if (
        not isinstance(data, dict)
        or "snapshot_timestamptz" not in data
        or not isinstance(data.get("queries"), dict)
    ):
        return None
    entries = [e for e in data["queries"].values() if isinstance(e, dict)]
    if not entries:
        raise IngestError(
            "the postgres-checkup snapshot has no queries",
            file=file,
            hint="take the snapshot again after some load",
        )
    rows = [{k: v for k, v in e.items() if k not in CHECKUP_DROPPED} for e in entries]
    table = _table_from_objects(rows, file, CHECKUP_FORMAT, None, None)
    try:
        taken = datetime.fromisoformat(str(data["snapshot_timestamptz"]))
    except ValueError:
        raise IngestError(
            f"snapshot_timestamptz {data['snapshot_timestamptz']!r} is not a timestamp",
            file=file,
            column="snapshot_timestamptz",
            hint="keep the file as postgres-checkup wrote it",
        ) from None
    table.taken_at = taken if taken.tzinfo is not None else taken.replace(tzinfo=UTC)
    table.notes.append(
        "postgres-checkup snapshot: total_time is planning + execution time (PostgreSQL 13+); it has no "
        "dbid, userid or database names, and holds only its top entries by total_time"
    )
    return table


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _table_from_objects(
    objects: list[Any],
    file: str,
    fmt: str,
    lines: list[int] | None,
    lookup: Callable[[int], int | None] | None,
) -> RawTable:
    """Columns are the union of keys in first-seen order; a key missing in a row is NULL there."""
    order: dict[str, None] = {}
    previous: Any = None
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            line = lines[index] if lines else (lookup(index) if lookup else None)
            raise row_error(
                file,
                f"element is {_json_kind(obj)}, not an object: the JSON must be an array of objects",
                row=index + 1,
                line=line,
                hint=EXPORT_HINT,
            )
        keys = obj.keys()
        if previous is not None and keys == previous:
            continue
        for key in keys:
            order.setdefault(key, None)
        previous = keys
    names = list(order)
    if not names:
        raise IngestError("the JSON objects have no keys: not an export", file=file, hint=EXPORT_HINT)
    lowered = [str(k).strip().lower() for k in names]
    if len(set(lowered)) != len(lowered):
        dupe = next(name for name in lowered if lowered.count(name) > 1)
        raise IngestError(
            f"key {dupe!r} appears more than once (in different letter cases)", file=file, column=dupe
        )
    try:
        getter = operator.itemgetter(*names)
        rows = [getter(obj) for obj in objects]
        values: list[Sequence[Any]] = [list(col) for col in zip(*rows)] if len(names) > 1 else [list(rows)]
    except KeyError:
        values = [[obj.get(key) for obj in objects] for key in names]
    table = RawTable(file=file, format=fmt, columns=lowered, values=values, nrows=len(objects), typed=True)
    table.lines = lines
    table.line_lookup = lookup
    return table


def _psql_wrapped_json(text: str) -> tuple[str, int] | None:
    """``psql -A`` without ``-t`` prints ``json_agg`` / the JSON / ``(1 row)``: unwrap it."""
    first, _, rest = text.partition("\n")
    if not _IDENT.match(first.strip().lower()) or not rest.lstrip().startswith("["):
        return None
    body = rest.rstrip()
    last_nl = body.rfind("\n")
    if last_nl >= 0 and _FOOTER.match(body[last_nl + 1 :].strip()):
        body = body[:last_nl]
    return body, 1


# --------------------------------------------------------------------------- delimited text


def _pick_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", "|", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _is_header(names: list[str], known: frozenset[str]) -> bool:
    return any(name in known for name in names)


@dataclass(frozen=True)
class _Dialect:
    """How a delimited text was written, found from its content before any row is parsed.

    ``body`` is the text without a psql row-count footer; ``footer_rows`` is that footer's count
    (psql unaligned output), which later checks against the rows read.
    """

    delimiter: str
    body: str
    footer_rows: int | None
    quoted: bool
    copy_text: bool
    fmt: str

    @property
    def unaligned(self) -> bool:
        """psql unaligned output: no quoting, so a row of the wrong width is a broken row."""
        return not self.quoted and not self.copy_text


@dataclass(frozen=True)
class _Records:
    """The parsed rows after the header decision: column names, data rows and their start lines."""

    header: list[str]
    rows: list[list[str]]
    starts: list[int]
    width: int
    assumed: str | None
    """The pg_stat_statements generation whose ``SELECT *`` order was assumed for a header-less file."""


def _read_delimited(
    text: str, file: str, vocabulary: Vocabulary, progress: ProgressFn | None, allow_empty: bool = False
) -> RawTable:
    """Read a delimited export: find its dialect, parse (fast path first), decide the header, check."""
    dialect = _delimited_dialect(text, file)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    if dialect.quoted:
        fast = _fast_csv(
            _text_source(dialect.body), file, dialect.fmt, dialect.delimiter, vocabulary, progress
        )
        if fast is not None:
            return fast
    rows, starts = _parse_records(dialect, file, progress)
    records = _split_header(rows, starts, file, vocabulary)
    if not records.rows and allow_empty and records.assumed is None:
        return RawTable(
            file=file,
            format=dialect.fmt,
            columns=records.header,
            values=[[] for _ in records.header],
            nrows=0,
            lines=[],
        )
    _check_records(records, dialect, file)
    return _delimited_table(records, dialect, file)


def _delimited_dialect(text: str, file: str) -> _Dialect:
    """Separator, psql footer, quoting and COPY text format, from the header line and the body.

    Raises for psql aligned output, which pads fields with blanks and cannot be read back.
    """
    lines_iter = text.split("\n", 2)
    first_line = lines_iter[0].rstrip("\r")
    delimiter = _pick_delimiter(first_line)
    if delimiter == "|" and len(lines_iter) > 1 and _ALIGNED_RULE.match(lines_iter[1].strip()):
        raise IngestError(
            "this is psql aligned (table) output, which cannot be read back reliably",
            file=file,
            hint="export with psql -X --csv (or \\pset format csv)",
        )
    body = text.rstrip("\r\n")
    footer_rows: int | None = None
    last_nl = body.rfind("\n")
    if last_nl >= 0 and delimiter in "\t|":
        match = _FOOTER.match(body[last_nl + 1 :].strip())
        if match:
            footer_rows = int(match.group(1))
            body = body[:last_nl].rstrip("\r\n")
    # COPY text writes NULL as \N, which no quoting CSV writer produces: the strongest signal.
    null_marker = (
        delimiter == "\t" and footer_rows is None and re.search(r"(^|\t)\\N(\t|$)", body, re.M) is not None
    )
    quoted = delimiter in ",;" or (
        not null_marker and re.search(rf"(^|{re.escape(delimiter)})\"", body, re.M) is not None
    )
    copy_text = (
        delimiter == "\t"
        and not quoted
        and footer_rows is None
        and (null_marker or re.search(r"\\[\\ntrbfv]", body) is not None)
    )
    fmt = _delimited_format_name(
        delimiter, quoted=quoted, copy_text=copy_text, footer=footer_rows is not None
    )
    return _Dialect(delimiter, body, footer_rows, quoted, copy_text, fmt)


def _delimited_format_name(delimiter: str, *, quoted: bool, copy_text: bool, footer: bool) -> str:
    """The format name the ingest summary shows (``csv``, ``copy-text``, ``psql-unaligned (tab)`` …)."""
    if copy_text:
        return "copy-text"
    if quoted:
        return (
            "csv" if delimiter == "," else ("tsv" if delimiter == "\t" else f"csv (separator {delimiter!r})")
        )
    if footer:
        return "psql-unaligned" + (" (tab)" if delimiter == "\t" else f" (separator {delimiter!r})")
    return "tsv (unquoted)" if delimiter == "\t" else f"text (separator {delimiter!r}, unquoted)"


def _parse_records(
    dialect: _Dialect, file: str, progress: ProgressFn | None
) -> tuple[list[list[str]], list[int]]:
    """Every non-blank record with the physical line it starts on, by the exact :mod:`csv` reader.

    A malformed quote is an error naming the line; an empty file is an error.
    """
    body, delimiter = dialect.body, dialect.delimiter
    if dialect.quoted:
        reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    else:
        reader = csv.reader(
            io.StringIO(body, newline=""), delimiter=delimiter, quoting=csv.QUOTE_NONE, strict=False
        )
    total_lines = body.count("\n") + 1
    rows: list[list[str]] = []
    starts: list[int] = []
    end = 0
    try:
        for row in reader:
            start = end + 1
            end = reader.line_num
            if not row:
                continue
            rows.append(row)
            starts.append(start)
            if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                progress(f"reading {file}", end, total_lines)
    except csv.Error as exc:
        line = end + 1
        if "unexpected end of data" in str(exc):
            raise IngestError(
                f"the file ends inside a quoted field that starts on line {line}: it is cut short, "
                "or a quote is unbalanced",
                file=file,
                row=len(rows),
                hint="export again (psql --csv quotes query texts correctly)",
            ) from None
        raise IngestError(
            f"malformed CSV near line {line}: {exc}", file=file, hint="export again with psql -X --csv"
        ) from None
    if not rows:
        raise IngestError("the file is empty", file=file, hint=EXPORT_HINT)
    return rows, starts


def _split_header(rows: list[list[str]], starts: list[int], file: str, vocabulary: Vocabulary) -> _Records:
    """The first row is the header when it names a known column; otherwise a header-less export.

    A header-less file is accepted only when its width matches one generation's ``SELECT *`` and
    its first field looks like a number (``userid``); the assumption is recorded on the table.
    """
    header = [_column_name(name) for name in rows[0]]
    if _is_header(header, vocabulary.known):
        return _Records(header, rows[1:], starts[1:], len(header), None)
    width = len(rows[0])
    guess = vocabulary.widths.get(width)
    if guess is None or not rows[0][0].strip().lstrip("-").isdigit():
        raise IngestError(
            "not a pg_stat_statements export: the first line names none of the expected columns "
            "(query, calls, total_exec_time …)",
            file=file,
            hint=EXPORT_HINT,
        )
    assumed, columns = guess
    return _Records(list(columns), rows, starts, width, assumed)


def _check_records(records: _Records, dialect: _Dialect, file: str) -> None:
    """Data rows present, column names unique, every row as wide as the header, psql's count kept."""
    header, data_rows, data_starts = records.header, records.rows, records.starts
    if not data_rows:
        raise IngestError("the file has a header but no data rows", file=file, hint=EXPORT_HINT)
    if len(set(header)) != len(header):
        dupes = sorted({name for name in header if header.count(name) > 1})
        raise IngestError(
            f"column {dupes[0]!r} appears more than once in the header",
            file=file,
            column=dupes[0],
            hint="select each column once",
        )
    width = records.width
    for index, row in enumerate(data_rows):
        if len(row) != width:
            _raise_width(
                file,
                dialect.unaligned,
                index,
                data_starts[index],
                len(row),
                width,
                index == len(data_rows) - 1,
            )
    footer_rows = dialect.footer_rows
    if footer_rows is not None and footer_rows != len(data_rows):
        raise IngestError(
            f"psql's footer says {footer_rows} rows but {len(data_rows)} were read: "
            "query texts with newlines broke rows",
            file=file,
            hint=UNALIGNED_HINT,
        )


def _delimited_table(records: _Records, dialect: _Dialect, file: str) -> RawTable:
    """Rows turned into columns (COPY escapes decoded), with notes on what was assumed or decoded."""
    columns_values: list[Sequence[Any]] = [list(col) for col in zip(*records.rows)]
    if dialect.copy_text:
        columns_values = [_copy_unescape(col) for col in columns_values]
    table = RawTable(
        file=file,
        format=dialect.fmt,
        columns=records.header,
        values=columns_values,
        nrows=len(records.rows),
        lines=records.starts,
        numeric_hint=UNALIGNED_HINT
        if dialect.unaligned
        else "check the separator and quoting; export with psql --csv",
    )
    if records.assumed is not None:
        table.assumed_columns = records.assumed
        table.notes.append(
            f"{file} has no header line: its {records.width} columns were taken as pg_stat_statements "
            f"{records.assumed} in view order (SELECT *)"
        )
    if dialect.copy_text:
        table.notes.append(f"{file} was read as PostgreSQL COPY text format (backslash escapes decoded)")
    return table


def _column_name(name: str) -> str:
    return name.strip().strip('"').lower()


@dataclass(frozen=True)
class _CsvSource:
    """Where the fast CSV path reads from: a text in memory, or the export file itself (streamed).

    ``lines`` gives the text line by line (the header check reads two records), ``binary`` opens
    it as UTF-8 bytes for the C parser, and ``text`` gives the whole text again, read only when an
    error needs physical line numbers.
    """

    lines: Callable[[], Iterator[str]]
    binary: Callable[[], AbstractContextManager[IO[bytes]]]
    text: Callable[[], str]


def _text_source(body: str) -> _CsvSource:
    # bytes, not io.StringIO(body): a StringIO holds 4 bytes per character, which for a
    # 350 MB export is 1.4 GB on top of the text; the C parser decodes UTF-8 itself
    return _CsvSource(
        lines=lambda: _lines(body),
        binary=lambda: io.BytesIO(body.encode("utf-8")),
        text=lambda: body,
    )


def _fast_csv(
    source: _CsvSource,
    file: str,
    fmt: str,
    delimiter: str,
    vocabulary: Vocabulary,
    progress: ProgressFn | None,
) -> RawTable | None:
    """Parse a well-formed CSV with pandas' C parser (several times faster than :mod:`csv`).

    Returns ``None`` whenever anything is unusual (no header, duplicate names, a row of the wrong
    width, an empty or non-numeric value in a numeric column, an empty last field that could be
    a short row): the exact :mod:`csv` path then reads the file and reports precise errors.
    Physical line numbers are computed only if an error needs one.
    """
    header = csv_header(source, delimiter, vocabulary)
    if header is None:
        return None
    if progress is not None:
        progress(f"reading {file}", 0, 1)
    try:
        with source.binary() as handle:
            parsed = _read_csv_columns(handle, delimiter, header.dtypes, header.raw, header.texts)
    except Exception:  # any parser complaint: the exact path reads the file again and explains it
        return None
    if parsed is None:
        return None
    values, nrows = parsed
    table = csv_table(source, file, fmt, delimiter, header.names, values, nrows)
    if progress is not None:
        progress(f"reading {file}", 1, 1)
    return table


@dataclass(frozen=True)
class CsvHeader:
    """The header of a CSV the fast path may read: labels as written, canonical names, parse dtypes."""

    raw: list[str]
    """The labels as written (pandas' column labels)."""
    names: list[str]
    dtypes: dict[str, Any]
    """Label → ``float64`` for numeric columns, ``object`` for the rest."""
    texts: list[str]
    """Labels of the query text column (its equal values are shared)."""


def csv_header(source: _CsvSource, delimiter: str, vocabulary: Vocabulary) -> CsvHeader | None:
    """The header when the fast path can be trusted with this CSV, else ``None`` (see :func:`_fast_csv`)."""
    head = _first_records(source.lines(), delimiter, 2)
    if head is None:
        return None
    first = head[0] if head else None
    second = head[1] if len(head) > 1 else None
    if not first or second is None or len(second) != len(first):
        # A first data row wider than the header makes pandas take the extra leading fields as an
        # index and silently shift every value under the wrong name: the exact path reports it.
        return None
    names = [_column_name(name) for name in first]
    if (
        not _is_header(names, vocabulary.known)
        or len(set(names)) != len(names)
        or len(set(first)) != len(first)
    ):
        return None
    dtypes = {raw: (np.float64 if name in vocabulary.numeric else object) for raw, name in zip(first, names)}
    return CsvHeader(first, names, dtypes, [raw for raw, name in zip(first, names) if name == "query"])


def csv_table(
    source: _CsvSource,
    file: str,
    fmt: str,
    delimiter: str,
    names: list[str],
    values: list[Sequence[Any]],
    nrows: int,
) -> RawTable:
    """The fast path's RawTable; physical line numbers are computed only if an error needs one."""
    cache: dict[str, list[int]] = {}

    def lookup(index: int) -> int | None:
        if "lines" not in cache:
            cache["lines"] = _line_starts(source.text(), delimiter)
        found = cache["lines"]
        return found[index] if index < len(found) else None

    return RawTable(
        file=file,
        format=fmt,
        columns=names,
        values=values,
        nrows=nrows,
        line_lookup=lookup,
        numeric_hint="check the separator and quoting; export with psql --csv",
    )


CSV_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8",
    "na_filter": False,
    "keep_default_na": False,
    "engine": "c",
    "quotechar": '"',
    "doublequote": True,
    "skip_blank_lines": True,
}
"""How the C parser reads a quoted CSV on the fast path (whole, in chunks, or in pieces)."""


READ_CHUNK_ROWS = 100_000
"""Rows the C parser turns into Python values at a time (see :func:`_read_csv_columns`)."""


def _read_csv_columns(
    handle: IO[bytes], delimiter: str, dtypes: dict[str, Any], header: list[str], texts: list[str]
) -> tuple[list[Sequence[Any]], int] | None:
    """The CSV parsed :data:`READ_CHUNK_ROWS` rows at a time into one array per column, typed as
    parsed (``dtypes``); ``None`` when the fast path cannot be trusted (see :func:`_trusted`).

    Each chunk's ``texts`` columns share one string object per distinct text before the next chunk
    is parsed: a million-row export repeats its texts across users and databases, and whole-file
    parsing held every copy at once. Chunks become per-column arrays at once and are joined one
    column at a time, so the rows are never held twice as frames (a concatenated frame was a
    second copy of the whole table at the load's peak). Chunks are cut between records, so the
    columns are those a single read gives.
    """
    seen: dict[str, str] = {}
    parts: list[list[np.ndarray]] = [[] for _ in header]
    nrows = 0
    with pd.read_csv(handle, sep=delimiter, dtype=dtypes, chunksize=READ_CHUNK_ROWS, **CSV_OPTIONS) as reader:
        for chunk in reader:
            if list(chunk.columns) != header:
                return None
            for name, column in zip(header, parts, strict=True):
                array = chunk[name].to_numpy(dtype=object if chunk[name].dtype == object else None, copy=True)
                if name in texts:
                    array = np.fromiter(
                        (seen.setdefault(v, v) if type(v) is str else v for v in array),
                        dtype=object,
                        count=len(array),
                    )
                column.append(array)
            nrows += len(chunk)
            del chunk
    if not nrows:
        return None
    values: list[Sequence[Any]] = []
    for column in parts:
        values.append(column[0] if len(column) == 1 else np.concatenate(column))  # type: ignore[arg-type]
        column.clear()
    return (values, nrows) if _trusted(values) else None


def _trusted(values: list[Sequence[Any]]) -> bool:
    """False when the fast path's columns cannot be trusted.

    An empty last field may be a short row, and a NaN in a numeric column an empty value: both
    send the file to the exact reader, which tells them apart.
    """
    last = np.asarray(values[-1])
    if last.dtype == object and bool((last == "").any()):
        return False  # a short row and an empty last field look alike here
    return not any(
        np.asarray(array).dtype == np.float64 and bool(np.isnan(np.asarray(array)).any()) for array in values
    )


STREAM_MIN_BYTES = 16 << 20
"""Exports from this size are parsed from the file (:func:`_stream_csv`), never held as text."""
STREAM_BLOCK = 1 << 24
"""Bytes read at a time while a streamed export is checked (NUL bytes, UTF-8)."""


def _stream_csv(
    path: Path, file: str, vocabulary: Vocabulary, progress: ProgressFn | None
) -> RawTable | None:
    """A large plain UTF-8 CSV export parsed straight from the file, or ``None`` for any other input.

    Why: reading the bytes, decoding them, trimming the text and encoding it again for the C
    parser held a million-row export three times over (≈765 MB) at the load's peak. Here the
    file is first checked block by block (what :func:`decode` refuses — NUL bytes, invalid UTF-8 —
    and the size cap), then parsed from disk. Anything else, or any doubt, returns ``None`` and the
    whole-file path reads the input and explains its problems exactly as before.
    """
    start = csv_start(path, file, STREAM_MIN_BYTES)
    if start is None:
        return None
    offset, fmt = start
    table = _fast_csv(file_source(path, file, offset), file, "csv", ",", vocabulary, progress)
    if table is not None:
        table.format = fmt
    return table


def csv_start(path: Path, file: str, min_bytes: int, *, check: bool = True) -> tuple[int, str] | None:
    """Where the data of a plain UTF-8 CSV of at least ``min_bytes`` starts (after a BOM), and its
    format label; ``None`` for any other input.

    With ``check`` the whole file is first checked block by block (what :func:`decode` refuses —
    NUL bytes, invalid UTF-8); without, only its head is, and the caller checks every byte itself.
    """
    try:
        if path.is_dir() or path.stat().st_size < min_bytes or path.stat().st_size > max_bytes():
            return None
        with open_regular(path, file) as handle:
            head = handle.read(1 << 16)
            offset, encoding = (3, "utf-8 with BOM") if head.startswith(codecs.BOM_UTF8) else (0, "utf-8")
            if not _plain_utf8(handle if check else None, head):
                return None
    except (OSError, IngestError):
        return None
    first_line, newline, _ = head[offset:].decode("utf-8", errors="replace").partition("\n")
    if (
        not newline
        or first_line.lstrip()[:1] in ("[", "{", "")
        or _pick_delimiter(first_line.rstrip("\r")) != ","
    ):
        return None
    return offset, "csv" if encoding == "utf-8" else f"csv, {encoding}"


def _plain_utf8(handle: IO[bytes] | None, head: bytes) -> bool:
    """True when the whole file (``head`` then the rest of ``handle``) is valid UTF-8 without NUL
    bytes and not gzip, UTF-16 or a known binary format: what :func:`decode` would accept as is.
    Without ``handle`` only the head is checked (the rest is the caller's to check)."""
    if head[:2] == b"\x1f\x8b" or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if any(head.startswith(magic) for magic, _ in BINARY_MAGICS):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    block = head
    try:
        while block:
            if b"\x00" in block:
                return False
            decoder.decode(block)
            block = handle.read(STREAM_BLOCK) if handle is not None else b""
        if handle is not None:  # a head alone (see csv_start) may end inside a character
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def file_source(path: Path, file: str, offset: int) -> _CsvSource:
    @contextmanager
    def binary() -> Iterator[IO[bytes]]:
        with open_regular(path, file) as handle:
            handle.seek(offset)
            yield handle

    def text() -> str:
        return read_capped(path, file)[offset:].decode("utf-8").rstrip("\r\n")

    return _CsvSource(lines=lambda: _file_lines(path, file, offset), binary=binary, text=text)


def _file_lines(path: Path, file: str, offset: int) -> Iterator[str]:
    """The lines of the file's text with their endings, split on ``\\n`` only (as :func:`_lines`)."""
    with open_regular(path, file) as handle:
        handle.seek(offset)
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending: list[str] = []
        while True:
            block = handle.read(1 << 20)
            text = decoder.decode(block, final=not block)
            start = 0
            while (end := text.find("\n", start)) >= 0:
                yield "".join(pending) + text[start : end + 1]
                pending.clear()
                start = end + 1
            if start < len(text):
                pending.append(text[start:])
            if not block:
                break
        rest = "".join(pending).rstrip("\r\n")
        if rest:
            yield rest


def _lines(body: str) -> Iterator[str]:
    """The lines of ``body`` with their endings, one at a time (no copy of the whole text)."""
    pos, length = 0, len(body)
    while pos < length:
        end = body.find("\n", pos)
        if end < 0:
            yield body[pos:]
            return
        yield body[pos : end + 1]
        pos = end + 1


def _first_records(body: str | Iterator[str], delimiter: str, count: int) -> list[list[str]] | None:
    """The first ``count`` records of a quoted CSV (fewer if it has fewer), ``None`` when malformed.

    Feeds the reader one line at a time (``body`` is a text or its lines), so a large export is not
    copied into a :class:`io.StringIO` just to look at its header, and a huge first record (a
    100 MB query text) is parsed once, not once per growing prefix.
    """
    try:
        reader = csv.reader(_lines(body) if isinstance(body, str) else body, delimiter=delimiter, strict=True)
        return [r for _, r in zip(range(count), reader)]
    except csv.Error:
        return None


def _line_starts(body: str, delimiter: str) -> list[int]:
    """Physical start line of every data row of a quoted CSV (header and blank lines skipped)."""
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=False)
    starts: list[int] = []
    end = 0
    for row in reader:
        start, end = end + 1, reader.line_num
        if row:
            starts.append(start)
    return starts[1:]


def _raise_width(file: str, unaligned: bool, index: int, line: int, got: int, want: int, last: bool) -> None:
    if unaligned:
        raise row_error(
            file,
            f"row has {got} fields, the header has {want}",
            row=index + 1,
            line=line,
            hint=UNALIGNED_HINT,
        )
    if last and got < want:
        raise row_error(
            file,
            f"the last row has {got} of {want} fields: the file looks cut short",
            row=index + 1,
            line=line,
            hint="export again and copy the whole file",
        )
    raise row_error(
        file,
        f"row has {got} fields, the header has {want}",
        row=index + 1,
        line=line,
        hint="check the separator and quoting; export with psql -X --csv",
    )


def _copy_unescape(values: Sequence[Any]) -> list[str | None]:
    """Decode COPY text escapes; ``\\N`` is NULL."""
    out: list[str | None] = []
    for value in values:
        if value == "\\N":
            out.append(None)
        elif "\\" in value:
            out.append(_COPY_ESCAPE.sub(_copy_char, value))
        else:
            out.append(value)
    return out


def _copy_char(match: re.Match[str]) -> str:
    octal, hexa, char = match.groups()
    if octal is not None:
        return chr(int(octal, 8))
    if hexa is not None:
        return chr(int(hexa, 16))
    return _COPY_SIMPLE.get(char, char)
