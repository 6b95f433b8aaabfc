"""Usage + Aurora DSQL pricing of a synthetic classified 5,000-statement workload, 3-region set.

Target: pricing (``estimate_dsql``) of 5,000 statements under 50 ms, single- and multi-region
(us-east-1 + us-east-2, witness us-west-2). ``compute_usage`` is timed apart and together with it.
Figures are the median of several runs after one warm-up (catalog and assumption files cached).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.workload import COUNTER_COLUMNS, CatalogFacts, TableFacts, Window, Workload
from costmodel.pricing.dsql import estimate_dsql
from costmodel.scenario.model import RegionSet, Scenario
from costmodel.usage.compute import compute_usage

STATEMENTS = 5_000
TARGET_MS = 50.0
RUNS = 15


def synthetic_workload(n: int = STATEMENTS, seed: int = 7) -> Workload:
    """``n`` classified statements over 40 tables: reads, DML, transaction control, unclassifiable rows."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(
        ["select", "insert", "update", "delete", "transaction", "unknown"],
        size=n,
        p=[0.6, 0.15, 0.12, 0.05, 0.04, 0.04],
    )
    tables = [f"t{i}" for i in range(40)]
    calls = rng.integers(1, 2_000, size=n).astype(float)
    rows_per = np.where(kinds == "select", rng.integers(0, 200, size=n), rng.integers(0, 3, size=n)).astype(
        float
    )
    frame = pd.DataFrame({c: np.full(n, np.nan) for c in COUNTER_COLUMNS})
    frame["calls"] = calls
    frame["total_exec_time"] = calls * rng.gamma(2.0, 0.5, size=n)
    frame["rows"] = calls * rows_per
    frame["shared_blks_hit"] = calls * rng.integers(3, 400, size=n)
    frame["shared_blks_read"] = calls * rng.integers(0, 5, size=n)
    frame["shared_blks_dirtied"] = np.where(kinds == "select", 0.0, calls)
    frame["wal_bytes"] = np.where(kinds == "select", 0.0, calls * rng.integers(100, 5000, size=n))
    frame["shared_blk_read_time"] = frame["shared_blks_read"] * 0.05
    frame["query"] = [f"-- statement {i}" for i in range(n)]
    frame["stmt_id"] = [f"q{i}" for i in range(n)]
    frame["parse_status"] = np.where(kinds == "unknown", "no_text", "ok")
    frame["kind"] = kinds
    frame["is_write"] = np.isin(kinds, ["insert", "update", "delete"])
    picks = rng.integers(0, len(tables), size=(n, 2))
    frame["tables_read"] = [(tables[a],) if k == "select" else () for (a, _b), k in zip(picks, kinds)]
    frame["tables_written"] = [
        (tables[b],) if k in ("insert", "update", "delete") else () for (_a, b), k in zip(picks, kinds)
    ]
    frame["join_count"] = 0
    frame["values_rows"] = np.where(kinds == "insert", 1, 0)
    frame["transaction_control"] = [
        ("begin" if i % 2 else "commit") if k == "transaction" else None for i, k in enumerate(kinds)
    ]
    facts = {
        f"public.{t}": TableFacts(
            "public",
            t,
            row_estimate=1e6,
            avg_row_width=float(rng.integers(40, 400)),
            secondary_index_count=int(rng.integers(0, 4)),
            primary_key=("id",),
            column_avg_width={"id": 8.0},
        )
        for t in tables
    }
    return Workload(
        statements=frame,
        window=Window(3600.0, "argument", "synthetic"),
        sources=("synthetic",),
        generation="1.10 (PostgreSQL 15-16)",
        catalog=CatalogFacts(facts, database_size_bytes=50 * 1024**3, source="synthetic"),
        info={"settings": {"track_io_timing": "on"}},
    )


def _timed_ms(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    """(median, best) of ``runs`` timings after one warm-up; best is the figure least disturbed by load."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times)


def main() -> dict[str, Any]:
    """Time usage and DSQL pricing; print the figures next to the 50 ms target."""
    workload = synthetic_workload()
    catalog = load_catalog()
    single = Scenario()
    multi = Scenario(regions=RegionSet("us-east-1", ("us-east-2",), "us-west-2"))
    usage = compute_usage(workload, multi, AssumptionSet())
    timings = {
        "usage": lambda: compute_usage(workload, multi, AssumptionSet()),
        "price_single": lambda: estimate_dsql(usage, single, catalog, multi_region=False),
        "price_multi": lambda: estimate_dsql(usage, multi, catalog, multi_region=True),
        "usage_plus_price_multi": lambda: estimate_dsql(
            compute_usage(workload, multi, AssumptionSet()), multi, catalog, multi_region=True
        ),
    }
    figures: dict[str, Any] = {"statements": STATEMENTS, "target_ms": TARGET_MS}
    print(f"{STATEMENTS:,} classified statements, regions us-east-1 + us-east-2 (witness us-west-2)")
    print(f"  {'step':<24} {'median':>9} {'best':>9}   best / {TARGET_MS:g} ms target")
    for key, fn in timings.items():
        median, best = _timed_ms(fn)
        figures[f"{key}_ms"] = median
        figures[f"{key}_best_ms"] = best
        print(f"  {key:<24} {median:7.2f}ms {best:7.2f}ms   {best / TARGET_MS:5.2f}")
    est = estimate_dsql(usage, multi, catalog, multi_region=True)
    figures["multi_region_monthly_usd"] = float(est.total_monthly_usd)
    print(
        f"  multi-region estimate of the synthetic workload: ${figures['multi_region_monthly_usd']:,.2f}/month"
    )
    return figures


if __name__ == "__main__":
    main()
