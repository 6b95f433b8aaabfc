"""Walk the architect's tree ("When DSQL outperforms Global Database", ../shared/seed/).

Need active-active multi-region writes? → is the conflict rate low (tenants isolated)? → are
PostgreSQL features DSQL lacks required? → which RPO (zero → DSQL; minutes → Serverless v2 +
Global Database)? Then two checks the article leaves implicit: the RTO, and the commit latency of
the chosen region set against a latency budget. Every answer names where it came from: a stated
requirement, a model figure (the OCC model's conflict rate with its range, the region set's
commit latency), readiness findings weighted by the workload, or a documented fact with sources.
An unstated requirement never picks a branch silently: the question lists both branches with the
cost of the option each leads to, and the outcome says which keys it hinges on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from costmodel.contention.model import Contention
from costmodel.core.estimate import OptionEstimate
from costmodel.core.options import DSQL_MULTI_REGION, DSQL_SINGLE_REGION, SV2_GLOBAL, Footprint, OptionKind
from costmodel.decision.facts import DocumentedFact, documented_facts
from costmodel.decision.model import Branch, Path, Question, Source
from costmodel.readiness.model import Readiness
from costmodel.scenario.model import Scenario


@dataclass(frozen=True)
class TreeInputs:
    """What the walk reads: the scenario's requirements and the pipeline's results."""

    scenario: Scenario
    options: Sequence[OptionEstimate]
    contention: Contention
    readiness: Readiness | None
    sv2_pick: str | None


def option_for(path: Path, inputs: TreeInputs) -> OptionEstimate | None:
    """The priced option that implements ``path`` (multi-region when the scenario priced it)."""
    by_name = {o.name: o for o in inputs.options}
    if path == Path.DSQL:
        return by_name.get(DSQL_MULTI_REGION.name) or by_name.get(DSQL_SINGLE_REGION.name)
    if path == Path.DEPENDS:
        return None
    sv2 = [o for o in inputs.options if o.kind == OptionKind.SERVERLESS_V2]
    picked = by_name.get(SV2_GLOBAL.name) or (by_name.get(inputs.sv2_pick) if inputs.sv2_pick else None)
    return picked or min(sv2, key=lambda o: o.total_monthly_usd, default=None)


def branch(label: str, path: Path, inputs: TreeInputs) -> Branch:
    """A branch with the option it leads to and that option's monthly cost."""
    option = option_for(path, inputs)
    usd = float(option.total_monthly_usd) if option is not None else None
    if (
        option is not None
        and path in (Path.DSQL, Path.SV2_GLOBAL)
        and option.footprint is Footprint.SINGLE_REGION
    ):
        label += " (single-region price)"
    return Branch(label, path.value, option.name if option else None, usd)


def _pct(x: float) -> str:
    return f"{x:.2%}" if 0 < x < 0.01 else f"{x:.1%}"


def ask_active_active(inputs: TreeInputs) -> Question:
    """Q1: does the application need several regions to accept writes at once?"""
    stated = inputs.scenario.requirements.active_active
    q = "Need active-active multi-region writes?"
    basis = "requirements.active_active"
    if stated == "yes":
        return Question("active_active", q, "yes", Source.REQUIREMENT, basis, "yes → check the conflict rate")
    if stated == "no":
        return Question(
            "active_active", q, "no", Source.REQUIREMENT, basis,
            f"no → {Path.SV2_GLOBAL.value} (simpler, lower risk)",
        )  # fmt: skip
    alternatives = (
        branch("yes: active-active → DSQL if the checks below pass", Path.DSQL, inputs),
        branch("no: one writer region", Path.SV2_GLOBAL, inputs),
    )
    return Question(
        "active_active", q, "not stated", Source.NOT_STATED, f"{basis} is unknown (--active-active yes|no)",
        "both branches shown", alternatives,
    )  # fmt: skip


