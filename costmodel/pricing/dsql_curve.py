"""The exact cost curve of a DSQL estimate over load multipliers, from its own line items.

DPU scale linearly with load, storage does not; the DPU free tier is ``min(allowance, DPU)`` spent
region by region; a discount scales the subtotal. So the curve is piecewise-linear arithmetic over
the estimate's line items, with no re-pricing: the break-even sweep evaluates thousands of
multipliers at once, and a fleet adds clusters' curves up (the curve is picklable for that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costmodel.core.estimate import OptionEstimate


@dataclass(frozen=True)
class DsqlCostCurve:
    """Exact, picklable cost curve of a DSQL estimate (see :func:`dsql_cost_curve`)."""

    fixed: float
    linear: float
    usage_dpu: tuple[tuple[str, float, float], ...]
    """(region, DPU at multiplier 1, USD per DPU) in the order the free tier is spent."""
    free_tier_dpu: float
    discount_rate: float

    def __call__(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        subtotal = self.fixed + self.linear * k
        left = np.full_like(k, self.free_tier_dpu)
        for _region, dpu, price in self.usage_dpu:
            take = np.minimum(left, dpu * k)
            subtotal = subtotal - take * price
            left = left - take
        return np.asarray(subtotal * (1.0 + self.discount_rate))


def dsql_cost_curve(option: OptionEstimate, *, free_tier_dpu: float) -> DsqlCostCurve:
    """Exact cost curve of a DSQL estimate from its own line items.

    Usage-based DPU lines scale with the multiplier; storage and other fixed lines (including the
    storage free tier) do not; the DPU free tier is re-derived as ``min(free_tier_dpu, DPU)``
    region by region in the order the estimate spends it (``details['active_regions']``); a
    ``Discount`` line keeps its rate. ``free_tier_dpu`` is the monthly allowance (0 when off).
    """
    usage_usd: dict[str, float] = {}
    usage_dpu: dict[str, float] = {}
    unit_price: dict[str, float] = {}
    fixed = 0.0
    discount_rate = 0.0
    for item in option.line_items:
        if item.component == "Discount":
            discount_rate = float(item.unit_price)
        elif item.component == "FreeTierDPU":
            continue
        elif item.usage_based and item.unit == "DPU":
            usage_usd[item.region] = usage_usd.get(item.region, 0.0) + float(item.monthly_usd)
            usage_dpu[item.region] = usage_dpu.get(item.region, 0.0) + float(item.quantity)
            unit_price.setdefault(item.region, float(item.unit_price))
        else:
            fixed += float(item.monthly_usd)
    order = [r for r in option.details.get("active_regions", list(usage_dpu)) if r in usage_dpu]
    return DsqlCostCurve(
        fixed=fixed,
        linear=sum(usage_usd.values()),
        usage_dpu=tuple((r, usage_dpu[r], unit_price[r]) for r in order),
        free_tier_dpu=free_tier_dpu,
        discount_rate=discount_rate,
    )
