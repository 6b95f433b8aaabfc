"""The report as JSON: the contract itself, in a stable key order.

Why a canonical order: ``dsqlcost report --format json`` output is diffed between runs and
committed as a golden file, so the same report must always print the same bytes whatever order
the builder inserted keys in. Known records (the top level, options, line items, statements,
findings …) keep the order of ``docs/report-contract.md`` with ``schema_version`` first; keys the
contract does not name follow, sorted; free-form mappings (``details``, ``costs``, ``totals``, ``as_of`` …)
are sorted. Numbers stay numbers (``Decimal`` and numpy scalars become JSON numbers); a NaN or an
infinity is a bug in the builder and raises :class:`ReportError` naming where it is.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, repeat
from json.encoder import encode_basestring  # the C encoder json.dumps uses (ensure_ascii=False)
from numbers import Integral, Real
from typing import Any

from costmodel.core.errors import ReportError
from costmodel.core.gcpause import gc_paused
from costmodel.report.common import check_report
from costmodel.report.records import StatementTable, as_records
from costmodel.report.safe import float_column, mostly_distinct

_ORDERS: dict[str, tuple[str, ...]] = {
    "report": (
        "schema_version",
        "tool",
        "generated_at",
        "title",
        "summary",
        "inputs",
        "window",
        "scenario",
        "prices",
        "calibration",
        "assumptions",
        "options",
        "verdict",
        "break_even",
        "readiness",
        "contention",
        "one_time_work",
        "plan",
        "statements",
        "databases",
        "fleet",
        "warnings",
    ),
    "tool": ("name", "version"),
    "inputs": (
        "sources",
        "generation",
        "rows_read",
        "statements",
        "excluded",
        "missing_signals",
        "unclassifiable",
        "parse_errors",
        "truncated",
        "server",
        "notes",
        "literals",
    ),
    "window": ("seconds", "source", "detail", "start", "end"),
    "scenario": ("name", "source", "yaml", "regions", "growth", "time_profile"),
    "regions": ("primary", "dsql_peers", "dsql_witness", "global_secondaries"),
    "prices": ("as_of", "unconfirmed", "overrides"),
    "calibration": ("file", "factors", "fitted_from"),
    "assumption": ("key", "value", "unit", "source", "description"),
    "option": (
        "name",
        "kind",
        "title",
        "total_monthly_usd",
        "total_monthly_usd_range",
        "line_items",
        "details",
        "warnings",
        "top_statements",
    ),
    "line_item": (
        "component",
        "region",
        "quantity",
        "unit",
        "unit_price_usd",
        "monthly_usd",
        "price_ref",
        "usage_based",
        "confidence",
        "note",
    ),
    "top_statement": ("stmt_id", "query", "calls_month", "monthly_usd", "share", "dpu_per_call", "clusters"),
    "verdict": ("recommended", "cheapest", "headline", "reasons", "readiness", "latency"),
    "break_even": ("multipliers", "costs", "crossovers"),
    "crossover": ("a", "b", "multiplier", "monthly_usd"),
    "readiness": ("as_of", "verdict", "summary", "dsql_lint_version", "findings"),
    "finding": (
        "id",
        "severity",
        "source",
        "message",
        "remediation",
        "effort",
        "since",
        "statements",
        "sample_query",
        "share_calls",
        "share_exec_time",
        "share_cost",
    ),
    "contention": ("predicted_conflict_rate", "risk", "clusters", "hot_spots"),
    "contention_cluster": ("cluster", "predicted_conflict_rate", "risk"),
    "hot_spot": (
        "cluster",
        "stmt_id",
        "query",
        "table",
        "key_shape",
        "key_space",
        "rate_per_s",
        "conflict_probability",
        "extra_dpu_month",
    ),
    "statement": (
        "stmt_id",
        "query",
        "database",
        "kind",
        "is_write",
        "calls",
        "calls_month",
        "mean_exec_ms",
        "rows_per_call",
        "tables_read",
        "tables_written",
        "key_shape",
        "parse_status",
        "read_bytes_per_call",
        "write_bytes_per_call",
        "cpu_seconds_month",
        "conflict_probability",
        "dsql_compute_dpu_per_call",
        "dsql_read_dpu_per_call",
        "dsql_write_dpu_per_call",
        "dsql_dpu_per_call",
        "dsql_dpu_month",
        "dsql_monthly_usd",
        "sv2_monthly_usd",
        "findings",
        "clusters",
        "databases",
    ),
    "database": ("cluster", "database", "statements", "calls_month", "dsql_monthly_usd", "sv2_monthly_usd"),
    "plan": ("verdict", "dsql_as_of", "schema_file", "code", "phases", "costs", "notes"),
    "plan_code": ("root", "files", "skipped", "findings", "write_paths", "without_retry", "retry_handlers"),
    "plan_phase": ("number", "name", "goal", "effort", "items_total", "figures", "items"),
    "plan_effort": ("high", "medium", "low"),
    "plan_figure": ("key", "label", "value", "text", "headline"),
    "plan_item": (
        "id",
        "title",
        "effort",
        "where",
        "severity",
        "share_calls",
        "share_cost",
        "mechanical",
        "detail",
        "query",
    ),
    "plan_cost": ("option", "title", "before_usd", "after_usd"),
    "fleet": ("clusters", "statement_rows", "distinct_statements"),
    "fleet_cluster": (
        "name",
        "sources",
        "window_seconds",
        "window_source",
        "statements",
        "databases",
        "totals",
        "recommended_alone",
        "predicted_conflict_rate",
        "risk",
        "storage_gb",
    ),
}

# (record type, key) → record type of the value (a list value means: each element has that type).
_CHILDREN: dict[tuple[str, str], str] = {
    ("report", "tool"): "tool",
    ("report", "inputs"): "inputs",
    ("report", "window"): "window",
    ("report", "scenario"): "scenario",
    ("report", "prices"): "prices",
    ("report", "calibration"): "calibration",
    ("report", "assumptions"): "assumption",
    ("report", "options"): "option",
    ("report", "verdict"): "verdict",
    ("report", "break_even"): "break_even",
    ("report", "readiness"): "readiness",
    ("report", "contention"): "contention",
    ("report", "statements"): "statement",
    ("report", "databases"): "database",
    ("report", "fleet"): "fleet",
    ("fleet", "clusters"): "fleet_cluster",
    ("contention", "clusters"): "contention_cluster",
    ("scenario", "regions"): "regions",
    ("option", "line_items"): "line_item",
    ("option", "top_statements"): "top_statement",
    ("break_even", "crossovers"): "crossover",
    ("readiness", "findings"): "finding",
    ("contention", "hot_spots"): "hot_spot",
    ("report", "plan"): "plan",
    ("plan", "code"): "plan_code",
    ("plan", "phases"): "plan_phase",
    ("plan", "costs"): "plan_cost",
    ("plan_phase", "effort"): "plan_effort",
    ("plan_phase", "figures"): "plan_figure",
    ("plan_phase", "items"): "plan_item",
}


_ONE_LINE_RECORDS = frozenset({"statements", "databases"})
"""Top-level lists written one record per line: they grow with the workload (a fleet has thousands
of databases, a million statements), and a changed record is then a one-line diff."""


def render_json(report: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """The report dict as JSON text (UTF-8, not ASCII-escaped), ending with a newline.

    Objects are indented; lists of plain values (``multipliers``, ``tables_read``) stay on one
    line, and each ``statements`` and ``databases`` record is one line: a 5,000-statement report
    stays fast to write and a changed statement is a one-line diff. ``indent=None`` writes
    everything on one line.
    ``json.loads(render_json(r))`` equals ``r`` for every JSON-compatible report dict.
    """
    return "".join(json_pieces(report, indent=indent))


def json_pieces(report: Mapping[str, Any], *, indent: int | None = 2) -> Iterator[str]:
    """:func:`render_json`'s text as pieces made one after another (their concatenation is the
    text): a million-statement report goes to its file without ever being one string."""
    check_report(report)
    ordered = _ordered(report, "report")
    try:
        if indent is None:
            yield _compact_top(ordered)
        else:
            yield from _pretty_top(ordered, " " * indent)
    except (TypeError, ValueError) as exc:
        raise _locate(report, "$") or ReportError(
            f"the report cannot be written as JSON: {exc}", hint="this is a bug in the report builder"
        ) from exc


LINES_PER_PIECE = 10_000
"""Statement records joined into one piece of :func:`json_pieces` (a few MB each)."""


class _Lines(list[str]):
    """A top-level list of records already written as compact JSON, one string per record (see
    :func:`_record_lines`); :func:`_pretty_top` and :func:`_compact_top` splice them in as they are."""


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_default, separators=(", ", ": "))


def _compact_top(value: Any) -> str:
    """``_compact(value)`` and a newline for the ordered report, splicing in pre-written record
    lines: a dict is written exactly as ``json.dumps`` writes it (``{"k": v, …}``, same separators)."""
    if not isinstance(value, dict) or not any(isinstance(v, _Lines | _Table) for v in value.values()):
        return _compact(value) + "\n"
    pieces = ["{"]
    for index, (key, child) in enumerate(value.items()):
        pieces.append(("" if index == 0 else ", ") + _compact(key) + ": ")
        if isinstance(child, _Table):
            child = _Lines(line for lines in child.line_chunks() for line in lines)
        pieces += ["[", ", ".join(child), "]"] if isinstance(child, _Lines) else [_compact(child)]
    pieces.append("}\n")
    return "".join(pieces)


def _pretty_top(value: Any, step: str) -> Iterator[str]:
    """The indented report and its final newline, piece by piece; each ``statements`` and
    ``databases`` record is one line, and the record lines go out :data:`LINES_PER_PIECE` at a time."""
    if not isinstance(value, dict) or not value:
        yield _pretty(value, "", step) + "\n"
        return
    yield "{\n"
    for index, (key, child) in enumerate(value.items()):
        yield ("" if index == 0 else ",\n") + step + _compact(key) + ": "
        if isinstance(child, _Table):
            yield from _table_pieces(child, step)
        elif key in _ONE_LINE_RECORDS and isinstance(child, list) and child:
            lines = child if isinstance(child, _Lines) else [_compact(row) for row in child]
            separator = ",\n" + step + step
            yield "[\n" + step + step
            for start in range(0, len(lines), LINES_PER_PIECE):
                chunk = separator.join(lines[start : start + LINES_PER_PIECE])
                yield chunk if start == 0 else separator + chunk
            yield "\n" + step + "]"
        else:
            yield _pretty(child, step, step)
    yield "\n}\n"


def _pretty(value: Any, pad: str, step: str) -> str:
    inner = pad + step
    if isinstance(value, dict) and value:
        parts = [f"{inner}{_compact(key)}: {_pretty(child, inner, step)}" for key, child in value.items()]
        return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _pretty(v, inner, step) for v in value) + "\n" + pad + "]"
    return _compact(value)


def canonical_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with plain JSON types and canonical key order (what :func:`render_json` prints)."""
    result = json.loads(render_json(report, indent=None))
    assert isinstance(result, dict)
    return result


