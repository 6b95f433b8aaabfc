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


MAX_PERCENT_DECIMALS = 3
"""Most decimals :func:`honest_percent` adds before it says ``<`` or ``>`` instead."""


def honest_percent(fraction: float, decimals: int = 0, *, distinct_from: tuple[float, ...] = ()) -> str:
    """``fraction`` (0–1) as a percentage that never states something the number is not.

    Rounding alone writes 99.6% as "100%" and 0.2% as "0%", and a rate of 0.0099 as "1.0%" next to
    a 1.0% threshold it is below. Here a decimal is added until the text differs from 0%, 100% and
    every value of ``distinct_from`` the fraction differs from (up to :data:`MAX_PERCENT_DECIMALS`);
    past that the text says ``<0.001%`` / ``>99.999%``.
    """
    value = float(fraction)
    places = max(decimals, 0)
    while True:
        text = f"{value * 100:.{places}f}"
        shown = float(text) / 100
        clashes = (shown == 0 and value != 0) or (shown == 1 and value != 1)
        clashes = clashes or any(shown == round(t * 100, places) / 100 and value != t for t in distinct_from)
        if not clashes:
            return f"{text}%"
        if places >= MAX_PERCENT_DECIMALS:
            step = 10.0**-places
            if shown == 0:
                return f"<{step:.{places}f}%"
            if shown == 1:
                return f">{100 - step:.{places}f}%"
            return f"{text}%"
        places += 1
