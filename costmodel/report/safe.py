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
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any

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
