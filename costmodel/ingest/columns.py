"""Column generations of pg_stat_statements and the typing of one file's rows into canonical columns.

Every PostgreSQL major from 12 to 18 ships a different view (reference ``pg_stat_statements.md``
§2): columns were only ever inserted or renamed, so the set of names in an export tells which
extension version produced it. We normalise to the 1.12 names (``total_time`` →
``total_exec_time``, ``blk_read_time`` → ``shared_blk_read_time`` …) so that later stages read
one vocabulary; a column the source lacks becomes NaN (unknown), never 0, because a zero would be
priced as "measured nothing".

Typing is strict on purpose: a numeric column holding text means the rows are shifted or the
file is not what it claims, and guessing would produce wrong bills. Each error names the file,
the data row, the physical line where known, the column and the bad value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.errors import IngestError
from costmodel.core.workload import COUNTER_COLUMNS, IDENTITY_COLUMNS, REQUIRED_COLUMNS, TIMESTAMP_COLUMNS
from costmodel.ingest.read import RawTable, Vocabulary

_BLKS = (
    "shared_blks_hit",
    "shared_blks_read",
    "shared_blks_dirtied",
    "shared_blks_written",
    "local_blks_hit",
    "local_blks_read",
    "local_blks_dirtied",
    "local_blks_written",
    "temp_blks_read",
    "temp_blks_written",
)
_PLAN = ("plans", "total_plan_time", "min_plan_time", "max_plan_time", "mean_plan_time", "stddev_plan_time")
_EXEC = ("total_exec_time", "min_exec_time", "max_exec_time", "mean_exec_time", "stddev_exec_time")
_JIT = (
    "jit_functions",
    "jit_generation_time",
    "jit_inlining_count",
    "jit_inlining_time",
    "jit_optimization_count",
    "jit_optimization_time",
    "jit_emission_count",
    "jit_emission_time",
)
_WAL = ("wal_records", "wal_fpi", "wal_bytes")

COLUMNS_1_7: tuple[str, ...] = (
    *("userid", "dbid", "queryid", "query", "calls"),
    *("total_time", "min_time", "max_time", "mean_time", "stddev_time", "rows"),
    *_BLKS,
    *("blk_read_time", "blk_write_time"),
)
COLUMNS_1_8: tuple[str, ...] = (
    *("userid", "dbid", "queryid", "query"),
    *_PLAN,
    *("calls", *_EXEC, "rows"),
    *_BLKS,
    *("blk_read_time", "blk_write_time"),
    *_WAL,
)
COLUMNS_1_9: tuple[str, ...] = ("userid", "dbid", "toplevel", *COLUMNS_1_8[2:])
COLUMNS_1_10: tuple[str, ...] = (
    *COLUMNS_1_9[: COLUMNS_1_9.index("blk_write_time") + 1],
    *("temp_blk_read_time", "temp_blk_write_time"),
    *_WAL,
    *_JIT,
)
COLUMNS_1_11: tuple[str, ...] = (
    *("userid", "dbid", "toplevel", "queryid", "query"),
    *_PLAN,
    *("calls", *_EXEC, "rows"),
    *_BLKS,
    *("shared_blk_read_time", "shared_blk_write_time", "local_blk_read_time", "local_blk_write_time"),
    *("temp_blk_read_time", "temp_blk_write_time"),
    *_WAL,
    *_JIT,
    *("jit_deform_count", "jit_deform_time", "stats_since", "minmax_stats_since"),
)
COLUMNS_1_12: tuple[str, ...] = (
    *COLUMNS_1_11[: COLUMNS_1_11.index("wal_bytes") + 1],
    "wal_buffers_full",
    *_JIT,
    *("jit_deform_count", "jit_deform_time", "parallel_workers_to_launch", "parallel_workers_launched"),
    *("stats_since", "minmax_stats_since"),
)


@dataclass(frozen=True)
class Generation:
    """One pg_stat_statements view layout: extension version, PostgreSQL majors, ordered columns."""

    version: str
    first_pg: int
    last_pg: int
    columns: tuple[str, ...]

    @property
    def postgres(self) -> str:
        """``PostgreSQL 15–16`` style label."""
        if self.first_pg == self.last_pg:
            return f"PostgreSQL {self.first_pg}"
        return f"PostgreSQL {self.first_pg}–{self.last_pg}"


GENERATIONS: tuple[Generation, ...] = (
    Generation("1.7", 12, 12, COLUMNS_1_7),
    Generation("1.8", 13, 13, COLUMNS_1_8),
    Generation("1.9", 14, 14, COLUMNS_1_9),
    Generation("1.10", 15, 16, COLUMNS_1_10),
    Generation("1.11", 17, 17, COLUMNS_1_11),
    Generation("1.12", 18, 18, COLUMNS_1_12),
)
"""Every layout from PostgreSQL 12 to 18, in order (reference §2.1)."""

RENAMES: dict[str, str] = {
    "total_time": "total_exec_time",
    "min_time": "min_exec_time",
    "max_time": "max_exec_time",
    "mean_time": "mean_exec_time",
    "stddev_time": "stddev_exec_time",
    "blk_read_time": "shared_blk_read_time",
    "blk_write_time": "shared_blk_write_time",
}
"""Old column name → canonical (1.12) name."""

KNOWN_NAMES: frozenset[str] = frozenset(name for g in GENERATIONS for name in g.columns)
"""Every name any generation uses (old and new)."""

WIDTHS: dict[int, tuple[str, tuple[str, ...]]] = {len(g.columns): (g.version, g.columns) for g in GENERATIONS}
"""Row width of ``SELECT *`` → (version, ordered names): lets a header-less export be read."""

VOCABULARY = Vocabulary(
    known=KNOWN_NAMES,
    numeric=frozenset(COUNTER_COLUMNS) | frozenset(k for k, v in RENAMES.items() if v in COUNTER_COLUMNS),
    widths=WIDTHS,
)
"""What the reader needs to know about column names."""

DERIVED_COLUMNS: tuple[str, ...] = ("stmt_id", "source_file", "source_row", "unclassifiable", "merged_rows")
"""Columns ingest adds; an export column of the same name is kept as ``export_<name>``."""

_TRUE = ("t", "true", "1", "yes", "y", "on")
_FALSE = ("f", "false", "0", "no", "n", "off")
_BOOLS: dict[Any, Any] = {
    **{v: True for t in _TRUE for v in (t, t.upper(), t.capitalize())},
    **{v: False for f in _FALSE for v in (f, f.upper(), f.capitalize())},
    None: None,
    "": None,
}
_BAD = object()
MAX_COUNTER = float(2**63)
"""Largest counter accepted: pg_stat_statements counts in ``bigint`` (int8)."""
MAX_NUMERIC = 1e24
"""Largest ``wal_bytes`` accepted: a ``numeric`` in pg_stat_statements, not a bigint (a yottabyte)."""
MAX_TIME_MS = 1e17
"""Largest time column accepted, in ms (about 3 million years of one backend): anything above is damage."""
MAX_QUERY_BYTES = 1 << 20
"""Longest query text kept (bytes): PostgreSQL's ``track_activity_query_size`` is at most 1 MB."""
_INT64 = (-(2**63), 2**63 - 1)
_OID = (0, 2**32 - 1)


