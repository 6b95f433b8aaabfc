"""DSQL readiness: dsql-lint + workload checks → findings weighted by their share of the workload.

A migration question is never "does DSQL support X?" but "how much of *my* workload uses X?".
:func:`assess_readiness` answers it in four steps:

1. **Syntax** — the AWS-maintained ``dsql-lint`` runs once over every distinct statement text and
   the optional schema dump (:mod:`costmodel.dsqllint`); its diagnostics are mapped back to the
   statements they came from.
2. **Classification and counters** — the dated checks of ``costmodel/data/checks.yaml``
   (:mod:`costmodel.readiness_checks`) mark statements by pglast features (what dsql-lint misses or
   only reports as ``parse_error``: FOR SHARE, SELECT INTO, DO, UNLOGGED …) and by counters
   against DSQL's quotas (rows and bytes written per call, 5-minute transactions, 128 MiB of query
   memory, temp tables). A dsql-lint ``parse_error`` on a statement another finding already
   explains is dropped; on a statement PostgreSQL parses and nothing else flags it becomes the
   ``lint_parse_gap`` info finding (normalised utility texts such as ``COMMENT ON … IS $1``).
3. **Weights** — every :class:`Finding` carries the share of calls, execution time and (when
   ``statement_cost`` is given) monthly cost of the statements it touches. Summary shares count each
   statement once, however many findings touch it. Schema statements carry no calls.
4. **Verdict** (:class:`Verdict`). A finding *counts* when it touches a statement that ran
   (calls > 0), a schema statement, or the run itself (e.g. dsql-lint missing). Then:

   * ``blocked`` — a counting **blocker** that is not fixable mechanically (no dsql-lint ``--fix``
     rewrite or declared mechanical fix): triggers, PL/pgSQL, TRUNCATE, over 3,000 rows per call …
   * ``changes needed`` — otherwise, a counting blocker that *is* fixable (CREATE INDEX → ASYNC,
     SERIAL → identity, missing sequence CACHE) or a counting **warning**.
   * ``ready`` — only info findings, or none.

Checks are dated: a check applies when ``since <= as_of < until`` (foreign keys block before
2026-08-26 and are an info finding after). ``as_of`` defaults to the newest DSQL change the checks
encode, and every output says "DSQL as of <date>".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.assumptions import AssumptionSet
from costmodel.dsqllint import LintDiagnostic, LintRun, run_dsql_lint
from costmodel.estimate import Assumption
from costmodel.profile import ParseStatus
from costmodel.readiness_checks import (
    Check,
    CheckCatalog,
    FindingSource,
    Severity,
    evaluate,
    format_metric,
    load_checks,
    prepare,
    threshold,
)
from costmodel.readiness_subjects import (
    SchemaStatement,
    effective_rules,
    locate_schema,
    profile_texts,
    read_schema,
    split_schema,
    subjects_frame,
    workload_metrics,
)
from costmodel.workload import Workload

SAMPLE_CHARS = 240
"""Sample query texts are cut to this many characters."""


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


Mask = np.ndarray
"""A boolean numpy array over statements (or schema statements)."""


@dataclass
class _Marks:
    """Which subjects a check marked, per source, before it becomes a Finding."""

    check: Check
    workload: dict[FindingSource, Mask]
    schema: dict[FindingSource, Mask]

    def any_workload(self, n: int) -> Mask:
        return _union(self.workload.values(), n)

    def any_schema(self, n: int) -> Mask:
        return _union(self.schema.values(), n)


def _union(masks: Any, n: int) -> Mask:
    out = np.zeros(n, dtype=bool)
    for mask in masks:
        out |= mask
    return out


class _Context:
    """Everything the finding builder needs about one readiness run (plain arrays, by position)."""

    def __init__(
        self,
        workload: Workload,
        subject_frame: pd.DataFrame,
        diags: list[tuple[LintDiagnostic, ...]],
        schema_stmts: list[SchemaStatement],
        schema_frame: pd.DataFrame,
        schema_diags: list[tuple[LintDiagnostic, ...]],
        statement_cost: pd.Series | None,
        catalog: CheckCatalog,
        assumptions: AssumptionSet,
    ) -> None:
        stmts = workload.statements
        self.stmts = stmts
        self.n = len(stmts)
        self.n_schema = len(schema_stmts)
        self.subject_frame = subject_frame
        self.subjects = prepare(subject_frame)
        self.schema_subjects = prepare(schema_frame)
        self.diags = diags
        self.schema_stmts = schema_stmts
        self.schema_diags = schema_diags
        self.catalog = catalog
        self.assumptions = assumptions
        ids = stmts["stmt_id"] if "stmt_id" in stmts.columns else pd.Series(stmts.index, index=stmts.index)
        self.stmt_ids = np.array([str(i) for i in ids], dtype=object)
        self.texts = list(stmts["query"]) if "query" in stmts.columns else [None] * self.n
        self.calls = _weights(stmts, "calls")
        self.exec_time = _weights(stmts, "total_exec_time")
        self.cost = (
            None
            if statement_cost is None
            else np.nan_to_num(statement_cost.reindex(stmts.index).to_numpy(dtype=float), nan=0.0)
        )

    def none(self) -> Mask:
        return np.zeros(self.n, dtype=bool)

    def no_schema(self) -> Mask:
        return np.zeros(self.n_schema, dtype=bool)

    def shares(self, mask: Mask, schema_mask: Mask | None = None) -> Shares:
        def share(weights: np.ndarray) -> float:
            total = float(weights.sum())
            return float(weights[mask].sum()) / total if total > 0 else 0.0

        return Shares(
            statements=int(mask.sum()),
            calls=share(self.calls),
            exec_time=share(self.exec_time),
            cost=None if self.cost is None else share(self.cost),
            schema_statements=0 if schema_mask is None else int(schema_mask.sum()),
        )

    def _order(self, mask: Mask) -> np.ndarray:
        """Positions of the touched statements, most calls first."""
        positions = np.flatnonzero(mask)
        return positions[np.argsort(-self.calls[positions], kind="stable")]

    def sample(self, mask: Mask, schema_mask: Mask | None = None) -> str | None:
        """The text of the touched statement with the most calls, else the first schema statement."""
        for pos in self._order(mask):
            text = self.texts[pos]
            if isinstance(text, str):
                return _cut(text)
        refs = self.schema_refs(schema_mask) if schema_mask is not None else ()
        return refs[0].text if refs else None

    def ids(self, mask: Mask) -> tuple[str, ...]:
        """Touched statement ids, most calls first."""
        return tuple(str(self.stmt_ids[pos]) for pos in self._order(mask))

    def schema_refs(self, mask: Mask) -> tuple[SchemaRef, ...]:
        return tuple(
            SchemaRef(self.schema_stmts[i].first_line, _cut(self.schema_stmts[i].text) or "")
            for i in np.flatnonzero(mask)
        )

    def touched_diags(self, w_mask: Mask, s_mask: Mask) -> list[tuple[LintDiagnostic, ...]]:
        """Diagnostic groups (one per touched statement) of the workload and the schema."""
        return [self.diags[i] for i in np.flatnonzero(w_mask)] + [
            self.schema_diags[i] for i in np.flatnonzero(s_mask)
        ]


def _weights(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame))
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return np.clip(np.nan_to_num(values, nan=0.0), 0.0, None)


def _cut(text: str | None) -> str | None:
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= SAMPLE_CHARS else flat[: SAMPLE_CHARS - 1] + "…"


def assess_readiness(
    workload: Workload,
    *,
    statement_cost: pd.Series | None = None,
    schema: Path | None = None,
    as_of: date | None = None,
    assumptions: AssumptionSet | None = None,
    rows_written_per_call: pd.Series | None = None,
    write_bytes_per_call: pd.Series | None = None,
    lint_executable: str | None = None,
) -> Readiness:
    """Readiness of ``workload`` (and an optional schema dump) for Aurora DSQL as of ``as_of``.

    ``statement_cost`` is monthly USD per statement, indexed like ``workload.statements``;
    ``rows_written_per_call`` / ``write_bytes_per_call`` (from :mod:`costmodel.usage`) replace the
    ``rows`` and ``wal_bytes`` counters per call when given. Classification runs here when the
    workload has not been classified. dsql-lint missing is a finding, not an error.
    """
    catalog = load_checks()
    when = as_of or catalog.dsql_as_of
    aset = assumptions if assumptions is not None else AssumptionSet()
    stmts = workload.statements
    notes: list[str] = []

    # --- distinct texts, their profile, and the syntax check -------------------------------------
    texts = (
        stmts["query"].astype(object)
        if "query" in stmts.columns
        else pd.Series(None, index=stmts.index, dtype=object)
    )
    if "unclassifiable" in stmts.columns:
        texts = texts.where(~stmts["unclassifiable"].fillna(False).astype(bool), None)
    texts = texts.where(texts.map(lambda t: isinstance(t, str) and bool(t.strip())), None)
    distinct = list(dict.fromkeys(t for t in texts if t is not None))
    position = {t: i for i, t in enumerate(distinct)}
    text_index = np.array([position.get(t, len(distinct)) if t is not None else len(distinct) for t in texts])
    profile = _distinct_profile(stmts, texts, distinct)
    if profile is None:
        notes.append("classification unavailable: only dsql-lint and counter checks ran")
    lintable = (
        [i for i, status in enumerate(profile["parse_status"]) if status == ParseStatus.OK.value]
        if profile is not None
        else list(range(len(distinct)))
    )
    schema_sql = read_schema(schema) if schema is not None else None
    lint = run_dsql_lint(distinct, schema_sql, include=lintable, executable=lint_executable)
    notes.extend(lint.notes)
    if lint.available and when < catalog.dsql_as_of:
        notes.append(f"dsql-lint {lint.version} reflects DSQL at its release, not as of {when.isoformat()}")
    if when > catalog.dsql_as_of:
        notes.append(
            f"the checks encode DSQL changes up to {catalog.dsql_as_of.isoformat()}; later ones are unknown"
        )

    # --- subjects: workload statements and schema statements ---------------------------------------
    per_text = [effective_rules(d, catalog, workload=True) for d in lint.statements] + [()]
    distinct_profile = (
        None if profile is None else pd.concat([profile, _no_text_row(profile)], ignore_index=True)
    )
    distinct_subjects = subjects_frame([*distinct, None], distinct_profile, per_text)
    subjects = distinct_subjects.iloc[text_index].set_index(stmts.index)
    metrics = workload_metrics(
        workload, aset, rows_written_per_call=rows_written_per_call, write_bytes_per_call=write_bytes_per_call
    )
    subjects = pd.concat([subjects, metrics], axis=1)
    diags = [per_text[i] for i in text_index]

    schema_stmts, schema_diags = _schema_statements(schema_sql, lint, catalog)
    schema_profile = profile_texts([s.text for s in schema_stmts]) if schema_stmts else None
    schema_subjects = subjects_frame([s.text for s in schema_stmts], schema_profile, schema_diags)

    ctx = _Context(
        workload, subjects, diags, schema_stmts, schema_subjects, schema_diags, statement_cost, catalog, aset
    )
    findings = _findings(ctx, when, lint, profile is not None)
    return _readiness(
        ctx, findings, when, lint, len(lintable), schema, statement_cost is not None, aset, notes
    )


def _distinct_profile(stmts: pd.DataFrame, texts: pd.Series, distinct: list[str]) -> pd.DataFrame | None:
    """Profile columns per distinct text: from the classified workload, else classified here."""
    if "parse_status" in stmts.columns:
        first = texts.dropna().drop_duplicates()
        frame = stmts.loc[first.index].reset_index(drop=True)
        return frame
    return profile_texts(distinct) if distinct else None


def _no_text_row(profile: pd.DataFrame) -> pd.DataFrame:
    row: dict[str, Any] = {c: None for c in profile.columns}
    row.update({"parse_status": ParseStatus.NO_TEXT.value, "features": ()})
    return pd.DataFrame([row])


def _schema_statements(
    sql: str | None, lint: LintRun, catalog: CheckCatalog
) -> tuple[list[SchemaStatement], list[tuple[LintDiagnostic, ...]]]:
    if sql is None:
        return [], []
    stmts = split_schema(sql)
    placed = locate_schema(lint.schema, stmts)
    diags: list[tuple[LintDiagnostic, ...]] = [
        effective_rules(placed.get(i, []), catalog, workload=False) for i in range(len(stmts))
    ]
    for diag in placed.get(-1, []):  # a line the splitter did not attribute: keep it as its own statement
        stmts.append(SchemaStatement(diag.preview, diag.line, diag.line))
        diags.append((diag,))
    return stmts, diags


def _findings(ctx: _Context, when: date, lint: LintRun, profiled: bool) -> list[tuple[Finding, Mask]]:
    """Every finding with the mask of workload statements it touches, worst first."""
    catalog = ctx.catalog
    marks: dict[str, _Marks] = {}
    for check in catalog.checks:
        if check.computed or not check.applies(when):
            continue
        mark = _Marks(
            check,
            evaluate(check, ctx.subjects, catalog, ctx.assumptions),
            evaluate(check, ctx.schema_subjects, catalog, ctx.assumptions),
        )
        if mark.workload or mark.schema:
            marks[check.id] = mark
    for mark in list(marks.values()):  # "near the limit" skips statements already over it
        for other in mark.check.excludes:
            if other in marks:
                w_out, s_out = marks[other].any_workload(ctx.n), marks[other].any_schema(ctx.n_schema)
                mark.workload = {k: v & ~w_out for k, v in mark.workload.items() if (v & ~w_out).any()}
                mark.schema = {k: v & ~s_out for k, v in mark.schema.items() if (v & ~s_out).any()}
    out = [_from_check(ctx, m) for m in marks.values() if m.workload or m.schema]
    out += _generic_lint(ctx, catalog)
    out += _parse_gaps(ctx, marks, profiled, when)
    if not lint.available:
        check = catalog.check("syntax_check_not_run")
        out.append(_computed(ctx, check, ctx.none(), ctx.no_schema(), detail=lint.error or ""))
    out.sort(
        key=lambda p: (p[0].severity.rank, p[0].fixable, -p[0].shares.calls, -len(p[0].schema_refs), p[0].id)
    )
    return out


def _finding(
    ctx: _Context,
    check: Check,
    w_mask: Mask,
    s_mask: Mask,
    *,
    severity: Severity | None = None,
    sources: tuple[FindingSource, ...],
    fixable: bool,
    lint_rules: tuple[str, ...] = (),
    detail: str = "",
) -> tuple[Finding, Mask]:
    finding = Finding(
        id=check.id,
        title=check.title,
        severity=severity or check.severity,
        source=sources[0],
        sources=sources,
        message=check.message,
        remediation=check.remediation,
        effort=check.effort,
        since=check.since,
        until=check.until,
        source_url=check.source_url,
        fixable=fixable,
        stmt_ids=ctx.ids(w_mask),
        sample_query=ctx.sample(w_mask, s_mask),
        shares=ctx.shares(w_mask, s_mask),
        lint_rules=lint_rules,
        schema_refs=ctx.schema_refs(s_mask),
        detail=detail,
    )
    return finding, w_mask


def _from_check(ctx: _Context, mark: _Marks) -> tuple[Finding, Mask]:
    check = mark.check
    w_mask, s_mask = mark.any_workload(ctx.n), mark.any_schema(ctx.n_schema)
    sources = tuple(
        s for s in (FindingSource.DSQL_LINT, FindingSource.CLASSIFICATION, FindingSource.WORKLOAD)
        if s in mark.workload or s in mark.schema
    )  # fmt: skip
    groups = ctx.touched_diags(w_mask, s_mask)
    rules = sorted({d.rule for group in groups for d in group if check.covers_rule(d.rule)})
    severity = check.severity
    if check.escalate and ctx.shares(w_mask).calls > float(ctx.assumptions.get(check.escalate[0])):
        severity = check.escalate[1]
    fixable = check.fixable if check.fixable is not None else _lint_fixable(check, groups)
    return _finding(
        ctx, check, w_mask, s_mask, severity=severity, sources=sources, fixable=fixable,
        lint_rules=tuple(rules), detail=_detail(ctx, check, w_mask),
    )  # fmt: skip


def _lint_fixable(check: Check, groups: list[tuple[LintDiagnostic, ...]]) -> bool:
    """Fixable when dsql-lint reported every touched statement for this check and can fix them all."""
    for diags in groups:
        own = [d for d in diags if check.covers_rule(d.rule)]
        if not own or not all(d.fixable for d in own):
            return False
    return bool(groups)


def _detail(ctx: _Context, check: Check, mask: Mask) -> str:
    """For counter checks: the worst statement's figure against the threshold."""
    for cond in check.when:
        if cond.kind != "metric" or not mask.any():
            continue
        values = np.where(mask, ctx.subjects.values[cond.value], np.nan)
        if np.isfinite(values).any():
            worst = int(np.nanargmax(values))
            limit = threshold(cond, ctx.catalog, ctx.assumptions)
            name = cond.value.replace("_", " ")
            return (
                f"highest {name}: {format_metric(cond.value, values[worst])} ({ctx.stmt_ids[worst]}); "
                f"threshold {format_metric(cond.value, limit)}"
            )
    return ""


