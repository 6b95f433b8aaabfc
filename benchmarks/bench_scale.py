"""Scale: the full report on one big export of 5,000 / 100,000 / 1,000,000 statements.

``python -m benchmarks scale`` (all sizes) or ``python -m benchmarks.bench_scale --sizes 5000,100000``.
For each size a realistic pg_stat_statements CSV is generated into a temporary directory
(:mod:`benchmarks.data.pgss_export`: a fleet of databases of 5,000 entries each sharing a Zipf-popular
set of distinct normalised texts), then a **fresh subprocess** runs the pipeline the ``report``
command runs and times each stage:

=========== ==========================================================================================
ingest      ``load_workload`` (CSV → typed Workload)
classify    ``classify`` (pglast, one parse per distinct text)
price       ``compute_usage`` + DSQL (twice: without, then with retry factors) + Serverless v2 options
contention  the OCC model
readiness   dsql-lint + workload checks, weighted by cost
compare     the 10,000-point break-even sweep + the verdict
report      ``build_report`` (the report dict)
render      json + csv (8 files) + text
=========== ==========================================================================================

Peak memory is the child's ``ru_maxrss`` (it only ever runs one size). Printed next to the figures:
the raw parse floor (``json.loads(pglast.parser.parse_sql_json(t))`` over the same distinct texts)
and classify's share of it, the growth factors of time per statement against the smallest size
(≤ 1 means linear or better), and the targets: 1,000,000 statements under 60 s and 3 GiB, classify
at ≥ 25 % of the floor's throughput. :func:`main` returns the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZES: tuple[tuple[int, int], ...] = ((5_000, 5_000), (100_000, 20_000), (1_000_000, 50_000))
"""(statements, distinct normalised texts requested)."""
STAGES = ("ingest", "classify", "price", "contention", "readiness", "compare", "report", "render")
TARGET_1M_SECONDS = 60.0
TARGET_1M_PEAK_GIB = 3.0
TARGET_FLOOR_SHARE = 0.25
WINDOW = "7d"
CHILD_TIMEOUT_S = 3600


# --------------------------------------------------------------------------- child: one size


class _Clock:
    """Accumulates wall time per stage, also for functions called inside ``Analysis.run``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.peak_mib: dict[str, float] = {}

    def wrap(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started

        return timed

    def run(self, stage: str, func: Callable[[], Any]) -> Any:
        result = self.wrap(stage, func)()
        self.peak_mib[stage] = _peak_mib()
        return result


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _raw_floor(texts: list[str]) -> tuple[float, int]:
    """Seconds for ``json.loads(parse_sql_json(t))`` over ``texts``, and how many parsed."""
    from pglast import parser

    parsed = 0
    started = time.perf_counter()
    for text in texts:
        try:
            json.loads(parser.parse_sql_json(text))
            parsed += 1
        except parser.ParseError:
            pass
    return time.perf_counter() - started, parsed


def measure(path: Path) -> dict[str, Any]:
    """Run the report pipeline on ``path`` with per-stage clocks (call in a fresh process)."""
    import costmodel.analysis.run as analysis
    from costmodel.classify.frame import classify
    from costmodel.core.catalog import load_catalog
    from costmodel.ingest.load import load_workload
    from costmodel.report import render, write_csv
    from costmodel.report.model import build_report
    from costmodel.scenario.model import load_scenario

    clock = _Clock()
    baseline = _peak_mib()
    workload = clock.run("ingest", lambda: load_workload([path], window=WINDOW))
    classified = clock.run("classify", lambda: classify(workload))
    for name, stage in (
        ("compute_usage", "price"),
        ("estimate_dsql", "price"),
        ("serverless_v2_options", "price"),
        ("assess_contention", "contention"),
        ("assess_readiness", "readiness"),
        ("break_even", "compare"),
        ("decide", "compare"),
    ):
        setattr(analysis, name, clock.wrap(stage, getattr(analysis, name)))
    scenario = load_scenario("default")
    started = time.perf_counter()
    result = analysis.Analysis(classified, load_catalog()).run(scenario)
    run_seconds = time.perf_counter() - started
    inner = sum(clock.seconds[s] for s in ("price", "contention", "readiness", "compare"))
    clock.seconds["price"] += run_seconds - inner  # assumptions, curves, glue: counted with pricing
    clock.peak_mib["compare"] = _peak_mib()
    report = clock.run("report", lambda: build_report(result))
    with tempfile.TemporaryDirectory() as out:

        def render_all() -> int:
            size = len(render(report, "json")) + len(render(report, "text", width=120, color=False))
            return size + sum(p.stat().st_size for p in write_csv(report, Path(out)))

        rendered = clock.run("render", render_all)
    peak = _peak_mib()
    texts = classified.statements["query"].dropna().unique().tolist()
    floor_seconds, parsed = _raw_floor(texts)
    return {
        "statements": len(classified.statements),
        "rows_read": workload.rows_read,
        "distinct_texts": len(texts),
        "parsed_texts": parsed,
        "seconds": {k: round(v, 3) for k, v in clock.seconds.items()},
        "total_seconds": round(sum(clock.seconds.values()), 3),
        "peak_mib": round(peak, 1),
        "baseline_mib": round(baseline, 1),
        "peak_after_mib": {k: round(v, 1) for k, v in clock.peak_mib.items()},
        "floor_seconds": round(floor_seconds, 3),
        "rendered_bytes": rendered,
        "verdict": result.verdict.recommended,
    }


# --------------------------------------------------------------------------- parent: all sizes


def _child(path: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--child", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _ratio(value: float, base: float) -> float:
    return round(value / base, 2) if base > 0 else float("nan")


def _seconds(r: dict[str, Any], stage: str) -> float:
    return float(r["total_seconds"] if stage == "total" else r["seconds"][stage])


def _print(results: list[dict[str, Any]]) -> None:
    """The table: seconds and peak memory per stage, growth per row, the parse floor, the targets.

    Sizes are export rows (``rows_read``); statements kept are fewer by the nested rows left out.
    """
    head = f"{'export rows →':<22}" + "".join(f"{r['rows_read']:>14,}" for r in results)
    print("\nwall seconds per stage")
    print(head)
    for stage in (*STAGES, "total"):
        print(f"{stage:<22}" + "".join(f"{_seconds(r, stage):>14.2f}" for r in results))
    print(
        f"{'rows per second':<22}"
        + "".join(f"{r['rows_read'] / r['total_seconds']:>14,.0f}" for r in results)
    )
    analysis = ("ingest", "classify", "price", "contention", "readiness", "compare")
    print(
        f"{'without report+render':<22}"
        + "".join(f"{sum(r['seconds'][s] for s in analysis):>14.2f}" for r in results)
    )
    print("peak RSS MiB after each stage (the child's ru_maxrss; price…compare run inside Analysis.run)")
    for stage, label in (("ingest", "ingest"), ("classify", "classify"), ("compare", "price…compare"),
                         ("report", "report"), ("render", "render")):  # fmt: skip
        print(f"  {label:<20}" + "".join(f"{r['peak_after_mib'].get(stage, 0):>14,.0f}" for r in results))
    print(f"{'statements kept':<22}" + "".join(f"{r['statements']:>14,}" for r in results))
    print(f"{'distinct texts':<22}" + "".join(f"{r['distinct_texts']:>14,}" for r in results))
    print(f"{'export MB':<22}" + "".join(f"{r['export_mb']:>14,.1f}" for r in results))
    base = results[0]
    print(f"\ngrowth of time per row against {base['rows_read']:,} rows (≤ 1: linear or better)")
    print(head)
    for stage in (*STAGES, "total"):
        per = [_seconds(r, stage) / r["rows_read"] for r in results]
        print(f"{stage:<22}" + "".join(f"{_ratio(p, per[0]):>14.2f}" for p in per))
    print(
        "\nclassify against the raw pglast parse floor (parse_sql_json + json.loads over the distinct texts)"
    )
    for r in results:
        print(
            f"  {r['rows_read']:>9,} rows, {r['distinct_texts']:>6,} distinct: floor {r['floor_seconds']:.2f} s, "
            f"classify {r['seconds']['classify']:.2f} s → {r['floor_share']:.0%} of the floor's throughput "
            f"(target ≥ {TARGET_FLOOR_SHARE:.0%}); full report {r['total_over_floor']:.1f}× the floor"
        )
    big = max(results, key=lambda r: r["rows_read"])
    if big["rows_read"] >= 1_000_000:
        seconds_ok = big["total_seconds"] < TARGET_1M_SECONDS
        memory_ok = big["peak_mib"] / 1024 < TARGET_1M_PEAK_GIB
        print(
            f"\ntargets at {big['rows_read']:,} rows: full report {big['total_seconds']:.1f} s "
            f"(target < {TARGET_1M_SECONDS:.0f} s: {'met' if seconds_ok else 'MISSED'}), "
            f"peak {big['peak_mib'] / 1024:.2f} GiB (target < {TARGET_1M_PEAK_GIB:.0f} GiB: "
            f"{'met' if memory_ok else 'MISSED'})"
        )


def run(sizes: tuple[tuple[int, int], ...]) -> dict[str, Any]:
    """Generate, measure and print every size; returns the figures keyed by statement count."""
    from benchmarks.data.pgss_export import ExportSpec, write_export

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dsqlcost-scale-") as tmp:
        for statements, distinct in sizes:
            path = Path(tmp) / f"pgss_{statements}.csv"
            started = time.perf_counter()
            facts = write_export(ExportSpec(statements, distinct), path)
            print(
                f"{statements:,} statements: {distinct:,} distinct texts requested, "
                f"{facts['distinct_texts']:,.0f} present, {facts['databases']:,.0f} databases, "
                f"{facts['mb']:.1f} MB CSV (generated in {time.perf_counter() - started:.1f} s); measuring …",
                flush=True,
            )
            figures = _child(path)
            figures["export_mb"] = round(facts["mb"], 1)
            figures["distinct_requested"] = distinct
            figures["floor_share"] = round(figures["floor_seconds"] / figures["seconds"]["classify"], 3)
            figures["total_over_floor"] = round(figures["total_seconds"] / figures["floor_seconds"], 1)
            print(
                f"  total {figures['total_seconds']:.1f} s, peak {figures['peak_mib']:,.0f} MiB, "
                f"verdict {figures['verdict']}",
                flush=True,
            )
            path.unlink()
            results.append(figures)
    _print(results)
    base = results[0]
    out: dict[str, Any] = {str(r["rows_read"]): r for r in results}
    out["growth_per_row"] = {
        str(r["rows_read"]): {
            stage: _ratio(_seconds(r, stage) / r["rows_read"], _seconds(base, stage) / base["rows_read"])
            for stage in (*STAGES, "total")
        }
        for r in results[1:]
    }
    out["targets"] = {
        "1m_seconds": TARGET_1M_SECONDS,
        "1m_peak_gib": TARGET_1M_PEAK_GIB,
        "classify_floor_share": TARGET_FLOOR_SHARE,
    }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """All sizes by default (what ``python -m benchmarks scale`` runs)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scale")
    parser.add_argument("--sizes", help="statements[:distinct],… e.g. 5000,100000:20000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args([] if argv is None else argv)
    if args.child:
        figures = measure(Path(args.child))
        print(json.dumps(figures))
        return figures
    sizes = SIZES
    if args.sizes:
        sizes = tuple(
            (int(a), int(b or min(int(a), 50_000)))
            for a, _, b in (item.partition(":") for item in args.sizes.split(","))
        )
    return run(sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
