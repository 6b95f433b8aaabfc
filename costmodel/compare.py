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
        }


def break_even(
    curves: Mapping[str, CostCurve],
    *,
    low: float = DEFAULT_LOW,
    high: float = DEFAULT_HIGH,
    points: int = 10_000,
    notes: Sequence[str] = (),
) -> BreakEven:
    """Evaluate every curve on ``points`` log-spaced multipliers and find where pairs cross."""
    multipliers = np.geomspace(low, high, max(points, 0))
    if points <= 0:  # no sweep asked for (e.g. per-cluster runs of a fleet): curves are kept, not evaluated
        return BreakEven(multipliers, {name: np.empty(0) for name in curves}, (), tuple(notes))
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
    return BreakEven(multipliers, costs, tuple(found), tuple(notes))


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
    multi-region, so multi-region options compete; otherwise single-region ones do. Of a group of
    alternatives (Serverless v2 Standard and I/O-Optimized) only the recommended member competes. DSQL is not
    recommended when readiness is ``blocked`` (its cost is still shown, as the price after
    remediation) and a high OCC risk is stated as a reason against it.
    """
    by_name = {o.name: o for o in options}
    pool = [o for o in options if is_multi_region(o.name) == multi_region] or list(options)
    if sv2_recommended_mode:
        # alternatives of one deployment (Serverless v2's I/O modes): only the recommended one competes
        group = option_group(sv2_recommended_mode)
        pool = [
            o for o in pool if not group or option_group(o.name) != group or o.name == sv2_recommended_mode
        ]
    pool.sort(key=lambda o: o.total_monthly_usd)
    cheapest = pool[0]
    reasons: list[str] = []
    recommended = cheapest
    dsql_blocked = readiness_verdict == "blocked"
    if cheapest.kind == OptionKind.DSQL and dsql_blocked:
        alternatives = [o for o in pool if o.kind != OptionKind.DSQL]
        if alternatives:
            recommended = alternatives[0]
            reasons.append(
                f"{cheapest.title} is cheapest ({_usd(cheapest.total_monthly_usd)}/month) but the workload "
                f"cannot run on DSQL as it is: {readiness_summary or 'blockers found'}"
            )
    runner_up = next((o for o in pool if o.name != recommended.name), None)
    if runner_up is not None:
        cheap, dear = recommended.total_monthly_usd, runner_up.total_monthly_usd
        if dear > 0 and cheap <= dear:
            pct = float((dear - cheap) / dear)
            reasons.append(
                f"{recommended.title}: {_usd(cheap)}/month, {pct:.0%} below {runner_up.title} ({_usd(dear)}/month)"
            )
        elif cheap > dear:
            reasons.append(
                f"{recommended.title} costs {_usd(cheap - dear)}/month more than {runner_up.title}, "
                "which is not ready to run this workload"
            )
    if recommended.kind == OptionKind.DSQL and contention_risk in ("elevated", "high"):
        rate = f"{conflict_rate:.1%}" if conflict_rate is not None else "a high share"
        reasons.append(
            f"OCC risk is {contention_risk}: {rate} of transactions are predicted to conflict and retry "
            "(the retry DPU is included in the DSQL line items); fix the hot spots before migrating"
        )
    if readiness_verdict and recommended.kind == OptionKind.DSQL:
        reasons.append(f"DSQL readiness: {readiness_verdict} ({readiness_summary})")
    for opt in pool:
        if (
            opt.kind == OptionKind.SERVERLESS_V2
            and opt.details.get("paused_hours")
            and opt.name == recommended.name
        ):
            reasons.append(
                f"Serverless v2 pauses {float(opt.details['paused_hours']):,.0f} h/month with scale-to-zero"
            )
    relevant = [c for c in crossovers if recommended.name in (c.a, c.b)]
    if relevant:
        c = relevant[0]
        other = c.b if c.a == recommended.name else c.a
        if c.multiplier >= 1:
            reasons.append(
                f"{by_name[other].title if other in by_name else other} becomes cheaper above "
                f"{c.multiplier:.2f}× today's load (${c.monthly_usd:,.2f}/month)"
            )
        else:
            reasons.append(
                f"{by_name[other].title if other in by_name else other} would be cheaper below "
                f"{c.multiplier:.2f}× today's load"
            )
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