@dataclass(frozen=True)
class GenerationInfo:
    """What the column set says about the extension version."""

    label: str
    """E.g. ``1.10 (PostgreSQL 15–16)`` or ``1.8+ (PostgreSQL 13 or later), partial: 4 of 32 columns``."""
    version: str | None
    """Lowest extension version the columns fit (``None`` when they fit none)."""
    exact: bool


def detect_generation(names: Sequence[str]) -> GenerationInfo:
    """Find the generation from the source's column names (before renaming)."""
    pgss = {name for name in names if name in KNOWN_NAMES}
    for gen in GENERATIONS:
        if pgss == set(gen.columns):
            return GenerationInfo(f"{gen.version} ({gen.postgres})", gen.version, True)
    fits = [gen for gen in GENERATIONS if pgss <= set(gen.columns)]
    if not fits:
        return GenerationInfo(
            f"mixed: the {len(pgss)} pg_stat_statements columns fit no single version", None, False
        )
    low, high = fits[0], fits[-1]
    partial = f"partial: {len(pgss)} of {len(low.columns)} columns"
    if high is GENERATIONS[-1] and low is not high:
        label = f"{low.version}+ (PostgreSQL {low.first_pg} or later), {partial}"
    elif low is high:
        label = f"{low.version} ({low.postgres}), {partial}"
    else:
        label = f"{low.version}–{high.version} (PostgreSQL {low.first_pg}–{high.last_pg}), {partial}"
    return GenerationInfo(label, low.version, False)


@dataclass
class Normalised:
    """One file typed into canonical columns."""

    frame: pd.DataFrame
    present: frozenset[str]
    """Canonical columns the source carried."""
    generation: GenerationInfo
    raw: RawTable
    notes: list[str]


