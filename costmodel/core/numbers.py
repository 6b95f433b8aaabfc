"""Numbers as the report and the analysis tables keep them: finite floats, ``None`` for unknown."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def finite_or_none(value: Any, places: int | None = None) -> float | None:
    """``value`` as a float rounded to ``places`` (None for None, NA, NaN and infinities)."""
    if value is None or value is pd.NA:
        return None
    out = float(value)
    if not math.isfinite(out):
        return None
    return round(out, places) if places is not None else out
