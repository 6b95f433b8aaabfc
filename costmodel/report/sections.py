"""Section tables of the report model: each table's columns named once, for every printer.

The report dict holds the data; a :class:`SectionTable` says which columns a human-facing table of
it shows, with their headers and cell kinds. The text, Markdown and HTML printers, the readiness
document and the dashboard all build their tables from these, so the formats show the same columns
(the terminal leaves out the ``wide`` ones when it is short of room) and a new column is one line
here. The CSV export keeps its own machine-named columns (``csvout.py``): it is a data contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from costmodel.report.common import fmt_qty, fmt_share, items, section, sorted_findings


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


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from, its header, and how it is shown."""

    key: str
    header: str
    cell: Cell
    wide: bool = False
    """Left out of narrow layouts (the terminal) — every other format shows it."""

    @property
    def numeric(self) -> bool:
        """Right-aligned in every format."""
        return self.cell in (Cell.SHARE, Cell.QTY, Cell.COUNT)


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
        return [plain(row.get(c.key), c.cell) for c in columns]


def plain(value: Any, cell: Cell) -> str:
    """One cell as plain text, the same in every format before the format's own escaping."""
    if cell is Cell.SHARE:
        return fmt_share(value)
    if cell in (Cell.QTY, Cell.COUNT):
        return fmt_qty(value)
    if value is None or value == "":
        return "—"
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
    Column("conflict_probability", "P(conflict)", Cell.SHARE),
    Column("attempts", "Attempts", Cell.QTY, wide=True),
    Column("extra_dpu_month", "Extra DPU/month", Cell.QTY),
    Column("query", "Query", Cell.CODE),
)
"""The OCC hot spots table; fleet reports add a leading Cluster column."""
CLUSTER_COLUMN = Column("cluster", "Cluster", Cell.TEXT)


def _finding_row(finding: Mapping[str, Any]) -> dict[str, Any]:
    statements = items(finding.get("statements"))
    return {
        **finding,
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
    spots = tuple(s for s in items(contention.get("hot_spots")) if isinstance(s, Mapping))
    with_cluster = any("cluster" in s for s in spots)
    return SectionTable((CLUSTER_COLUMN, *HOT_SPOT_COLUMNS) if with_cluster else HOT_SPOT_COLUMNS, spots)