def normalise(raw: RawTable) -> Normalised:
    """Type ``raw`` into the Workload column conventions (see :mod:`costmodel.core.workload`)."""
    notes = list(raw.notes)
    original: dict[str, str] = {}  # canonical → name in the file
    source_index: dict[str, int] = {}
    for index, name in enumerate(raw.columns):
        canonical = RENAMES.get(name, name)
        if canonical in original:
            raise IngestError(
                f"columns {original[canonical]!r} and {name!r} both mean {canonical!r}",
                file=raw.file,
                column=name,
                hint="keep one of them",
            )
        original[canonical] = name
        source_index[canonical] = index
    for required in REQUIRED_COLUMNS:
        if required not in original:
            old = {v: k for k, v in RENAMES.items()}.get(required)
            also = f" (or {old!r} before PostgreSQL 13)" if old else ""
            raise IngestError(
                f"required column {required!r}{also} is missing; the file has: {', '.join(raw.columns)}",
                file=raw.file,
                column=required,
                hint="an export needs at least query, calls and total_exec_time (rows strongly recommended)",
            )
    generation = detect_generation(raw.columns)
    n = raw.nrows
    data: dict[str, Any] = {}
    for name in IDENTITY_COLUMNS:
        vals = raw.values[source_index[name]] if name in source_index else None
        label = original.get(name, name)
        if name == "queryid":
            data[name] = _ints(raw, label, vals, n, _INT64)
        elif name in ("userid", "dbid"):
            data[name] = _ints(raw, label, vals, n, _OID)
        elif name == "toplevel":
            data[name] = _bools(raw, label, vals, n)
        else:
            texts = _texts(raw, label, vals, n)
            if name == "query":
                texts = _cap_texts(texts, raw.file, notes)
            data[name] = pd.Series(texts, dtype=object)
    for name in COUNTER_COLUMNS:
        if name in source_index:
            data[name] = _floats(
                raw,
                original[name],
                raw.values[source_index[name]],
                required=name in REQUIRED_COLUMNS,
                ceiling=MAX_TIME_MS
                if name.endswith("_time")
                else MAX_NUMERIC
                if name == "wal_bytes"
                else MAX_COUNTER,
            )
        else:
            data[name] = np.full(n, np.nan)
    for name in TIMESTAMP_COLUMNS:
        vals = raw.values[source_index[name]] if name in source_index else None
        data[name] = _timestamps(raw, original.get(name, name), vals, n)
    canonical_set = set(IDENTITY_COLUMNS) | set(COUNTER_COLUMNS) | set(TIMESTAMP_COLUMNS)
    for index, name in enumerate(raw.columns):
        if RENAMES.get(name, name) in canonical_set:
            continue
        vals = raw.values[index]
        if raw.typed:
            _plain_json_values(raw, name, vals)
        target = name
        if name in DERIVED_COLUMNS:
            target = f"export_{name}"
            notes.append(
                f"{raw.file}: column {name!r} is computed by ingest; the export's copy is kept as {target!r}"
            )
        data[target] = list(vals) if raw.typed else [None if v == "" else v for v in vals]
    data["source_file"] = [raw.file] * n
    data["source_row"] = np.arange(1, n + 1, dtype=np.int64)
    frame = pd.DataFrame(data)
    present = frozenset(RENAMES.get(name, name) for name in raw.columns) & canonical_set
    return Normalised(frame=frame, present=present, generation=generation, raw=raw, notes=notes)


def _show(value: Any) -> str:
    """A value as the user wrote it (numbers that arrived parsed are printed plainly)."""
    if isinstance(value, np.generic):
        value = value.item()
    text = f"{value:g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _types(vals: Sequence[Any]) -> set[type]:
    return set(map(type, vals))


def _ascii_numbers(raw: RawTable, label: str, vals: Sequence[Any]) -> None:
    """Refuse numbers Python would read but PostgreSQL never writes: ``1_000``, non-ASCII digits.

    Checked on the joined text first (one C call), value by value only to name the culprit.
    """
    joined = "\x00".join(v for v in vals if type(v) is str)
    if joined.isascii() and "_" not in joined:
        return
    for index, value in enumerate(vals):
        if type(value) is str and (not value.isascii() or "_" in value):
            raise raw.error(
                f"value {_show(value)} is not a plain decimal number (ASCII digits, no separators)",
                index,
                label,
                raw.numeric_hint,
            )


