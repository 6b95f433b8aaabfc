"""Fleet benchmark: ``dsqlcost report DIR`` over many exports (issue target: 1,000,000 statements
from 200 files, full report under 60 s and under 3 GiB peak memory on a 2-core machine).

``python -m benchmarks fleet`` (or ``python -m benchmarks.bench_fleet [FILES] [ROWS]``) writes
FILES pg_stat_statements exports of ROWS statements each into a temporary directory — every file a
cluster, drawing its texts from one shared corpus so that, as in a real SaaS fleet, most texts
repeat across clusters — then runs the real command line in a fresh process and prints wall time, peak memory (the sum of
PSS over the process and its workers, see :mod:`benchmarks.memwatch`), statements per second and the ratio to the targets.
A smaller size runs first to show how time grows with the fleet.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_dashboard import synthetic_rows
from benchmarks.memwatch import MemoryRun, run_measured

TARGET_SECONDS = 60.0
TARGET_GIB = 3.0
SEED = 20261127
SIZES: tuple[tuple[int, int], ...] = ((20, 5_000), (200, 5_000))
"""(files, statements per file): 100,000 then 1,000,000 statements."""
DISTINCT = 50_000
"""Distinct statement texts across the fleet (each file draws its statements from them)."""


def write_fleet(folder: Path, files: int, rows_per_file: int, distinct: int = DISTINCT) -> int:
    """Write ``files`` exports with a one-hour window each; return the total number of rows."""
    corpus = synthetic_rows(min(distinct, files * rows_per_file), SEED)
    rng = random.Random(SEED)
    fields = list(corpus[0])
    total = 0
    for n in range(files):
        picked = rng.sample(corpus, rows_per_file)
        path = folder / f"cluster{n:03d}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for row in picked:
                writer.writerow({**row, "calls": max(1, int(row["calls"] * rng.uniform(0.2, 3.0)))})
        (folder / f"cluster{n:03d}.csv.meta.yaml").write_text("window: 1h\n", encoding="utf-8")
        total += rows_per_file
    return total


def run_report(folder: Path, out: Path) -> MemoryRun:
    """Run ``dsqlcost report FOLDER --format json`` in a child process, watching its memory (with a
    fresh dsql-lint cache next to ``out``: a cold run, never the user's cache)."""
    run = run_measured(
        [sys.executable, "-m", "costmodel", "report", str(folder), "--format", "json", "--out", str(out)],
        env={
            **os.environ,
            "DSQLCOST_CACHE_DIR": str(out.with_suffix(".lint-cache")),
            "DSQLCOST_LINT_CACHE": "1",
        },
    )
    if run.returncode != 0:
        raise RuntimeError(f"report failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
    return run


def main(sizes: tuple[tuple[int, int], ...] = SIZES) -> dict[str, Any]:
    """Run every size; print and return the figures."""
    results: dict[str, Any] = {}
    base_rate = None
    for files, rows in sizes:
        with tempfile.TemporaryDirectory(prefix="dsqlcost-fleet-") as tmp:
            folder = Path(tmp) / "exports"
            folder.mkdir()
            t0 = time.perf_counter()
            total = write_fleet(folder, files, rows)
            gen = time.perf_counter() - t0
            run = run_report(folder, Path(tmp) / "report.json")
        seconds = run.seconds
        peak_gib = run.tree_pss_gib if run.tree_pss_gib is not None else run.max_rss_gib
        rate = total / seconds
        base_rate = base_rate or rate
        key = f"{files}x{rows}"
        results[key] = {
            "files": files,
            "statements": total,
            "distinct_texts": min(DISTINCT, total),
            "generate_s": round(gen, 1),
            "report_s": round(seconds, 1),
            "statements_per_s": round(rate),
            "peak_tree_pss_gib": round(peak_gib, 2),
            "peak_single_process_rss_gib": round(run.max_rss_gib, 2),
            "time_per_statement_vs_first": round(base_rate / rate, 2),
        }
        print(
            f"{files:4d} files x {rows:,} = {total:>9,} statements: report {seconds:6.1f} s "
            f"({rate:,.0f} statements/s; per-statement cost x{base_rate / rate:.2f} vs the first size); "
            f"peak memory {peak_gib:.2f} GiB (all processes, PSS; largest single process {run.max_rss_gib:.2f} GiB RSS)"
        )
    last = results[f"{sizes[-1][0]}x{sizes[-1][1]}"]
    print(
        f"target: {TARGET_SECONDS:.0f} s and {TARGET_GIB:.0f} GiB for 1,000,000 statements from 200 files; "
        f"measured {last['report_s']} s ({last['report_s'] / TARGET_SECONDS:.2f}x the target) and "
        f"{last['peak_tree_pss_gib']} GiB ({last['peak_tree_pss_gib'] / TARGET_GIB:.2f}x)"
    )
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3:
        main(((int(sys.argv[1]), int(sys.argv[2])),))
    else:
        main()
