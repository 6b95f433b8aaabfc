"""Serverless v2: week simulation, estimate and re-pricing cost for a 5,000-statement usage.

The whole comparison, including a 10,000-point break-even sweep, must fit under 1 s, so the
per-option estimate has to be cheap to re-run at another load multiplier. This measures:

* ``simulate_capacity`` (one week at minute resolution, auto-pause on);
* ``estimate_serverless_v2`` (one option, line items and per-statement costs) and
  ``estimate_serverless_v2_options`` (Standard + I/O-Optimized + Global Database);
* ``serverless_v2_pricer`` (build once) and ``ScaledPricer.monthly_usd`` per scalar call and for
  a 10,000-point vector, on a profile with few distinct demand levels (business hours) and one
  with thousands (always-on with a diurnal swing).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.pricing.serverless_v2 import (
    estimate_serverless_v2,
    estimate_serverless_v2_options,
    serverless_v2_pricer,
)
from costmodel.pricing.serverless_v2_capacity import simulate_capacity
from costmodel.scenario.model import Scenario, load_scenario, scenario_assumptions

STATEMENTS = 5_000
SWEEP_POINTS = 10_000


@dataclass(frozen=True)
class _Usage:
    statements: pd.DataFrame
    storage_gb: float
    assumptions: AssumptionSet


def _usage(scenario: Scenario, seed: int = 7) -> _Usage:
    """A synthetic 5,000-statement usage: heavy-tailed calls, CPU and I/O like a real export."""
    rng = np.random.default_rng(seed)
    calls = rng.pareto(1.2, STATEMENTS) * 1e4
    frame = pd.DataFrame(
        {
            "stmt_id": [f"q{i}" for i in range(STATEMENTS)],
            "calls_month": calls,
            "exec_seconds_month": calls * rng.uniform(1e-4, 5e-3, STATEMENTS),
            "cpu_seconds_month": calls * rng.uniform(1e-4, 4e-3, STATEMENTS),
            "read_ios_month": calls * rng.uniform(0, 3, STATEMENTS),
            "write_ios_month": calls * rng.uniform(0, 1, STATEMENTS),
            "wal_bytes_month": calls * rng.uniform(0, 4000, STATEMENTS),
            "is_write": rng.uniform(size=STATEMENTS) < 0.3,
        }
    )
    return _Usage(frame, 250.0, scenario_assumptions(scenario))


def _time(fn: Callable[[], Any], repeat: int) -> float:
    """Median seconds per call over ``repeat`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> dict[str, Any]:
    catalog = load_catalog()
    results: dict[str, Any] = {"statements": STATEMENTS, "sweep_points": SWEEP_POINTS}
    scales = np.geomspace(0.01, 100.0, SWEEP_POINTS)
    cases = {
        "business-hours": load_scenario("business-hours"),
        "always-on-diurnal": load_scenario(
            "always-on",
            {"assumptions": {"profile_always_on_diurnal_amplitude": 0.5}, "serverless_v2": {"max_acu": 64}},
        ),
        "multi-region-us": load_scenario("multi-region-us"),
    }
    for label, scenario in cases.items():
        usage = _usage(scenario)
        glob = bool(scenario.regions.global_secondaries)
        sim = _time(lambda s=scenario, u=usage: simulate_capacity(u, s, catalog), 20)
        one = _time(lambda s=scenario, u=usage: estimate_serverless_v2(u, s, catalog, io_mode="standard"), 20)
        every = _time(lambda s=scenario, u=usage: estimate_serverless_v2_options(u, s, catalog), 5)
        build = _time(
            lambda s=scenario, u=usage, g=glob: serverless_v2_pricer(
                u, s, catalog, io_mode="standard", global_database=g
            ),
            20,
        )
        pricer = serverless_v2_pricer(usage, scenario, catalog, io_mode="standard", global_database=glob)
        scalar = _time(lambda p=pricer: p.monthly_usd(2.0), 2_000)
        sweep = _time(lambda p=pricer: p.monthly_usd(scales), 10)
        groups = pricer.shape.groups
        figures = {
            "simulate_ms": sim * 1e3,
            "estimate_one_option_ms": one * 1e3,
            "estimate_all_options_ms": every * 1e3,
            "pricer_build_ms": build * 1e3,
            "pricer_scalar_call_us": scalar * 1e6,
            "sweep_10k_ms": sweep * 1e3,
            "sweep_per_point_us": sweep / SWEEP_POINTS * 1e6,
            "distinct_demand_levels": int(sum(g.values.size for g in groups)),
            "monthly_usd_at_1x": float(pricer.monthly_usd(1.0)[0]),
        }
        results[label] = figures
        f = figures
        print(
            f"{label:>18}: simulate {f['simulate_ms']:.1f} ms · one option "
            f"{f['estimate_one_option_ms']:.1f} ms · all options {f['estimate_all_options_ms']:.1f} ms"
            f" · pricer build {f['pricer_build_ms']:.1f} ms"
        )
        print(
            f"{'':>18}  re-price: {f['pricer_scalar_call_us']:.0f} µs per scalar call · "
            f"{SWEEP_POINTS:,}-point sweep {f['sweep_10k_ms']:.1f} ms "
            f"({f['sweep_per_point_us']:.2f} µs/point, {f['distinct_demand_levels']} distinct demand levels)"
        )
    worst = max(results[k]["sweep_10k_ms"] + results[k]["pricer_build_ms"] for k in cases)
    print(f"target: whole comparison incl. the sweep < 1000 ms; Serverless v2 build + sweep ≤ {worst:.1f} ms")
    results["worst_build_plus_sweep_ms"] = worst
    return results


if __name__ == "__main__":
    main()
