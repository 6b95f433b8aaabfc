"""One door for pricing options: the :class:`Pricer` protocol and the registry analysis reads.

A pricer turns one scenario's usage into zero or more priced options, each an
:class:`~costmodel.core.estimate.OptionEstimate` (line items) with its cost curve (monthly USD as a
function of a load multiplier, for the break-even sweep). The analysis prices every registered
pricer in registration order; the verdict, the fleet, every report format and the dashboard then
work from the estimates and the option specs (:mod:`costmodel.core.options`), never from option
names spelled in code. ``docs/adding-an-option.md`` walks through adding one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import pandas as pd

from costmodel.core.catalog import PriceCatalog
from costmodel.core.checkpoint import checkpoint
from costmodel.core.estimate import CostCurve, OptionEstimate
from costmodel.core.workload import ActivitySeries
from costmodel.pricing.calibration import Calibration
from costmodel.scenario.model import Scenario
from costmodel.usage.model import Usage


@dataclass(frozen=True)
class PricingInput:
    """Everything a pricer may read: the usage of one scenario and the scenario-independent inputs."""

    usage: Usage
    scenario: Scenario
    catalog: PriceCatalog
    calibration: Calibration | None = None
    retry_factor: pd.Series | None = None
    """Expected extra attempts per call from the OCC model (DSQL bills aborted attempts)."""
    series: ActivitySeries | None = None
    """Measured activity series (bundles with several snapshots), for capacity simulation."""
    conflict_rate: float = 0.0
    """Share of transactions the OCC model predicts to conflict (DSQL's curve grows retries with it)."""
    statements: bool = True
    """False when only the options' totals are read (a range case): pricers then leave out the
    per-statement frames of their estimates (``OptionEstimate.statements`` is None), some 300 bytes
    a statement; line items, details and totals are the same."""


@dataclass(frozen=True)
class PricedOption:
    """An option's estimate and its cost curve over load multipliers."""

    estimate: OptionEstimate
    curve: CostCurve


class Pricer(Protocol):
    """Prices one family of options (one service, or one variant of it)."""

    name: str
    """Identifier of the pricer (for errors and ``docs/adding-an-option.md``)."""

    def price(self, inputs: PricingInput) -> Sequence[PricedOption]:
        """The options this pricer offers for ``inputs.scenario`` (none when it does not apply)."""
        ...


_PRICERS: list[Pricer] = []


def register_pricer(pricer: Pricer) -> Pricer:
    """Add ``pricer`` (once; a second pricer with the same name replaces the first)."""
    _PRICERS[:] = [p for p in _PRICERS if p.name != pricer.name]
    _PRICERS.append(pricer)
    return pricer


def unregister_pricer(name: str) -> None:
    """Remove the pricer called ``name`` (tests that add a throw-away option clean up with this)."""
    _PRICERS[:] = [p for p in _PRICERS if p.name != name]


def pricers() -> tuple[Pricer, ...]:
    """The registered pricers, in the order their options are listed."""
    return tuple(_PRICERS)


def price_options(inputs: PricingInput) -> list[PricedOption]:
    """Every registered pricer's options for ``inputs``, in registration order."""
    priced: list[PricedOption] = []
    for pricer in _PRICERS:
        checkpoint()  # a background thread may pause between options (costmodel.core.checkpoint)
        # each pricer reads through its own assumption scope: an option's ``assumptions`` are the
        # ones its pricer used, and nothing a pricer records leaks into the usage or another option
        usage = replace(inputs.usage, assumptions=inputs.usage.assumptions.scoped())
        priced.extend(pricer.price(replace(inputs, usage=usage)))
    return priced
