"""Pricing: usage → options, one :class:`~costmodel.pricing.registry.Pricer` per option family.

The registry (:mod:`.registry`) is the one door for options: the analysis prices every registered
pricer in order. A calibration (:mod:`.calibration`) scales DSQL's components; fitting one is the
calibrate stage's job. The price catalog itself is shared vocabulary (:mod:`costmodel.core.catalog`).
"""

from __future__ import annotations

from costmodel.pricing.calibration import Calibration, load_calibration
from costmodel.pricing.dsql import DsqlPricer, estimate_dsql
from costmodel.pricing.registry import PricedOption, PricingInput, price_options, register_pricer
from costmodel.pricing.serverless_v2 import ServerlessV2Pricer, serverless_v2_options

# The built-in options, in the order reports list them.
register_pricer(DsqlPricer())
register_pricer(ServerlessV2Pricer())

__all__ = [
    "Calibration",
    "PricedOption",
    "PricingInput",
    "estimate_dsql",
    "load_calibration",
    "price_options",
    "register_pricer",
    "serverless_v2_options",
]
