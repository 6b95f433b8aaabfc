"""The migration plan for a terminal: the phases with their headline figures, then the first items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType

from costmodel.report.common import section
from costmodel.report.plan import TEXT_ITEMS, items_left_text, items_table, phases_table, plan_lead
from costmodel.report.sections import SectionTable
from costmodel.report.textparts import heading, lit, records, simple_table


def plan_blocks(report: Mapping[str, Any], narrow: bool) -> list[RenderableType]:
    """``Migration plan`` heading, where its inventory comes from, the phases and their first items
    (nothing for a report without a plan)."""
    if not section(report, "plan"):
        return []
    parts: list[RenderableType] = [heading("Migration plan (five phases)"), lit(plan_lead(report), "dim")]
    phases = phases_table(report)
    if narrow:
        grid = records()
        for row in phases.rows:
            line = lit(f"{row.get('name')}", "bold")
            line.append(f"  {row.get('items_total')} item(s) · effort {row.get('effort_text')}", style="dim")
            line.append("\n" + str(row.get("key_figures") or ""))
            grid.add_row(lit(row.get("number")), line)
        parts.append(grid)
    else:
        parts.append(_table(phases))
    todo = items_table(report, TEXT_ITEMS)
    if todo.rows:
        parts.append(_table(todo))
    more = items_left_text(report, TEXT_ITEMS)
    if more:
        parts.append(lit(more, "dim"))
    return [Group(*parts)]


def _table(spec: SectionTable) -> RenderableType:
    """A plan table's narrow columns (the wide ones are in the other formats)."""
    columns = spec.shown(narrow=True)
    table = simple_table(expand=True)
    for column in columns:
        if column.numeric:
            table.add_column(column.header, justify="right", no_wrap=True)
        elif column.key in ("effort", "effort_text", "name"):
            table.add_column(column.header, overflow="fold", max_width=24)
        else:
            table.add_column(column.header, overflow="fold", ratio=1)
    for row in spec.rows:
        table.add_row(*(lit(cell) for cell in spec.text_cells(row, columns)))
    return table
