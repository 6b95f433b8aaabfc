"""The walk from the questions to an outcome, plus data locations: the stage's one verb.

The article's order decides the path: active-active needed → conflicts low → no missing features
→ Aurora DSQL; one writer region → Serverless v2 + Global Database. RPO and RTO act where the
article puts them: a zero (sub-second) RPO or an RTO shorter than a Global Database failover
needs DSQL's synchronous replication even without active-active writes, so that branch walks the
DSQL checks too. An unstated requirement on the way yields ``Path.DEPENDS`` with both branches
and their costs.
"""

from __future__ import annotations

from dataclasses import replace

from costmodel.core.options import Footprint, OptionKind
from costmodel.decision.facts import documented_facts
from costmodel.decision.locations import assess_residency, option_locations
from costmodel.decision.model import Branch, Decision, Outcome, Path, Question
from costmodel.decision.tree import (
    TreeInputs,
    ask_active_active,
    ask_conflicts,
    ask_features,
    ask_latency,
    ask_rpo,
    ask_rto,
    branch,
    option_for,
)


def _dsql_path(low: bool | None, required: bool) -> Path:
    """Where the DSQL side of the tree ends: conflicts first, then features."""
    if low is False:
        return Path.REDESIGN
    if required:
        return Path.REFACTOR
    return Path.DEPENDS if low is None else Path.DSQL


def _outcome(
    inputs: TreeInputs, path: Path, alternatives: tuple[Branch, ...], hinges: tuple[str, ...]
) -> Outcome:
    option = option_for(path, inputs)
    usd = float(option.total_monthly_usd) if option is not None else None
    if path == Path.DEPENDS:
        costs = "; ".join(
            f"{b.label}: {b.path}"
            + (
                f" ({b.option}, ${b.monthly_usd:,.2f}/month)"
                if b.option and b.monthly_usd is not None
                else ""
            )
            for b in alternatives
        )
        summary = f"depends on {', '.join(hinges)}: {costs}"
    else:
        summary = f"{path.value}" + (
            f": {option.title}, ${usd:,.2f}/month" if option is not None and usd is not None else ""
        )
        if option is not None and option.footprint is Footprint.SINGLE_REGION:
            add = "--peer and --witness" if option.kind == OptionKind.DSQL else "--global-secondary"
            summary += f" (a single-region price: add {add} to price the multi-region deployment)"
        if path in (Path.REDESIGN, Path.REFACTOR) and option is not None:
            dsql = option_for(Path.DSQL, inputs)
            if dsql is not None:
                summary += f" meanwhile; DSQL after the changes: {dsql.title}, ${float(dsql.total_monthly_usd):,.2f}/month"
    return Outcome(path.value, option.name if option else None, usd, summary, hinges, alternatives)


def walk(inputs: TreeInputs) -> Decision:
    """Walk the tree for one scenario run; every option's data locations and the residency flags."""
    req = inputs.scenario.requirements
    q_aa = ask_active_active(inputs)
    q_conf, low = ask_conflicts(inputs)
    q_feat, required = ask_features(inputs)
    q_rpo, rpo_dsql = ask_rpo(inputs)
    q_rto, rto_dsql = ask_rto(inputs)
    yes_path = _dsql_path(low, required)
    needs_sync = bool(rpo_dsql or rto_dsql)
    no_path = yes_path if needs_sync else Path.SV2_GLOBAL
    hinges: list[str] = []
    if low is None:
        hinges.append("the conflict rate (assumed key spaces)")
    conflicts: list[str] = []
    if req.active_active == "yes":
        path, questions = yes_path, [q_aa, q_conf, q_feat, q_rpo, q_rto]
    elif req.active_active == "no":
        path = no_path
        questions = [q_aa, q_rpo, q_rto] + ([q_conf, q_feat] if needs_sync else [])
        if rpo_dsql is None and rto_dsql is None:
            hinges.append("requirements.rpo_seconds / rto_seconds")
    else:
        path = yes_path if yes_path == no_path else Path.DEPENDS
        questions = [q_aa, q_conf, q_feat, q_rpo, q_rto]
        hinges.insert(0, "requirements.active_active")
    if needs_sync and path in (Path.REDESIGN, Path.REFACTOR):
        conflicts.append(
            "the stated RPO/RTO needs synchronous multi-region replication (DSQL), which this workload "
            f"cannot use as it is ({path.value.lower()})"
        )
    latency = ask_latency(inputs, path)
    if latency is not None:
        questions.append(latency)
        if latency.branch.startswith("over budget") and path == Path.DSQL:
            conflicts.append(
                f"DSQL's commit latency exceeds requirements.max_commit_latency_ms ({latency.answer})"
            )
    alternatives = _alternatives(inputs, path, yes_path, no_path, low)
    outcome = replace(_outcome(inputs, path, alternatives, tuple(hinges)), conflicts=tuple(conflicts))
    locations = {o.name: option_locations(o, inputs.scenario) for o in inputs.options}
    return Decision(
        questions=tuple(questions),
        outcome=outcome,
        data_locations=locations,
        residency=assess_residency(inputs.scenario, locations),
        facts=tuple(f.to_dict() for f in documented_facts().values()),
    )


def _alternatives(
    inputs: TreeInputs, path: Path, yes_path: Path, no_path: Path, low: bool | None
) -> tuple[Branch, ...]:
    if path != Path.DEPENDS:
        return ()
    out: list[Branch] = []
    if inputs.scenario.requirements.active_active == "unknown" and yes_path != no_path:
        yes = [Path.DSQL, Path.REDESIGN] if yes_path == Path.DEPENDS else [yes_path]
        out += [
            branch(
                f"if active-active writes are needed{' and conflicts stay low' if len(yes) > 1 and p == Path.DSQL else ''}",
                p,
                inputs,
            )
            for p in yes
        ]
        out.append(branch("if one writer region is enough", no_path, inputs))
    elif low is None:
        out += [
            branch("if the conflict rate is low", Path.DSQL, inputs),
            branch("if it is high", Path.REDESIGN, inputs),
        ]
    return tuple(out)


__all__ = ["Question", "walk"]
