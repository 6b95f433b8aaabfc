"""Pricing: usage → line items, one pricer per service (DSQL, Serverless v2).

A calibration (:mod:`.calibration`) scales DSQL's components; fitting one is the calibrate stage's
job. The price catalog itself is shared vocabulary (:mod:`costmodel.core.catalog`).
"""

from __future__ import annotations

from costmodel.pricing.calibration import Calibration, load_calibration
from costmodel.pricing.dsql import estimate_dsql
from costmodel.pricing.serverless_v2 import serverless_v2_options

__all__ = ["Calibration", "estimate_dsql", "load_calibration", "serverless_v2_options"]