def _plain_json_values(raw: RawTable, name: str, vals: Sequence[Any]) -> None:
    """A JSON export holds scalars only: an array or object in any column (``datname: []``) is damage."""
    for index, value in enumerate(vals):
        if isinstance(value, (list, dict)):
            raise raw.error(
                f"value {_show(value)} is not a plain value (arrays and objects are not export columns)",
                index,
                name,
                "export with SELECT json_agg(s) FROM pg_stat_statements s",
            )


def _cap_texts(texts: list[str | None], file: str, notes: list[str]) -> list[str | None]:
    """Cut texts over :data:`MAX_QUERY_BYTES`; replace lone surrogates (JSON ``\\udc80``) by U+FFFD.

    Why: no server exports a longer text (track_activity_query_size ≤ 1 MB), and a 100 MB text
    made classification take minutes and gigabytes; a lone surrogate cannot be encoded as UTF-8,
    so every later stage that measures or writes the text would fail on it.
    """
    cut = fixed = 0
    out = texts
    for index, text in enumerate(texts):
        if text is None or (len(text) <= MAX_QUERY_BYTES // 4 and text.isascii()):
            continue
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "surrogatepass")
            fixed += 1
        if len(data) > MAX_QUERY_BYTES:
            data = data[:MAX_QUERY_BYTES]
            cut += 1
        new = data.decode("utf-8", "replace")
        if new != text:
            if out is texts:
                out = list(texts)
            out[index] = new
    if cut:
        notes.append(
            f"{file}: {cut} query text{'s were' if cut > 1 else ' was'} longer than 1 MiB and cut to 1 MiB "
            "(PostgreSQL's track_activity_query_size is at most 1 MB, so a real export never holds more)"
        )
    if fixed:
        notes.append(
            f"{file}: {fixed} query text(s) held invalid characters (lone surrogates), replaced by U+FFFD"
        )
    return out


def _floats(
    raw: RawTable, label: str, vals: Sequence[Any], *, required: bool, ceiling: float = MAX_COUNTER
) -> np.ndarray:
    """Non-negative finite float64 (NaN where NULL) up to ``ceiling``; strict about text, booleans, signs, digits."""
    n = raw.nrows
    arr: np.ndarray | None = None
    if not (isinstance(vals, np.ndarray) and vals.dtype == np.float64):
        _ascii_numbers(raw, label, vals)
    if isinstance(vals, np.ndarray) and vals.dtype == np.float64:
        arr = vals
    elif not raw.typed or not _types(vals) & {bool, list, dict}:
        for attempt in (vals, None):
            candidate = attempt if attempt is not None else [None if v == "" else v for v in vals]
            try:
                arr = np.array(candidate, dtype=np.float64)
            except (ValueError, TypeError, OverflowError):
                continue
            if arr.ndim != 1 or arr.shape[0] != n:
                arr = None
            break
    if arr is None:
        _raise_first_bad_number(raw, label, vals)
        raise AssertionError("unreachable")  # pragma: no cover
    nan = np.isnan(arr)
    if nan.any():
        for position in np.flatnonzero(nan):
            index = int(position)
            value = vals[index]
            if value is not None and value != "" and not (isinstance(value, float) and value != value):
                raise raw.error(
                    f"value {_show(value)} is not a finite number", index, label, raw.numeric_hint
                )
            if isinstance(value, float):
                raise raw.error("value NaN is not a finite number", index, label, raw.numeric_hint)
            if required:
                raise raw.error(
                    "empty value in a required column",
                    index,
                    label,
                    "every row of an export has calls and total_exec_time",
                )
    if np.isinf(arr).any():
        first = int(np.flatnonzero(np.isinf(arr))[0])
        raise raw.error(f"value {_show(vals[first])} is not a finite number", first, label, raw.numeric_hint)
    negative = arr < 0
    if negative.any():
        first = int(np.flatnonzero(negative)[0])
        raise raw.error(
            f"negative value {_show(vals[first])}: counters and timings cannot be negative",
            first,
            label,
            "export the view unmodified (negative numbers come from edits or a broken export)",
        )
    beyond = arr > ceiling
    if beyond.any():
        first = int(np.flatnonzero(beyond)[0])
        what = {MAX_COUNTER: "2^63, a bigint", MAX_NUMERIC: "10^24"}.get(ceiling, f"{ceiling:g} ms")
        raise raw.error(
            f"value {_show(vals[first])} is beyond the largest this counter can hold ({what})",
            first,
            label,
            "export the view unmodified (such values come from edits or a broken export)",
        )
    return arr