def _rule_masks(ctx: _Context, test: Any) -> tuple[Mask, Mask]:
    w = np.fromiter((any(test(d) for d in ds) for ds in ctx.diags), dtype=bool, count=ctx.n)
    s = np.fromiter((any(test(d) for d in ds) for ds in ctx.schema_diags), dtype=bool, count=ctx.n_schema)
    return w, s


def _generic_lint(ctx: _Context, catalog: CheckCatalog) -> list[tuple[Finding, Mask]]:
    """dsql-lint rules no check knows: one blocker finding per rule, fixable as dsql-lint says."""
    rules: dict[str, LintDiagnostic] = {}
    for diags in [*ctx.diags, *ctx.schema_diags]:
        for d in diags:
            if d.rule != "parse_error" and not any(c.covers_rule(d.rule) for c in catalog.checks):
                rules.setdefault(d.rule, d)
    out = []
    for rule, first in sorted(rules.items()):
        w_mask, s_mask = _rule_masks(ctx, lambda d, r=rule: d.rule == r)
        own = [d for group in ctx.touched_diags(w_mask, s_mask) for d in group if d.rule == rule]
        fixable = all(d.fixable for d in own)
        check = Check(
            id=f"lint.{rule}",
            title=f"dsql-lint: {rule}",
            severity=Severity.BLOCKER,
            since=catalog.first_available,
            until=None,
            source_url="https://github.com/awslabs/aurora-dsql-tools/tree/main/dsql-lint",
            message=first.message,
            remediation=first.suggestion or "See the dsql-lint message.",
            effort="low" if fixable else "medium",
            fixable=fixable,
        )
        out.append(
            _finding(
                ctx,
                check,
                w_mask,
                s_mask,
                sources=(FindingSource.DSQL_LINT,),
                fixable=fixable,
                lint_rules=(rule,),
            )
        )
    return out


