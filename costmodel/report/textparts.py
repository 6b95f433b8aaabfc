"""Building blocks of the terminal report (rich), shared by :mod:`costmodel.report.text` and
:mod:`costmodel.report.textfleet`.

Why a module of its own: every section of the terminal report shows money, report text and tables
the same way (text shown literally with control characters visible, unconfirmed prices marked
``*``, credits green, option names broken after hyphens), and the fleet sections live apart from
the single-cluster ones to keep each module small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from costmodel.report.common import display_text, fmt_usd, is_number, one_line
from costmodel.report.sections import MONEY_CELLS, Cell, Column, marked, plain

NARROW = 80
"""Below this width, sections are records instead of tables."""
MONEY_WIDTH = 10
"""Narrowest column that holds a monthly total such as ``$12,345.67*``."""
RISK_STYLE = {"low": "green", "elevated": "yellow", "high": "bold red", "unknown": "yellow"}
UNCONFIRMED_MARK = "*"


def lit(value: Any, style: str = "") -> Text:
    """Report text as a rich Text: shown literally, control characters visible, tabs as spaces."""
    return Text(display_text(value).replace("\t", " "), style=style)


def heading(title: str) -> Text:
    """A section title, after a blank line."""
    return Text(f"\n{title}", style="bold underline")


def money(value: Any, marked: bool = False, places: int | None = None, style: str = "") -> Text:
    """Money for people; ``*`` when it includes an unconfirmed price; credits (negative) green."""
    text = Text(fmt_usd(value, places), style=style)
    if marked:
        text.append(UNCONFIRMED_MARK, style="magenta")
    if is_number(value) and float(value) < 0:
        text.stylize("green")
    return text


def bullets(mark: str, lines: list[Any], style: str = "") -> Table:
    """Lines with a hanging indent: wrapped text lines up after the mark."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style=style)
    grid.add_column(overflow="fold", style=style)
    for line in lines:
        grid.add_row(mark, one_line(line))
    return grid


def records() -> Table:
    """A borderless two-column grid for narrow layouts: a right-aligned key, then the record."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    return grid


def simple_table(expand: bool = False) -> Table:
    """The report's table style: a rule under the header, no outer padding."""
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=expand)


def wrap_name(name: str, width: int) -> str:
    """An option name broken after hyphens so it fits a ``width``-wide column header."""
    lines: list[str] = []
    current = ""
    for part in name.replace("-", "-\0").split("\0"):
        if current and len(current) + len(part) > width:
            lines.append(current)
            current = part
        else:
            current += part
    lines.append(current)
    return "\n".join(lines)


def cell_text(row: Mapping[str, Any], column: Column, style: str = "") -> Text:
    """A section-table cell for the terminal: money with its unconfirmed mark, the rest as every format
    writes it (:func:`costmodel.report.sections.plain`)."""
    value = row.get(column.key)
    if column.cell in MONEY_CELLS:
        return money(value, marked(row, column), 2 if column.cell is Cell.USD2 else None, style)
    return lit(plain(value, column.cell, column.empty), style)


def add_columns(
    table: Table, columns: Sequence[Column], layout: Mapping[str, Mapping[str, Any]], *, narrow: bool = False
) -> None:
    """A section table's columns on a rich table: its headers (the short ones when ``narrow``), figures
    right-aligned, and the terminal's own layout per column key (``overflow``, ``max_width`` …)."""
    for column in columns:
        header = column.narrow_header if narrow else column.header
        table.add_column(header, justify="right" if column.numeric else "left", **layout.get(column.key, {}))