def _key_order(value: Mapping[Any, Any], record: str | None) -> list[Any]:
    """The keys of ``value`` in canonical order: the record's known order, then unknown keys sorted."""
    order = _ORDERS.get(record or "")
    if order is None:
        return sorted(value, key=str)
    keys = [k for k in order if k in value]
    if len(keys) != len(value):
        known = set(keys)
        keys += sorted((k for k in value if k not in known), key=str)
    return keys


def _ordered(value: Any, record: str | None) -> Any:
    """``value`` with every mapping's keys in canonical order (``record`` names the known order).

    The big top-level lists (``statements``, ``databases``) come back as :class:`_Lines` when
    :func:`_record_lines` can write them column by column, which is what keeps a 100,000-statement
    report fast; anything it does not handle takes the record-by-record path below.
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in _key_order(value, record):
            child = value[key]
            if child is None or isinstance(child, str | int | float):
                out[str(key)] = child  # scalars: no recursion (most of a large report)
                continue
            child_record = _CHILDREN.get((record or "", str(key)))
            if isinstance(child, StatementTable):
                if record == "report" and key in _ONE_LINE_RECORDS:
                    out[str(key)] = _Table(child, child_record)
                    continue
                child = child.records()
            if record == "report" and key in _ONE_LINE_RECORDS and isinstance(child, list):
                lines = _record_lines(child, child_record)
                if lines is not None:
                    out[str(key)] = lines
                    continue
            out[str(key)] = _ordered(child, child_record)
        return out
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], Mapping | list | tuple):
            return [_ordered(v, record) for v in value]
        return list(value)
    return value


_NONE = type(None)
_NON_FINITE = frozenset({"nan", "inf", "-inf"})


def _record_lines(records: list[Any], record: str | None) -> _Lines | None:
    """Each record as the compact JSON ``_compact(_ordered(rec, record))`` would write, or None
    when this fast path does not apply and the caller must take the general one.

    Why: a statement list is 100,000 × 27 values, and per-record reordering plus ``json.dumps``
    cost seconds, most of it in ``float.__repr__``. Here the records must be plain dicts with the
    same string keys (what ``statement_records`` builds, or ``json.loads`` reads), so the key order
    is worked out once; each column is then written in one pass, each distinct value once, and a
    row is one ``"".join`` of its cells between the constant ``{"key": ``, ``, "key": `` … ``}``.
    A column holding anything but strings, numbers of one type, booleans, None or lists of strings
    (a nested object, a NaN, a numpy scalar) sends the whole list back to the general path, which
    also raises the error naming where a bad value is.
    """
    if len(records) < 2 or set(map(type, records)) != {dict}:
        return None
    first = records[0]
    width = len(first)
    if width < 2 or set(map(len, records)) != {width} or not all(type(k) is str for k in first):
        return None
    keys = _key_order(first, record)
    with gc_paused():
        try:
            rows = list(map(operator.itemgetter(*keys), records))
        except KeyError:  # same size, other keys
            return None
        parts: list[Iterable[str]] = []
        for index, (key, column) in enumerate(zip(keys, zip(*rows))):
            texts = _column_json(column)
            if texts is None:
                return None
            parts += [repeat(("{" if index == 0 else ", ") + encode_basestring(key) + ": "), texts]
        del rows
        parts.append(repeat("}"))
        return _Lines(map("".join, zip(*parts)))


class _Table:
    """A :class:`StatementTable` in the ordered report: its lines are made a slice at a time."""

    def __init__(self, table: StatementTable, record: str | None) -> None:
        self.table = table
        self.record = record

    def line_chunks(self) -> Iterator[list[str]]:
        """The record lines, :data:`LINES_PER_PIECE` at a time (a slice the fast path refuses is
        written record by record, as a refused list is)."""
        for columns in self.table.column_chunks(LINES_PER_PIECE):
            lines = _column_lines(columns, self.record)
            yield (
                lines
                if lines is not None
                else [_compact(_ordered(r, self.record)) for r in as_records(columns)]
            )


def _column_lines(columns: dict[str, list[Any]], record: str | None) -> _Lines | None:
    """:func:`_record_lines` of the records these columns make, without making them."""
    if len(columns) < 2 or len(next(iter(columns.values()))) < 2:
        return None
    keys = _key_order(dict.fromkeys(columns), record)
    parts: list[Iterable[str]] = []
    with gc_paused():
        for index, key in enumerate(keys):
            texts = _column_json(tuple(columns[key]))
            if texts is None:
                return None
            parts += [repeat(("{" if index == 0 else ", ") + encode_basestring(key) + ": "), texts]
        parts.append(repeat("}"))
        return _Lines(map("".join, zip(*parts)))


def _table_pieces(table: _Table, step: str) -> Iterator[str]:
    """What :func:`_pretty_top` writes for a record list, from a table's line chunks."""
    separator = ",\n" + step + step
    first = True
    for lines in table.line_chunks():
        if lines:
            chunk = separator.join(lines)
            yield ("[\n" + step + step + chunk) if first else separator + chunk
            first = False
    yield "[]" if first else "\n" + step + "]"


