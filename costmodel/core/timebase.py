"""The one place where time units live.

pg_stat_statements counts since a reset, so every rate needs an observation window in seconds,
and every monthly figure needs one definition of a month. AWS bills Aurora by the hour and
prices "per month" on the basis of 730 hours (365 days × 24 h / 12), which is what we use.
"""

from __future__ import annotations

import re

from costmodel.core.errors import CostModelError

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
HOURS_PER_MONTH = 730.0
"""AWS's billing month: 365 × 24 / 12 hours."""
SECONDS_PER_MONTH = HOURS_PER_MONTH * SECONDS_PER_HOUR
MINUTES_PER_WEEK = HOURS_PER_WEEK * 60
WEEKS_PER_MONTH = HOURS_PER_MONTH / HOURS_PER_WEEK

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*([0-9]{1,15}(?:\.[0-9]{1,15})?)\s*([a-z]*)\s*$", re.ASCII)
MIN_WINDOW_SECONDS = 1.0
"""Shortest observation window accepted: below a second, rates are noise (and 1e-12 s made trillions)."""
MAX_DURATION_SECONDS = 100 * 365 * 86400.0
"""Longest duration accepted (100 years): pg_stat_statements cannot have counted longer."""


def parse_duration(text: str, *, what: str = "duration", minimum: float = 0.0) -> float:
    """Parse ``3600s``, ``90m``, ``2h``, ``7d``, ``1w`` or a bare number of seconds into seconds.

    ASCII digits only, at most 15 before and after the point, no exponent: the result is finite and
    at most :data:`MAX_DURATION_SECONDS`. Raises :class:`CostModelError` naming ``what`` when the
    text is not a positive duration of at least ``minimum`` seconds.
    """
    match = _DURATION.match(str(text).lower())
    if not match or match.group(2) not in ("", *_UNITS):
        raise CostModelError(
            f"{what} {text!r} is not a duration",
            hint="write a number with a unit: 3600s, 90m, 2h, 7d or 1w",
        )
    seconds = float(match.group(1)) * _UNITS.get(match.group(2) or "s", 1)
    if seconds <= 0:
        raise CostModelError(f"{what} {text!r} must be longer than zero", hint="give a positive duration")
    if seconds < minimum:
        raise CostModelError(
            f"{what} {text!r} is shorter than {minimum:g} s",
            hint=f"give at least {minimum:g}s (e.g. 3600s, 1h)",
        )
    if not seconds <= MAX_DURATION_SECONDS:
        raise CostModelError(
            f"{what} {text!r} is longer than 100 years", hint="give a duration such as 1h or 7d"
        )
    return seconds


def format_duration(seconds: float) -> str:
    """Render seconds as the largest whole unit that fits, e.g. ``2h``, ``90m``, ``7d``, ``45.5s``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds >= 3600:
        return f"{seconds / 3600:.2f}h"
    return f"{seconds:g}s"