def ask_conflicts(inputs: TreeInputs) -> tuple[Question, bool | None]:
    """Q2: is the OCC conflict rate low? Returns the question and low (True/False/None = uncertain)."""
    c = inputs.contention
    elevated = c.thresholds[0]
    rate = c.predicted_conflict_rate
    low, high = c.conflict_rate_range
    widened = c.assumed_key_spaces
    shown = widened > 0 and _pct(low) != _pct(high)
    span = f"{_pct(rate)} of transactions" + (f" (range {_pct(low)}–{_pct(high)})" if shown else "")
    basis = (
        f"OCC model: predicted conflict rate {span}, risk {c.risk.value}, threshold {_pct(elevated)}"
        + (
            f"; {widened} write pattern(s) with assumed key spaces (plausible size … one key)"
            if widened
            else ""
        )
        + (
            f"; hot spots: {', '.join(c.hot_spots['table'].astype(str).unique()[:3])}"
            if not c.hot_spots.empty
            else ""
        )
    )
    q = "Workload conflict rate low (tenants isolated)?"
    low, high = min(low, rate), max(high, rate)
    if high < elevated:
        return Question(
            "conflict_rate", q, f"yes, {span}", Source.MODEL, basis, "low → check PostgreSQL features"
        ), True
    if low >= elevated:
        return Question(
            "conflict_rate", q, f"no, {span}", Source.MODEL, basis, f"high conflict → {Path.REDESIGN.value}"
        ), False
    alternatives = (
        branch("low at the range's low end", Path.DSQL, inputs),
        branch("high at the range's high end", Path.REDESIGN, inputs),
    )
    return Question(
        "conflict_rate", q, f"uncertain, {span}", Source.MODEL, basis,
        "the range straddles the threshold: both branches shown (give catalog facts to narrow it)", alternatives,
    ), None  # fmt: skip


def ask_features(inputs: TreeInputs) -> tuple[Question, bool]:
    """Q3: does the workload rely on PostgreSQL features DSQL lacks (no mechanical fix)?"""
    q = "PostgreSQL features DSQL lacks required?"
    r = inputs.readiness
    if r is None:
        return Question(
            "features",
            q,
            "not assessed",
            Source.FINDING,
            "readiness was not run",
            "unknown → assume standard SQL",
        ), False
    counting = [f for f in r.findings if f.severity.value == "blocker"]
    unfixable = [f for f in counting if not f.fixable]
    used = [f for f in unfixable if f.shares.calls > 0 or (f.shares.cost or 0) > 0]
    declared = [f for f in unfixable if f not in used]
    basis = f"readiness findings ({r.dsql_as_of}, weighted by the workload): {r.verdict.value}; {r.summary}"
    if unfixable:
        share = r.blocking
        weight = f"{_pct(share.calls)} of calls" + (
            f", {_pct(share.cost)} of DSQL cost" if r.has_cost and share.cost is not None else ""
        )
        parts = []
        if used:
            parts.append(f"in the workload: {_titles(used)} ({weight})")
        if declared:
            parts.append(f"in the schema: {_titles(declared)}")
        answer = f"yes, {len(unfixable)} without a mechanical fix; " + "; ".join(parts)
        return Question(
            "features", q, answer, Source.FINDING, basis, f"required → {Path.REFACTOR.value}"
        ), True
    fixable = f"{len(counting)} mechanical fix(es) (dsql-lint --fix)" if counting else "none"
    return Question(
        "features",
        q,
        f"no: {fixable}",
        Source.FINDING,
        basis,
        "standard SQL (UUID keys acceptable) → Aurora DSQL",
    ), False


def _titles(findings: Sequence[Any], limit: int = 3) -> str:
    names = [str(f.title) for f in findings]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _fact(key: str) -> DocumentedFact:
    return documented_facts()[key]