def _column_json(column: tuple[Any, ...]) -> list[str] | None:
    """What ``json.dumps`` writes for every value of one column; None to give up (the caller then
    takes the general path)."""
    types = set(map(type, column))
    plain = types - {_NONE}
    if plain == {float}:
        if _NONE not in types:
            return _float_json(column)
        numbers = _float_json([v for v in column if v is not None])
        if numbers is None:
            return None
        written = iter(numbers)
        return ["null" if v is None else next(written) for v in column]
    if plain == {list}:
        if not set(map(type, chain.from_iterable(filter(None, column)))) <= {str}:
            return None
        if _NONE in types:
            return ["null" if v is None else "[" + ", ".join(map(encode_basestring, v)) + "]" for v in column]
        column = tuple(map(tuple, column))  # lists of strings, cached by their tuple: table names repeat
    elif plain == {str} and mostly_distinct(column):  # ids: a cache would only cost
        if _NONE in types:
            return ["null" if v is None else encode_basestring(v) for v in column]
        return list(map(encode_basestring, column))
    elif not (plain <= {str} or plain == {int} or plain == {bool}):
        return None
    # Equal values write the same text here (one type per column: 1 == 1.0 == True print differently).
    values = list(set(column) - {None})
    if plain == {list}:
        texts = ["[" + ", ".join(map(encode_basestring, v)) + "]" for v in values]
    elif plain == {bool}:
        texts = ["true" if v else "false" for v in values]
    elif plain == {int}:
        texts = list(map(repr, values))
    else:
        texts = list(map(encode_basestring, values))
    cache = dict(zip(values, texts))
    cache[None] = "null"
    return list(map(cache.__getitem__, column))


