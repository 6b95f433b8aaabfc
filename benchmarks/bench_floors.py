"""Scale figures against their floors, in one run (``make bench``; issue 19's targets).

``python -m benchmarks floors`` (or ``python -m benchmarks.bench_floors [--files N --rows N]
[--only PARTS]``; ``--only fleet100k`` times the 100k-row fleet alone) measures and prints, each
next to the figure it is judged against:

=====================  ====================================================  =========================
figure                 floor it is compared with                            target
=====================  ====================================================  =========================
classification rate    pglast's raw parse (``parse_sql_json`` + json.loads)  ≥ 50 % of the floor's rate
                       of the same texts (:mod:`benchmarks.bench_classify`)
one 1M-row export      the same rows as a 200-export fleet (wall time, peak  ≤ 1.3× the fleet's time,
                       memory = summed PSS of the process tree)              < 2 GiB peak
100k-row fleet         parsing each of its rows once on one core             ≤ 1.0× the raw parse
(re-run, warm cache)   the same, the fleet run again with every text's        (printed, no target)
                       dsql-lint diagnostics in the lint cache
Dask LocalCluster      local processes (``--jobs``) on the same 100k fleet   (printed, no target)
dashboard p95          5k statements vs 150k statements (server time per     < 1 s at 150k; < 500 MB
                       control change, memory held after the session)        held after the session
=====================  ====================================================  =========================

The fleet is :func:`benchmarks.bench_fleet.write_fleet`'s (every file a cluster drawing from one
corpus); the single export is those same rows in one file, each file's rows under its own
``dbid`` (so no key repeats). Commands run in fresh processes through the real CLI, watched by
:mod:`benchmarks.memwatch`; the dashboard sizes each run in a fresh process too, so memory held
after one session is not the previous benchmark's. Every report runs with a fresh dsql-lint cache
(:mod:`costmodel.readiness.lintcache`), so its figure is a first run, except the 100k fleet's
re-run, which finds the cache its first run filled. The machine's load (``os.getloadavg``) is
printed with the figures: on a shared machine they move with it. :func:`main` returns the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_fleet import write_fleet
from benchmarks.memwatch import MemoryRun, run_measured

CLASSIFY_SHARE_TARGET = 0.5
SINGLE_OVER_FLEET_TARGET = 1.3
SINGLE_PEAK_TARGET_GIB = 2.0
FLEET_OVER_PARSE_TARGET = 1.0
DASHBOARD_P95_TARGET_MS = 1000.0
DASHBOARD_HELD_TARGET_MIB = 500
DASK_FILES = 20
"""Clusters of the Dask-vs-local and fleet-vs-raw-parse comparisons (20 × 5,000 = 100,000 rows)."""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _report(args: list[str], out: Path, lint_cache: Path | None = None) -> MemoryRun:
    """The real CLI in a child process. Its dsql-lint cache is ``lint_cache``, by default a fresh
    directory next to ``out``: every figure is a cold run (never the user's cache) unless a caller
    passes a cache an earlier run filled (the warm 100k fleet)."""
    cache = lint_cache if lint_cache is not None else out.with_suffix(".lint-cache")
    run = run_measured(
        [sys.executable, "-m", "costmodel", "report", *args, "--format", "json", "--out", str(out)],
        env={**os.environ, "DSQLCOST_CACHE_DIR": str(cache), "DSQLCOST_LINT_CACHE": "1"},
    )
    if run.returncode != 0:
        raise RuntimeError(f"report {' '.join(args)} failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
    return run


def _peak(run: MemoryRun) -> float:
    return round(run.tree_pss_gib if run.tree_pss_gib is not None else run.max_rss_gib, 2)


def _single_file(folder: Path, files: int, out: Path) -> int:
    """The fleet's rows in one CSV, each file's rows under its own dbid; returns the row count."""
    rows = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for n in range(files):
            with (folder / f"cluster{n:03d}.csv").open(newline="", encoding="utf-8") as source:
                for row in csv.DictReader(source):
                    if writer is None:
                        writer = csv.DictWriter(handle, fieldnames=list(row), lineterminator="\n")
                        writer.writeheader()
                    row["dbid"] = str(16384 + n)
                    writer.writerow(row)
                    rows += 1
    return rows


def _raw_parse_seconds(folder: Path, files: int) -> tuple[float, int]:
    """CPU seconds to parse every row's text once (``json.loads(parse_sql_json)``) on one core."""
    from pglast import parser

    texts: list[str] = []
    for n in range(files):
        with (folder / f"cluster{n:03d}.csv").open(newline="", encoding="utf-8") as source:
            texts += [row["query"] for row in csv.DictReader(source)]
    started = time.process_time()
    for text in texts:
        with contextlib.suppress(parser.ParseError):
            json.loads(parser.parse_sql_json(text))
    return time.process_time() - started, len(texts)


def classification() -> dict[str, Any]:
    """Classification rate against the raw parse floor."""
    from benchmarks import bench_classify

    figures = bench_classify.main()
    share = figures["classify_per_s"] / figures["raw_parse_per_s"]
    return {**figures, "share_of_floor": round(share, 3)}


def fleets(files: int, rows: int) -> dict[str, Any]:
    """One big export vs the same rows as a fleet; the 100k fleet vs raw parse and on Dask."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dsqlcost-floors-") as tmp:
        root = Path(tmp)
        folder = root / "fleet"
        folder.mkdir()
        total = write_fleet(folder, files, rows)
        single = root / "single.csv"
        _single_file(folder, files, single)
        small = root / "fleet100k"
        small.mkdir()
        for n in range(min(DASK_FILES, files)):
            for suffix in (".csv", ".csv.meta.yaml"):
                (small / f"cluster{n:03d}{suffix}").symlink_to(folder / f"cluster{n:03d}{suffix}")
        print(f"{total:,} statements as {files} exports and as one file; {_load()}", flush=True)
        fleet = _report([str(folder)], root / "fleet.json")
        print(f"fleet of {files}:        {fleet.seconds:7.1f} s ({fleet.cpu_seconds:.1f} s CPU), "
              f"peak {_peak(fleet):.2f} GiB", flush=True)  # fmt: skip
        one = _report([str(single), "--window", "1h"], root / "single.json")
        print(f"one file of {total:,}: {one.seconds:7.1f} s ({one.cpu_seconds:.1f} s CPU), "
              f"peak {_peak(one):.2f} GiB", flush=True)  # fmt: skip
        out["single_vs_fleet"] = {
            "statements": total,
            "fleet_s": round(fleet.seconds, 1),
            "fleet_cpu_s": round(fleet.cpu_seconds, 1),
            "fleet_peak_gib": _peak(fleet),
            "single_s": round(one.seconds, 1),
            "single_cpu_s": round(one.cpu_seconds, 1),
            "single_peak_gib": _peak(one),
            "time_ratio": round(one.seconds / fleet.seconds, 2),
            "cpu_ratio": round(one.cpu_seconds / fleet.cpu_seconds, 2),
        }
        out["fleet_100k"] = _fleet_100k(folder, small, root, min(DASK_FILES, files))
    return out


def fleet_100k(rows: int = 5_000, *, dask: bool = True) -> dict[str, Any]:
    """Only the 100k-row fleet (``--only fleet100k``): vs the raw parse of its rows, and on Dask."""
    with tempfile.TemporaryDirectory(prefix="dsqlcost-floors-") as tmp:
        root = Path(tmp)
        folder = root / "fleet"
        folder.mkdir()
        write_fleet(folder, DASK_FILES, rows)
        print(f"{DASK_FILES * rows:,} statements as {DASK_FILES} exports; {_load()}", flush=True)
        return {"fleet_100k": _fleet_100k(folder, folder, root, DASK_FILES, dask=dask)}


def _fleet_100k(folder: Path, small: Path, root: Path, files: int, *, dask: bool = True) -> dict[str, Any]:
    """The fleet in ``small`` (``files`` exports) through the real CLI with local processes (and on a
    Dask LocalCluster), against one core parsing every row of it once."""
    parse_s, parsed = _raw_parse_seconds(folder, files)
    local = _report([str(small), "--jobs", "2"], root / "local.json", root / "lint-cache")
    warm = _report([str(small), "--jobs", "2"], root / "warm.json", root / "lint-cache")  # texts all cached
    out: dict[str, Any] = {
        "statements": parsed,
        "raw_parse_one_core_s": round(parse_s, 1),
        "local_s": round(local.seconds, 1),
        "local_cpu_s": round(local.cpu_seconds, 1),
        "local_cpu_over_raw_parse": round(local.cpu_seconds / parse_s, 2),
        "local_peak_gib": _peak(local),
        "local_over_raw_parse": round(local.seconds / parse_s, 2),
        "warm_lint_cache_s": round(warm.seconds, 1),
        "warm_lint_cache_cpu_s": round(warm.cpu_seconds, 1),
        "warm_over_raw_parse": round(warm.seconds / parse_s, 2),
        "warm_cpu_over_raw_parse": round(warm.cpu_seconds / parse_s, 2),
        "lint_cache_mib": round(sum(f.stat().st_size for f in (root / "lint-cache").iterdir()) / 2**20, 1),
    }
    print(f"100k fleet: local {local.seconds:.1f} s ({local.cpu_seconds:.1f} s CPU); raw parse of its rows "
          f"{parse_s:.1f} s; {_load()}", flush=True)  # fmt: skip
    print(f"100k fleet again, dsql-lint cache warm: {warm.seconds:.1f} s ({warm.cpu_seconds:.1f} s CPU); cache "
          f"{out['lint_cache_mib']} MiB", flush=True)  # fmt: skip
    if not dask:
        return out
    on_dask = _report([str(small), "--jobs", "2", "--executor", "dask"], root / "dask.json")
    same = _without_time(root / "local.json") == _without_time(root / "dask.json")
    out.update(
        {
            "dask_local_cluster_s": round(on_dask.seconds, 1),
            "dask_peak_gib": _peak(on_dask),
            "dask_over_local": round(on_dask.seconds / local.seconds, 2),
            "dask_report_equals_local": same,
        }
    )
    print(
        f"100k fleet on a Dask LocalCluster: {on_dask.seconds:.1f} s (report equals local: {same})",
        flush=True,
    )
    return out


def _without_time(path: Path) -> Any:
    report = json.loads(path.read_text(encoding="utf-8"))
    report.pop("generated_at", None)
    return report


def dashboard(statements: int, repeats: int) -> dict[str, Any]:
    """bench_dashboard at one size, in a fresh process (its memory figures are its own)."""
    with tempfile.TemporaryDirectory(prefix="dsqlcost-dash-") as tmp:
        out = Path(tmp) / "figures.json"
        code = (
            "import json, sys; from benchmarks.bench_dashboard import main; "
            f"json.dump(main({statements}, {repeats}), open(sys.argv[1], 'w'))"
        )
        cold = {**os.environ, "DSQLCOST_CACHE_DIR": str(Path(tmp) / "lint-cache"), "DSQLCOST_LINT_CACHE": "1"}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=cold)
        return dict(json.loads(out.read_text(encoding="utf-8")))


def _summary(figures: dict[str, Any]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    c = figures.get("classification")
    if c:
        rows.append(("classification", f"{c['classify_per_s']:,}/s", f"raw parse {c['raw_parse_per_s']:,}/s",
                     f"{c['share_of_floor']:.0%} (target ≥ {CLASSIFY_SHARE_TARGET:.0%})"))  # fmt: skip
    s = figures.get("single_vs_fleet")
    if s:
        rows.append((f"1 file of {s['statements']:,}", f"{s['single_s']} s, {s['single_peak_gib']} GiB",
                     f"fleet {s['fleet_s']} s, {s['fleet_peak_gib']} GiB",
                     f"{s['time_ratio']}× (target ≤ {SINGLE_OVER_FLEET_TARGET}×, < {SINGLE_PEAK_TARGET_GIB:g} GiB)"))  # fmt: skip
        rows.append(("  CPU (user+sys)", f"{s['single_cpu_s']} s", f"fleet {s['fleet_cpu_s']} s", f"{s['cpu_ratio']}×"))  # fmt: skip
    f = figures.get("fleet_100k")
    if f:
        rows.append((f"fleet of {f['statements']:,}", f"{f['local_s']} s", f"raw parse {f['raw_parse_one_core_s']} s",
                     f"{f['local_over_raw_parse']}× (target ≤ {FLEET_OVER_PARSE_TARGET}×)"))  # fmt: skip
        rows.append(("  CPU (user+sys)", f"{f['local_cpu_s']} s", f"raw parse {f['raw_parse_one_core_s']} s CPU",
                     f"{f['local_cpu_over_raw_parse']}×"))  # fmt: skip
        if "warm_lint_cache_s" in f:
            rows.append(("  re-run, lint cache warm", f"{f['warm_lint_cache_s']} s ({f['warm_lint_cache_cpu_s']} s CPU)",
                         f"raw parse {f['raw_parse_one_core_s']} s",
                         f"{f['warm_over_raw_parse']}× ({f['warm_cpu_over_raw_parse']}× CPU)"))  # fmt: skip
        if "dask_local_cluster_s" in f:
            rows.append(("Dask LocalCluster", f"{f['dask_local_cluster_s']} s", f"local {f['local_s']} s",
                         f"{f['dask_over_local']}× (same report: {f['dask_report_equals_local']})"))  # fmt: skip
    for key in ("dashboard_5k", "dashboard_150k"):
        d = figures.get(key)
        if d:
            pages = d.get("pages") or {}
            worst = max(
                pages.items(), key=lambda kv: kv[1]["p95_ms"], default=("—", {"p95_ms": float("nan")})
            )
            cpu = d["all"].get("cpu", {}).get("p95_ms", float("nan"))
            rows.append((f"dashboard {d['statements']:,}", f"what-if p95 {d['all']['p95_ms']:,.0f} ms (CPU {cpu:,.0f})",
                         f"worst page {worst[0]} p95 {worst[1]['p95_ms']:,.0f} ms; held {d.get('held_after_session_mib', '?')} MiB",
                         f"target p95 < {DASHBOARD_P95_TARGET_MS:,.0f} ms at 150k, < {DASHBOARD_HELD_TARGET_MIB} MiB held"))  # fmt: skip
    print(f"\nfigures against their floors ({_load()}):")
    for row in rows:
        print(f"  {row[0]:<22} {row[1]:<24} vs {row[2]:<28} {row[3]}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every part (or those named with --only); print the summary and return the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_floors")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--dashboard", default="5000,150000", help="statement counts, comma-separated")
    parser.add_argument(
        "--only",
        default="classify,fleets,dashboard",
        help="parts, comma-separated: classify, fleets (1M file vs fleet, then the 100k fleet), dashboard; "
        "fleet100k runs only the 100k fleet (with Dask; fleet100k-local without)",
    )
    args = parser.parse_args([] if argv is None else argv)
    parts = set(args.only.split(","))
    figures: dict[str, Any] = {"load_before": _load()}
    if "classify" in parts:
        figures["classification"] = classification()
    if "fleets" in parts:
        figures.update(fleets(args.files, args.rows))
    elif parts & {"fleet100k", "fleet100k-local"}:
        figures.update(fleet_100k(args.rows, dask="fleet100k" in parts))
    if "dashboard" in parts:
        for size in (int(s) for s in args.dashboard.split(",") if s):
            key = f"dashboard_{size // 1000}k"
            figures[key] = dashboard(size, 5 if size <= 10_000 else 2)
    figures["load_after"] = _load()
    _summary(figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
