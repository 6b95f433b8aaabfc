"""The readiness result types: findings, their weights, the verdict (see :mod:`costmodel.readiness.assess`).

Plain frozen data so reports, the dashboard and the CLI can render a :class:`Readiness` without
knowing how it was computed; :meth:`Readiness.to_dict` is the JSON form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import pandas as pd

from costmodel.core.estimate import Assumption
from costmodel.readiness.checks import FindingSource, Severity


class Verdict(StrEnum):
    """The overall answer (rules in the module docstring)."""

    READY = "ready"
    """Nothing that counts stands in the way (info findings at most)."""
    CHANGES_NEEDED = "changes needed"
    """Only mechanical fixes (dsql-lint --fix) or warnings to verify."""
    BLOCKED = "blocked"
    """Something the workload runs or the schema declares fails on DSQL and needs redesign."""


@dataclass(frozen=True)
class SchemaRef:
    """A schema-dump statement a finding touches (line in the dump, start of its text)."""

    line: int
    text: str


@dataclass(frozen=True)
class Shares:
    """Share (0–1) of all calls, execution time and cost carried by a set of statements."""

    statements: int = 0
    calls: float = 0.0
    exec_time: float = 0.0
    cost: float | None = None
    schema_statements: int = 0


@dataclass(frozen=True)
class Finding:
    """One readiness finding with the statements it touches and their weight."""

    id: str
    title: str
    severity: Severity
    source: FindingSource
    """The main source (dsql-lint when it reported it, else classification, else workload)."""
    sources: tuple[FindingSource, ...]
    message: str
    remediation: str
    effort: str
    since: date
    source_url: str
    fixable: bool
    stmt_ids: tuple[str, ...]
    sample_query: str | None
    shares: Shares
    until: date | None = None
    lint_rules: tuple[str, ...] = ()
    schema_refs: tuple[SchemaRef, ...] = ()
    detail: str = ""
    one_time: bool = False
    """Every statement it touches is one-time work (DDL, maintenance seen a few times): a one-time fix."""

    @property
    def counts(self) -> bool:
        """True when the finding counts toward the verdict (ran, in the schema, or run-level)."""
        return self.shares.calls > 0 or bool(self.schema_refs) or (not self.stmt_ids and not self.schema_refs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the report contract's ``readiness.findings`` item)."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "source": self.source.value,
            "sources": [s.value for s in self.sources],
            "lint_rules": list(self.lint_rules),
            "message": self.message,
            "remediation": self.remediation,
            "effort": self.effort,
            "fixable": self.fixable,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "source_url": self.source_url,
            "statements": list(self.stmt_ids),
            "sample_query": self.sample_query,
            "schema": [{"line": r.line, "text": r.text} for r in self.schema_refs],
            "share_calls": self.shares.calls,
            "share_exec_time": self.shares.exec_time,
            "share_cost": self.shares.cost,
            "detail": self.detail,
            "one_time": self.one_time,
        }


@dataclass(frozen=True)
class LintSummary:
    """What the syntax check did."""

    ran: bool
    version: str | None
    error: str | None
    seconds: float
    texts_linted: int
    schema_statements: int


@dataclass(frozen=True, eq=False)
class Readiness:
    """Findings, their weights and the verdict, as of a DSQL date."""

    verdict: Verdict
    as_of: date
    checks_as_of: date
    findings: tuple[Finding, ...]
    by_severity: dict[Severity, Shares]
    """Union of the statements touched by the findings of each severity."""
    blocking: Shares
    """Union of the statements touched by counting blockers that are not fixable."""
    statements: pd.DataFrame
    """Index-aligned with the workload: ``stmt_id``, ``findings`` (tuple of ids), ``worst_severity``."""
    lint: LintSummary
    schema_file: str | None = None
    has_cost: bool = False
    assumptions: tuple[Assumption, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dsql_as_of(self) -> str:
        """``DSQL as of 2026-09-15``: printed by every output."""
        return f"DSQL as of {self.as_of.isoformat()}"

    @property
    def summary(self) -> str:
        """One line, e.g. ``blockers touch 12% of calls and 31% of cost``."""
        parts = []
        for severity, label in ((Severity.BLOCKER, "blockers"), (Severity.WARNING, "warnings")):
            share = self.by_severity.get(severity, Shares())
            touched = []
            if share.statements:
                weight = self._weight(share)
                if severity == Severity.BLOCKER and self.blocking.calls < share.calls:
                    weight += f" ({_pct(self.blocking.calls)} of calls without a mechanical fix)"
                touched.append(weight)
            if share.schema_statements:
                touched.append(f"{share.schema_statements} schema statement(s)")
            if touched:
                parts.append(f"{label} touch " + " and ".join(touched))
        if not parts:
            parts.append("no blockers or warnings")
        if not self.lint.ran:
            parts.append("syntax check not run")
        return "; ".join(parts)

    def _weight(self, share: Shares) -> str:
        second = (
            f"{_pct(share.cost)} of cost" if self.has_cost and share.cost is not None
            else f"{_pct(share.exec_time)} of execution time"
        )  # fmt: skip
        return f"{_pct(share.calls)} of calls and {second}"

    def at_least(self, severity: Severity) -> tuple[Finding, ...]:
        """Findings of ``severity`` or worse that count toward the verdict."""
        return tuple(f for f in self.findings if f.severity.rank <= severity.rank and f.counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the report contract's ``readiness`` section, plus details)."""
        return {
            "as_of": self.as_of.isoformat(),
            "dsql_as_of": self.dsql_as_of,
            "checks_as_of": self.checks_as_of.isoformat(),
            "verdict": self.verdict.value,
            "summary": self.summary,
            "dsql_lint_version": self.lint.version,
            "dsql_lint": {
                "ran": self.lint.ran,
                "version": self.lint.version,
                "error": self.lint.error,
                "seconds": round(self.lint.seconds, 3),
                "texts_linted": self.lint.texts_linted,
                "schema_statements": self.lint.schema_statements,
            },
            "schema_file": self.schema_file,
            "shares": {
                sev.value: {
                    "statements": s.statements,
                    "schema_statements": s.schema_statements,
                    "share_calls": s.calls,
                    "share_exec_time": s.exec_time,
                    "share_cost": s.cost,
                }
                for sev, s in self.by_severity.items()
            },
            "findings": [f.to_dict() for f in self.findings],
            "assumptions": [
                {
                    "key": a.key,
                    "value": a.value,
                    "unit": a.unit,
                    "source": a.source,
                    "description": a.description,
                }
                for a in self.assumptions
            ],
            "notes": list(self.notes),
        }


def _pct(value: float | None) -> str:
    if value is None:
        return "?"
    if 0 < value < 0.01:
        return "<1%"
    return f"{value:.0%}"


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """The verdict rule of the module docstring."""
    counting = [f for f in findings if f.counts]
    if any(f.severity == Severity.BLOCKER and not f.fixable for f in counting):
        return Verdict.BLOCKED
    if any(f.severity in (Severity.BLOCKER, Severity.WARNING) for f in counting):
        return Verdict.CHANGES_NEEDED
    return Verdict.READY
