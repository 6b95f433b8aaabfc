"""The decision section for a terminal: the walked tree, the outcome, where each option keeps data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from costmodel.report.common import fmt_usd, items, option_list, section
from costmodel.report.decisionview import has_decision, location_lines, residency_line
from costmodel.report.textparts import bullets, heading, lit


def decision_section(report: Mapping[str, Any]) -> RenderableType:
    """``Decision`` heading, one record per question, the outcome, then the data locations."""
    if not has_decision(report):
        return Text("")
    decision = section(report, "decision")
    outcome = section(decision, "outcome")
    parts: list[RenderableType] = [heading("Decision (the architect's tree)")]
    for n, q in enumerate(items(decision.get("questions")), start=1):
        line = Text(f"{n}. ")
        line.append_text(lit(q.get("question"), "bold"))
        line.append(" ")
        line.append_text(lit(q.get("answer")))
        line.append("\n   → ")
        line.append_text(lit(q.get("branch"), "cyan"))
        line.append("\n   source: ")
        line.append_text(lit(q.get("source"), "dim"))
        for b in items(q.get("alternatives")):
            cost = f"{fmt_usd(b.get('monthly_usd'), 2)}/month" if b.get("monthly_usd") is not None else "—"
            line.append(f"\n   · {b.get('label')} → {b.get('path')} ({b.get('option') or '—'}, {cost})")
        parts.append(line)
    result = Text("outcome: ", style="bold")
    result.append_text(lit(outcome.get("summary"), "bold green"))
    parts.append(result)
    if items(outcome.get("conflicts")):
        parts.append(bullets("!", items(outcome.get("conflicts")), "yellow"))
    parts.append(Text(f"\nWhere the data lives ({residency_line(report)})", style="bold"))
    for option in option_list(report):
        parts.append(lit(str(option.get("name")), "bold"))
        parts.append(bullets("·", location_lines(option)))
    flags = items(section(decision, "residency").get("flags"))
    if flags:
        parts.append(bullets("!", flags, "yellow"))
    return Group(*parts)