def _parse_gaps(
    ctx: _Context, marks: dict[str, _Marks], profiled: bool, when: date
) -> list[tuple[Finding, Mask]]:
    """dsql-lint parse errors that no other finding explains (classification names the rest)."""
    serious = [m for m in marks.values() if m.check.severity != Severity.INFO]
    explained_w = _union((m.any_workload(ctx.n) for m in serious), ctx.n)
    explained_s = _union((m.any_schema(ctx.n_schema) for m in serious), ctx.n_schema)
    error_w, error_s = _rule_masks(ctx, lambda d: d.rule == "parse_error")
    other_w, other_s = _rule_masks(ctx, lambda d: d.rule != "parse_error")
    w_mask = error_w & ~explained_w & ~other_w
    s_mask = error_s & ~explained_s & ~other_s
    check = ctx.catalog.check("lint_parse_gap")
    if not (w_mask.any() or s_mask.any()) or not check.applies(when):
        return []
    # without classification a parse error may hide a real blocker: then it is a warning
    return [_computed(ctx, check, w_mask, s_mask, severity=None if profiled else Severity.WARNING)]


def _computed(
    ctx: _Context,
    check: Check,
    w_mask: Mask,
    s_mask: Mask,
    *,
    severity: Severity | None = None,
    detail: str = "",
) -> tuple[Finding, Mask]:
    tool = check.id == "syntax_check_not_run"
    source = FindingSource.TOOL if tool else FindingSource.DSQL_LINT
    return _finding(
        ctx, check, w_mask, s_mask, severity=severity, sources=(source,), fixable=bool(check.fixable),
        lint_rules=() if tool else ("parse_error",), detail=detail,
    )  # fmt: skip


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """The verdict rule of the module docstring."""
    counting = [f for f in findings if f.counts]
    if any(f.severity == Severity.BLOCKER and not f.fixable for f in counting):
        return Verdict.BLOCKED
    if any(f.severity in (Severity.BLOCKER, Severity.WARNING) for f in counting):
        return Verdict.CHANGES_NEEDED
    return Verdict.READY