def _raise_first_bad_number(raw: RawTable, label: str, vals: Sequence[Any]) -> None:
    for index, value in enumerate(vals):
        if value is None or value == "":
            continue
        if type(value) is bool or isinstance(value, (list, dict)):
            raise raw.error(f"value {_show(value)} is not a number", index, label, raw.numeric_hint)
        try:
            float(value)
        except (ValueError, TypeError, OverflowError):
            raise raw.error(f"value {_show(value)} is not a number", index, label, raw.numeric_hint) from None
    raise raw.error(f"column {label!r} holds values that are not numbers", 0, label, raw.numeric_hint)


def _ints(
    raw: RawTable, label: str, vals: Sequence[Any] | None, n: int, bounds: tuple[int, int]
) -> pd.arrays.IntegerArray:
    """Exact nullable Int64 (queryid beyond 2**53 stays exact: parsed from text or JSON integers)."""
    if vals is None:
        return pd.array([None] * n, dtype="Int64")
    low, high = bounds
    types = _types(vals)
    _ascii_numbers(raw, label, vals)
    if types == {str} or types == {int}:
        try:
            fast = np.array(vals, dtype=np.int64)
        except (ValueError, TypeError, OverflowError):
            fast = None
        if fast is not None and (not len(fast) or (fast.min() >= low and fast.max() <= high)):
            return pd.array(fast, dtype="Int64")
    out: list[int | None] = []
    kind = "an oid" if low == 0 else "a 64-bit integer"
    for index, value in enumerate(vals):
        if value is None or value == "":
            out.append(None)
            continue
        kind_of = type(value)
        if kind_of is int:
            number = value
        elif kind_of is str:
            try:
                number = int(value.strip())
            except ValueError:
                raise raw.error(
                    f"value {_show(value)} is not {kind}",
                    index,
                    label,
                    "ids must be whole numbers (a spreadsheet may have rounded them to 1.23E+18)",
                ) from None
        elif kind_of is float and value.is_integer() and abs(value) < 2**53:
            number = int(value)
        else:
            raise raw.error(f"value {_show(value)} is not {kind}", index, label, "ids must be whole numbers")
        if not low <= number <= high:
            raise raw.error(f"value {number} is out of range for {kind}", index, label, None)
        out.append(number)
    return pd.array(out, dtype="Int64")


def _bools(raw: RawTable, label: str, vals: Sequence[Any] | None, n: int) -> pd.arrays.BooleanArray:
    if vals is None:
        return pd.array([None] * n, dtype="boolean")
    out: list[Any] = [
        v if type(v) is bool else (_BOOLS.get(v, _BAD) if v is None or type(v) is str else _BAD) for v in vals
    ]
    if _BAD in out:
        index = out.index(_BAD)
        raise raw.error(
            f"value {_show(vals[index])} is not a boolean", index, label, "toplevel is t/f or true/false"
        )
    return pd.array(out, dtype="boolean")


def _texts(raw: RawTable, label: str, vals: Sequence[Any] | None, n: int) -> list[str | None]:
    """Query texts exactly as exported; an empty text is NULL (psql prints NULL as empty)."""
    if vals is None:
        return [None] * n
    if raw.typed:
        for index, value in enumerate(vals):
            if value is not None and not isinstance(value, str):
                raise raw.error(f"value {_show(value)} is not text", index, label, "query must be a string")
    return [None if v == "" else v for v in vals]


def _timestamps(raw: RawTable, label: str, vals: Sequence[Any] | None, n: int) -> pd.Series:
    if vals is None:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]")
    cleaned = [None if v == "" else v for v in vals]
    for index, value in enumerate(cleaned):
        if value is not None and not isinstance(value, str):
            raise raw.error(f"value {_show(value)} is not a timestamp", index, label, None)
    parsed = pd.to_datetime(pd.Series(cleaned, dtype=object), utc=True, format="ISO8601", errors="coerce")
    # pandas reads "-3" as the year -3; Python's datetime (and the window code) only holds 1..9999
    years = parsed.dt.year.to_numpy(dtype=float, na_value=np.nan)
    outside = (years < 1) | (years > 9999)
    bad = (parsed.isna().to_numpy() & np.array([v is not None for v in cleaned], dtype=bool)) | outside
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise raw.error(
            f"value {_show(cleaned[index])} is not a timestamp",
            index,
            label,
            "use ISO 8601 (as PostgreSQL prints)",
        )
    return parsed.astype("datetime64[us, UTC]")
