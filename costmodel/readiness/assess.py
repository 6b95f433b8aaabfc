"""DSQL readiness: dsql-lint + workload checks → findings weighted by their share of the workload.

A migration question is never "does DSQL support X?" but "how much of *my* workload uses X?".
:func:`assess_readiness` answers it in four steps:

1. **Syntax** — the AWS-maintained ``dsql-lint`` runs once over every distinct statement text and
   the optional schema dump (:mod:`costmodel.readiness.dsqllint`); its diagnostics are mapped back to the
   statements they came from.
2. **Classification and counters** — the dated checks of ``costmodel/data/checks.yaml``
   (:mod:`costmodel.readiness.checks`) mark statements by pglast features (what dsql-lint misses or
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

Modules: the checks as data (:mod:`costmodel.readiness.checks`), the statements they look at
(:mod:`costmodel.readiness.subjects`), the finding builder (:mod:`costmodel.readiness.findings`),
the result types (:mod:`costmodel.readiness.model`) and the three renderings
(:mod:`costmodel.report.readiness_doc`); user documentation in ``docs/readiness.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.classify.roles import one_off_mask
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.profile import PROFILE_COLUMNS, ParseStatus
from costmodel.core.redact import lint_text
from costmodel.core.workload import Workload
from costmodel.readiness.checks import CheckCatalog, FindingSource, Severity, load_checks
from costmodel.readiness.dsqllint import LintDiagnostic, LintRun, run_dsql_lint
from costmodel.readiness.findings import Context, Mask, build_findings
from costmodel.readiness.lintcache import run_dsql_lint_cached
from costmodel.readiness.model import (
    Finding,
    LintSummary,
    Readiness,
    SchemaRef,
    Shares,
    Verdict,
    verdict_of,
)
from costmodel.readiness.prelint import LintPlan, PreLinted
from costmodel.readiness.subjects import (
    SchemaStatement,
    effective_rules,
    locate_schema,
    profile_texts,
    read_schema,
    split_schema,
    subjects_frame,
    workload_metrics,
)

LINT_MAX_CHARS = 65_536
"""Longest statement text given to dsql-lint: it takes ~1 s at 20,000 characters and ~10 s at
60,000 (quadratic), and a 1 MiB text would take most of an hour. Real texts are shorter (the
longest in the samples is 50,143 characters; track_activity_query_size defaults to 1 kB)."""


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
    lint_literals: bool = False,
    prelinted: PreLinted | None = None,
) -> Readiness:
    """Readiness of ``workload`` (and an optional schema dump) for Aurora DSQL as of ``as_of``.

    ``statement_cost`` is monthly USD per statement, indexed like ``workload.statements``;
    ``rows_written_per_call`` / ``write_bytes_per_call`` (from :mod:`costmodel.usage.compute`) replace the
    ``rows`` and ``wal_bytes`` counters per call when given; ``metrics`` (the columns of
    :data:`costmodel.readiness.checks.METRICS`, indexed like the statements) replaces all of them, e.g.
    a fleet's worst value per statement over its clusters. Classification runs here when the
    workload has not been classified. dsql-lint missing is a finding, not an error. dsql-lint sees
    the workload's texts with string literals replaced (:func:`~costmodel.core.redact.lint_text`: its
    messages quote statements) unless ``lint_literals``; a schema dump is linted as written.
    ``prelinted`` is dsql-lint already run over the texts (:mod:`costmodel.readiness.prelint`, a
    fleet starts it while its clusters are priced); it is used when it covers every text to lint.
    """
    catalog = load_checks()
    when = as_of or catalog.dsql_as_of
    # this stage's own scope: Readiness.assumptions lists what readiness read, nothing earlier stages did
    aset = (assumptions if assumptions is not None else AssumptionSet()).scoped()
    stmts = workload.statements
    notes: list[str] = []
    syntax = _check_syntax(
        stmts,
        schema,
        lint_literals=lint_literals,
        executable=lint_executable,
        notes=notes,
        prelinted=prelinted,
    )
    lint, profile = syntax.lint, syntax.profile
    notes += _dating_notes(lint, when, catalog)
    per_text = [effective_rules(d, catalog, workload=True) for d in lint.statements] + [()]
    distinct_profile = (
        None if profile is None else pd.concat([profile, _no_text_row(profile)], ignore_index=True)
    )
    distinct_subjects = subjects_frame([*syntax.distinct, None], distinct_profile, per_text)
    if metrics is None:
        metrics = workload_metrics(
            workload,
            aset,
            rows_written_per_call=rows_written_per_call,
            write_bytes_per_call=write_bytes_per_call,
        )
    metrics = metrics.reindex(stmts.index) if not metrics.index.equals(stmts.index) else metrics
    schema_stmts, schema_diags = _schema_statements(syntax.schema_sql, lint, catalog)
    schema_profile = profile_texts([s.text for s in schema_stmts]) if schema_stmts else None
    schema_subjects = subjects_frame([s.text for s in schema_stmts], schema_profile, schema_diags)
    ctx = Context(
        workload, distinct_subjects, per_text, schema_stmts, schema_subjects, schema_diags, statement_cost,
        catalog, aset, rows=syntax.text_index, metrics=metrics,
    )  # fmt: skip
    findings = _mark_one_time(build_findings(ctx, when, lint, profile is not None), stmts, aset)
    return _readiness(
        ctx, findings, when, lint, len(syntax.lintable), schema, statement_cost is not None, aset, notes
    )


@dataclass(frozen=True)
class _SyntaxCheck:
    """The distinct texts, their profile, and what dsql-lint said about them (and the schema)."""

    distinct: list[str]
    text_index: np.ndarray
    """Position of each statement's text among ``distinct`` (``len(distinct)`` for none)."""
    profile: pd.DataFrame | None
    lintable: list[int]
    schema_sql: str | None
    lint: LintRun


