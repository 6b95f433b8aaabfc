"""What pricing produces: options made of line items, and the assumptions behind them.

Like infracost's cost components, an estimate is a list of :class:`LineItem` (option, component,
region, quantity, unit, unit price, monthly cost, price reference). Totals are sums. Money is
:class:`~decimal.Decimal` here, at the edge where it is shown; pricing code may compute with
floats inside and converts with :func:`money`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.errors import PricingError
from costmodel.core.options import Footprint, option_spec

CENT = Decimal("0.01")

CostCurve = Callable[[np.ndarray], np.ndarray]
"""Monthly USD of one option for each load multiplier in the input array (break-even sweeps)."""


MAX_MONEY = Decimal(10) ** 15
"""Largest amount (USD) :func:`money` accepts: a quadrillion dollars a month is damaged input, not a bill."""


def money(value: float | Decimal | int, places: str = "0.0001") -> Decimal:
    """A float or Decimal as a Decimal rounded half-up to ``places`` (default 1/100 of a cent).

    Raises :class:`PricingError` for NaN, infinities and amounts beyond :data:`MAX_MONEY`: huge
    counters over a tiny window once made ``quantize`` raise ``decimal.InvalidOperation`` here, a
    traceback instead of a message.
    """
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or abs(amount) > MAX_MONEY:
            raise InvalidOperation
        return amount.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise PricingError(
            f"a cost of {value} USD cannot be a bill (more than {MAX_MONEY:,} USD a month, or not a number)",
            hint="check the window (--window) and the counters of the export: they make an impossible workload",
        ) from None


@dataclass(frozen=True)
class LineItem:
    """One billed quantity of one option: ``quantity × unit_price = monthly_usd``.

    ``component`` names what is billed (``ComputeDPU``, ``ReadDPU``, ``WriteDPU``,
    ``MultiRegionWriteDPU``, ``OCCRetryDPU``, ``FreeTierDPU``, ``Storage``, ``FreeTierStorage``,
    ``ACU``, ``ReadIO``, ``WriteIO``, ``Backup``, ``GlobalReplicatedWriteIO``, ``Transfer`` …).
    Free tiers and discounts are their own lines with a negative ``monthly_usd``.
    ``price_ref`` says where the unit price came from (catalog path, ``as_of``, confidence, source).
    """

    option: str
    component: str
    region: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    monthly_usd: Decimal
    price_ref: str
    usage_based: bool = True
    confidence: str = "confirmed"
    note: str = ""


@dataclass(frozen=True)
class Assumption:
    """A named assumption with its unit, the value used, and where that value came from.

    ``source`` is ``default`` (data/assumptions), ``scenario`` (a scenario file or preset),
    ``argument`` (a CLI option), ``measured`` (derived from the export or bundle), or
    ``calibration`` (a calibration file).
    """

    key: str
    value: Any
    unit: str
    source: str
    description: str


@dataclass(frozen=True)
class OptionEstimate:
    """One deployment option priced for a month.

    ``name`` is a registered option (:mod:`costmodel.core.options`) and ``kind`` its
    :class:`~costmodel.core.options.OptionKind` value.
    ``statements`` (optional) has one row per statement (``stmt_id`` column) with that option's
    per-statement quantities and ``monthly_usd``, for "top cost drivers". ``details`` carries
    option-specific figures (paused hours, resumes, ACU series summary, DPU per component …).
    """

    name: str
    kind: str
    title: str
    line_items: tuple[LineItem, ...]
    statements: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def footprint(self) -> Footprint:
        """Single- or multi-region, from the option registry (an unregistered name is single-region)."""
        spec = option_spec(self.name)
        return spec.footprint if spec is not None else Footprint.SINGLE_REGION

    @property
    def total_monthly_usd(self) -> Decimal:
        """Sum of the line items, rounded to the cent."""
        total = sum((item.monthly_usd for item in self.line_items), Decimal(0))
        return total.quantize(CENT, rounding=ROUND_HALF_UP)

    def by_component(self) -> dict[str, Decimal]:
        """Monthly USD per component, summed over regions."""
        out: dict[str, Decimal] = {}
        for item in self.line_items:
            out[item.component] = out.get(item.component, Decimal(0)) + item.monthly_usd
        return out
