"""The code audit's result types: plain frozen data every renderer reads.

A :class:`CodeAudit` holds what was scanned and skipped, the SQL literals found, the findings
(from the readiness checks and dsql-lint on SQL literals, and from the code rules on ORM and
driver spellings), the retry coverage of write paths and, when a workload was given, how the code
matches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from costmodel.audit.discover import Skipped
from costmodel.audit.literals import Literal
from costmodel.readiness.checks import Severity

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CodeFinding:
    """One finding at one place in the code."""

    id: str
    """The code rule id, or the readiness check id for SQL literals."""
    title: str
    severity: Severity
    category: str
    source: str
    """``code rule`` | ``readiness`` (a check of data/checks.yaml on a SQL literal) | ``dsql-lint``."""
    path: str
    line: int
    column: int
    language: str
    snippet: str
    message: str
    fix: str
    effort: str
    fixable: bool
    migration: bool = False
    fingerprint: str | None = None
    share_calls: float | None = None
    share_cost: float | None = None
    workload_statements: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "category": self.category,
            "source": self.source,
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "language": self.language,
            "migration": self.migration,
            "snippet": self.snippet,
            "message": self.message,
            "fix": self.fix,
            "effort": self.effort,
            "fixable": self.fixable,
            "fingerprint": self.fingerprint,
            "share_calls": self.share_calls,
            "share_cost": self.share_cost,
            "workload_statements": list(self.workload_statements),
        }


@dataclass(frozen=True)
class RetrySite:
    """A write call or transaction scope and whether a retry on 40001 covers it."""

    kind: str
    """``write`` | ``transaction`` | ``lock`` (a SELECT ... FOR UPDATE literal)."""
    path: str
    line: int
    function: str
    what: str
    rule: str
    retried: bool
    via: str = ""
    """The retry handler that covers it (rule id and place), empty when none."""

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "file": self.path,
            "line": self.line,
            "function": self.function,
            "what": self.what,
            "rule": self.rule,
            "retried": self.retried,
            "via": self.via,
        }


@dataclass(frozen=True)
class RetryHandler:
    """A retry handler found in the code (what covers write paths)."""

    rule: str
    path: str
    line: int
    scope: str
    function: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "file": self.path,
            "line": self.line,
            "scope": self.scope,
            "function": self.function,
        }


@dataclass(frozen=True)
class UnmatchedStatement:
    """A workload statement no code literal produces (ORM-generated or from another program)."""

    stmt_id: str
    query: str
    share_calls: float
    share_cost: float | None


@dataclass(frozen=True)
class WorkloadMatch:
    """How the code's SQL literals match a workload by fingerprint."""

    source: str
    statements: int
    matched_statements: int
    share_calls_matched: float
    share_cost_matched: float | None
    unmatched: tuple[UnmatchedStatement, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "statements": self.statements,
            "matched_statements": self.matched_statements,
            "share_calls_matched": self.share_calls_matched,
            "share_cost_matched": self.share_cost_matched,
            "unmatched": [
                {
                    "stmt_id": u.stmt_id,
                    "query": u.query,
                    "share_calls": u.share_calls,
                    "share_cost": u.share_cost,
                }
                for u in self.unmatched
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CodeAudit:
    """Everything ``audit-code`` found in one tree."""

    root: str
    as_of: date
    files: dict[str, int]
    """Files audited per language."""
    skipped: tuple[Skipped, ...]
    literals: tuple[Literal, ...]
    findings: tuple[CodeFinding, ...]
    sites: tuple[RetrySite, ...]
    handlers: tuple[RetryHandler, ...]
    lint_version: str | None
    lint_error: str | None
    workload: WorkloadMatch | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    fingerprints: tuple[str | None, ...] = ()
    """pglast fingerprint of each literal (None when it does not parse), aligned with ``literals``."""

    @property
    def unretried(self) -> tuple[RetrySite, ...]:
        """Write paths and transaction scopes no retry handler covers."""
        return tuple(s for s in self.sites if not s.retried)

    def at_least(self, severity: Severity) -> tuple[CodeFinding, ...]:
        """Findings of ``severity`` or worse."""
        return tuple(f for f in self.findings if f.severity.rank <= severity.rank)

    def counts(self) -> dict[str, int]:
        """Findings per severity."""
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema_version`` versioned)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "code-audit",
            "root": self.root,
            "dsql_as_of": self.as_of.isoformat(),
            "dsql_lint": {"version": self.lint_version, "error": self.lint_error},
            "files": dict(self.files),
            "skipped": [{"file": s.path, "reason": s.reason} for s in self.skipped],
            "sql_literals": len(self.literals),
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
            "retry": {
                "sites": len(self.sites),
                "without_retry": len(self.unretried),
                "handlers": [h.to_dict() for h in self.handlers],
                "paths": [s.to_dict() for s in self.sites],
            },
            "workload": self.workload.to_dict() if self.workload else None,
            "notes": list(self.notes),
        }
