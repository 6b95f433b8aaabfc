"""The migration plan in every format: table, JSON, Markdown, HTML, CSV (one item per row)."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from typing import Any

from costmodel.audit.plan import MigrationPlan, PlanItem, effort_counts, pct, usd
from costmodel.audit.render import HTML_STYLE, html_table

ITEM_COLUMNS: tuple[tuple[str, Callable[[PlanItem], Any]], ...] = (
    ("item", lambda i: i.title),
    ("where", lambda i: i.where),
    ("severity", lambda i: i.severity),
    ("effort", lambda i: i.effort),
    ("mechanical fix", lambda i: "yes" if i.mechanical else ""),
    ("share of calls", lambda i: pct(i.share_calls) if i.share_calls is not None else ""),
    ("share of DSQL cost", lambda i: pct(i.share_cost) if i.share_cost is not None else ""),
    ("detail", lambda i: i.detail),
    ("query", lambda i: i.query),
)


def _rows(items: tuple[PlanItem, ...]) -> list[list[str]]:
    return [[str(get(i)) for _, get in ITEM_COLUMNS] for i in items]


def _header(plan: MigrationPlan) -> list[str]:
    return [
        f"Migration plan for {plan.source} ({plan.dsql_as_of}; scenario {plan.scenario})",
        f"readiness verdict: {plan.verdict}",
    ]


def _effort(items: tuple[PlanItem, ...]) -> str:
    return ", ".join(f"{n} {e}" for e, n in effort_counts(items).items()) or "nothing to do"


def render_plan(plan: MigrationPlan, fmt: str) -> str:
    """``plan`` as ``fmt`` (table, json, markdown, html, csv)."""
    if fmt == "json":
        return json.dumps(plan.to_dict(), indent=2, default=str) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["phase", "phase_name", "id"] + [c for c, _ in ITEM_COLUMNS])
        for phase in plan.phases:
            for item, row in zip(phase.items, _rows(phase.items), strict=True):
                writer.writerow([phase.number, phase.name, item.id, *row])
        return buf.getvalue()
    if fmt == "markdown":
        return _markdown(plan)
    if fmt == "html":
        return _html(plan)
    return _table(plan)


def _table(plan: MigrationPlan, limit: int = 12) -> str:
    out = [*_header(plan), ""]
    for phase in plan.phases:
        out.append(f"Phase {phase.number}: {phase.name} — {phase.goal}")
        out.append(f"  effort: {_effort(phase.items)} ({len(phase.items)} items)")
        width = max((len(f.label) for f in phase.figures), default=0)
        out += [f"  {f.label.ljust(width)}  {f.text}" for f in phase.figures]
        for item in phase.items[:limit]:
            extra = f" — {item.detail}" if item.detail else ""
            extra += f": {item.query[:90]}" if item.query else ""
            share = f" [{pct(item.share_calls)} of calls]" if item.share_calls is not None else ""
            out.append(f"  - [{item.effort}] {item.title} ({item.where}){share}{extra}")
        if len(phase.items) > limit:
            out.append(f"  … {len(phase.items) - limit} more items (all in --format json/csv/markdown/html)")
        out.append("")
    out.append("Monthly cost before -> after the schema remediation")
    out += [f"  {c.title}: {usd(c.before)} -> {usd(c.after)}" for c in plan.costs]
    out += [f"note: {n}" for n in plan.notes]
    return "\n".join(out).rstrip() + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(plan: MigrationPlan) -> str:
    head = _header(plan)
    out = [f"# {head[0]}", "", head[1], ""]
    for phase in plan.phases:
        out += [
            f"## Phase {phase.number}: {phase.name}",
            "",
            phase.goal,
            "",
            f"Effort: {_effort(phase.items)}.",
            "",
        ]
        out += ["| figure | value |", "|---|---|"] + [
            f"| {_md_cell(f.label)} | {_md_cell(f.text)} |" for f in phase.figures
        ]
        if phase.items:
            out += [
                "",
                "| " + " | ".join(c for c, _ in ITEM_COLUMNS) + " |",
                "|" + "---|" * len(ITEM_COLUMNS),
            ]
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in _rows(phase.items)]
        out.append("")
    out += [
        "## Monthly cost before and after the remediation",
        "",
        "| option | before | after |",
        "|---|---|---|",
    ]
    out += [f"| {c.title} | {usd(c.before)} | {usd(c.after)} |" for c in plan.costs]
    out += [""] + [f"- {n}" for n in plan.notes]
    return "\n".join(out).rstrip() + "\n"


def _html(plan: MigrationPlan) -> str:
    head = _header(plan)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(head[0])}</title>{HTML_STYLE}</head><body>",
             f"<h1>{html.escape(head[0])}</h1><p>{html.escape(head[1])}</p>"]  # fmt: skip
    for phase in plan.phases:
        parts.append(f"<h2>Phase {phase.number}: {html.escape(phase.name)}</h2><p>{html.escape(phase.goal)} "
                     f"Effort: {html.escape(_effort(phase.items))}.</p>")  # fmt: skip
        parts.append(html_table(["figure", "value"], [[f.label, f.text] for f in phase.figures]))
        if phase.items:
            parts.append(html_table([c for c, _ in ITEM_COLUMNS], _rows(phase.items)))
    parts.append("<h2>Monthly cost before and after the remediation</h2>")
    parts.append(
        html_table(
            ["option", "before", "after"], [[c.title, usd(c.before), usd(c.after)] for c in plan.costs]
        )
    )
    parts += [f"<p>{html.escape(n)}</p>" for n in plan.notes]
    return "".join(parts) + "</body></html>\n"
