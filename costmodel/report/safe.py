"""Spreadsheet safety: cells that a spreadsheet cannot mistake for a formula, numbers it reads as numbers.

Why: the CSV export is opened in Excel and LibreOffice, and its text comes from the workload being
priced (query texts, role and table names, comments). A cell that starts with ``=``, ``+``, ``-``
or ``@`` is evaluated as a formula when the file is opened ("CSV injection", e.g. a role named
``=cmd|' /C calc'!A0`` or a query text starting with a ``--`` comment). Following OWASP, such text
cells get a leading single quote ``'``, which both spreadsheets show as text; it is the only change
made to a text value. Only *text* columns are neutralised: a negative number in a numeric column
(a free-tier credit of ``-12.5``) stays a number. Identifier columns (statement ids) are also
quoted when they look like numbers, so a 19-digit queryid is not rounded to 15 digits.

Numbers are written plainly (``0.0000123``, never ``1.23e-05``, no grouping, no currency symbol), so
every locale's CSV import reads the same value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import Enum
from itertools import chain
from typing import Any

import numpy as np

from costmodel.report.common import is_number, plain_number

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
"""First characters that make a spreadsheet treat a cell as a formula or DDE payload (OWASP list:
``= + - @`` TAB CR; plus LF and the full-width ``＝ ＋ － ＠`` that some Excel locales also accept)."""

NEUTRALISER = "'"
"""The prefix OWASP recommends: both Excel and LibreOffice display the cell as text."""


class CellKind(Enum):
    """How a column's values are written."""

    TEXT = "text"
    """Free text: neutralised when it could start a formula."""
    NUMBER = "number"
    """A number written plainly; a non-number value falls back to neutralised text."""
    BOOL = "bool"
    """TRUE / FALSE, which both spreadsheets and pandas read as booleans."""
    AUTO = "auto"
    """Per cell: a number when the value is one (assumption values), else neutralised text."""
    ID = "id"
    """An identifier (statement ids are pg_stat_statements queryids, up to 19 digits): neutralised
    text, and also quoted when it looks like a number, because a spreadsheet keeps only 15 digits
    and would silently change the id, breaking joins between the files."""


_NUMERIC = re.compile(r"^\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?\s*$")


def needs_neutralising(text: str) -> bool:
    """True when ``text`` would be read as a formula: its first character, or its first character
    after leading spaces (some imports trim them), is a trigger."""
    if not text:
        return False
    return text[0] in FORMULA_TRIGGERS or text.lstrip(" ")[:1] in FORMULA_TRIGGERS


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would otherwise evaluate it."""
    return NEUTRALISER + text if needs_neutralising(text) else text


def number_cell(value: Any) -> str:
    """A number as plain fixed-point text; None and non-finite values are an empty cell."""
    kind = type(value)
    if kind is float:  # the common case, kept fast: repr is the shortest exact text
        if value != value or value in (math.inf, -math.inf):
            return ""
        text = repr(value)
        if "e" in text:
            return plain_number(value)
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return "0" if text in ("-0", "") else text
    if kind is int:
        return str(value)
    if value is None or isinstance(value, bool):
        return "" if value is None else ("TRUE" if value else "FALSE")
    if is_number(value):
        if isinstance(value, int):
            return str(value)
        return plain_number(value)
    if isinstance(value, float | Decimal):  # NaN, infinity: no honest number to show
        return ""
    return neutralise(str(value))


def text_cell(value: Any) -> str:
    """Any value as neutralised text; None is an empty cell, lists are joined with ``; ``."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return neutralise(str(value))