def ask_rpo(inputs: TreeInputs) -> tuple[Question, bool | None]:
    """Q4: which RPO? Returns the question and whether it needs DSQL (None = not stated)."""
    rpo = inputs.scenario.requirements.rpo_seconds
    lag, dsql = _fact("global_db_typical_lag_seconds"), _fact("dsql_multi_region_rpo_seconds")
    floor = _fact("global_db_min_managed_rpo_seconds")
    facts = (
        f"DSQL multi-region RPO {dsql.cite()}; Global Database lag typically under {lag.cite()}, "
        f"boundable from {floor.cite()}"
    )
    q = "Expected write RPO requirement?"
    if rpo is None:
        alternatives = (
            branch("zero RPO needed", Path.DSQL, inputs),
            branch("seconds to minutes of RPO acceptable", Path.SV2_GLOBAL, inputs),
        )
        return Question(
            "rpo", q, "not stated", Source.NOT_STATED, f"requirements.rpo_seconds is unknown (--rpo); {facts}",
            "both branches shown", alternatives,
        ), None  # fmt: skip
    answer = f"{rpo:g} s"
    if rpo < lag.value:
        return Question(
            "rpo", q, answer, Source.REQUIREMENT, f"requirements.rpo_seconds; {facts}",
            f"{'zero' if rpo == 0 else 'sub-second'} RPO → Aurora DSQL (synchronous; Global Database is asynchronous)",
        ), True  # fmt: skip
    return Question(
        "rpo", q, answer, Source.REQUIREMENT, f"requirements.rpo_seconds; {facts}",
        f"RPO ≥ the typical lag → {Path.SV2_GLOBAL.value} meets it too",
    ), False  # fmt: skip


def ask_rto(inputs: TreeInputs) -> tuple[Question, bool | None]:
    """Q5: which RTO? DSQL multi-region needs no failover; Global Database fails over in about a minute."""
    rto = inputs.scenario.requirements.rto_seconds
    gdb, dsql = _fact("global_db_failover_rto_seconds"), _fact("dsql_multi_region_rto_seconds")
    facts = f"DSQL multi-region: no failover ({dsql.cite()}); Global Database failover typically under {gdb.cite()}"
    q = "Recovery time (RTO) after a region failure?"
    if rto is None:
        return Question(
            "rto", q, "not stated", Source.NOT_STATED, f"requirements.rto_seconds is unknown (--rto); {facts}",
            "both branches shown",
            (branch(f"under {gdb.value:g} s", Path.DSQL, inputs), branch(f"{gdb.value:g} s or more", Path.SV2_GLOBAL, inputs)),
        ), None  # fmt: skip
    if rto < gdb.value:
        return Question(
            "rto", q, f"{rto:g} s", Source.REQUIREMENT, f"requirements.rto_seconds; {facts}",
            "shorter than a Global Database failover → Aurora DSQL multi-region (no failover)",
        ), True  # fmt: skip
    return Question(
        "rto", q, f"{rto:g} s", Source.REQUIREMENT, f"requirements.rto_seconds; {facts}",
        f"a Global Database failover fits → {Path.SV2_GLOBAL.value} meets it too",
    ), False  # fmt: skip


def ask_latency(inputs: TreeInputs, path: Path) -> Question | None:
    """Q6 (only with ``max_commit_latency_ms``): the chosen region set's commit latency vs the budget."""
    budget = inputs.scenario.requirements.max_commit_latency_ms
    if budget is None:
        return None
    latency = inputs.contention.commit_latency
    q = f"Commit latency within {budget:g} ms?"
    basis = f"model figure: {latency.basis} (commit_latency.yaml, an assumption)"
    if path not in (Path.DSQL, Path.DEPENDS):
        return Question(
            "commit_latency", q, "yes: commits stay in the writer region", Source.MODEL,
            f"{path.value} writes in one region; DSQL would take {latency.ms:.0f} ms ({latency.basis})",
            "within budget",
        )  # fmt: skip
    if latency.ms <= budget:
        return Question(
            "commit_latency", q, f"yes, ~{latency.ms:.0f} ms", Source.MODEL, basis, "within budget"
        )
    return Question(
        "commit_latency", q, f"no, ~{latency.ms:.0f} ms", Source.MODEL, basis,
        f"over budget → choose closer peers, single-region DSQL, or {Path.SV2_GLOBAL.value} (local commits)",
    )  # fmt: skip
