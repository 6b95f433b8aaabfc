"""Aurora Serverless v2 capacity: ACU per minute over one simulated week, with auto-pause.

Why simulate: Serverless v2 bills ACU-hours of the capacity it *actually* ran at, and with
``min_acu = 0`` it pauses only after ``SecondsUntilAutoPause`` without any connection
(reference/dsql-pricing.md §3.2). Whether a workload ever pauses depends on *when* it runs, not
on its monthly total, so we lay the monthly CPU over the scenario's week (:mod:`costmodel.scenario.activity`)
and step through it at minute resolution, with numpy rather than a Python loop per minute.

Per minute:

* **Demand** = CPU-seconds per second / ``sv2_vcpu_per_acu`` / ``sv2_target_cpu_utilization``.
  The monthly CPU follows the calls (:meth:`WeekProfile.arrivals`): the profile's shape where
  calls come every minute, the minutes the calls land on where they are sparser.
* **Capacity** = max(demand, ``sv2_memory_floor_acu``) rounded *up* to the 0.5-ACU step, clamped
  to [min ACU (at least one step while awake), max ACU]; minutes where demand exceeds max ACU
  are counted as capped (the workload would be throttled).
* **Auto-pause** (min ACU 0, ``auto_pause_seconds`` set, not a Global Database): an active
  minute (a call or a background tick) holds a connection for ``sv2_connection_hold_seconds``;
  the instance pauses once no connection has existed for ``auto_pause_seconds``. Paused minutes
  bill 0 ACU; the next activity resumes it after the catalog's resume delay (longer after a pause
  of more than 24 h). The week is cyclic (Sunday night runs into Monday morning).
* **Readers** share the writer's pause pattern. Tier 0–1 readers run at least at the writer's
  capacity; tier 2–15 readers scale on their own share of the CPU (``sv2_reader_cpu_share``,
  spread evenly over the readers; the writer keeps the rest).

:class:`CapacityShape` keeps the awake minutes' demand at scale 1 so that the ACU-hours at any
load multiplier come from a sorted-array count instead of a new simulation (break-even sweeps).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import ScenarioError
from costmodel.core.timebase import HOURS_PER_DAY, MINUTES_PER_WEEK, SECONDS_PER_MINUTE, WEEKS_PER_MONTH
from costmodel.core.workload import ActivitySeries
from costmodel.pricing.serverless_v2_cpu import ServerCpu, load_cpu_model, server_cpu
from costmodel.pricing.serverless_v2_inputs import measured_cpu, memory_floor
from costmodel.scenario.activity import MINUTES_PER_HOUR, WeekProfile, week_profile
from costmodel.scenario.model import Scenario

SERVICE = "aurora_serverless_v2"
DEEP_PAUSE_MINUTES = HOURS_PER_DAY * MINUTES_PER_HOUR
"""A pause longer than 24 h ends with the slower "deeper sleep" resume (§3.2)."""
EPS = 1e-9
"""Tolerance for rounding up to ACU steps (1.0 ACU must stay 1.0, not become 1.5)."""
_NEVER = -(10**9)


class UsageLike(Protocol):
    """What the Serverless v2 model reads from :class:`costmodel.usage.model.Usage`.

    ``statements`` has monthly columns ``calls_month``, ``exec_seconds_month``,
    ``cpu_seconds_month``, ``read_ios_month``, ``write_ios_month``, ``wal_bytes_month`` (and
    optionally ``stmt_id`` and ``is_write``); ``storage_gb`` is the stored data in GB. Usage is
    final: the scenario's growth is already applied.
    """

    @property
    def statements(self) -> pd.DataFrame: ...

    @property
    def storage_gb(self) -> float: ...

    @property
    def assumptions(self) -> AssumptionSet: ...


def column_values(usage: UsageLike, column: str) -> np.ndarray:
    """A usage column as floats (NaN = unknown); a missing column is all NaN."""
    frame = usage.statements
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(frame[column].to_numpy(dtype=float, na_value=np.nan))


def column_total(usage: UsageLike, column: str) -> float:
    """Monthly total of a usage column (NaN = unknown counts as 0; the caller warns)."""
    return float(np.nansum(column_values(usage, column)))


@dataclass(frozen=True)
class CapacityInputs:
    """Everything the simulation needs, resolved from usage, scenario, assumptions and catalog."""

    cpu_seconds_month: float
    calls_month: float
    vcpu_per_acu: float
    target_utilization: float
    floor_acu: float
    step_acu: float
    min_acu: float
    max_acu: float
    readers: int
    reader_tier: int
    reader_cpu_share: float
    pause_minutes: int | None
    """Whole minutes without a connection before pausing; None = never pauses."""
    hold_minutes: int
    resume_seconds: float
    deep_resume_seconds: float
    pausing: str
    """Why auto-pause is on or off, for the report."""
    throughput_factor: float = 1.0
    """Throughput per ACU of the platform version (``sv2_platform_throughput_factor``)."""
    cpu: ServerCpu | None = None
    """Where the CPU came from (the model from pg_stat_statements, or a measured input)."""
    floor_rule: str = ""
    """How the memory floor was found (working set, Performance Insights, default)."""

    @property
    def awake_min_acu(self) -> float:
        """Lowest capacity of an awake instance: min ACU, at least one step."""
        return max(self.min_acu, self.step_acu)

    @property
    def idle_acu(self) -> float:
        """Capacity of an awake instance without load: the memory floor rounded up, clamped."""
        return float(
            step_capacity(np.zeros(1), self.floor_acu, self.awake_min_acu, self.max_acu, self.step_acu)[0]
        )


def _reader_share(usage: UsageLike, scenario: Scenario, a: AssumptionSet) -> float:
    """CPU share served by readers: the scenario's value, else measured from ``is_write``, else default."""
    key = "sv2_reader_cpu_share"
    if scenario.serverless_v2.readers == 0:
        return 0.0
    df = usage.statements
    if key not in scenario.assumptions and "is_write" in df.columns and "cpu_seconds_month" in df.columns:
        cpu = np.nan_to_num(column_values(usage, "cpu_seconds_month"))
        reads = ~df["is_write"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        if cpu.sum() > 0:
            a.set(key, float(cpu[reads].sum() / cpu.sum()), "measured")
    share = float(a.get(key))
    if not 0 <= share <= 1:
        raise ScenarioError(
            f"assumption {key} = {share!r} is not a fraction",
            column=f"assumptions.{key}",
            hint="give a share of CPU between 0 and 1",
        )
    return share


def resolve_inputs(
    usage: UsageLike, scenario: Scenario, catalog: PriceCatalog, *, global_database: bool = False
) -> CapacityInputs:
    """The simulation inputs; reads (and so records) the Serverless v2 assumptions."""
    a = usage.assumptions
    sv2 = scenario.serverless_v2
    vcpu = float(a.get("sv2_vcpu_per_acu"))
    util = float(a.get("sv2_target_cpu_utilization"))
    floor_acu = float(a.get("sv2_memory_floor_acu"))
    hold = float(a.get("sv2_connection_hold_seconds"))
    factor = float(a.get("sv2_platform_throughput_factor"))
    for key, value, ok in (
        ("sv2_platform_throughput_factor", factor, 0 < factor <= 2),
        ("sv2_vcpu_per_acu", vcpu, vcpu > 0),
        ("sv2_target_cpu_utilization", util, 0 < util <= 1),
        ("sv2_memory_floor_acu", floor_acu, floor_acu >= 0),
        ("sv2_connection_hold_seconds", hold, hold >= 0),
    ):
        if not ok:
            raise ScenarioError(
                f"assumption {key} = {value!r} is out of range",
                column=f"assumptions.{key}",
                hint="see costmodel/data/assumptions/serverless_v2.yaml for its unit",
            )
    if global_database:
        pause, why = None, "off: Global Database writers never auto-pause"
    elif sv2.min_acu > 0:
        pause, why = None, f"off: min_acu is {sv2.min_acu:g}"
    elif sv2.auto_pause_seconds is None:
        pause, why = None, "off: auto_pause_seconds is null"
    elif sv2.client_pool == "keeps-connections":
        pause, why = (
            None,
            (
                "off: the application's pool keeps idle connections open (serverless_v2.client_pool: "
                "keeps-connections; set closes-idle if it closes them)"
            ),
        )
    else:
        pause = math.ceil(sv2.auto_pause_seconds / SECONDS_PER_MINUTE)
        why = (
            f"on: pauses {sv2.auto_pause_seconds} s after the last connection closes "
            f"(connections held {hold:g} s after the last statement)"
        )
    cpu = measured_cpu(usage, scenario, catalog) or server_cpu(usage, load_cpu_model(), a)
    floor_acu, floor_rule = memory_floor(usage, scenario, catalog, floor_acu)
    return CapacityInputs(
        cpu_seconds_month=cpu.seconds_month,
        calls_month=column_total(usage, "calls_month"),
        vcpu_per_acu=vcpu,
        target_utilization=util,
        floor_acu=floor_acu,
        step_acu=float(catalog.decimal_fact(SERVICE, "acu_increment")),
        min_acu=float(sv2.min_acu),
        max_acu=float(sv2.max_acu),
        readers=int(sv2.readers),
        reader_tier=int(sv2.reader_promotion_tier),
        reader_cpu_share=_reader_share(usage, scenario, a),
        pause_minutes=pause,
        hold_minutes=math.ceil(hold / SECONDS_PER_MINUTE),
        resume_seconds=float(catalog.decimal_fact(SERVICE, "resume_seconds")),
        deep_resume_seconds=float(catalog.decimal_fact(SERVICE, "resume_seconds_after_24h")),
        pausing=why,
        throughput_factor=factor,
        cpu=cpu,
        floor_rule=floor_rule,
    )


def step_capacity(demand: np.ndarray, floor_acu: float, low: float, high: float, step: float) -> np.ndarray:
    """max(demand, floor) rounded up to ``step``, clamped to [low, high]."""
    stepped = np.ceil(np.maximum(demand, floor_acu) / step - EPS) * step
    return np.clip(stepped, low, high)


def pause_mask(active: np.ndarray, pause_minutes: int, hold_minutes: int) -> np.ndarray:
    """Paused minutes of a cyclic week: more than ``hold + pause`` minutes after the last activity.

    The week is laid twice so the stretch before Monday's first activity continues Sunday's.
    """
    n = len(active)
    if not active.any():
        return np.ones(n, dtype=bool)
    twice = np.concatenate([active, active])
    idx = np.arange(2 * n)
    last = np.maximum.accumulate(np.where(twice, idx, _NEVER))
    return (idx - last > hold_minutes + pause_minutes)[n:]


def _resumes(paused: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minutes where a paused instance wakes up, and how long each pause lasted (minutes)."""
    n = len(paused)
    if paused.all() or not paused.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    awake2 = ~np.concatenate([paused, paused])
    idx = np.arange(2 * n)
    last_awake = np.maximum.accumulate(np.where(awake2, idx, _NEVER))
    wake = awake2[n:] & np.roll(paused, 1)
    minutes = np.flatnonzero(wake)
    previous = last_awake[minutes + n - 1]
    return minutes, minutes + n - previous - 1


@dataclass(frozen=True, eq=False)
class CapacitySimulation:
    """One simulated week of Serverless v2 capacity (minute resolution, Monday 00:00 UTC first).

    ``acu`` is the writer's billed ACU per minute (0 while paused), ``reader_acu`` one reader's
    (all readers alike; zeros without readers), ``demand_acu`` the writer's demand before
    rounding and clamping. Monthly figures scale the week by ``timebase.WEEKS_PER_MONTH``.
    """

    inputs: CapacityInputs
    profile: WeekProfile
    demand_acu: np.ndarray
    reader_demand_acu: np.ndarray
    acu: np.ndarray
    reader_acu: np.ndarray
    active: np.ndarray
    paused: np.ndarray
    resume_minutes: np.ndarray
    paused_run_minutes: np.ndarray
    resume_delay_seconds: np.ndarray
    capped_minutes: int
    warnings: tuple[str, ...] = field(default=())

    @property
    def writer_acu_hours_month(self) -> float:
        """Writer ACU-hours per month."""
        return float(self.acu.sum()) / MINUTES_PER_HOUR * WEEKS_PER_MONTH

    @property
    def reader_acu_hours_month(self) -> float:
        """ACU-hours per month of all readers together."""
        return float(self.reader_acu.sum()) * self.inputs.readers / MINUTES_PER_HOUR * WEEKS_PER_MONTH

    @property
    def acu_hours_month(self) -> float:
        """Writer and readers, ACU-hours per month."""
        return self.writer_acu_hours_month + self.reader_acu_hours_month

    @property
    def paused_hours_month(self) -> float:
        """Hours per month the writer is paused."""
        return float(self.paused.sum()) / MINUTES_PER_HOUR * WEEKS_PER_MONTH

    @property
    def resumes_month(self) -> float:
        """Resumes per month."""
        return len(self.resume_minutes) * WEEKS_PER_MONTH

    @property
    def deep_resumes_month(self) -> float:
        """Resumes per month after a pause longer than 24 h."""
        return int((self.paused_run_minutes > DEEP_PAUSE_MINUTES).sum()) * WEEKS_PER_MONTH

    def summary(self) -> dict[str, float | int | str]:
        """The figures a report shows (monthly unless named otherwise)."""
        awake = ~self.paused
        delays = self.resume_delay_seconds
        return {
            "acu_hours": self.acu_hours_month,
            "writer_acu_hours": self.writer_acu_hours_month,
            "reader_acu_hours": self.reader_acu_hours_month,
            "paused_hours": self.paused_hours_month,
            "awake_hours": float(awake.sum()) / MINUTES_PER_HOUR * WEEKS_PER_MONTH,
            "active_hours": float(self.active.sum()) / MINUTES_PER_HOUR * WEEKS_PER_MONTH,
            "resumes": self.resumes_month,
            "deep_resumes": self.deep_resumes_month,
            "resume_delay_seconds": float(delays.mean()) if delays.size else 0.0,
            "resume_delay_max_seconds": float(delays.max()) if delays.size else 0.0,
            "resume_seconds": self.inputs.resume_seconds,
            "deep_resume_seconds": self.inputs.deep_resume_seconds,
            "peak_acu": float(self.acu.max()),
            "mean_acu": float(self.acu.mean()),
            "mean_awake_acu": float(self.acu[awake].mean()) if awake.any() else 0.0,
            "peak_demand_acu": float(self.demand_acu.max()),
            "capped_minutes": self.capped_minutes * WEEKS_PER_MONTH,
            "pausing": self.inputs.pausing,
            **(self.inputs.cpu.as_details() if self.inputs.cpu is not None else {}),
            "memory_floor_acu": self.inputs.floor_acu,
            "memory_floor_rule": self.inputs.floor_rule,
            "time_profile": self.profile.kind,
        }

    def resume_delay_text(self) -> str:
        """How long the first request after a pause waits, in one wording for every place that says
        it (option warning, verdict latency, dashboard): see :func:`resume_delay_text`."""
        return resume_delay_text(self.summary())

    def to_frame(self, week_start: str = "2026-01-05") -> pd.DataFrame:
        """Per-minute table for plots: ``acu``, ``reader_acu``, ``demand_acu``, ``active``, ``paused``,
        indexed by UTC timestamps of a week starting on Monday ``week_start``."""
        index = pd.date_range(pd.Timestamp(week_start, tz="UTC"), periods=MINUTES_PER_WEEK, freq="min")
        return pd.DataFrame(
            {
                "acu": self.acu,
                "reader_acu": self.reader_acu,
                "demand_acu": self.demand_acu,
                "active": self.active,
                "paused": self.paused,
            },
            index=index,
        )

    def shape(self) -> CapacityShape:
        """The awake minutes' demand, for pricing at other load multipliers."""
        i = self.inputs
        awake = ~self.paused
        groups = [_Group.build(self.demand_acu[awake], i, 1)]
        if i.readers:
            groups.append(_Group.build(self.reader_demand_acu[awake], i, i.readers))
        return CapacityShape(tuple(groups))


def simulate(inputs: CapacityInputs, profile: WeekProfile) -> CapacitySimulation:
    """Run the week: demand, pause pattern, capacity, resumes (pure function of its inputs)."""
    i = inputs
    calls_week: float | None = i.calls_month / WEEKS_PER_MONTH
    if i.calls_month <= 0 and i.cpu_seconds_month > 0:
        calls_week = None  # CPU without a calls count: every loaded minute is active
    # CPU follows the calls: a trickle's CPU lands on the minutes its calls arrive in, so no CPU
    # falls into a minute the instance spends paused; busy minutes keep the profile's shape.
    weights = profile.arrivals(calls_week) if calls_week is not None else profile.load
    mean = float(weights.mean())
    weights = weights / mean if mean > 0 else weights
    cpu_per_second = i.cpu_seconds_month / WEEKS_PER_MONTH / (MINUTES_PER_WEEK * SECONDS_PER_MINUTE)
    demand = weights * (cpu_per_second / i.vcpu_per_acu / i.target_utilization / i.throughput_factor)
    writer = demand * (1.0 - i.reader_cpu_share)
    if i.readers:
        own = demand * i.reader_cpu_share / i.readers
        reader = own if i.reader_tier >= 2 else np.maximum(writer, own)
    else:
        reader = np.zeros(MINUTES_PER_WEEK)
    active = profile.active_minutes(calls_week)
    if i.pause_minutes is None:
        paused = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    else:
        paused = pause_mask(active, i.pause_minutes, i.hold_minutes)
    awake = ~paused
    low = i.awake_min_acu
    acu = np.where(awake, step_capacity(writer, i.floor_acu, low, i.max_acu, i.step_acu), 0.0)
    reader_acu = (
        np.where(awake, step_capacity(reader, i.floor_acu, low, i.max_acu, i.step_acu), 0.0)
        if i.readers
        else np.zeros(MINUTES_PER_WEEK)
    )
    over = np.maximum(writer, reader) if i.readers else writer
    capped = int((awake & (over > i.max_acu + EPS)).sum())
    resume_at, runs = _resumes(paused)
    delays = np.where(runs > DEEP_PAUSE_MINUTES, i.deep_resume_seconds, i.resume_seconds).astype(float)
    warnings: list[str] = []
    if capped:
        warnings.append(
            f"CPU demand exceeds max_acu {i.max_acu:g} in {capped} minute(s) a week (peak demand "
            f"{float(over.max()):.1f} ACU): capacity is capped there and the workload would be throttled; "
            "raise serverless_v2.max_acu"
        )
    return CapacitySimulation(
        inputs=i,
        profile=profile,
        demand_acu=writer,
        reader_demand_acu=reader,
        acu=acu,
        reader_acu=reader_acu,
        active=active,
        paused=paused,
        resume_minutes=resume_at,
        paused_run_minutes=runs,
        resume_delay_seconds=delays,
        capped_minutes=capped,
        warnings=tuple(warnings),
    )


def simulate_capacity(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    series: ActivitySeries | None = None,
    global_database: bool = False,
) -> CapacitySimulation:
    """Simulate one week of the primary cluster's capacity (for estimates and the dashboard)."""
    inputs = resolve_inputs(usage, scenario, catalog, global_database=global_database)
    return simulate(inputs, week_profile(scenario, series=series, assumptions=usage.assumptions))


# --------------------------------------------------------------------------------------------
# Fast re-pricing at other load multipliers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Group:
    """Instances that share a demand series, reduced to what any load multiplier needs.

    At multiplier k an awake minute with demand v (at k = 1) runs at ``base`` plus one step for
    every ACU level L above ``base`` (up to ``high``) with k·v > L − step (rounding up). So each
    pair (minute, level) adds one step once k passes the breakpoint (L − step) / v: the ACU total
    is a step function of k, answered for any vector of multipliers by one ``searchsorted`` over
    the sorted breakpoints (built once, for the levels the largest multiplier asked for needs).
    """

    values: np.ndarray
    counts: np.ndarray
    minutes: int
    base: float
    high: float
    step: float
    multiplicity: int
    _cache: dict[str, tuple[int, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def build(cls, demand: np.ndarray, i: CapacityInputs, multiplicity: int) -> _Group:
        base = i.idle_acu
        values, counts = np.unique(demand[demand > 0], return_counts=True)
        return cls(values, counts, int(demand.size), base, i.max_acu, i.step_acu, multiplicity)

    def _breakpoints(self, levels: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted breakpoints of the first ``levels`` levels above the base, and cumulative minutes."""
        cached = self._cache.get("bp")
        if cached is None or cached[0] < levels:
            thresholds = self.base + self.step * np.arange(levels) + EPS * self.step
            points = (thresholds[:, None] / self.values[None, :]).ravel()
            weights = np.broadcast_to(self.counts, (levels, self.counts.size)).ravel()
            order = np.argsort(points, kind="stable")
            cached = (levels, points[order], np.concatenate([[0], np.cumsum(weights[order])]))
            self._cache["bp"] = cached
        return cached[1], cached[2]

    def acu_minutes(self, scales: np.ndarray) -> np.ndarray:
        """Σ over awake minutes of the capacity at each load multiplier in ``scales``."""
        out = np.full(scales.shape, self.base * self.minutes, dtype=float)
        if self.values.size and self.base < self.high:
            peak = float(scales.max()) * float(self.values[-1])
            top = min(self.high, math.ceil(peak / self.step - EPS) * self.step)
            levels = max(0, round((top - self.base) / self.step))
            if levels:
                points, cumulative = self._breakpoints(levels)
                out += self.step * cumulative[np.searchsorted(points, scales, side="left")]
        return out * self.multiplicity


@dataclass(frozen=True, eq=False)
class CapacityShape:
    """ACU-hours per month at any load multiplier, with the simulated pause pattern kept.

    The multiplier scales CPU demand in every awake minute; *when* the instance is awake stays as
    simulated (growth makes each active minute busier, it does not fill idle ones).
    """

    groups: tuple[_Group, ...]

    def acu_hours_month(self, scales: float | np.ndarray) -> np.ndarray:
        """ACU-hours per month (writer and readers) for each multiplier."""
        k = np.atleast_1d(np.asarray(scales, dtype=float))
        total = np.zeros(k.shape)
        for group in self.groups:
            total += group.acu_minutes(k)
        return total / MINUTES_PER_HOUR * WEEKS_PER_MONTH


def resume_delay_text(summary: Mapping[str, Any]) -> str:
    """The resume delay from the catalog facts (``resume_seconds``, ``deep_resume_seconds``) in a
    capacity summary or option details: ``15 s (30 s or more after a pause over 24 h, 4 of 30
    resumes a month)``. One function, so the option warning, the verdict's latency note and the
    dashboard never state three different delays."""
    base = float(summary.get("resume_seconds") or 0.0)
    deep = float(summary.get("deep_resume_seconds") or 0.0)
    text = f"{base:g} s ({deep:g} s or more after a pause over 24 h"
    resumes, deep_resumes = float(summary.get("resumes") or 0.0), float(summary.get("deep_resumes") or 0.0)
    if deep_resumes:
        text += f", {deep_resumes:,.0f} of {resumes:,.0f} resumes a month"
    return text + ")"