def _float_json(column: Sequence[float]) -> list[str] | None:
    """``repr`` of every float (what ``json.dumps`` writes), or None when one is not finite."""
    try:
        return float_column(column, repr, _finite_reprs)
    except _NotFinite:
        return None


class _NotFinite(ValueError):
    """A NaN or an infinity, which JSON cannot hold (the general path then says where it is)."""


def _finite_reprs(values: list[float]) -> list[str]:
    texts = list(map(repr, values))
    if not _NON_FINITE.isdisjoint(texts):
        raise _NotFinite
    return texts


def _default(value: Any) -> Any:
    """JSON for the number types ``json`` does not know (Decimal, numpy scalars)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Decimal | Real):
        return float(value)
    if hasattr(value, "item") and callable(value.item):  # numpy bool_ and other scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _locate(value: Any, path: str) -> ReportError | None:
    """The first value JSON cannot hold (a non-finite number, an unknown type), as an error naming
    its path; only run after ``json.dumps`` failed, so the fast path builds no path strings."""
    if value is None or isinstance(value, bool | str | int):
        return None
    if isinstance(value, StatementTable):
        value = value.records()
    if isinstance(value, Mapping):
        for key, child in value.items():
            found = _locate(child, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, child in enumerate(value):
            found = _locate(child, f"{path}[{index}]")
            if found:
                return found
        return None
    try:
        number = float(_default(value))
    except (TypeError, ValueError):
        return ReportError(
            f"the report holds a {type(value).__name__} at {path}, which JSON cannot represent",
            hint="this is a bug in the report builder: please report it with the input",
        )
    if not math.isfinite(number):
        return ReportError(
            f"the report holds a non-finite number ({value}) at {path}",
            hint="this is a bug in the report builder: please report it with the input",
        )
    return None
