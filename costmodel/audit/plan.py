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

from costmodel.analysis.run import Analysis, RunResult
from costmodel.audit.model import CodeAudit
from costmodel.audit.remediate import Remediation
from costmodel.audit.rules import load_rules
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import CatalogFacts, Workload
from costmodel.readiness.checks import Severity

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Phase:
    """One phase: its goal, the figures that size it, and its items."""

    number: int
    name: str
    goal: str
    figures: tuple[tuple[str, str], ...]
    items: tuple[PlanItem, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "number": self.number,
            "name": self.name,
            "goal": self.goal,
            "figures": {k: v for k, v in self.figures},
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


def _write_bytes_month(run: RunResult, column: str = "write_bytes_per_call") -> float:
    stmts = run.usage.statements
    value = (stmts[column] * stmts["calls_month"]).to_numpy(dtype=float)
    return float(np.nansum(value))


def build_plan(
    analysis: Analysis,
    run: RunResult,
    *,
    source: str,
    remediation: Remediation | None,
    after: RunResult | None,
    audit: CodeAudit | None,
    ddl_out: str | None,
) -> MigrationPlan:
    """The plan from a priced run, its remediated rerun (``after``) and an optional code audit."""
    readiness = run.readiness
    notes: list[str] = []
    if remediation is not None:
        notes += remediation.notes
    if analysis.workload.catalog is None:
        notes.append(
            "no catalog facts (a bundle's catalog.yaml): key widths are the pk_key_bytes default, "
            "so UUID keys leave the costs unchanged here"
        )
    costs = tuple(
        CostLine(o.name, o.title, o.total_monthly_usd, _after_total(after, o.name, o.total_monthly_usd))
        for o in run.options
    )
    phases = (
        _phase_audit(run, audit),
        _phase_refactor(run, remediation, after, ddl_out),
        _phase_retry(run, audit),
        _phase_load(run),
        _phase_cutover(run, costs),
    )
    return MigrationPlan(
        source=source,
        scenario=run.scenario.name,
        dsql_as_of=readiness.dsql_as_of if readiness else "",
        verdict=readiness.verdict.value if readiness else "not assessed",
        phases=phases,
        costs=costs,
        ddl_out=ddl_out,
        notes=tuple(notes),
    )


def _after_total(after: RunResult | None, name: str, before: Decimal) -> Decimal:
    if after is None:
        return before
    option = after.option(name)
    return option.total_monthly_usd if option is not None else before


def _phase_audit(run: RunResult, audit: CodeAudit | None) -> Phase:
    items: list[PlanItem] = []
    readiness = run.readiness
    counting = [f for f in readiness.findings if f.counts] if readiness else []
    for f in counting:
        if f.severity == Severity.INFO:
            continue
        parts = [f"{len(f.stmt_ids)} statement(s)"] if f.stmt_ids else []
        if f.schema_refs:
            parts.append("schema line(s) " + ", ".join(str(r.line) for r in f.schema_refs[:6]))
        where = ", ".join(parts) or "the run"
        items.append(
            PlanItem(
                f.id, f.title, f.effort, where, f.severity.value, f.shares.calls, f.shares.cost, f.fixable
            )
        )
    figures = [
        ("readiness verdict", readiness.verdict.value if readiness else "not assessed"),
        ("blockers / warnings (workload + schema)", f"{sum(1 for f in counting if f.severity == Severity.BLOCKER)} / "
                                                     f"{sum(1 for f in counting if f.severity == Severity.WARNING)}"),
        ("share of calls touched by blockers", pct(_blocker_calls(readiness))),
        ("share of calls blocked without a mechanical fix", pct(readiness.blocking.calls if readiness else None)),
    ]  # fmt: skip
    if audit is not None:
        counts = audit.counts()
        figures.append(
            (
                "code findings (blocker / warning / info)",
                f"{counts['blocker']} / {counts['warning']} / {counts['info']}",
            )
        )
        figures.append(
            ("code files audited / skipped", f"{sum(audit.files.values())} / {len(audit.skipped)}")
        )
        groups: dict[str, list[Any]] = {}
        for cf in audit.findings:
            if cf.severity != Severity.INFO:
                groups.setdefault(cf.id, []).append(cf)
        for rule_id, found in groups.items():
            first = found[0]
            where = ", ".join(x.where for x in found[:3]) + (
                f" (+{len(found) - 3} more)" if len(found) > 3 else ""
            )
            share = [x.share_calls for x in found if x.share_calls is not None]
            items.append(PlanItem(f"code:{rule_id}", f"{first.title} ({len(found)} in code)", first.effort, where,
                                  first.severity.value, sum(share) if share else None, None, first.fixable))  # fmt: skip
    return Phase(1, "Schema audit", "Inventory what DSQL rejects or treats differently, weighted by the workload.",
                 tuple(figures), tuple(items))  # fmt: skip


def _blocker_calls(readiness: Any) -> float | None:
    if readiness is None:
        return None
    share = readiness.by_severity.get(Severity.BLOCKER)
    return float(share.calls) if share is not None else 0.0


def _phase_refactor(
    run: RunResult, rem: Remediation | None, after: RunResult | None, ddl_out: str | None
) -> Phase:
    if rem is None:
        return Phase(2, "Schema refactoring", "Rewrite the schema for DSQL.",
                     (("remediated DDL", "not written: no schema (give --schema, or a bundle with schema.sql)"),), ())  # fmt: skip
    effort = {r.check: r.effort for r in load_rules() if r.check}
    items = [PlanItem("serial_to_uuid", f"{t}.{c}: SERIAL/sequence key -> uuid DEFAULT gen_random_uuid()",
                      effort.get("serial", "high"), f"{t}.{c}", "blocker", mechanical=True) for t, c in rem.uuid_keys]  # fmt: skip
    items += [PlanItem("fk_to_uuid", f"{t}.{c}: referencing column -> uuid", "medium", f"{t}.{c}", "blocker", mechanical=True)
              for t, c in rem.uuid_references]  # fmt: skip
    items += [PlanItem(f"move_{m.kind}", f"{m.kind} {m.name}" + (f" on {m.table}" if m.table else "") + " -> data access layer",
                       "high" if m.kind in ("trigger", "function", "procedure") else "low", f"schema line {m.line}", "blocker")
              for m in rem.moved]  # fmt: skip
    rules: dict[str, int] = {}
    for d in rem.mechanical:
        rules[d.rule] = rules.get(d.rule, 0) + 1
    items += [PlanItem(f"lint_fix:{rule}", f"dsql-lint --fix: {rule} x{n}", "low", "remediated DDL", mechanical=True)
              for rule, n in sorted(rules.items())]  # fmt: skip
    later = after or run
    before_w, after_w = _write_bytes_month(run), _write_bytes_month(later)
    before_k, after_k = (_write_bytes_month(x, "pk_check_bytes_per_call") for x in (run, later))
    before_r, after_r = (_write_bytes_month(x, "read_bytes_per_call") for x in (run, later))
    dsql = run.options[0]
    dsql_after = after.option(dsql.name) if after else None
    figures = (
        ("remediated DDL", ddl_out or "not written (give --ddl-out FILE)"),
        ("keys turned into UUID / referencing columns", f"{len(rem.uuid_keys)} / {len(rem.uuid_references)}"),
        ("objects moved to the data access layer", str(sum(1 for m in rem.moved if m.kind != "extension"))),
        ("findings dsql-lint --fix rewrites in the original schema", str(rem.original_mechanical)),
        ("left for design work after remediation (dsql-lint)", str(len(rem.left))),
        ("GB read / written / key-checked per month, before", f"{before_r / 1e9:,.3f} / {before_w / 1e9:,.3f} / {before_k / 1e9:,.3f}"),
        ("GB read / written / key-checked per month, after UUID keys", f"{after_r / 1e9:,.3f} / {after_w / 1e9:,.3f} / {after_k / 1e9:,.3f}"),
        ("DSQL components changed by UUID keys", _component_delta(run, later)),
        (f"{dsql.title} per month before -> after", f"{usd(dsql.total_monthly_usd)} -> "
                                                   f"{usd(dsql_after.total_monthly_usd if dsql_after else dsql.total_monthly_usd)}"),
    )  # fmt: skip
    return Phase(2, "Schema refactoring", "SERIAL -> UUID, CREATE INDEX ASYNC, triggers and procedures into the data access layer.",
                 figures, tuple(items))  # fmt: skip


def _component_delta(run: RunResult, later: RunResult) -> str:
    """``ReadDPU +$1.32`` for each DSQL component whose monthly cost moved (rows under DSQL's 128-byte
    minimum per row bill the same when they widen)."""
    before = run.options[0].by_component()
    option = later.option(run.options[0].name)
    after = option.by_component() if option is not None else before
    moved = [f"{k} {'+' if after.get(k, Decimal(0)) >= v else '-'}{usd(abs(after.get(k, Decimal(0)) - v))}"
             for k, v in before.items() if after.get(k, Decimal(0)) != v]  # fmt: skip
    return ", ".join(moved) or "none"


def _phase_retry(run: RunResult, audit: CodeAudit | None) -> Phase:
    stmts = run.usage.statements
    writes = stmts["is_write"].fillna(False).astype(bool) & ~stmts["is_txn_control"].fillna(False).astype(
        bool
    )
    calls = stmts["calls_month"].to_numpy(dtype=float)
    total = float(np.nansum(calls)) or 1.0
    figures = [
        ("write statements in the workload", f"{int(writes.sum())} ({pct(float(np.nansum(calls[writes.to_numpy()])) / total)} of calls)"),
        ("write transactions per month", f"{run.usage.write_txns_month:,.0f}"),
        ("retry policy to implement", "retry the whole transaction on SQLSTATE 40001 (OC000, OC001) with exponential backoff and jitter"),
    ]  # fmt: skip
    items: list[PlanItem] = []
    if audit is None:
        figures.append(("code write paths", "not audited (give --code DIR)"))
        order = np.argsort(-np.nan_to_num(calls))
        mask = writes.to_numpy()
        for pos in [int(p) for p in order if mask[p]][:WRITE_ITEMS]:
            query = " ".join(str(run.workload.statements["query"].iloc[pos]).split())[:90]
            items.append(PlanItem("retry_statement", f"wrap in a 40001 retry: {query}", "medium",
                                  str(stmts["stmt_id"].iloc[pos]), "warning", float(calls[pos]) / total))  # fmt: skip
    else:
        figures += [
            ("code write paths and transaction scopes", str(len(audit.sites))),
            ("without a retry on 40001", str(len(audit.unretried))),
            ("retry handlers found", str(len(audit.handlers))),
        ]
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


def _phase_load(run: RunResult) -> Phase:
    c = run.contention
    good, bad = c.thresholds
    items = []
    for _, p in c.patterns.iterrows():
        prob = float(p["conflict_probability"])
        verdict = "good" if prob < good else "bad" if prob >= bad else "watch"
        items.append(PlanItem(
            "occ_pattern", f"{p['table']} ({p['key_shape']}): {' '.join(str(p['query']).split())[:90]}", "medium",
            f"test at {float(p['rate_per_s']):,.1f} writes/s peak over {float(p['key_space']):,.0f} keys",
            "warning" if verdict != "good" else "info",
            detail=f"predicted conflict rate {pct(prob)} ({verdict}: target < {pct(good)}, bad > {pct(bad)})"
            + ("; hot spot" if bool(p["hot"]) else ""),
        ))  # fmt: skip
    figures = (
        ("predicted conflict rate (peak hour)", f"{pct(c.predicted_conflict_rate)} ({c.risk.value})"),
        ("targets", f"< {pct(good)} good, > {pct(bad)} bad"),
        ("load-test rate (peak transactions/s)", f"{c.txns_per_s_peak:,.1f}"),
        ("commit latency assumed", f"{c.commit_latency.ms:.0f} ms ({c.commit_latency.basis})"),
        ("conflict rate with the hot spots fixed", pct(c.residual_conflict_rate)),
        ("share of the DSQL bill that is retries", pct(c.extra_dpu_share)),
    )
    return Phase(4, "Load testing for conflict rate", "Replay the hot write patterns at peak rate on DSQL; keep conflicts under 1%.",
                 figures, tuple(items))  # fmt: skip


def _phase_cutover(run: RunResult, costs: tuple[CostLine, ...]) -> Phase:
    usage = run.usage
    write_rate = _write_bytes_month(run) / SECONDS_PER_MONTH
    figures = [
        ("data to copy", f"{usage.storage_gb:,.3f} GB ({usage.storage_source})"),
        ("change stream to replicate", f"{write_rate / 1024:,.1f} KiB/s, {usage.write_txns_month / SECONDS_PER_MONTH:,.1f} write transactions/s (mean)"),
    ]  # fmt: skip
    figures += [
        (f"{c.title} per month (before -> after remediation)", f"{usd(c.before)} -> {usd(c.after)}")
        for c in costs
    ]
    items = (
        PlanItem("initial_copy", "Initial copy of the data into DSQL (UUID keys mapped from the old integer keys)", "medium",
                 f"{usage.storage_gb:,.3f} GB"),
        PlanItem("replication", "Replicate changes from the source until cutover (CDC / AWS DMS)", "medium",
                 f"{write_rate / 1024:,.1f} KiB/s of writes"),
        PlanItem("cutover", "Switch writers after the replication lag reaches zero; keep the source as fallback", "low", "cutover window"),
    )  # fmt: skip
    return Phase(5, "Cutover", "Move traffic with replication from the source.", tuple(figures), items)


def remediated_workload(workload: Workload, remediation: Remediation) -> Workload | None:
    """The workload with UUID keys in its catalog facts (None without catalog facts)."""
    if workload.catalog is None:
        return None
    columns = remediation.uuid_keys + remediation.uuid_references
    return workload.with_statements(workload.statements, catalog=uuid_catalog(workload.catalog, columns))
