"""Time profiles → one week of per-minute load, the input of the scale-to-zero simulation.

A scenario says *when* the load happens (a preset, 168 hour-of-week weights, or the measured
snapshot series); the workload says *how much* (monthly totals from :mod:`costmodel.usage.compute`). This
module turns the first into :class:`WeekProfile`: 10,080 load factors, Monday 00:00 UTC first,
whose mean is exactly 1, so multiplying by the average rate redistributes the monthly totals over
the week without changing them.

Idle minutes are exactly 0, never "a little": Serverless v2 pauses only after a stretch with no
activity at all, so a profile that smeared a trickle over the night would hide every pause.
Background ticks (``background.every_minutes``) are kept apart from the load: they keep an
instance awake but carry no measurable work.

Which minutes hold at least one call (:meth:`WeekProfile.active_minutes`) follows from the rate:
calls arrive evenly spaced within the profile's shape, so a minute is active when the cumulative
expected call count crosses a whole number in it. A busy workload (one call a minute or more)
is active in every non-zero minute; a trickle of 6 calls an hour is active every 10 minutes,
which is what decides whether an instance ever pauses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import ScenarioError
from costmodel.core.timebase import HOURS_PER_DAY, MINUTES_PER_WEEK, SECONDS_PER_MINUTE
from costmodel.core.timebase import format_duration as _fmt
from costmodel.core.workload import ActivitySeries
from costmodel.scenario.model import ProfileKind, Scenario, scenario_assumptions

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = HOURS_PER_DAY * MINUTES_PER_HOUR
ARRIVAL_PHASE = 0.5
"""Calls are placed at the middle of their spacing (a single weekly call lands mid-profile)."""
DIURNAL_PEAK_HOUR = 14
"""Local hour at which the always-on profile's optional diurnal swing peaks."""


@dataclass(frozen=True, eq=False)
class WeekProfile:
    """One week of load at minute resolution (UTC, Monday 00:00 first).

    ``load`` has mean 1.0 over the week (0 = idle minute) unless the profile has no activity at
    all (all zeros). ``background`` marks minutes with a background tick. ``notes`` say how the
    profile was built (e.g. a measured series repeated to fill the week).
    """

    load: np.ndarray
    background: np.ndarray
    kind: str
    notes: tuple[str, ...] = ()

    @property
    def loaded_minutes(self) -> int:
        """Minutes of the week that carry any workload."""
        return int(np.count_nonzero(self.load))

    def arrivals(self, calls_per_week: float) -> np.ndarray:
        """Calls per minute: the expected count where it is 1 or more, else the whole calls that the
        even spacing places in the minute (0 or 1), so a trickle lands on a few minutes, not all."""
        expected = self.load * (float(calls_per_week) / MINUTES_PER_WEEK)
        crossed = np.floor(np.round(np.cumsum(expected) + ARRIVAL_PHASE, 9))  # 0.1 + 0.1 + … hits 0.5
        placed = np.diff(crossed, prepend=math.floor(ARRIVAL_PHASE))
        return np.where(expected >= 1, expected, placed)

    def active_minutes(self, calls_per_week: float | None = None) -> np.ndarray:
        """Minutes with at least one call or a background tick (bool, 10,080).

        With ``calls_per_week`` the calls are spaced evenly along the profile (a minute is active
        when the cumulative expected call count crosses a whole number in it); without it every
        loaded minute counts as active.
        """
        active = self.load > 0 if calls_per_week is None else self.arrivals(calls_per_week) > 0
        return active | self.background

    def hourly(self) -> np.ndarray:
        """Mean load per hour of the week (168 values), e.g. for a heat map."""
        return self.load.reshape(-1, MINUTES_PER_HOUR).mean(axis=1)


def week_profile(
    scenario: Scenario,
    *,
    series: ActivitySeries | None = None,
    assumptions: AssumptionSet | None = None,
) -> WeekProfile:
    """The scenario's time profile as a :class:`WeekProfile`.

    ``series`` is required for ``time_profile.kind: measured``; ``assumptions`` resolves the
    preset shapes (``costmodel/data/assumptions/scenario.yaml``), by default from the scenario.
    """
    a = assumptions if assumptions is not None else scenario_assumptions(scenario)
    profile = scenario.time_profile
    kind = profile.kind
    notes: list[str] = []
    if kind == ProfileKind.MEASURED:
        load, notes = measured_load(series)
    else:
        local = _preset_local(kind, profile.hour_weights, a)
        offset = round(float(profile.utc_offset_hours) * MINUTES_PER_HOUR)
        load = np.roll(local, -offset)
        if offset:
            notes.append(f"profile in local time UTC{profile.utc_offset_hours:+g} h, shifted to UTC")
    mean = float(load.mean())
    if mean > 0:
        load = load / mean
    else:
        notes.append("the profile has no activity at all")
    return WeekProfile(load, background_ticks(scenario), str(kind), tuple(notes))


