"""Audit application code for Aurora DSQL: SQL literals, ORM patterns, migrations, retry coverage.

The verb is :func:`audit_code`: discover the files of a tree (:mod:`.discover`), parse each with
its tree-sitter grammar and run the code rules of ``data/code_rules.yaml`` (:mod:`.scan`,
:mod:`.rules`), send the SQL literals through the workload's readiness checks and dsql-lint
(:mod:`.sqlcheck`), work out which write paths retry on 40001 (:mod:`.retry`) and, given a
workload, weight every finding by the calls and cost of the statements it produces
(:mod:`.weight`). :mod:`.plan` builds the phased migration plan on top; :mod:`.render` prints both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from costmodel.audit.discover import DEFAULT_MAX_BYTES, Skipped, discover
from costmodel.audit.model import CodeAudit, CodeFinding
from costmodel.audit.retry import coverage
from costmodel.audit.rules import COVERAGE, CodeRule, Match, load_rules
from costmodel.audit.scan import FileScan, scan_file
from costmodel.audit.sqlcheck import check_literals
from costmodel.readiness.checks import load_checks


def audit_code(
    root: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    as_of: date | None = None,
    lint_executable: str | None = None,
    rules: tuple[CodeRule, ...] | None = None,
) -> CodeAudit:
    """Audit the code under ``root`` (see the module docstring)."""
    rules = rules if rules is not None else load_rules()
    when = as_of or load_checks().dsql_as_of
    files, skipped = discover(root, max_bytes=max_bytes)
    scans: list[FileScan] = []
    languages: dict[str, int] = {}
    for file in files:
        result = scan_file(file, rules)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        scans.append(result)
        languages[file.language] = languages.get(file.language, 0) + 1
    literals = [lit for scan in scans for lit in scan.literals]
    sql_findings, readiness, profile = check_literals(literals, as_of=when, lint_executable=lint_executable)
    findings = sql_findings + [f for scan in scans for f in rule_findings(scan)]
    findings.sort(key=lambda f: (f.severity.rank, f.path, f.line, f.id))
    sites, handlers = coverage(scans, literals, profile)
    notes = missing_config(scans, rules)
    if readiness is not None:
        notes += list(readiness.notes)
    return CodeAudit(
        root=str(root),
        as_of=when,
        files=dict(sorted(languages.items())),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        literals=tuple(literals),
        findings=tuple(findings),
        sites=tuple(sites),
        handlers=tuple(handlers),
        lint_version=readiness.lint.version if readiness is not None else None,
        lint_error=readiness.lint.error if readiness is not None else None,
        notes=tuple(notes),
        fingerprints=tuple(
            fp if isinstance(fp, str) else None
            for fp in (profile["fingerprint"] if profile is not None else [])
        ),
    )


def rule_findings(scan: FileScan) -> list[CodeFinding]:
    """Inventory findings of one file's rule matches (a match inside another of its category is dropped)."""
    shown = [m for m in scan.matches if m.rule.category not in COVERAGE | {"retry", "config"}]
    kept = [m for m in shown if not _nested(m, shown)]
    return [
        CodeFinding(
            id=m.rule.id,
            title=m.rule.title,
            severity=m.rule.severity,
            category=m.rule.category,
            source="code rule",
            path=scan.file.path,
            line=m.line,
            column=m.column,
            language=scan.file.language,
            snippet=" ".join(m.text.split())[:160],
            message=m.rule.finding,
            fix=m.rule.fix,
            effort=m.rule.effort,
            fixable=m.rule.fixable,
            migration=scan.migration,
        )
        for m in kept
    ]


def missing_config(scans: Sequence[FileScan], rules: tuple[CodeRule, ...]) -> list[str]:
    """Notes for retry handlers whose framework switch (a ``requires`` rule) matches nowhere in the tree."""
    matched = {m.rule.id for scan in scans for m in scan.matches}
    titles = {r.id: r.title for r in rules}
    notes = []
    for rule in rules:
        if rule.requires and rule.id in matched and rule.requires not in matched:
            count = sum(1 for scan in scans for m in scan.matches if m.rule.id == rule.id)
            notes.append(
                f"{count} {rule.title} handler(s) found, but no {titles.get(rule.requires, rule.requires)} in the "
                "code read: the framework ignores them without it — they are counted as retries; verify the "
                "configuration elsewhere"
            )
    return notes


def _nested(match: Match, others: Sequence[Match]) -> bool:
    return any(
        o is not match
        and o.rule.category == match.rule.category
        and o.start_byte <= match.start_byte
        and match.end_byte <= o.end_byte
        and (o.end_byte - o.start_byte) > (match.end_byte - match.start_byte)
        for o in others
    )


__all__ = ["CodeAudit", "CodeFinding", "audit_code"]
