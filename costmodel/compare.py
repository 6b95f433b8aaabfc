"""Compare options: cost curves over load, break-even points, and the verdict with its reasons.

Every option is a monthly bill at the observed load (an :class:`OptionEstimate`). To answer
"where do the options cross as load grows?", each option also gets a *cost curve*: monthly USD
as a function of a load multiplier, evaluated for thousands of multipliers at once with numpy.

Each pricer returns its option's curve with the estimate (:mod:`costmodel.pricing.registry`):

* DSQL: DPU scale linearly with load, storage does not; the free tier is ``min(allowance, DPU)``
  and a discount scales the subtotal, so the curve is exact piecewise-linear arithmetic over the
  estimate's own line items (:mod:`costmodel.pricing.dsql_curve`, no re-pricing).
* Serverless v2: capacity is not linear (0.5-ACU steps, min/max clamps, pauses), so the curve
  comes from :class:`costmodel.pricing.serverless_v2.ScaledPricer`, which re-prices the
  simulated capacity shape at each multiplier.

OCC retry DPU is held at its share of the observed load along the curve (conflicts grow faster
than load; the contention section reports the risk at the scenario's load). This is stated in
the break-even notes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from costmodel.core.estimate import CostCurve, OptionEstimate
from costmodel.core.numbers import honest_percent
from costmodel.core.options import OptionKind, is_multi_region, option_group

DEFAULT_LOW, DEFAULT_HIGH = 0.01, 100.0


@dataclass(frozen=True)
class Crossover:
    """Where option ``a`` and option ``b`` cost the same; below it ``cheaper_below`` wins."""

    a: str
    b: str
    multiplier: float
    monthly_usd: float
    cheaper_below: str
    cheaper_above: str


@dataclass(frozen=True, eq=False)
class BreakEven:
    """Monthly cost per option over a log-spaced range of load multipliers."""

    multipliers: np.ndarray
    costs: dict[str, np.ndarray]
    crossovers: tuple[Crossover, ...]
    notes: tuple[str, ...] = ()
    capped_from: dict[str, float] = field(default_factory=dict)
    """Per option, the multiplier above which it is capped by max ACU (drawn dashed)."""

    def to_dict(self, points: int | None = None) -> dict[str, Any]:
        """JSON form; ``points`` thins the arrays (crossovers stay exact)."""
        idx = np.arange(len(self.multipliers))
        if points is not None and len(idx) > points:
            idx = np.unique(np.linspace(0, len(idx) - 1, points).round().astype(int))
        return {
            "multipliers": [round(float(m), 6) for m in self.multipliers[idx]],
            "costs": {name: [round(float(v), 2) for v in curve[idx]] for name, curve in self.costs.items()},
            "crossovers": [
                {
                    "a": c.a,
                    "b": c.b,
                    "multiplier": round(c.multiplier, 4),
                    "monthly_usd": round(c.monthly_usd, 2),
                    "cheaper_below": c.cheaper_below,
                    "cheaper_above": c.cheaper_above,
                }
                for c in self.crossovers
            ],
            "notes": list(self.notes),
            "capped_from": {name: round(m, 6) for name, m in self.capped_from.items()},
        }


def break_even(
    curves: Mapping[str, CostCurve],
    *,
    low: float = DEFAULT_LOW,
    high: float = DEFAULT_HIGH,
    points: int = 10_000,
    notes: Sequence[str] = (),
    capped_from: Mapping[str, float | None] | None = None,
) -> BreakEven:
    """Evaluate every curve on ``points`` log-spaced multipliers and find where pairs cross.

    ``capped_from`` names, per option, the multiplier from which max ACU caps it (kept when it
    falls inside the sweep, so charts can draw that segment dashed).
    """
    multipliers = np.geomspace(low, high, max(points, 0))
    capped = {n: float(m) for n, m in (capped_from or {}).items() if m is not None and m <= high}
    if points <= 0:  # no sweep asked for (e.g. per-cluster runs of a fleet): curves are kept, not evaluated
        return BreakEven(multipliers, {name: np.empty(0) for name in curves}, (), tuple(notes), capped)
    costs = {name: np.asarray(curve(multipliers), dtype=float) for name, curve in curves.items()}
    names = list(costs)
    found: list[Crossover] = []
    logm = np.log(multipliers)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            diff = costs[a] - costs[b]
            sign = np.sign(diff)
            changes = np.nonzero((sign[:-1] * sign[1:] < 0) | ((sign[:-1] == 0) & (sign[1:] != 0)))[0]
            for j in changes:
                d0, d1 = diff[j], diff[j + 1]
                t = 0.0 if d0 == d1 else d0 / (d0 - d1)
                x = float(np.exp(logm[j] + t * (logm[j + 1] - logm[j])))
                y = float(costs[a][j] + t * (costs[a][j + 1] - costs[a][j]))
                below, above = (b, a) if d0 > 0 else (a, b)
                found.append(Crossover(a, b, x, y, below, above))
    found.sort(key=lambda c: c.multiplier)
    return BreakEven(multipliers, costs, tuple(found), tuple(notes), capped)


@dataclass(frozen=True)
class Verdict:
    """The recommendation and why."""

    recommended: str
    cheapest: str
    headline: str
    reasons: tuple[str, ...]
    readiness: str | None = None
    latency: tuple[str, ...] = ()
    comparable: tuple[str, ...] = field(default_factory=tuple)
    caveats: tuple[str, ...] = ()
    """Defaults standing in for unknown inputs (statements per transaction, key spaces, storage …)
    and whether the ranking holds across their range: shown next to the verdict."""
    ranges: Any = None
    """The :class:`costmodel.analysis.ranges.Ranges` of the run (None when not computed)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report contract ``verdict``)."""
        return {
            "recommended": self.recommended,
            "cheapest": self.cheapest,
            "headline": self.headline,
            "reasons": list(self.reasons),
            "readiness": self.readiness,
            "latency": list(self.latency),
            "compared": list(self.comparable),
            "caveats": list(self.caveats),
            "ranking_holds": None if self.ranges is None else self.ranges.holds,
            "ranges": None if self.ranges is None else self.ranges.to_dict(),
        }


def _usd(value: Decimal) -> str:
    return f"${value:,.2f}"


def _pool(
    options: Sequence[OptionEstimate], multi_region: bool, sv2_mode: str | None
) -> list[OptionEstimate]:
    """The options that compete: same region shape, and of Standard/I/O-Optimized only the pick."""
    options = [o for o in options if "savings_plan" not in o.details]  # plan variants are stated, not picked
    pool = [o for o in options if is_multi_region(o.name) == multi_region] or list(options)
    if sv2_mode:
        # alternatives of one deployment (Serverless v2's I/O modes): only the recommended one competes
        group = option_group(sv2_mode)
        pool = [o for o in pool if not group or option_group(o.name) != group or o.name == sv2_mode]
    return sorted(pool, key=lambda o: o.total_monthly_usd)


def _crossover_reason(
    recommended: OptionEstimate, pool: Sequence[OptionEstimate], crossovers: Sequence[Crossover]
) -> str | None:
    """The crossover of the recommended option with a competitor nearest today's load, both sides named."""
    names = {o.name: o.title for o in pool}
    relevant = [c for c in crossovers if recommended.name in (c.a, c.b) and c.a in names and c.b in names]
    if not relevant:
        return None
    c = min(relevant, key=lambda c: abs(np.log(c.multiplier)))
    return (
        f"{names[c.cheaper_below]} is cheaper below {_times(c.multiplier)} today's load, "
        f"{names[c.cheaper_above]} above it (${c.monthly_usd:,.2f}/month at the crossover)"
    )


