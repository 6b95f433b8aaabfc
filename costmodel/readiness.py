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

Modules: the checks as data (:mod:`costmodel.readiness_checks`), the statements they look at
(:mod:`costmodel.readiness_subjects`), the finding builder (:mod:`costmodel.readiness_findings`),
the result types (:mod:`costmodel.readiness_model`) and the three renderings
(:mod:`costmodel.readiness_render`); user documentation in ``docs/readiness.md``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.assumptions import AssumptionSet
from costmodel.dsqllint import LintDiagnostic, LintRun, run_dsql_lint
from costmodel.profile import ParseStatus
from costmodel.readiness_checks import CheckCatalog, FindingSource, Severity, load_checks
from costmodel.readiness_findings import Context, Mask, build_findings
from costmodel.readiness_model import (
    Finding,
    LintSummary,
    Readiness,
    SchemaRef,
    Shares,
    Verdict,
    verdict_of,
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


def assess_readiness(
    workload: Workload,
    *,
    statement_cost: pd.Series | None = None,
    schema: Path | None = None,
    as_of: date | None = None,
    assumptions: AssumptionSet | None = None,
    rows_written_per_call: pd.Series | None = None,
    write_bytes_per_call: pd.Series | None = None,
    metrics: pd.DataFrame | None = None,
    lint_executable: str | None = None,
) -> Readiness:
    """Readiness of ``workload`` (and an optional schema dump) for Aurora DSQL as of ``as_of``.

    ``statement_cost`` is monthly USD per statement, indexed like ``workload.statements``;
    ``rows_written_per_call`` / ``write_bytes_per_call`` (from :mod:`costmodel.usage`) replace the
    ``rows`` and ``wal_bytes`` counters per call when given; ``metrics`` (the columns of
    :data:`costmodel.readiness_checks.METRICS`, indexed like the statements) replaces all of them, e.g.
    a fleet's worst value per statement over its clusters. Classification runs here when the
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
    if metrics is None:
        metrics = workload_metrics(
            workload,
            aset,
            rows_written_per_call=rows_written_per_call,
            write_bytes_per_call=write_bytes_per_call,
        )
    subjects = pd.concat([subjects, metrics], axis=1)
    diags = [per_text[i] for i in text_index]

    schema_stmts, schema_diags = _schema_statements(schema_sql, lint, catalog)
    schema_profile = profile_texts([s.text for s in schema_stmts]) if schema_stmts else None
    schema_subjects = subjects_frame([s.text for s in schema_stmts], schema_profile, schema_diags)

    ctx = Context(
        workload, subjects, diags, schema_stmts, schema_subjects, schema_diags, statement_cost, catalog, aset
    )
    findings = build_findings(ctx, when, lint, profile is not None)
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


def _readiness(
    ctx: Context,
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