OBSERVED_RATE = "observed-rate"
"""``time_profile.volume`` value: the busiest minutes run at the observed rate."""


def volume_factor(scenario: Scenario, assumptions: AssumptionSet | None = None) -> float:
    """Share of a month's calls (observed rate × a whole month) the profile carries.

    1 for ``time_profile.volume: spread`` (the default) and for a measured series. For
    ``observed-rate`` the busiest minute of the shape runs at the observed rate and every other
    minute at its weight relative to it, so the month carries mean/max of the shape: a dev database
    busy 40 minutes a weekday carries about 3% of an always-on month, not a whole month squeezed
    into its bursts."""
    profile = scenario.time_profile
    if getattr(profile, "volume", "spread") != OBSERVED_RATE or profile.kind == ProfileKind.MEASURED:
        return 1.0
    a = assumptions if assumptions is not None else scenario_assumptions(scenario)
    local = _preset_local(profile.kind, profile.hour_weights, a)
    peak = float(local.max()) if local.size else 0.0
    return float(local.mean()) / peak if peak > 0 else 1.0


def background_ticks(scenario: Scenario) -> np.ndarray:
    """Minutes with a background tick: every ``every_minutes`` from Monday 00:00 UTC, each lasting
    ``duration_seconds`` rounded up to whole minutes."""
    marks = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    every = scenario.background.every_minutes
    if every is None:
        return marks
    starts = np.floor(np.arange(0.0, MINUTES_PER_WEEK, float(every))).astype(np.int64)
    length = max(1, math.ceil(float(scenario.background.duration_seconds) / SECONDS_PER_MINUTE))
    for k in range(length):
        marks[(starts + k) % MINUTES_PER_WEEK] = True
    return marks


# --------------------------------------------------------------------------------------------
# Presets (local time)
# --------------------------------------------------------------------------------------------


def _bad(key: str, value: object, allowed: str) -> ScenarioError:
    return ScenarioError(
        f"assumption {key} = {value!r} cannot shape a time profile",
        column=f"assumptions.{key}",
        hint=f"allowed: {allowed}",
    )


def _hour(a: AssumptionSet, key: str, low: float, high: float) -> float:
    value = float(a.get(key))
    if not low <= value <= high:
        raise _bad(key, value, f"{low:g} to {high:g}")
    return value


def _business_window(a: AssumptionSet) -> tuple[int, int, int]:
    """Start and end minute of the working day, and working days from Monday."""
    start = _hour(a, "profile_business_start_hour", 0, 24)
    end = _hour(a, "profile_business_end_hour", 0, 24)
    if end <= start:
        raise _bad("profile_business_end_hour", end, f"an hour after profile_business_start_hour ({start:g})")
    days = int(_hour(a, "profile_business_days", 1, 7))
    return round(start * MINUTES_PER_HOUR), round(end * MINUTES_PER_HOUR), days


def _preset_local(kind: str, weights: tuple[float, ...], a: AssumptionSet) -> np.ndarray:
    """The un-normalised load of a preset or custom profile, in local time."""
    minute = np.arange(MINUTES_PER_WEEK)
    of_day = minute % MINUTES_PER_DAY
    day = minute // MINUTES_PER_DAY
    if kind == ProfileKind.ALWAYS_ON:
        amplitude = _hour(a, "profile_always_on_diurnal_amplitude", 0, 0.999)
        hours = of_day / MINUTES_PER_HOUR
        return 1.0 + amplitude * np.cos(2 * np.pi * (hours - DIURNAL_PEAK_HOUR) / HOURS_PER_DAY)
    if kind == ProfileKind.BUSINESS_HOURS:
        start, end, days = _business_window(a)
        return ((day < days) & (of_day >= start) & (of_day < end)).astype(float)
    if kind == ProfileKind.NIGHTLY_BATCH:
        start = round(_hour(a, "profile_nightly_batch_start_hour", 0, 24) * MINUTES_PER_HOUR)
        length = round(_hour(a, "profile_nightly_batch_hours", 1 / MINUTES_PER_HOUR, 24) * MINUTES_PER_HOUR)
        return (((of_day - start) % MINUTES_PER_DAY) < length).astype(float)
    if kind == ProfileKind.DEV_SPORADIC:
        start, end, days = _business_window(a)
        bursts = int(_hour(a, "profile_dev_bursts_per_weekday", 1, 96))
        length = round(_hour(a, "profile_dev_burst_minutes", 1, MINUTES_PER_DAY))
        span = end - start
        if bursts * length > span:
            raise _bad(
                "profile_dev_burst_minutes",
                length,
                f"at most {span // bursts} (bursts must fit in business hours)",
            )
        out = np.zeros(MINUTES_PER_WEEK)
        for d in range(days):
            for i in range(bursts):
                begin = d * MINUTES_PER_DAY + start + int((i + 0.5) * span / bursts - length / 2)
                out[begin : begin + length] = 1.0
        return out
    if kind == ProfileKind.CUSTOM:
        return np.repeat(np.asarray(weights, dtype=float), MINUTES_PER_HOUR)
    raise ScenarioError(f"unknown time profile kind {kind!r}", column="time_profile.kind")