def _capped_reasons(pool: Sequence[OptionEstimate]) -> list[str]:
    """Serverless v2 options whose demand exceeds max ACU: their price is that of a throttled workload."""
    out = []
    for o in pool:
        minutes = float(o.details.get("capped_minutes") or 0.0) if o.kind == OptionKind.SERVERLESS_V2 else 0.0
        if minutes > 0:
            out.append(
                f"{o.title} is capped at max_acu {float(o.details.get('max_acu', 0)):g} ACU for {minutes:,.0f} "
                f"minute(s)/month (demand peaks at {float(o.details.get('peak_demand_acu', 0)):,.1f} ACU): "
                "its price is that of a throttled workload; raise serverless_v2.max_acu"
            )
    return out


def _basis_reasons(pool: Sequence[OptionEstimate]) -> list[str]:
    """What the Serverless v2 side rests on: the capacity source, the HA assumption, Savings Plans."""
    out: list[str] = []
    sv2 = [o for o in pool if o.kind == OptionKind.SERVERLESS_V2]
    if sv2:
        details = sv2[0].details
        if details.get("capacity_source_detail"):
            out.append(f"Serverless v2 capacity sized from {details['capacity_source_detail']}")
        if details.get("ha"):
            out.append(f"HA assumption: Serverless v2 with {details['ha']}")
    for o in pool:
        if o.details.get("savings_plan_variant"):
            out.append(f"{o.title}: {o.details['savings_plan_variant']}")
    return out