def bool_cell(value: Any) -> str:
    """TRUE / FALSE for booleans, empty for None, neutralised text for anything else."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return text_cell(value)


def id_cell(value: Any) -> str:
    """An identifier (or ``; ``-joined identifiers) that a spreadsheet must keep as text."""
    text = text_cell(value)
    if text and not text.startswith(NEUTRALISER) and _NUMERIC.match(text):
        return NEUTRALISER + text
    return text


def auto_cell(value: Any) -> str:
    """A number when ``value`` is one (or a boolean), else neutralised text."""
    return number_cell(value) if is_number(value) or isinstance(value, bool) else text_cell(value)


def writer(kind: CellKind) -> Callable[[Any], str]:
    """The cell writer for a column of ``kind`` (looked up once per column, not per cell)."""
    return {
        CellKind.TEXT: text_cell,
        CellKind.NUMBER: number_cell,
        CellKind.BOOL: bool_cell,
        CellKind.AUTO: auto_cell,
        CellKind.ID: id_cell,
    }[kind]


def cell(value: Any, kind: CellKind) -> str:
    """Write ``value`` as a cell of ``kind``."""
    if kind is CellKind.NUMBER:
        return number_cell(value)
    if kind is CellKind.BOOL:
        return bool_cell(value)
    if kind is CellKind.ID:
        return id_cell(value)
    if kind is CellKind.AUTO:
        return number_cell(value) if is_number(value) or isinstance(value, bool) else text_cell(value)
    return text_cell(value)


def float_column(
    values: Sequence[float],
    write: Callable[[float], str],
    write_many: Callable[[list[float]], list[str]] | None = None,
) -> list[str]:
    """``[write(v) for v in values]`` for a column of floats, writing each distinct value once
    (``write_many``, when given, writes a list of them in one call).

    Why: writing a float (``float.__repr__``, which both the JSON and the CSV writers rest on) is
    the bulk of rendering a 100,000-statement report, and statement columns repeat values (call
    counts, byte sizes, prices). The distinct values are found with a sort (``numpy.unique``),
    cheaper here than hashing every float into a dict; a column of nearly all different values
    (judged on a sample) is written value by value. ``0.0`` and ``-0.0`` are equal but may write
    differently, so zeros are written by their sign; NaNs are all passed to ``write`` as one.
    """
    if mostly_distinct(values, share=0.9):  # a sort would not pay: every value written as it is
        return write_many(list(values)) if write_many is not None else list(map(write, values))
    numbers = np.asarray(values, dtype=np.float64)
    distinct, inverse = np.unique(numbers, return_inverse=True)
    texts = np.empty(len(distinct), dtype=object)
    floats = distinct.tolist()
    texts[:] = write_many(floats) if write_many is not None else list(map(write, floats))
    out = texts[inverse.reshape(-1)]
    zeros = numbers == 0.0
    if zeros.any():
        negative = np.signbit(numbers)
        out[zeros & negative] = write(-0.0)
        out[zeros & ~negative] = write(0.0)
    result: list[str] = out.tolist()
    return result


def number_cells(values: list[float]) -> list[str]:
    """``[number_cell(v) for v in values]`` for floats, with one ``repr`` per value and the rest
    done on all of them at once: a finite float's ``repr`` without an exponent has no trailing
    zero but the ``.0`` of a whole number, which :func:`number_cell` drops."""
    joined = "\n".join(map(repr, values)) + "\n"
    stripped = joined.replace(".0\n", "\n")
    texts = stripped.split("\n")[:-1]
    if "e" in joined or "n" in joined or "-0\n" in stripped:  # exponents, nan, inf, -0.0: one by one
        return [number_cell(v) if "e" in t or "n" in t or t == "-0" else t for v, t in zip(values, texts)]
    return texts


_NONE = type(None)
_DEDUP_TYPES: dict[CellKind, frozenset[type]] = {
    CellKind.TEXT: frozenset({str, int, bool}),
    CellKind.NUMBER: frozenset({str, int, bool, float}),
    CellKind.BOOL: frozenset({str, int, bool}),
    CellKind.AUTO: frozenset({str, int, bool, float}),
    CellKind.ID: frozenset({str, int, bool}),
}
"""Types whose equal values always write the same cell of that kind, so a column of one such type
(and None) is written once per distinct value. Not across types (``1 == 1.0 == True`` write
``1``, ``1.0``, ``TRUE`` as text), and floats only where ``-0.0`` and ``0.0`` both write ``0``."""


def column_cells(kind: CellKind, values: Sequence[Any]) -> list[str]:
    """``[cell(v, kind) for v in values]``, for a whole column at once.

    Why: a 100,000-statement ``statements.csv`` has millions of cells; one call per column instead
    of two per cell (and each distinct value written once: kinds, databases, call counts, prices
    repeat) is what keeps the CSV export fast. The cells are exactly those of :func:`cell`.
    """
    write = writer(kind)
    types = set(map(type, values))
    plain = types - {_NONE}
    if len(plain) != 1:
        return list(map(write, values))
    (only,) = plain
    if only is list and kind in (CellKind.TEXT, CellKind.ID) and _NONE not in types:
        # ``; ``-joined lists (table names, finding ids): cached by their tuple when they hold
        # strings only (equal tuples of strings join to the same text)
        if set(map(type, chain.from_iterable(values))) <= {str}:
            keys = list(map(tuple, values))
            cache = {key: write(key) for key in set(keys)}
            return list(map(cache.__getitem__, keys))
        return list(map(write, values))
    if only not in _DEDUP_TYPES[kind]:
        return list(map(write, values))
    if only is float:
        many = number_cells if kind is CellKind.NUMBER else None
        if _NONE not in types:
            return float_column(values, write, many)
        written = iter(float_column([v for v in values if v is not None], write, many))
        return ["" if v is None else next(written) for v in values]
    if only is str and mostly_distinct(values):  # ids, query texts: a cache would only cost
        return list(map(write, values))
    cache = {v: write(v) for v in set(values)}
    return list(map(cache.__getitem__, values))


def mostly_distinct(values: Sequence[Any], sample: int = 1000, share: float = 0.5) -> bool:
    """Whether more than ``share`` of the values differ (judged on the first ``sample``): then
    writing each distinct value once would cost more than it saves."""
    head = values[:sample]
    return len(set(head)) > share * len(head)
