"""The exact cost curve of a DSQL estimate over load multipliers, from its own line items.

DPU scale linearly with load (OCC retries faster than load: more commits conflict in the same
window, bounded by the retry policy), storage does not; the DPU free tier is ``min(allowance, DPU)`` spent
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
    """(region, DPU at multiplier 1 without OCC retries, USD per DPU) in the order the free tier is spent."""
    free_tier_dpu: float
    discount_rate: float
    retry_usd: float = 0.0
    """OCC retry USD at multiplier 1; it grows faster than load (see :meth:`retry_scale`)."""
    retry_dpu: tuple[float, ...] = ()
    """OCC retry DPU per region at multiplier 1, in the order of ``usage_dpu``."""
    conflict_rate: float = 0.0
    """Share of transactions that conflict at multiplier 1."""
    max_attempts: float = 10.0

    def retry_scale(self, k: np.ndarray) -> np.ndarray:
        """Retry work at multiplier ``k`` over retry work at 1: k x (E(p_k) - 1)/(E(p_1) - 1), with
        p_k = 1 - (1 - p_1)^k (k times the conflicting commits in the same window) and E the expected
        attempts of a retry loop of at most ``max_attempts``: super-linear in load."""
        k = np.asarray(k, dtype=float)
        p1 = min(max(self.conflict_rate, 0.0), 1.0)
        if self.retry_usd == 0 or p1 <= 0.0 or p1 >= 1.0:
            return k
        m = max(1.0, self.max_attempts)

        def extra(p: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(p < 1.0 - 1e-12, (1.0 - p**m) / (1.0 - p), m) - 1.0

        base = float(extra(np.array(p1)))
        return np.asarray(k * extra(1.0 - (1.0 - p1) ** k) / base) if base > 0 else k

    def __call__(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        scale = self.retry_scale(k)
        subtotal = self.fixed + self.linear * k + self.retry_usd * scale
        left = np.full_like(k, self.free_tier_dpu)
        retries = self.retry_dpu or tuple(0.0 for _ in self.usage_dpu)
        for (_region, dpu, price), retry in zip(self.usage_dpu, retries):
            take = np.minimum(left, dpu * k + retry * scale)
            subtotal = subtotal - take * price
            left = left - take
        return np.asarray(subtotal * (1.0 + self.discount_rate))


def dsql_cost_curve(
    option: OptionEstimate, *, free_tier_dpu: float, conflict_rate: float = 0.0, max_attempts: float = 10.0
) -> DsqlCostCurve:
    """Exact cost curve of a DSQL estimate from its own line items.

    Usage-based DPU lines scale with the multiplier; storage and other fixed lines (including the
    storage free tier) do not; the DPU free tier is re-derived as ``min(free_tier_dpu, DPU)``
    region by region in the order the estimate spends it (``details['active_regions']``); a
    ``Discount`` line keeps its rate. ``free_tier_dpu`` is the monthly allowance (0 when off).
    ``OCCRetryDPU`` lines grow faster than load when ``conflict_rate`` (at multiplier 1) is given.
    """
    usage_usd: dict[str, float] = {}
    usage_dpu: dict[str, float] = {}
    retry_dpu: dict[str, float] = {}
    unit_price: dict[str, float] = {}
    fixed = 0.0
    retry_usd = 0.0
    discount_rate = 0.0
    for item in option.line_items:
        if item.component == "Discount":
            discount_rate = float(item.unit_price)
        elif item.component == "FreeTierDPU":
            continue
        elif item.usage_based and item.unit == "DPU":
            unit_price.setdefault(item.region, float(item.unit_price))
            usage_dpu.setdefault(item.region, 0.0)
            retry_dpu.setdefault(item.region, 0.0)
            if item.component == "OCCRetryDPU" and conflict_rate > 0:
                retry_usd += float(item.monthly_usd)
                retry_dpu[item.region] += float(item.quantity)
            else:
                usage_usd[item.region] = usage_usd.get(item.region, 0.0) + float(item.monthly_usd)
                usage_dpu[item.region] += float(item.quantity)
        else:
            fixed += float(item.monthly_usd)
    order = [r for r in option.details.get("active_regions", list(usage_dpu)) if r in usage_dpu]
    return DsqlCostCurve(
        fixed=fixed,
        linear=sum(usage_usd.values()),
        usage_dpu=tuple((r, usage_dpu[r], unit_price[r]) for r in order),
        free_tier_dpu=free_tier_dpu,
        discount_rate=discount_rate,
        retry_usd=retry_usd,
        retry_dpu=tuple(retry_dpu[r] for r in order),
        conflict_rate=conflict_rate,
        max_attempts=max_attempts,
    )
