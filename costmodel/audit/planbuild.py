"""Assemble the migration plan (:mod:`.plan` holds its types): one function per phase.

Each phase has typed :class:`~costmodel.audit.plan.Figure` records (a machine value and its text;
the ``headline`` ones are what the main report's phase table shows) and its items, effort from the
``effort`` field of the readiness check or code rule behind each. Figures come from the priced run,
its rerun with the remediated (UUID) catalog facts, and the code audit — never typed in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from costmodel.analysis.run import RunResult
from costmodel.audit.model import CodeAudit
from costmodel.audit.plan import WRITE_ITEMS, CostLine, Figure, MigrationPlan, Phase, PlanItem, pct, usd
from costmodel.audit.remediate import Remediation
from costmodel.audit.rules import load_rules
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.readiness.checks import Severity


def build_plan(
    run: RunResult,
    *,
    source: str,
    remediation: Remediation | None,
    after: RunResult | None,
    audit: CodeAudit | None,
    ddl_out: str | None,
    schema_file: str | None = None,
) -> MigrationPlan:
    """The plan from a priced run, its remediated rerun (``after``) and an optional code audit."""
    readiness = run.readiness
    notes: list[str] = []
    if remediation is not None:
        notes += remediation.notes
    if remediation is not None and run.workload.catalog is None:
        notes.append(
            "no catalog facts (a bundle's catalog.yaml): key widths are the pk_key_bytes default, "
            "so UUID keys leave the costs unchanged here"
        )
    costs = tuple(
        CostLine(o.name, o.title, o.total_monthly_usd, _after_total(after, o.name, o.total_monthly_usd))
        for o in run.options
    )
    return MigrationPlan(
        source=source,
        scenario=run.scenario.name,
        dsql_as_of=readiness.dsql_as_of if readiness else "",
        verdict=readiness.verdict.value if readiness else "not assessed",
        phases=(
            audit_phase(run, audit),
            refactor_phase(run, remediation, after, ddl_out),
            retry_phase(run, audit),
            load_phase(run),
            cutover_phase(run, costs),
        ),
        costs=costs,
        ddl_out=ddl_out,
        notes=tuple(notes),
        schema_file=schema_file,
        code=audit_brief(audit),
    )


def audit_brief(audit: CodeAudit | None) -> dict[str, Any] | None:
    """The code audit in a few numbers (the plan's ``code`` entry)."""
    if audit is None:
        return None
    return {
        "root": audit.root,
        "files": sum(audit.files.values()),
        "skipped": len(audit.skipped),
        "findings": audit.counts(),
        "write_paths": len(audit.sites),
        "without_retry": len(audit.unretried),
        "retry_handlers": len(audit.handlers),
    }


def _after_total(after: RunResult | None, name: str, before: Decimal) -> Decimal:
    if after is None:
        return before
    option = after.option(name)
    return option.total_monthly_usd if option is not None else before


def write_bytes_month(run: RunResult, column: str = "write_bytes_per_call") -> float:
    """Bytes per month of one per-call usage column (written, read, key-checked)."""
    stmts = run.usage.statements
    value = (stmts[column] * stmts["calls_month"]).to_numpy(dtype=float)
    return float(np.nansum(value))


def _gb(value: float) -> str:
    return f"{value / 1e9:,.3f}"


def audit_phase(run: RunResult, audit: CodeAudit | None) -> Phase:
    """Phase 1: readiness findings (workload and schema) and the code audit's, grouped by rule."""
    readiness = run.readiness
    counting = [f for f in readiness.findings if f.counts] if readiness else []
    items = [
        PlanItem(f.id, f.title, f.effort, _finding_where(f), f.severity.value, *_shares(f), f.fixable)
        for f in counting
        if f.severity != Severity.INFO
    ]  # fmt: skip
    blockers = sum(1 for f in counting if f.severity == Severity.BLOCKER)
    warnings = sum(1 for f in counting if f.severity == Severity.WARNING)
    touched, unfixed = _blocker_calls(readiness), (readiness.blocking.calls if readiness else None)
    verdict = readiness.verdict.value if readiness else "not assessed"
    figures = [
        Figure("verdict", "readiness verdict", verdict, verdict, verdict),
        Figure("blockers", "blockers (workload + schema)", blockers, str(blockers), f"{blockers} blocker(s)"),
        Figure("warnings", "warnings (workload + schema)", warnings, str(warnings), f"{warnings} warning(s)"),
        Figure("blocker_share_calls", "share of calls touched by blockers", touched, pct(touched), f"{pct(touched)} of calls blocked"),
        Figure("blocked_unfixable_share_calls", "share of calls blocked without a mechanical fix", unfixed, pct(unfixed)),
    ]  # fmt: skip
    if audit is not None:
        figures += _code_figures(audit)
        items += _code_items(audit)
    return Phase(1, "Schema audit", "Inventory what DSQL rejects or treats differently, weighted by the workload.",
                 tuple(figures), tuple(items))  # fmt: skip


def _shares(finding: Any) -> tuple[float | None, float | None]:
    """Call and cost shares of a finding on statements; None for one on the schema alone."""
    return (finding.shares.calls, finding.shares.cost) if finding.stmt_ids else (None, None)


def _finding_where(finding: Any) -> str:
    parts = [f"{len(finding.stmt_ids)} statement(s)"] if finding.stmt_ids else []
    if finding.schema_refs:
        parts.append("schema line(s) " + ", ".join(str(r.line) for r in finding.schema_refs[:6]))
    return ", ".join(parts) or "the run"


def _code_figures(audit: CodeAudit) -> list[Figure]:
    counts = audit.counts()
    files, skipped = sum(audit.files.values()), len(audit.skipped)
    return [
        Figure("code_blockers", "code findings: blockers", counts["blocker"], str(counts["blocker"]), f"{counts['blocker']} code blocker(s)"),
        Figure("code_warnings", "code findings: warnings", counts["warning"], str(counts["warning"])),
        Figure("code_info", "code findings: info", counts["info"], str(counts["info"])),
        Figure("code_files", "code files audited / skipped", [files, skipped], f"{files} / {skipped}"),
    ]  # fmt: skip


def _code_items(audit: CodeAudit) -> list[PlanItem]:
    """One item per code rule with blocker or warning findings, naming its first three places."""
    groups: dict[str, list[Any]] = {}
    for cf in audit.findings:
        if cf.severity != Severity.INFO:
            groups.setdefault(cf.id, []).append(cf)
    items = []
    for rule_id, found in groups.items():
        first = found[0]
        where = ", ".join(x.where for x in found[:3]) + (
            f" (+{len(found) - 3} more)" if len(found) > 3 else ""
        )
        share = [x.share_calls for x in found if x.share_calls is not None]
        items.append(PlanItem(f"code:{rule_id}", f"{first.title} ({len(found)} in code)", first.effort, where,
                              first.severity.value, sum(share) if share else None, None, first.fixable))  # fmt: skip
    return items


def _blocker_calls(readiness: Any) -> float | None:
    if readiness is None:
        return None
    share = readiness.by_severity.get(Severity.BLOCKER)
    return float(share.calls) if share is not None else 0.0


def refactor_phase(
    run: RunResult, rem: Remediation | None, after: RunResult | None, ddl_out: str | None
) -> Phase:
    """Phase 2: the remediated DDL, what moves to the data access layer, costs before and after."""
    name, goal = (
        "Schema refactoring",
        "SERIAL → UUID, CREATE INDEX ASYNC, triggers and procedures into the data access layer.",
    )
    if rem is None:
        text = "not written: no schema (give --schema, or a bundle with schema.sql)"
        return Phase(
            2, name, goal, (Figure("ddl", "remediated DDL", None, text, "no schema to remediate"),), ()
        )
    figures = _refactor_figures(run, rem, after, ddl_out)
    return Phase(2, name, goal, figures, tuple(_refactor_items(rem)))


def _refactor_items(rem: Remediation) -> list[PlanItem]:
    effort = {r.check: r.effort for r in load_rules() if r.check}
    items = [PlanItem("serial_to_uuid", f"{t}.{c}: SERIAL/sequence key → uuid DEFAULT gen_random_uuid()",
                      effort.get("serial", "high"), f"{t}.{c}", "blocker", mechanical=True) for t, c in rem.uuid_keys]  # fmt: skip
    items += [PlanItem("fk_to_uuid", f"{t}.{c}: referencing column → uuid", "medium", f"{t}.{c}", "blocker", mechanical=True)
              for t, c in rem.uuid_references]  # fmt: skip
    items += [PlanItem(f"move_{m.kind}", f"{m.kind} {m.name}" + (f" on {m.table}" if m.table else "") + " → data access layer",
                       "high" if m.kind in ("trigger", "function", "procedure") else "low", f"schema line {m.line}", "blocker")
              for m in rem.moved]  # fmt: skip
    rules: dict[str, int] = {}
    for d in rem.mechanical:
        rules[d.rule] = rules.get(d.rule, 0) + 1
    items += [PlanItem(f"lint_fix:{rule}", f"dsql-lint --fix: {rule} x{n}", "low", "remediated DDL", mechanical=True)
              for rule, n in sorted(rules.items())]  # fmt: skip
    return items


def _refactor_figures(
    run: RunResult, rem: Remediation, after: RunResult | None, ddl_out: str | None
) -> tuple[Figure, ...]:
    later = after or run
    before = [
        write_bytes_month(run, c)
        for c in ("read_bytes_per_call", "write_bytes_per_call", "pk_check_bytes_per_call")
    ]
    changed = [
        write_bytes_month(later, c)
        for c in ("read_bytes_per_call", "write_bytes_per_call", "pk_check_bytes_per_call")
    ]
    dsql = run.options[0]
    dsql_after = after.option(dsql.name) if after else None
    usd_before, usd_after = (
        dsql.total_monthly_usd,
        dsql_after.total_monthly_usd if dsql_after else dsql.total_monthly_usd,
    )
    moved = sum(1 for m in rem.moved if m.kind != "extension")
    keys, refs = len(rem.uuid_keys), len(rem.uuid_references)
    return (
        Figure("ddl_out", "remediated DDL", ddl_out, ddl_out or "not written (give --ddl-out FILE)"),
        Figure("uuid_keys", "keys turned into UUID", keys, str(keys), f"{keys} key(s) → UUID"),
        Figure("uuid_references", "referencing columns turned into UUID", refs, str(refs)),
        Figure("moved_to_data_access_layer", "objects moved to the data access layer", moved, str(moved), f"{moved} trigger/function(s) → data access layer"),
        Figure("lint_fixes", "findings dsql-lint --fix rewrites in the original schema", rem.original_mechanical,
               str(rem.original_mechanical), f"{rem.original_mechanical} fixed by dsql-lint --fix"),
        Figure("left_after", "left for design work after remediation (dsql-lint)", len(rem.left), str(len(rem.left))),
        Figure("gb_month_before", "GB read / written / key-checked per month, before", [b / 1e9 for b in before],
               " / ".join(_gb(b) for b in before)),
        Figure("gb_month_after", "GB read / written / key-checked per month, after UUID keys", [a / 1e9 for a in changed],
               " / ".join(_gb(a) for a in changed)),
        Figure("dsql_components_changed", "DSQL components changed by UUID keys", None, component_delta(run, later)),
        Figure("dsql_usd_before_after", f"{dsql.title} per month before → after", [float(usd_before), float(usd_after)],
               f"{usd(usd_before)} → {usd(usd_after)}", f"DSQL {usd(usd_before)} → {usd(usd_after)}/month"),
    )  # fmt: skip


def component_delta(run: RunResult, later: RunResult) -> str:
    """``ReadDPU +$1.32`` for each DSQL component whose monthly cost moved (rows under DSQL's 128-byte
    minimum per row bill the same when they widen)."""
    before = run.options[0].by_component()
    option = later.option(run.options[0].name)
    after = option.by_component() if option is not None else before
    moved = [f"{k} {'+' if after.get(k, Decimal(0)) >= v else '-'}{usd(abs(after.get(k, Decimal(0)) - v))}"
             for k, v in before.items() if after.get(k, Decimal(0)) != v]  # fmt: skip
    return ", ".join(moved) or "none"


RETRY_POLICY = (
    "retry the whole transaction on SQLSTATE 40001 (OC000, OC001) with exponential backoff and jitter"
)


def retry_phase(run: RunResult, audit: CodeAudit | None) -> Phase:
    """Phase 3: the write statements to retry and, with a code audit, the write paths without a retry."""
    stmts = run.usage.statements
    writes = (
        stmts["is_write"].fillna(False).astype(bool) & ~stmts["is_txn_control"].fillna(False).astype(bool)
    ).to_numpy()
    calls = stmts["calls_month"].to_numpy(dtype=float)
    total = float(np.nansum(calls)) or 1.0
    share = float(np.nansum(calls[writes])) / total
    txns = float(run.usage.write_txns_month)
    figures = [
        Figure("write_statements", "write statements in the workload", int(writes.sum()), str(int(writes.sum())), f"{int(writes.sum())} write statement(s)"),
        Figure("write_share_calls", "share of calls that write", share, pct(share), f"{pct(share)} of calls"),
        Figure("write_txns_month", "write transactions per month", txns, f"{txns:,.0f}"),
        Figure("retry_policy", "retry policy to implement", RETRY_POLICY, RETRY_POLICY),
    ]  # fmt: skip
    if audit is None:
        figures.append(Figure("code_write_paths", "code write paths", None, "not audited (give --code DIR)"))
        order = [int(p) for p in np.argsort(-np.nan_to_num(calls), kind="stable") if writes[p]][:WRITE_ITEMS]
        queries = run.workload.statements["query"]
        items = [PlanItem("retry_statement", "wrap in a 40001 retry", "medium", str(stmts["stmt_id"].iloc[pos]), "warning",
                          float(calls[pos]) / total, query=" ".join(str(queries.iloc[pos]).split()))
                 for pos in order]  # fmt: skip
    else:
        sites, unretried = len(audit.sites), len(audit.unretried)
        figures += [
            Figure("code_write_paths", "code write paths and transaction scopes", sites, str(sites)),
            Figure("code_without_retry", "without a retry on 40001", unretried, str(unretried), f"{unretried} of {sites} write path(s) without retry"),
            Figure("code_retry_handlers", "retry handlers found", len(audit.handlers), str(len(audit.handlers))),
        ]  # fmt: skip
        efforts = {r.id: r.effort for r in load_rules()}
        items = [PlanItem(f"no_retry:{s.kind}", f"{s.kind} in {s.function}: {s.what}", efforts.get(s.rule, "low"), s.where, "warning")
                 for s in audit.unretried]  # fmt: skip
    return Phase(
        3,
        "Retry logic",
        "Every write path retries on serialization failure (40001).",
        tuple(figures),
        tuple(items),
    )


def load_phase(run: RunResult) -> Phase:
    """Phase 4: per write pattern, the peak rate to load-test at and the predicted conflict rate."""
    c = run.contention
    good, bad = c.thresholds
    items = []
    for _, p in c.patterns.iterrows():
        prob = float(p["conflict_probability"])
        verdict = "good" if prob < good else "bad" if prob >= bad else "watch"
        items.append(PlanItem(
            "occ_pattern", f"{p['table']} ({p['key_shape']})", "medium",
            f"test at {float(p['rate_per_s']):,.1f} writes/s peak over {float(p['key_space']):,.0f} keys",
            "warning" if verdict != "good" else "info", share_calls=None,
            detail=f"predicted conflict rate {pct(prob)} ({verdict}: target < {pct(good)}, bad > {pct(bad)})"
            + ("; hot spot" if bool(p["hot"]) else ""), query=" ".join(str(p["query"]).split()),
        ))  # fmt: skip
    rate, peak = c.predicted_conflict_rate, float(c.txns_per_s_peak)
    probs = c.patterns["conflict_probability"].to_numpy(dtype=float) if len(c.patterns) else np.zeros(0)
    over = int((probs >= bad).sum())
    figures = (
        Figure("patterns_over_bad", f"write patterns predicted over {pct(bad)}", [over, len(probs)],
               f"{over} of {len(probs)}", f"{over} of {len(probs)} write pattern(s) > {pct(bad)}"),
        Figure("predicted_conflict_rate", "predicted conflict rate (peak hour)", rate, f"{pct(rate)} ({c.risk.value})", f"{pct(rate)} conflicts ({c.risk.value})"),
        Figure("targets", "targets", [good, bad], f"< {pct(good)} good, > {pct(bad)} bad"),
        Figure("load_test_txns_per_s", "load-test rate (peak transactions/s)", peak, f"{peak:,.1f}", f"test at {peak:,.1f} txn/s"),
        Figure("commit_latency_ms", "commit latency assumed", c.commit_latency.ms, f"{c.commit_latency.ms:.0f} ms ({c.commit_latency.basis})"),
        Figure("residual_conflict_rate", "conflict rate with the hot spots fixed", c.residual_conflict_rate, pct(c.residual_conflict_rate)),
        Figure("retry_share_of_dsql", "share of the DSQL bill that is retries", c.extra_dpu_share, pct(c.extra_dpu_share)),
    )  # fmt: skip
    return Phase(4, "Load testing for conflict rate", "Replay the hot write patterns at peak rate on DSQL; keep conflicts under 1%.",
                 figures, tuple(items))  # fmt: skip


def cutover_phase(run: RunResult, costs: tuple[CostLine, ...]) -> Phase:
    """Phase 5: the data to copy, the change stream replication carries, and the costs to expect."""
    usage = run.usage
    kib_s = write_bytes_month(run) / SECONDS_PER_MONTH / 1024
    txn_s = usage.write_txns_month / SECONDS_PER_MONTH
    figures = [
        Figure("storage_gb", "data to copy", usage.storage_gb, f"{usage.storage_gb:,.3f} GB ({usage.storage_source})", f"{usage.storage_gb:,.3f} GB to copy"),
        Figure("change_kib_per_s", "change stream to replicate (KiB/s, mean)", kib_s, f"{kib_s:,.1f} KiB/s", f"{kib_s:,.1f} KiB/s of changes"),
        Figure("write_txns_per_s", "write transactions per second to replicate (mean)", txn_s, f"{txn_s:,.1f}"),
    ]  # fmt: skip
    figures += [
        Figure(f"usd:{c.option}", f"{c.title} per month (before → after remediation)", [float(c.before), float(c.after)],
               f"{usd(c.before)} → {usd(c.after)}")
        for c in costs
    ]  # fmt: skip
    items = (
        PlanItem("initial_copy", "Initial copy of the data into DSQL (UUID keys mapped from the old integer keys)", "medium",
                 f"{usage.storage_gb:,.3f} GB"),
        PlanItem("replication", "Replicate changes from the source until cutover (CDC / AWS DMS)", "medium", f"{kib_s:,.1f} KiB/s of writes"),
        PlanItem("cutover", "Switch writers after the replication lag reaches zero; keep the source as fallback", "low", "cutover window"),
    )  # fmt: skip
    return Phase(5, "Cutover", "Move traffic with replication from the source.", tuple(figures), items)
