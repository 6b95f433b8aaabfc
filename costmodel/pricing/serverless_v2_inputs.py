"""Measured inputs that size Serverless v2 ahead of the model: the source's CPU, the working set.

Why: the CPU model (:mod:`costmodel.pricing.serverless_v2_cpu`) infers server CPU from executor
time; the source instance's own CPU utilisation is a direct measurement of the same thing, with
background work included, so when the scenario gives it (``serverless_v2.source_cpu_pct`` with
``source_vcpus`` or ``source_instance``, e.g. from ``--source-cpu-export`` or ``--source-cpu``)
it wins. Memory sets a floor of its own: the working set (:mod:`costmodel.usage.memory`) over the
buffer cache of one ACU, and 2 ACU when Performance Insights is on.
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import ScenarioError
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.yamlio import safe_load
from costmodel.pricing.serverless_v2_cpu import ServerCpu
from costmodel.scenario.model import Scenario

SERVICE = "aurora_serverless_v2"
PERFORMANCE_INSIGHTS_MIN_ACU = "performance_insights_min_acu"
_GIB = 1024**3


@cache
def _sizes() -> dict[str, Any]:
    text = resources.files("costmodel.data").joinpath("instance_vcpus.yaml").read_text(encoding="utf-8")
    return dict(safe_load(text))


def instance_vcpus(instance: str) -> float:
    """vCPUs of an instance class such as ``db.r6g.2xlarge`` (data/instance_vcpus.yaml)."""
    data = _sizes()
    match = re.fullmatch(r"(?:db\.)?[a-z0-9-]+\.(\d*)([a-z]+)", instance.strip().lower())
    if match:
        count, size = match.groups()
        if size == "xlarge":
            return float(int(count or 1) * int(data["per_xlarge"]))
        if not count and size in data["sizes"]:
            return float(data["sizes"][size])
    raise ScenarioError(
        f"instance class {instance!r} is not of the form db.<family>.<size>",
        column="serverless_v2.source_instance",
        hint="e.g. db.r6g.xlarge, or give serverless_v2.source_vcpus",
    )


def measured_cpu(usage: Any, scenario: Scenario, catalog: PriceCatalog) -> ServerCpu | None:
    """Server CPU from the source's measured utilisation, or None when the scenario has none.

    CPU-seconds per month = utilisation × vCPUs × seconds per month × growth, spread over the
    statements like their executor CPU (so the cost-driver table still ranks them).
    """
    sv2 = scenario.serverless_v2
    if sv2.source_cpu_pct is None:
        return sampled_cpu(usage, scenario)
    if sv2.source_vcpus is not None:
        vcpus, what = float(sv2.source_vcpus), f"{sv2.source_vcpus:g} vCPU"
    elif sv2.source_instance:
        vcpus = instance_vcpus(sv2.source_instance)
        what = f"{sv2.source_instance} ({vcpus:g} vCPU)"
    else:
        raise ScenarioError(
            "source_cpu_pct needs the source's vCPUs",
            column="serverless_v2.source_vcpus",
            hint="give serverless_v2.source_vcpus or source_instance (--source-vcpus / --source-instance)",
        )
    seconds = sv2.source_cpu_pct / 100.0 * vcpus * SECONDS_PER_MONTH * float(scenario.growth)
    spread, total = _spread_by_cpu(usage, seconds)
    origin = sv2.source_cpu_from or "scenario serverless_v2.source_cpu_pct"
    return ServerCpu(
        seconds_month=seconds,
        per_statement=spread,
        executor_seconds=float(total),
        overhead_seconds=0.0,
        jit_removed_seconds=0.0,
        lock_wait_removed_seconds=0.0,
        source="source-cpu",
        detail=f"measured source CPU: {sv2.source_cpu_pct:g}% of {what} x growth {scenario.growth:g} ({origin})",
    )


def _spread_by_cpu(usage: Any, seconds: float) -> tuple[np.ndarray, float]:
    """A measured CPU total spread over the statements in proportion to their modelled CPU (evenly
    when the model has none), and that modelled total."""
    frame = usage.statements
    weights = (
        np.nan_to_num(frame["cpu_seconds_month"].to_numpy(dtype=float, na_value=np.nan))
        if "cpu_seconds_month" in frame.columns
        else np.zeros(len(frame))
    )
    total = float(weights.sum())
    spread = seconds * weights / total if total > 0 else np.full(len(frame), seconds / max(len(frame), 1))
    return spread, total


MIN_BACKEND_SAMPLES = 3
"""Fewer snapshots than this say too little about CPU demand: the model sizes instead."""


def sampled_cpu(usage: Any, scenario: Scenario) -> ServerCpu | None:
    """Server CPU from the collector's samples of active, non-waiting client backends.

    Each such backend occupies a core at that instant, so their mean over the snapshots estimates
    the cores the workload keeps busy (a sparse sample: one per snapshot; background processes not
    included). Needs ``MIN_BACKEND_SAMPLES`` snapshots with at least one running backend (a series
    taken while the workload paused says nothing); the source's CPU utilisation wins over it.
    """
    samples = tuple(getattr(usage, "active_on_cpu_samples", ()) or ())
    if len(samples) < MIN_BACKEND_SAMPLES or not any(samples):
        return None  # too few, or never caught a running backend: the model says more
    cores = float(np.mean(samples))
    seconds = cores * SECONDS_PER_MONTH * float(scenario.growth)
    spread, total = _spread_by_cpu(usage, seconds)
    return ServerCpu(
        seconds_month=seconds,
        per_statement=spread,
        executor_seconds=float(total),
        overhead_seconds=0.0,
        jit_removed_seconds=0.0,
        lock_wait_removed_seconds=0.0,
        source="sampled-backends",
        detail=(
            f"sampled active backends: mean {cores:.2f} client backends active and not waiting over "
            f"{len(samples)} snapshot(s) (dsqlcost collect) x growth {scenario.growth:g}"
        ),
    )


def memory_floor(
    usage: Any, scenario: Scenario, catalog: PriceCatalog, default_acu: float
) -> tuple[float, str]:
    """The capacity an awake instance keeps for memory, and the rule that set it."""
    gib_per_acu = float(catalog.decimal_fact(SERVICE, "acu_memory_gib"))
    share = float(usage.assumptions.get("sv2_buffer_cache_fraction"))
    if not 0 < share <= 1:
        raise ScenarioError(
            f"assumption sv2_buffer_cache_fraction = {share!r} is not a fraction",
            column="assumptions.sv2_buffer_cache_fraction",
            hint="give a share of ACU memory between 0 and 1",
        )
    floor, rule = default_acu, f"default sv2_memory_floor_acu {default_acu:g} ACU"
    ws = getattr(usage, "working_set", None)
    if ws is not None and ws.bytes is not None:
        needed = ws.bytes / _GIB / (gib_per_acu * share)
        rule = (
            f"working set {ws.bytes / _GIB:,.2f} GiB [{ws.rule}] / ({gib_per_acu:g} GiB x {share:g} buffer cache) "
            f"= {needed:,.2f} ACU"
        )
        if needed > floor:
            floor = needed
        else:
            rule += f"; below the default floor {default_acu:g} ACU"
    if scenario.serverless_v2.performance_insights:
        pi = float(catalog.decimal_fact(SERVICE, PERFORMANCE_INSIGHTS_MIN_ACU))
        if pi > floor:
            floor = pi
        rule += f"; Performance Insights on: at least {pi:g} ACU"
    if math.isnan(floor):
        floor = default_acu
    return floor, rule
