"""Rendering a large report: JSON and the CSV set for 5,000 / 100,000 statement records.

``python -m benchmarks render`` (or ``python -m benchmarks.bench_render --sizes 5000,100000``). For
each size a realistic pg_stat_statements export is generated (:mod:`benchmarks.data.pgss_export`,
as the scale benchmark does: databases of 5,000 entries sharing a Zipf-popular set of texts), the
real pipeline runs once (ingest, classify, price, ``build_report``; not timed here), and then only
the renderers are timed, best of :data:`REPEATS` runs each:

* ``json``: :func:`costmodel.report.render_json` (what ``--format json`` prints);
* ``json_compact``: ``render_json(report, indent=None)`` (what :func:`canonical_report` parses);
* ``csv``: :func:`costmodel.report.write_csv` into a temporary directory (all ten files, BOM, CRLF).

Why a separate benchmark: in a 1,000,000-row export rendering took most of the report's time, and
the pipeline stages hide how the renderers scale. Printed next to the figures: seconds per 1,000
statements, the growth of time per statement against the smallest size (≤ 1 means linear or
better), and the targets for 100,000 statements on a 2-core machine (JSON ≤ :data:`TARGET_JSON_S`,
CSV ≤ :data:`TARGET_CSV_S`). :func:`main` returns the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZES: tuple[tuple[int, int], ...] = ((5_000, 5_000), (100_000, 20_000))
"""(statements, distinct normalised texts requested), as in :mod:`benchmarks.bench_scale`."""
FORMATS = ("json", "json_compact", "csv")
TARGET_JSON_S = 1.5
TARGET_CSV_S = 3.0
TARGET_SIZE = 100_000
REPEATS = 3
WINDOW = "7d"


def build(statements: int, distinct: int, folder: Path) -> dict[str, Any]:
    """The report dict of a synthetic export with ``statements`` rows (the ``report`` command's pipeline)."""
    from benchmarks.data.pgss_export import ExportSpec, write_export
    from costmodel.analysis.run import Analysis
    from costmodel.classify.frame import classify
    from costmodel.core.catalog import load_catalog
    from costmodel.ingest.load import load_workload
    from costmodel.report.model import build_report
    from costmodel.scenario.model import load_scenario

    path = folder / f"pgss_{statements}.csv"
    write_export(ExportSpec(statements, distinct), path)
    classified = classify(load_workload([path], window=WINDOW))
    result = Analysis(classified, load_catalog()).run(load_scenario("default"))
    path.unlink()
    return build_report(result)


def best_seconds(func: Callable[[], object], repeats: int = REPEATS) -> tuple[float, object]:
    """The fastest of ``repeats`` wall-clock runs (the others absorb a noisy neighbour), and a result."""
    best = float("inf")
    out: object = None
    for _ in range(repeats):
        started = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - started)
    return best, out


def measure(report: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Seconds per format for one report, and the size of what each wrote."""
    from costmodel.report import render_json, write_csv

    out_dir = folder / "csv"
    renderers: dict[str, Callable[[], object]] = {
        "json": lambda: render_json(report),
        "json_compact": lambda: render_json(report, indent=None),
        "csv": lambda: sum(p.stat().st_size for p in write_csv(report, out_dir)),
    }
    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for name in FORMATS:
        taken, out = best_seconds(renderers[name])
        seconds[name] = round(taken, 3)
        sizes[name] = len(out) if isinstance(out, str) else int(out)  # type: ignore[call-overload]
    return {"statements": len(report.get("statements") or []), "seconds": seconds, "bytes": sizes}


def _ratio(value: float, base: float) -> float:
    return round(value / base, 2) if base > 0 else float("nan")


def _print(results: list[dict[str, Any]]) -> None:
    head = f"{'statement records →':<22}" + "".join(f"{r['statements']:>14,}" for r in results)
    print(f"\nrender seconds (best of {REPEATS})")
    print(head)
    for name in FORMATS:
        print(f"{name:<22}" + "".join(f"{r['seconds'][name]:>14.3f}" for r in results))
    print("ms per 1,000 statements")
    for name in FORMATS:
        print(
            f"{name:<22}"
            + "".join(f"{1e6 * r['seconds'][name] / max(1, r['statements']):>14.2f}" for r in results)
        )
    print("MB written")
    for name in FORMATS:
        print(f"{name:<22}" + "".join(f"{r['bytes'][name] / 1e6:>14.1f}" for r in results))
    base = results[0]
    print(f"growth of time per statement against {base['statements']:,} (≤ 1: linear or better)")
    for name in FORMATS:
        per = [r["seconds"][name] / max(1, r["statements"]) for r in results]
        print(f"{name:<22}" + "".join(f"{_ratio(p, per[0]):>14.2f}" for p in per))
    big = [r for r in results if r["statements"] >= TARGET_SIZE]
    for r in big:
        for name, target in (("json", TARGET_JSON_S), ("csv", TARGET_CSV_S)):
            taken = r["seconds"][name] * TARGET_SIZE / r["statements"]
            verdict = "met" if taken <= target else "MISSED"
            print(f"target {name} at {TARGET_SIZE:,} statements: {taken:.2f} s (≤ {target:.1f} s: {verdict})")


def run(sizes: tuple[tuple[int, int], ...]) -> dict[str, Any]:
    """Build, render and print every size; returns the figures keyed by statement count."""
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dsqlcost-render-") as tmp:
        folder = Path(tmp)
        for statements, distinct in sizes:
            started = time.perf_counter()
            report = build(statements, distinct, folder)
            print(
                f"{statements:,} statements: report built in {time.perf_counter() - started:.1f} s "
                f"({len(report['statements']):,} statement records); rendering …",
                flush=True,
            )
            figures = measure(report, folder)
            print("  " + ", ".join(f"{k} {v:.3f} s" for k, v in figures["seconds"].items()), flush=True)
            results.append(figures)
            del report
    _print(results)
    out: dict[str, Any] = {str(r["statements"]): r for r in results}
    base = results[0]
    out["growth_per_statement"] = {
        str(r["statements"]): {
            name: _ratio(
                r["seconds"][name] / max(1, r["statements"]),
                base["seconds"][name] / max(1, base["statements"]),
            )
            for name in FORMATS
        }
        for r in results[1:]
    }
    out["targets"] = {"size": TARGET_SIZE, "json_s": TARGET_JSON_S, "csv_s": TARGET_CSV_S}
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Both sizes by default (what ``python -m benchmarks render`` runs)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_render")
    parser.add_argument("--sizes", help="statements[:distinct],… e.g. 5000,100000:20000")
    args = parser.parse_args([] if argv is None else argv)
    sizes = SIZES
    if args.sizes:
        sizes = tuple(
            (int(a), int(b or min(int(a), 20_000)))
            for a, _, b in (item.partition(":") for item in args.sizes.split(","))
        )
    return run(sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
