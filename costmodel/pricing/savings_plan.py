"""Database Savings Plans (1-year, no upfront) as a variant of an option.

Why a variant and not a discount: a Savings Plan is an hourly dollar commitment at a discounted
rate, billed every hour of the term, including the hours a Serverless v2 cluster spends
auto-paused and the idle hours of a DSQL cluster; usage above the covered level is billed on
demand. Whether it pays depends on the shape of the hourly spend, not on the monthly total.

The commitment is sized where it saves most: covering on-demand spend level ``L`` costs
``(1 - rate) × L`` every hour and saves up to ``L`` in each hour that uses it, so the optimum is
the level exceeded in a share ``1 - rate`` of the hours, i.e. the ``rate`` quantile of the hourly
spend (paused hours count as 0). Rates are data (``savings_plan_1y_no_upfront_rate`` facts in the
price files, or ``savings_plan.sv2_rate`` / ``dsql_rate`` in the scenario); only compute
(ACU-hours, DPU) is covered, storage and I/O stay on demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import PricingError
from costmodel.core.estimate import CostCurve, LineItem, OptionEstimate, money
from costmodel.core.options import OptionKind, OptionSpec, register_option
from costmodel.core.timebase import HOURS_PER_MONTH, WEEKS_PER_MONTH
from costmodel.pricing.registry import PricedOption

SUFFIX = "+sp1y"
RATE_FACT = "savings_plan_1y_no_upfront_rate"


@dataclass(frozen=True)
class PlanTerms:
    """The rate used and where it came from."""

    rate: float
    ref: str
    confirmed: bool


def plan_terms(catalog: PriceCatalog, service: str, scenario_rate: float | None) -> PlanTerms:
    """The discount rate for ``service``: the scenario's, else the catalog's (checked to be 0-1)."""
    if scenario_rate is not None:
        return PlanTerms(float(scenario_rate), "scenario savings_plan rate", True)
    fact = catalog.fact(service, RATE_FACT)
    try:
        rate = float(fact.value)
    except (TypeError, ValueError):
        rate = float("nan")
    if not 0.0 <= rate <= 1.0:
        raise PricingError(
            f"{service} {RATE_FACT} = {fact.value!r} is not a fraction between 0 and 1",
            file=catalog.files.get(service),
            column=f"facts.{RATE_FACT}",
            hint="give the Savings Plan discount as a fraction, e.g. 0.35",
        )
    sources = ",".join(fact.sources)
    confirmed = fact.confidence in ("confirmed", "official")
    mark = "" if confirmed else " UNCONFIRMED"
    return PlanTerms(rate, f"{service}/{RATE_FACT} {rate:g} ({fact.confidence}{mark}; {sources})", confirmed)


def savings_plan_variant(
    option: OptionEstimate, hourly_usd: np.ndarray, components: tuple[str, ...], terms: PlanTerms
) -> OptionEstimate:
    """``option`` under a 1-year no-upfront plan covering ``components``.

    ``hourly_usd`` is the on-demand spend of those components per hour of one week (168 values,
    paused or idle hours 0), scaled so a month of it equals their monthly total.
    """
    covered = [i for i in option.line_items if i.component in components]
    base = float(sum((i.monthly_usd for i in covered), Decimal(0)))
    week = np.asarray(hourly_usd, dtype=float)
    total = float(week.sum()) * WEEKS_PER_MONTH
    if total > 0:
        week = week * (base / total)
    level = float(np.quantile(week, terms.rate)) if week.size else 0.0
    hourly = (1.0 - terms.rate) * level
    on_demand = float(np.maximum(week - level, 0.0).sum()) * WEEKS_PER_MONTH
    region = covered[0].region if covered else ""
    name = option.name + SUFFIX
    note = (
        f"{terms.rate:.0%} off covered {'/'.join(components)} spend; commitment sized at the level used in "
        f"{1 - terms.rate:.0%} of hours (${level:,.4f}/h on demand), billed all {HOURS_PER_MONTH:g} h incl. paused"
    )
    commitment = LineItem(
        option=name, component="SavingsPlanCommitment", region=region, quantity=money(HOURS_PER_MONTH),
        unit="hour", unit_price=money(hourly, "0.000001"), monthly_usd=money(hourly * HOURS_PER_MONTH),
        price_ref=terms.ref, usage_based=False, confidence="confirmed" if terms.confirmed else "unconfirmed",
        note=note,
    )  # fmt: skip
    above = LineItem(
        option=name, component="OnDemandAbovePlan", region=region, quantity=money(on_demand), unit="USD",
        unit_price=Decimal(1), monthly_usd=money(on_demand), price_ref="on-demand prices of the covered lines",
        note="covered-component spend above the committed level, at on-demand prices",
    )  # fmt: skip
    kept = tuple(replace(i, option=name) for i in option.line_items if i.component not in components)
    variant = replace(
        option, name=name, title=option.title + ", 1-year Savings Plan", line_items=(commitment, above, *kept)
    )
    saved = option.total_monthly_usd - variant.total_monthly_usd
    summary = (
        f"with a 1-year no-upfront Database Savings Plan ({terms.rate:.0%} rate) ${variant.total_monthly_usd:,.2f}/month "
        f"({'saves' if saved >= 0 else 'costs'} ${abs(saved):,.2f}; commitment ${hourly:,.4f}/h billed in paused hours too)"
    )
    details = {**option.details, "savings_plan": {"base": option.name, "rate": terms.rate, "hourly_commitment_usd": hourly,
                                                  "summary": summary}}  # fmt: skip
    return replace(variant, details=details, statements=None, warnings=(*option.warnings, summary))


def variant_spec(spec: OptionSpec) -> OptionSpec:
    """The registered option of ``spec`` under a plan: same kind and footprint, no group."""
    return OptionSpec(spec.name + SUFFIX, spec.kind, spec.footprint, spec.title + ", 1-year Savings Plan")


@dataclass(frozen=True)
class ShiftedCurve:
    """A cost curve moved by a constant (picklable, for fleets priced in worker processes)."""

    curve: CostCurve
    delta: float

    def __call__(self, k: np.ndarray) -> np.ndarray:
        return np.asarray(self.curve(k)) + self.delta


def with_plan_variants(
    priced: Sequence[PricedOption],
    hourly: Mapping[str, np.ndarray],
    components: tuple[str, ...],
    terms: PlanTerms,
) -> list[PricedOption]:
    """Each priced option followed by its plan variant; the base option's details name the variant.

    The variant's curve is the base curve shifted by the plan's effect at today's load (the
    commitment is fixed); the analysis leaves variants out of the break-even sweep.
    """
    out: list[PricedOption] = []
    for p in priced:
        variant = savings_plan_variant(p.estimate, hourly[p.estimate.name], components, terms)
        register_option(
            OptionSpec(variant.name, OptionKind(p.estimate.kind), p.estimate.footprint, variant.title)
        )
        delta = float(variant.total_monthly_usd - p.estimate.total_monthly_usd)
        summary = variant.details["savings_plan"]["summary"]
        base = replace(p.estimate, details={**p.estimate.details, "savings_plan_variant": summary})
        out += [PricedOption(base, p.curve), PricedOption(variant, ShiftedCurve(p.curve, delta))]
    return out