def _readiness(
    ctx: _Context,
    pairs: list[tuple[Finding, Mask]],
    when: date,
    lint: LintRun,
    linted: int,
    schema: Path | None,
    has_cost: bool,
    aset: AssumptionSet,
    notes: list[str],
) -> Readiness:
    findings = [f for f, _ in pairs]
    per_stmt: list[list[str]] = [[] for _ in range(ctx.n)]
    worst = np.full(ctx.n, len(Severity), dtype=np.int64)
    unions: dict[Severity, tuple[Mask, set[int]]] = {}
    blocking = ctx.none()
    for f, mask in pairs:
        for pos in np.flatnonzero(mask):
            per_stmt[pos].append(f.id)
        worst = np.where(mask, np.minimum(worst, f.severity.rank), worst)
        union, lines = unions.setdefault(f.severity, (ctx.none(), set()))
        union |= mask
        lines.update(r.line for r in f.schema_refs)
        if f.severity == Severity.BLOCKER and not f.fixable and f.counts:
            blocking |= mask
    by_severity = {}
    for sev in Severity:
        if sev in unions:
            union, lines = unions[sev]
            shares = ctx.shares(union)
            by_severity[sev] = Shares(
                shares.statements, shares.calls, shares.exec_time, shares.cost, len(lines)
            )
    ranks = list(Severity)
    statements = pd.DataFrame(
        {
            "stmt_id": ctx.stmt_ids,
            "findings": [tuple(ids) for ids in per_stmt],
            "worst_severity": [ranks[w].value if w < len(ranks) else None for w in worst],
        },
        index=ctx.stmts.index,
    )
    return Readiness(
        verdict=verdict_of(findings),
        as_of=when,
        checks_as_of=ctx.catalog.dsql_as_of,
        findings=tuple(findings),
        by_severity=by_severity,
        blocking=ctx.shares(blocking),
        statements=statements,
        lint=LintSummary(
            ran=lint.available,
            version=lint.version,
            error=lint.error,
            seconds=lint.seconds,
            texts_linted=linted if lint.available else 0,
            schema_statements=len(ctx.schema_stmts),
        ),
        schema_file=str(schema) if schema is not None else None,
        has_cost=has_cost,
        assumptions=aset.used(),
        notes=tuple(notes),
    )


__all__ = [
    "Finding",
    "FindingSource",
    "Readiness",
    "SchemaRef",
    "Severity",
    "Shares",
    "Verdict",
    "assess_readiness",
    "verdict_of",
]