def _check_syntax(
    stmts: pd.DataFrame,
    schema: Path | None,
    *,
    lint_literals: bool,
    executable: str | None,
    notes: list[str],
    prelinted: PreLinted | None = None,
) -> _SyntaxCheck:
    """Lint each distinct text once: the parsed ones up to :data:`LINT_MAX_CHARS` (all of them when
    the workload cannot be classified), with literals redacted unless ``lint_literals``."""
    plan = prelinted.plan if prelinted is not None else None
    if plan is None or plan.statements is not stmts:
        plan = lint_plan(stmts)
    distinct, text_index, profile, lintable, too_long = (
        plan.distinct, plan.text_index, plan.profile, plan.lintable, plan.too_long
    )  # fmt: skip
    if profile is None:
        notes.append("classification unavailable: only dsql-lint and counter checks ran")
    schema_sql = read_schema(schema) if schema is not None else None
    if too_long:
        notes.append(
            f"{len(too_long)} statement text(s) longer than {LINT_MAX_CHARS:,} characters were not given to "
            "dsql-lint (its time grows with the square of a statement's length); the other checks ran on them"
        )
    lint = _from_prelint(prelinted, distinct, lintable, lint_literals) if schema_sql is None else None
    if lint is None:
        # the lint cache only ever sees texts with their literals scrubbed (see lintcache)
        lint = (run_dsql_lint if lint_literals else run_dsql_lint_cached)(
            distinct
            if lint_literals
            else [lint_text(t) if len(t) <= LINT_MAX_CHARS else "" for t in distinct],
            schema_sql,  # as written: pg_dump idioms such as DEFAULT nextval('t_id_seq') are what is checked
            include=lintable,
            executable=executable,
        )
    notes.extend(lint.notes)
    notes.extend(cache_notes(lint, lintable))
    return _SyntaxCheck(distinct, text_index, profile, lintable, schema_sql, lint)


def cache_notes(lint: LintRun, lintable: list[int]) -> list[str]:
    """How many of the linted texts came from the lint cache, or why the cache was not used."""
    out = [lint.cache_note] if lint.cache_note else []
    if lint.cached and lint.available:
        hits = len(lint.from_cache.intersection(lintable))
        out.append(
            f"dsql-lint cache: {hits:,} of {len(lintable):,} linted text(s) came from the cache "
            "(--no-lint-cache lints them all afresh)"
        )
    return out


def lint_plan(stmts: pd.DataFrame) -> LintPlan:
    """The distinct texts, each statement's position among them, their profile, the positions given
    to dsql-lint (parsed, up to :data:`LINT_MAX_CHARS`; all when unclassified) and the ones too long.
    A caller that lints early (:class:`~costmodel.readiness.prelint.PreLint`) makes it once and hands
    it on, so a million-row export does not factorise its texts twice."""
    distinct, text_index, first_rows = _distinct_texts(stmts)
    profile = _distinct_profile(stmts, first_rows, distinct)
    lintable = (
        [i for i, status in enumerate(profile["parse_status"]) if status == ParseStatus.OK.value]
        if profile is not None
        else list(range(len(distinct)))
    )
    too_long = [i for i in lintable if len(distinct[i] or "") > LINT_MAX_CHARS]
    if too_long:
        lintable = [i for i in lintable if len(distinct[i] or "") <= LINT_MAX_CHARS]
    return LintPlan(stmts, distinct, text_index, profile, lintable, too_long)


def _from_prelint(
    prelinted: PreLinted | None, distinct: list[str], lintable: list[int], lint_literals: bool
) -> LintRun | None:
    """The run over ``distinct`` taken from an early run, or None when it does not cover them."""
    if prelinted is None or not prelinted.usable(lint_literals):
        return None
    by_text = prelinted.by_text
    if any(distinct[i] not in by_text for i in lintable):
        return None
    per_text: list[tuple[LintDiagnostic, ...]] = [() for _ in distinct]
    for i in lintable:
        per_text[i] = by_text[distinct[i]]
    cached = frozenset(i for i in lintable if distinct[i] in prelinted.cached_texts)
    return replace(prelinted.run, statements=tuple(per_text), schema=(), from_cache=cached)