def _pick(
    pool: list[OptionEstimate], blocked: bool, readiness_summary: str | None
) -> tuple[OptionEstimate | None, list[str]]:
    """The cheapest option readiness does not block, and why another was passed over."""
    cheapest = pool[0]
    if not blocked:
        return cheapest, []
    allowed = [o for o in pool if o.kind != OptionKind.DSQL]
    why = readiness_summary or "blockers found"
    if not allowed:
        return None, [
            f"DSQL is blocked ({why}) and no alternative was priced for this comparison: nothing is recommended"
        ]
    if cheapest.kind == OptionKind.DSQL:
        return allowed[0], [
            f"{cheapest.title} is cheapest ({_usd(cheapest.total_monthly_usd)}/month) but the workload "
            f"cannot run on DSQL as it is: {why}"
        ]
    return allowed[0], []


def _times(multiplier: float) -> str:
    """A load multiplier with three significant figures (0.0061×, not 0.01×)."""
    return f"{multiplier:.3g}×"


def decide(
    options: Sequence[OptionEstimate],
    *,
    multi_region: bool,
    readiness_verdict: str | None,
    readiness_summary: str | None,
    contention_risk: str | None,
    conflict_rate: float | None,
    sv2_recommended_mode: str | None,
    latency: Sequence[str] = (),
    crossovers: Sequence[Crossover] = (),
) -> Verdict:
    """Pick the option to recommend among those comparable for the scenario.

    Like is compared with like: a scenario with DSQL peers or Global Database secondaries asks for
    multi-region, so multi-region options compete (DSQL multi-region against a Global Database in
    the same regions); otherwise single-region ones do (single-region DSQL, three AZs, against
    Serverless v2 with a reader in another AZ). Among Standard and I/O-Optimized only the
    recommended mode competes. An option readiness blocks is never recommended (its cost is still
    shown, as the price after remediation); when nothing else was priced the verdict says so. A
    Serverless v2 option capped by max ACU is named, and a high OCC risk is a reason against DSQL.
    """
    pool = _pool(options, multi_region, sv2_recommended_mode)
    cheapest = pool[0]
    recommended, reasons = _pick(pool, readiness_verdict == "blocked", readiness_summary)
    if recommended is None:
        return Verdict(
            recommended="",
            cheapest=cheapest.name,
            headline=f"No recommendation: {cheapest.title} ({_usd(cheapest.total_monthly_usd)}/month) is blocked "
            "and no alternative was priced",
            reasons=(*reasons, *_capped_reasons(pool), *_basis_reasons(pool)),
            readiness=readiness_verdict,
            latency=tuple(latency),
            comparable=tuple(o.name for o in pool),
        )
    runner_up = next((o for o in pool if o.name != recommended.name), None)
    if runner_up is not None:
        cheap, dear = recommended.total_monthly_usd, runner_up.total_monthly_usd
        if dear > 0 and cheap <= dear:
            reasons.append(
                f"{recommended.title}: {_usd(cheap)}/month, {honest_percent(float((dear - cheap) / dear))} below "
                f"{runner_up.title} ({_usd(dear)}/month)"
            )
        elif cheap > dear:
            reasons.append(
                f"{recommended.title} costs {_usd(cheap - dear)}/month more than {runner_up.title}, "
                "which is not ready to run this workload"
            )
    if recommended.kind == OptionKind.DSQL and contention_risk in ("elevated", "high"):
        rate = f"{honest_percent(conflict_rate, 1)}" if conflict_rate is not None else "a high share"
        reasons.append(
            f"OCC risk is {contention_risk}: {rate} of transactions are predicted to conflict and retry "
            "(the retry DPU is included in the DSQL line items); fix the hot spots before migrating"
        )
    if readiness_verdict and recommended.kind == OptionKind.DSQL:
        reasons.append(f"DSQL readiness: {readiness_verdict} ({readiness_summary})")
    if recommended.kind == OptionKind.SERVERLESS_V2 and recommended.details.get("paused_hours"):
        reasons.append(
            f"Serverless v2 pauses {float(recommended.details['paused_hours']):,.0f} h/month with scale-to-zero"
        )
    crossing = _crossover_reason(recommended, pool, crossovers)
    reasons += [*([crossing] if crossing else []), *_capped_reasons(pool), *_basis_reasons(pool)]
    headline = f"{recommended.title}: {_usd(recommended.total_monthly_usd)}/month"
    if runner_up is not None and recommended.total_monthly_usd <= runner_up.total_monthly_usd:
        headline += f" vs {runner_up.title} at {_usd(runner_up.total_monthly_usd)}/month"
    if recommended.name != cheapest.name:
        headline += f" ({cheapest.title} is cheaper but blocked)"
    return Verdict(
        recommended=recommended.name,
        cheapest=cheapest.name,
        headline=headline,
        reasons=tuple(reasons),
        readiness=readiness_verdict,
        latency=tuple(latency),
        comparable=tuple(o.name for o in pool),
    )
