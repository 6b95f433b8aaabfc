"""The phased migration plan: five phases, each with its inventory, effort and figures.

1. **Schema audit** — readiness findings on the workload and schema, and the code audit's findings;
2. **Schema refactoring** — the remediated DDL (SERIAL → UUID, CREATE INDEX ASYNC, triggers and
   PL/pgSQL listed for the data access layer), what ``dsql-lint --fix`` rewrites mechanically, and
   the DSQL and Serverless v2 costs before and after (UUID keys widen rows and index entries);
3. **Retry logic** — the write statements and transactions that must retry on 40001, and the code's
   write paths without a retry (file:line);
4. **Load testing for conflict rate** — per write pattern of the OCC model, the peak rate to test at
   and the predicted conflict rate against the <1% good / >5% bad targets;
5. **Cutover** — what replication from the source must carry (data size, write rate) and the
   monthly costs to expect.

Every figure comes from the analysis of the export (:class:`~costmodel.analysis.run.Analysis`), the
code audit and the remediation; effort per item is the ``effort`` of its check or code rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np

from costmodel.audit.remediate import Remediation
from costmodel.core.workload import CatalogFacts, Workload

UUID_BYTES = 16.0
"""Width of a uuid column (PostgreSQL and DSQL store it in 16 bytes)."""
WRITE_ITEMS = 10
"""Without a code audit, phase 3 lists the most-called write statements (this many)."""
DEFAULT_INT_BYTES = 4.0
"""Width of an integer key column when the catalog has no pg_stats width for it."""


@dataclass(frozen=True)
class PlanItem:
    """One thing to do in a phase."""

    id: str
    title: str
    effort: str
    where: str
    severity: str = ""
    share_calls: float | None = None
    share_cost: float | None = None
    mechanical: bool = False
    detail: str = ""
    query: str = ""
    """The workload statement's text, apart from the title so that a report can redact it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Figure:
    """One figure of a phase: a machine value (a number, a list of numbers, a text or None) and the
    same for people; ``headline`` is the short phrase the main report's phase table shows ("" when
    the figure is not one of the phase's headline figures)."""

    key: str
    label: str
    value: Any
    text: str
    headline: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"key": self.key, "label": self.label, "value": self.value, "text": self.text,
                "headline": self.headline or None}  # fmt: skip


def effort_counts(items: tuple[PlanItem, ...]) -> dict[str, int]:
    """Items per effort level (high, medium, low; levels without items left out)."""
    counts = {e: sum(1 for i in items if i.effort == e) for e in ("high", "medium", "low")}
    return {e: n for e, n in counts.items() if n}


@dataclass(frozen=True)
class Phase:
    """One phase: its goal, the figures that size it, and its items."""

    number: int
    name: str
    goal: str
    figures: tuple[Figure, ...]
    items: tuple[PlanItem, ...]

    def figure(self, key: str) -> Figure | None:
        """The figure called ``key``, if the phase has it."""
        return next((f for f in self.figures if f.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "number": self.number,
            "name": self.name,
            "goal": self.goal,
            "effort": effort_counts(self.items),
            "figures": [f.to_dict() for f in self.figures],
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class CostLine:
    """Monthly cost of one option before and after the schema remediation."""

    option: str
    title: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class MigrationPlan:
    """The five phases, the cost comparison, and where the remediated DDL went."""

    source: str
    scenario: str
    dsql_as_of: str
    verdict: str
    phases: tuple[Phase, ...]
    costs: tuple[CostLine, ...]
    ddl_out: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    schema_file: str | None = None
    """The schema dump remediated (``--schema`` or a bundle's schema.sql); None without one."""
    code: dict[str, Any] | None = None
    """The code audit in brief (root, files, skipped, findings, write paths, without retry); None without --code."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema_version`` versioned)."""
        return {
            "schema_version": 1,
            "kind": "migration-plan",
            "source": self.source,
            "scenario": self.scenario,
            "dsql_as_of": self.dsql_as_of,
            "readiness_verdict": self.verdict,
            "phases": [p.to_dict() for p in self.phases],
            "costs": [
                {"option": c.option, "title": c.title, "before_usd": str(c.before), "after_usd": str(c.after)}
                for c in self.costs
            ],
            "ddl_out": self.ddl_out,
            "schema_file": self.schema_file,
            "code": self.code,
            "notes": list(self.notes),
        }


def pct(value: float | None) -> str:
    """A share for people: ``12.3%``, ``<0.1%``, ``n/a``."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return "<0.1%" if 0 < value < 0.001 else f"{value:.1%}"


def usd(value: Decimal | float) -> str:
    """``$1,234.56``."""
    return f"${float(value):,.2f}"


def uuid_catalog(catalog: CatalogFacts, columns: tuple[tuple[str, str], ...]) -> CatalogFacts:
    """``catalog`` with the given (table, column) pairs widened to 16-byte uuid columns."""
    tables = dict(catalog.tables)
    for key, facts in catalog.tables.items():
        changed = [c for t, c in columns if t == facts.name.lower()]
        if not changed:
            continue
        widths = dict(facts.column_avg_width)
        grow = 0.0
        for column in changed:
            old = float(widths.get(column) or DEFAULT_INT_BYTES)
            widths[column] = UUID_BYTES
            grow += UUID_BYTES - old
        row = (facts.avg_row_width or 0.0) + grow if facts.avg_row_width else None
        tables[key] = replace(facts, column_avg_width=widths, avg_row_width=row)
    return replace(catalog, tables=tables)


def remediated_workload(workload: Workload, remediation: Remediation) -> Workload | None:
    """The workload with UUID keys in its catalog facts (None without catalog facts)."""
    if workload.catalog is None:
        return None
    columns = remediation.uuid_keys + remediation.uuid_references
    return workload.with_statements(workload.statements, catalog=uuid_catalog(workload.catalog, columns))