def _dating_notes(lint: LintRun, when: date, catalog: CheckCatalog) -> list[str]:
    """What the dates of dsql-lint and of the checks mean for an assessment as of ``when``."""
    notes = []
    if lint.available and when < catalog.dsql_as_of:
        notes.append(f"dsql-lint {lint.version} reflects DSQL at its release, not as of {when.isoformat()}")
    if when > catalog.dsql_as_of:
        notes.append(
            f"the checks encode DSQL changes up to {catalog.dsql_as_of.isoformat()}; later ones are unknown"
        )
    return notes


def _mark_one_time(
    findings: list[tuple[Finding, Mask]], stmts: pd.DataFrame, aset: AssumptionSet
) -> list[tuple[Finding, Mask]]:
    """Findings whose statements are all one-time work (DDL, maintenance seen a few times) are
    one-time fixes: they change a migration script, not the application's recurring work."""
    if "stmt_id" not in stmts or not len(stmts):
        return findings
    one_off = one_off_mask(stmts, float(aset.get("one_off_max_calls")))
    if not one_off.any():
        return findings
    ids = set(stmts["stmt_id"].to_numpy()[one_off].tolist())
    return [
        (replace(f, one_time=True), m)
        if f.stmt_ids and not f.schema_refs and set(f.stmt_ids) <= ids
        else (f, m)
        for f, m in findings
    ]


def _distinct_texts(stmts: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct statement texts worth checking (in order of first appearance), the position of
    each statement's text among them (``len(distinct)`` for none) and the first row of each.

    A text is checked when it is a non-blank string on a row not marked ``unclassifiable``. Works on
    factorised codes: a million-row export has ~50,000 distinct texts, so every per-text test runs
    once per distinct value and the per-row work stays in numpy.
    """
    n = len(stmts)
    if "query" not in stmts.columns or n == 0:
        return [], np.zeros(n, dtype=np.intp), np.zeros(0, dtype=np.intp)
    codes, uniques = pd.factorize(stmts["query"].to_numpy(dtype=object))
    good = np.fromiter(
        (isinstance(t, str) and bool(t.strip()) for t in uniques), dtype=bool, count=len(uniques)
    )
    valid = (codes >= 0) & np.append(good, False)[codes]
    if "unclassifiable" in stmts.columns:
        valid &= ~stmts["unclassifiable"].fillna(False).astype(bool).to_numpy(dtype=bool)
    order = pd.unique(codes[valid])
    distinct = [uniques[c] for c in order]
    position = np.full(len(uniques) + 1, len(distinct), dtype=np.intp)
    position[order] = np.arange(len(order), dtype=np.intp)
    text_index = position[np.where(valid, codes, -1)]
    valid_rows = np.flatnonzero(valid)
    _, first = np.unique(text_index[valid_rows], return_index=True)
    return distinct, text_index, valid_rows[first]


def _distinct_profile(
    stmts: pd.DataFrame, first_rows: np.ndarray, distinct: list[str]
) -> pd.DataFrame | None:
    """Profile columns per distinct text: from the classified workload (its profile columns only:
    a copy of every counter of 50,000 rows would live as long as the plan), else classified here."""
    if "parse_status" in stmts.columns:
        columns = [i for i, name in enumerate(stmts.columns) if name in PROFILE_COLUMNS]
        return stmts.iloc[first_rows.tolist(), columns].reset_index(drop=True)
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


BITS_PER_KEY = 62
"""Findings folded into one int64 key per statement before the keys are factorised again."""


def _finding_ids(pairs: list[tuple[Finding, Mask]], n: int) -> np.ndarray:
    """Per statement, the tuple of the ids of the findings touching it (in finding order).

    Statements share few distinct combinations of findings, so each statement gets a combination
    code (the masks as bits, factorised) and each combination's tuple is built once.
    """
    codes = np.zeros(n, dtype=np.intp)
    count = 1
    for start in range(0, len(pairs), BITS_PER_KEY):
        key = np.zeros(n, dtype=np.int64)
        for bit, (_, mask) in enumerate(pairs[start : start + BITS_PER_KEY]):
            key |= mask.astype(np.int64) << bit
        part, uniques = pd.factorize(key)
        codes, combos = pd.factorize(codes.astype(np.int64) * len(uniques) + part)
        count = len(combos)
    if n == 0:
        return np.empty(0, dtype=object)
    # factorize numbers combinations in order of appearance: the running maximum rises at first rows
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
    per_combo = np.empty(count, dtype=object)
    for i, row in enumerate(first):
        per_combo[i] = tuple(f.id for f, mask in pairs if mask[row])
    out: np.ndarray = per_combo[codes]
    return out


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
    worst = np.full(ctx.n, len(Severity), dtype=np.int64)
    unions: dict[Severity, tuple[Mask, set[int]]] = {}
    blocking = ctx.none()
    for f, mask in pairs:
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
    severity_names = np.array([s.value for s in Severity] + [None], dtype=object)
    statements = pd.DataFrame(
        {
            "stmt_id": ctx.stmt_ids,
            "findings": _finding_ids(pairs, ctx.n),
            "worst_severity": severity_names[worst].tolist(),
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
