"""Calibrate: fit DPU factors from real DSQL measurements (EXPLAIN ANALYZE blocks, CloudWatch sums).

Readers for the two evidence formats (:mod:`.explain`, :mod:`.cloudwatch`) and the fits
(:mod:`.fit`); the result is a :class:`costmodel.pricing.calibration.Calibration`.
"""

from __future__ import annotations

from costmodel.calibrate.cloudwatch import load_cloudwatch
from costmodel.calibrate.explain import parse_explain_file
from costmodel.calibrate.fit import fit_cloudwatch, fit_explain

__all__ = ["fit_cloudwatch", "fit_explain", "load_cloudwatch", "parse_explain_file"]
