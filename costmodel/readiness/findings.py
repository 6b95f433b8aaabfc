"""Turn check marks, dsql-lint diagnostics and weights into :class:`~costmodel.readiness.model.Finding`s.

Internal to :mod:`costmodel.readiness.assess`: the statements are addressed by *position* with numpy
boolean masks (a 5,000-statement export meets about 60 checks, so per-check pandas overhead would
dominate). The rules for merging sources, dropping explained dsql-lint parse errors and deriving
fixability are stated in the :mod:`costmodel.readiness.assess` docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.workload import Workload
from costmodel.readiness.checks import (
    Check,
    CheckCatalog,
    FindingSource,
    Severity,
    evaluate,
    format_metric,
    prepare,
    prepare_coded,
    threshold,
)
from costmodel.readiness.dsqllint import LintDiagnostic, LintRun
from costmodel.readiness.model import Finding, SchemaRef, Shares
from costmodel.readiness.subjects import SchemaStatement

SAMPLE_CHARS = 240
"""Sample query texts are cut to this many characters."""

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


class Context:
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
        *,
        rows: np.ndarray,
        metrics: pd.DataFrame,
    ) -> None:
        """``subject_frame`` and ``diags`` have one entry per distinct subject (text), ``rows`` the
        subject position of every statement and ``metrics`` the per-statement metric columns: a
        million-row export's per-statement work stays in numpy, and texts, profiles and diagnostics
        are looked at once per distinct text."""
        stmts = workload.statements
        self.stmts = stmts
        self.n = len(stmts)
        self.n_schema = len(schema_stmts)
        self.subject_frame = subject_frame
        self.rows = np.asarray(rows, dtype=np.intp)
        self.subjects = prepare_coded(subject_frame, self.rows, metrics)
        self.schema_subjects = prepare(schema_frame)
        self.diags = diags
        self.schema_stmts = schema_stmts
        self.schema_diags = schema_diags
        self.catalog = catalog
        self.assumptions = assumptions
        self.stmt_ids = _stmt_ids(stmts)
        self.texts = (
            stmts["query"].to_numpy(dtype=object) if "query" in stmts.columns else np.full(self.n, None)
        )
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
        return tuple(self.stmt_ids[self._order(mask)].tolist())

    def schema_refs(self, mask: Mask) -> tuple[SchemaRef, ...]:
        return tuple(
            SchemaRef(self.schema_stmts[i].first_line, _cut(self.schema_stmts[i].text) or "")
            for i in np.flatnonzero(mask)
        )

    def touched_diags(self, w_mask: Mask, s_mask: Mask) -> list[tuple[LintDiagnostic, ...]]:
        """Diagnostic groups of the workload and the schema: one per touched distinct subject and
        schema statement (callers only ask "any" / "all" / "which rules")."""
        touched = np.unique(self.rows[w_mask])
        return [self.diags[i] for i in touched] + [self.schema_diags[i] for i in np.flatnonzero(s_mask)]

    def diag_masks(self, test: Any) -> tuple[Mask, Mask]:
        """Workload and schema masks of the statements with a diagnostic that passes ``test``."""
        w = np.fromiter((any(test(d) for d in ds) for ds in self.diags), dtype=bool, count=len(self.diags))
        w = w[self.rows] if len(w) else np.zeros(self.n, dtype=bool)
        s = np.fromiter(
            (any(test(d) for d in ds) for ds in self.schema_diags), dtype=bool, count=self.n_schema
        )
        return w, s


def _stmt_ids(stmts: pd.DataFrame) -> np.ndarray:
    """Statement ids as an object array of str (vectorised: ids are already text after ingest)."""
    ids = stmts["stmt_id"] if "stmt_id" in stmts.columns else pd.Series(stmts.index, index=stmts.index)
    values = ids.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str already (one C-level pass)
        return values
    return np.array([str(i) for i in values], dtype=object)


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


def build_findings(ctx: Context, when: date, lint: LintRun, profiled: bool) -> list[tuple[Finding, Mask]]:
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
    ctx: Context,
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


def _from_check(ctx: Context, mark: _Marks) -> tuple[Finding, Mask]:
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


def _detail(ctx: Context, check: Check, mask: Mask) -> str:
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


def _rule_masks(ctx: Context, test: Any) -> tuple[Mask, Mask]:
    return ctx.diag_masks(test)


def _generic_lint(ctx: Context, catalog: CheckCatalog) -> list[tuple[Finding, Mask]]:
    """dsql-lint rules no check knows: one blocker finding per rule, fixable as dsql-lint says."""
    rules: dict[str, LintDiagnostic] = {}
    covered: dict[str, bool] = {}  # per rule, not per diagnostic: a fleet export repeats each text
    for diags in [*ctx.diags, *ctx.schema_diags]:
        for d in diags:
            if d.rule == "parse_error":
                continue
            hit = covered.get(d.rule)
            if hit is None:
                hit = covered[d.rule] = any(c.covers_rule(d.rule) for c in catalog.checks)
            if not hit:
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
    ctx: Context, marks: dict[str, _Marks], profiled: bool, when: date
) -> list[tuple[Finding, Mask]]:
    """dsql-lint parse errors that no other finding explains (classification names the rest)."""
    # an informational check that mirrors a dsql-lint rejection (VACUUM) names the statement too
    serious = [
        m
        for m in marks.values()
        if m.check.severity != Severity.INFO or any(c.kind == "lint_rule" for c in m.check.when)
    ]
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
    ctx: Context,
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
