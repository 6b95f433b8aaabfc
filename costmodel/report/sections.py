"""Section tables of the report model: each table's columns named once, for every printer.

The report dict holds the data; a :class:`SectionTable` says which columns a human-facing table of
it shows, with their headers, units and cell kinds. The text, Markdown and HTML printers, the
readiness document and the dashboard all build their tables from these, so the formats show the
same columns (the terminal leaves out the ``wide`` ones when it is short of room) and a new column
is one line here. Every table of the report is defined in :mod:`costmodel.report.tables`; the
sections that hold them in :mod:`costmodel.report.document`. The CSV export keeps its own
machine-named columns (``csvout.py``): it is a data contract.

A row may carry flags a printer shows in its own way (:data:`MARKED`: the cell's money uses an
unconfirmed price; :data:`STRONG`: the cell is emphasised; :data:`SUFFIX`: words after the cell,
such as "(recommended)"). They are row keys starting with ``_``, never a column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from costmodel.report.common import (
    assumption_value,
    fmt_multiplier,
    fmt_price,
    fmt_qty,
    fmt_share,
    fmt_usd,
    items,
    section,
    sorted_findings,
)


class Cell(StrEnum):
    """How a printer shows a cell."""

    TEXT = "text"
    """Prose (escaped by the printer)."""
    CODE = "code"
    """An identifier or SQL text (monospace; long SQL shortened)."""
    ID = "id"
    """A short identifier shown in full (monospace)."""
    SHARE = "share"
    """A fraction shown as a percentage."""
    QTY = "qty"
    """A quantity with thousands separators."""
    COUNT = "count"
    """A whole number."""
    USD = "usd"
    """Money: cents, or up to four decimals below one dollar (``$0.0035``)."""
    USD2 = "usd2"
    """Money to the cent (totals)."""
    PRICE = "price"
    """A unit price with all its significant digits."""
    MULTIPLIER = "multiplier"
    """A load multiplier (``3.2×``)."""
    FIGURE = "figure"
    """Figures already written as text (a range ``$1–$2``, ``+38%``): right-aligned, shown as they are."""
    VALUE = "value"
    """An assumption value (number, list or mapping) written plainly; right-aligned but free text."""


NUMERIC_CELLS = frozenset(
    {
        Cell.SHARE,
        Cell.QTY,
        Cell.COUNT,
        Cell.USD,
        Cell.USD2,
        Cell.PRICE,
        Cell.MULTIPLIER,
        Cell.FIGURE,
        Cell.VALUE,
    }
)
"""Cells right-aligned in every format."""
MONEY_CELLS = frozenset({Cell.USD, Cell.USD2})
"""Cells that can carry the unconfirmed-price mark."""

MARKED = "_marked"
"""Row key: the column keys whose figure uses an unconfirmed price (or, for text, says so)."""
STRONG = "_strong"
"""Row key: the column keys shown emphasised (the recommended option, a blocker, a cluster's cheapest)."""
SUFFIX = "_suffix"
"""Row key: words shown after a cell, by column key (``{"name": "(recommended)"}``)."""
TOTAL = "_total"
"""Row key: True for a total row (the fleet row of the clusters table)."""


def marked(row: Mapping[str, Any], column: Column) -> bool:
    """The cell carries the unconfirmed-price mark."""
    return column.key in row.get(MARKED, ())


def strong(row: Mapping[str, Any], column: Column) -> bool:
    """The cell is emphasised."""
    return column.key in row.get(STRONG, ())


def suffix(row: Mapping[str, Any], column: Column) -> str:
    """Words after the cell (``""`` when none)."""
    words = row.get(SUFFIX)
    return str(words.get(column.key, "")) if isinstance(words, Mapping) else ""


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from, its header, and how it is shown."""

    key: str
    header: str
    cell: Cell
    wide: bool = False
    """Left out of narrow layouts (the terminal) — every other format shows it."""
    unit: str = ""
    """The unit of the figures (``USD/month``), for formats that name it apart from the header."""
    empty: str = "—"
    """Shown for a missing value."""
    optional: bool = False
    """Left out of a table when no row has a value for it (DPU/call for an option without DPUs)."""
    short: str = ""
    """A shorter header for narrow layouts (the terminal), when the header would widen the column."""

    @property
    def narrow_header(self) -> str:
        """The header where room is short."""
        return self.short or self.header

    @property
    def numeric(self) -> bool:
        """Right-aligned in every format."""
        return self.cell in NUMERIC_CELLS

    @property
    def free_text(self) -> bool:
        """Text from the workload or the data that a format must escape (numbers need not be)."""
        return self.cell in (Cell.TEXT, Cell.VALUE)


@dataclass(frozen=True)
class SectionTable:
    """Rows (plain values by column key) and the columns to show them in."""

    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]

    def shown(self, *, narrow: bool = False) -> tuple[Column, ...]:
        """The columns of a layout: all of them, or the non-wide ones when space is short."""
        return tuple(c for c in self.columns if not (narrow and c.wide))

    def text_cells(self, row: Mapping[str, Any], columns: Sequence[Column]) -> list[str]:
        """A row as plain strings (shares as percentages, quantities grouped, missing as —)."""
        return [plain(row.get(c.key), c.cell, c.empty) for c in columns]


def table(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> SectionTable:
    """A section table; an ``optional`` column is left out when no row has a value for it."""
    kept = tuple(c for c in columns if not c.optional or any(_has(r.get(c.key)) for r in rows))
    return SectionTable(kept, tuple(rows))


def _has(value: Any) -> bool:
    return value is not None and value != "" and not (isinstance(value, float) and value != value)


def plain(value: Any, cell: Cell, empty: str = "—") -> str:
    """One cell as plain text, the same in every format before the format's own escaping."""
    if cell is Cell.SHARE:
        return fmt_share(value)
    if cell in (Cell.QTY, Cell.COUNT):
        return fmt_qty(value)
    if cell is Cell.USD:
        return fmt_usd(value)
    if cell is Cell.USD2:
        return fmt_usd(value, 2)
    if cell is Cell.PRICE:
        return fmt_price(value)
    if cell is Cell.MULTIPLIER:
        return fmt_multiplier(value)
    if cell is Cell.VALUE:
        return assumption_value(value)
    if value is None or value == "":
        return empty
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


FINDING_COLUMNS: tuple[Column, ...] = (
    Column("severity", "Severity", Cell.TEXT),
    Column("id", "Finding", Cell.ID),
    Column("source", "Source", Cell.TEXT, wide=True),
    Column("fixable", "Mechanical fix", Cell.TEXT, wide=True),
    Column("share_calls", "Calls", Cell.SHARE),
    Column("share_exec_time", "Exec time", Cell.SHARE, wide=True),
    Column("share_cost", "Cost", Cell.SHARE),
    Column("effort", "Effort", Cell.TEXT),
    Column("statement_count", "Statements", Cell.COUNT, wide=True),
    Column("schema_count", "Schema statements", Cell.COUNT, wide=True),
    Column("since", "Since", Cell.TEXT, wide=True),
    Column("message", "What", Cell.TEXT),
    Column("remediation", "How to fix", Cell.TEXT),
    Column("sample_query", "Example", Cell.CODE, wide=True),
)
"""The readiness findings table (blockers first, then by share of cost)."""

HOT_SPOT_COLUMNS: tuple[Column, ...] = (
    Column("table", "Table", Cell.TEXT),
    Column("stmt_id", "Statement", Cell.ID),
    Column("key_shape", "Key shape", Cell.TEXT, wide=True),
    Column("key_space", "Keys", Cell.QTY),
    Column("rate_per_s", "Writes/s", Cell.QTY),
    Column("txn_ms", "Txn ms", Cell.QTY, wide=True),
    Column("conflict_probability", "P(conflict)", Cell.SHARE),
    Column("attempts", "Attempts", Cell.QTY, wide=True),
    Column("extra_dpu_month", "Extra DPU/month", Cell.QTY),
    Column("extra_share", "Retry share", Cell.SHARE, wide=True),
    Column("query", "Query", Cell.CODE),
)
"""The OCC hot spots table; fleet reports add a leading Cluster column. A saturated spot (attempts
capped by the retry policy) marks its Attempts cell."""
CLUSTER_COLUMN = Column("cluster", "Cluster", Cell.TEXT)


def _finding_row(finding: Mapping[str, Any]) -> dict[str, Any]:
    statements = items(finding.get("statements"))
    return {
        **finding,
        STRONG: {"severity"} if finding.get("severity") == "blocker" else set(),
        "statement_count": len(statements),
        "schema_count": len(items(finding.get("schema"))),
        # shares are meaningless for a finding on the schema or the run alone
        **({} if statements else {"share_calls": None, "share_exec_time": None, "share_cost": None}),
        # every statement it touches is one-time work (DDL, maintenance seen a few times)
        **(
            {"remediation": f"One-time fix: {finding.get('remediation') or ''}".rstrip(": ")}
            if finding.get("one_time")
            else {}
        ),
    }


def findings_table(report: Mapping[str, Any]) -> SectionTable:
    """The readiness findings of a report (or of a readiness document: same keys)."""
    readiness = section(report, "readiness") if "readiness" in report else report
    rows = tuple(_finding_row(f) for f in sorted_findings(items(readiness.get("findings"))))
    return SectionTable(FINDING_COLUMNS, rows)


def hot_spots_table(report: Mapping[str, Any]) -> SectionTable:
    """The OCC hot spots of a report, with the Cluster column when any spot names one."""
    contention = section(report, "contention") if "contention" in report else report
    spots = tuple(
        {**s, MARKED: {"attempts"}} if s.get("saturated") else s
        for s in items(contention.get("hot_spots"))
        if isinstance(s, Mapping)
    )
    with_cluster = any("cluster" in s for s in spots)
    return SectionTable((CLUSTER_COLUMN, *HOT_SPOT_COLUMNS) if with_cluster else HOT_SPOT_COLUMNS, spots)