# --------------------------------------------------------------------------------------------
# Measured series
# --------------------------------------------------------------------------------------------


def measured_load(series: ActivitySeries | None) -> tuple[np.ndarray, list[str]]:
    """Per-minute load of the week from a snapshot series (un-normalised) and notes.

    Each interval's rate (execution time per second, or calls per second when execution time is
    unknown) is spread over the minutes it covers, overlap-weighted. Intervals without calls are
    idle (0). A series shorter than a week is repeated from its start minute-of-week to fill the
    week; a longer one is folded, averaging the weeks. Minutes inside gaps of the series take
    the series' mean rate.
    """
    if series is None or series.intervals is None or len(series.intervals) == 0:
        raise ScenarioError(
            "time_profile.kind is 'measured' but the workload has no activity series",
            column="time_profile.kind",
            hint="collect three or more snapshots (`dsqlcost collect --every 5m`) or choose a preset profile",
        )
    df = series.intervals.sort_index()
    index = pd.DatetimeIndex(df.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    starts = np.asarray((index - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1), dtype=float)
    seconds, calls, exec_ms = (_numbers(df, c) for c in ("seconds", "calls", "total_exec_time"))
    valid = np.isfinite(seconds) & (seconds > 0) & np.isfinite(calls)
    if not valid.any():
        raise ScenarioError(
            "the activity series has no interval with a length and a calls count",
            column="time_profile.kind",
            hint="check the bundle's snapshots, or choose a preset profile",
        )
    starts, seconds, calls, exec_ms = starts[valid], seconds[valid], calls[valid], exec_ms[valid]
    use_exec = bool(np.isfinite(exec_ms).any() and np.nansum(exec_ms) > 0)
    rate = (np.nan_to_num(exec_ms) if use_exec else calls) / seconds
    rate = np.where(calls > 0, rate, 0.0)
    positive = rate[rate > 0]
    rate = np.where((calls > 0) & (rate <= 0), positive.min() if positive.size else 1.0, rate)
    notes = [
        f"measured profile from {len(starts)} interval(s), weighted by "
        f"{'execution time' if use_exec else 'calls'}"
    ]

    # cumulative amount and coverage, piecewise linear over the intervals (flat in gaps)
    ends = starts + seconds
    xs = np.column_stack([starts, ends]).ravel()
    amount = np.cumsum(rate * seconds)
    covered = np.cumsum(seconds)
    ys = np.column_stack([amount - rate * seconds, amount]).ravel()
    cs = np.column_stack([covered - seconds, covered]).ravel()
    first = math.floor(starts[0] / SECONDS_PER_MINUTE)
    last = math.ceil(ends[-1] / SECONDS_PER_MINUTE)
    bounds = np.arange(first, last + 1, dtype=float) * SECONDS_PER_MINUTE
    per_minute = np.diff(np.interp(bounds, xs, ys))
    coverage = np.diff(np.interp(bounds, xs, cs))
    values = np.where(
        coverage > 0, per_minute / np.where(coverage > 0, coverage, 1) * SECONDS_PER_MINUTE, np.nan
    )
    span = len(values)
    start_ts = pd.Timestamp(first * SECONDS_PER_MINUTE, unit="s", tz="UTC")
    start_mow = start_ts.day_of_week * MINUTES_PER_DAY + start_ts.hour * MINUTES_PER_HOUR + start_ts.minute
    if span < MINUTES_PER_WEEK:
        week = values[(np.arange(MINUTES_PER_WEEK) - start_mow) % span]
        notes.append(
            f"the series covers {_fmt(span * SECONDS_PER_MINUTE)} (from {start_ts:%a %H:%M} UTC), "
            f"less than a week: repeated {MINUTES_PER_WEEK / span:.1f} times to fill the week"
        )
    else:
        slot = (start_mow + np.arange(span)) % MINUTES_PER_WEEK
        seen = np.isfinite(values)
        sums = np.bincount(slot[seen], weights=values[seen], minlength=MINUTES_PER_WEEK)
        counts = np.bincount(slot[seen], minlength=MINUTES_PER_WEEK)
        week = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        if span > MINUTES_PER_WEEK:
            notes.append(
                f"the series covers {span / MINUTES_PER_WEEK:.1f} weeks: each minute of the week averaged"
            )
    gaps = ~np.isfinite(week)
    if gaps.any():
        week = np.where(gaps, float(np.nanmean(week)) if (~gaps).any() else 0.0, week)
        notes.append(
            f"{int(gaps.sum())} minute(s) of the week fall in gaps of the series: given the mean rate"
        )
    return week, notes


def _numbers(df: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as floats; a missing column is all NaN (unknown)."""
    if column not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
