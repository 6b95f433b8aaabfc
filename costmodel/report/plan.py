"""The migration plan as a section of the main report: its dict (``plan`` in the contract) and tables.

The plan itself is built by :mod:`costmodel.audit.planbuild`; here it becomes plain data — each
phase's effort, typed figures and at most :data:`ITEMS_KEPT` items (``items_total`` says how many
there are; ``dsqlcost plan`` lists them all) — and two section tables every printer shares: the
phases with their headline figures, and the items of each phase (file:line when code was audited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costmodel.audit.plan import MigrationPlan
from costmodel.report.common import items, section
from costmodel.report.sections import Cell, Column, SectionTable

ITEMS_KEPT = 50
"""Items per phase kept in the report dict (all are in ``dsqlcost plan``)."""
ITEMS_SHOWN = 5
"""Items per phase the Markdown and HTML reports show (the CSV and JSON keep :data:`ITEMS_KEPT`)."""
TEXT_ITEMS = 3
"""Items per phase the terminal shows."""

PHASE_COLUMNS: tuple[Column, ...] = (
    Column("number", "Phase", Cell.COUNT),
    Column("name", "Name", Cell.TEXT),
    Column("items_total", "Items", Cell.COUNT),
    Column("effort_text", "Effort", Cell.TEXT),
    Column("key_figures", "Key figures", Cell.TEXT),
    Column("goal", "Goal", Cell.TEXT, wide=True),
)
"""The plan's phases table: one row per phase with its headline figures."""

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("phase", "Phase", Cell.COUNT),
    Column("title", "Item", Cell.TEXT),
    Column("where", "Where", Cell.TEXT),
    Column("effort", "Effort", Cell.TEXT),
    Column("share_calls", "Calls", Cell.SHARE),
    Column("mechanical", "Mechanical fix", Cell.TEXT, wide=True),
    Column("detail", "Detail", Cell.TEXT, wide=True),
    Column("query", "Query", Cell.CODE, wide=True),
)
"""The plan's items table (the first few of each phase)."""


def plan_section(plan: MigrationPlan | None) -> dict[str, Any] | None:
    """The report's ``plan`` entry (JSON-ready apart from the builder's cleaning), None without a plan."""
    if plan is None:
        return None
    data = plan.to_dict()
    phases = []
    for phase in data["phases"]:
        total = len(phase["items"])
        phases.append({**phase, "items_total": total, "items": phase["items"][:ITEMS_KEPT]})
    return {
        "verdict": data["readiness_verdict"],
        "dsql_as_of": data["dsql_as_of"],
        "schema_file": data["schema_file"],
        "code": data["code"],
        "phases": phases,
        "costs": [
            {"option": c.option, "title": c.title, "before_usd": float(c.before), "after_usd": float(c.after)}
            for c in plan.costs
        ],
        "notes": data["notes"],
    }


def effort_text(effort: Any) -> str:
    """``2 high, 7 medium`` from a phase's effort counts."""
    counts = effort if isinstance(effort, Mapping) else {}
    return ", ".join(f"{n} {level}" for level, n in counts.items()) or "nothing to do"


def key_figures(phase: Mapping[str, Any]) -> str:
    """A phase's headline figures as one line (``blocked; 14 blocker(s); …``)."""
    shown = [f for f in items(phase.get("figures")) if isinstance(f, Mapping) and f.get("headline")]
    return "; ".join(str(f["headline"]) for f in shown)


def phases_table(report: Mapping[str, Any]) -> SectionTable:
    """One row per phase: effort, item count and headline figures."""
    rows = tuple(
        {**p, "effort_text": effort_text(p.get("effort")), "key_figures": key_figures(p)}
        for p in items(section(report, "plan").get("phases"))
        if isinstance(p, Mapping)
    )
    return SectionTable(PHASE_COLUMNS, rows)


def items_table(report: Mapping[str, Any], per_phase: int | None = ITEMS_SHOWN) -> SectionTable:
    """The items of every phase (the first ``per_phase`` of each; all kept ones with None)."""
    rows = []
    for phase in items(section(report, "plan").get("phases")):
        if not isinstance(phase, Mapping):
            continue
        kept = [i for i in items(phase.get("items")) if isinstance(i, Mapping)]
        rows += [{**i, "phase": phase.get("number")} for i in kept[:per_phase]]
    return SectionTable(ITEM_COLUMNS, tuple(rows))


def items_left_text(report: Mapping[str, Any], per_phase: int = ITEMS_SHOWN) -> str:
    """The line under a shortened items table: how many items it leaves out and where they are."""
    phases = [p for p in items(section(report, "plan").get("phases")) if isinstance(p, Mapping)]
    left = sum(max(0, int(p.get("items_total") or 0) - per_phase) for p in phases)
    if not left:
        return ""
    return f"… {left} more item(s): plan.csv of --format csv, the JSON report, or `dsqlcost plan`."


def plan_lead(report: Mapping[str, Any]) -> str:
    """The sentence under the plan's heading: where its inventory comes from."""
    plan = section(report, "plan")
    code = section(plan, "code")
    parts = [f"readiness {plan.get('verdict') or '—'} ({plan.get('dsql_as_of') or '—'})"]
    parts.append(f"schema {plan['schema_file']}" if plan.get("schema_file") else "no schema given")
    if code:
        parts.append(
            f"code {code.get('root')}: {code.get('files')} file(s), {code.get('without_retry')} of "
            f"{code.get('write_paths')} write path(s) without a retry on 40001"
        )
    else:
        parts.append("code not audited (report --code DIR)")
    return "; ".join(parts) + "."
