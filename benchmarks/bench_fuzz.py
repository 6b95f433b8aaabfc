"""The long fuzz run: 100,000 mutated exports through ``load_workload`` (and some through the CLI).

``python -m benchmarks fuzz`` (defaults) or ``python -m benchmarks.bench_fuzz --inputs N --start S
--jobs J``. Input ``k`` is made from seed ``S + k`` by :func:`benchmarks.data.fuzz_mutations.make_case`
(all families: preserving, structure, bytes, garbage), so any failure is reproduced alone with
``python -m benchmarks.bench_fuzz --seed N`` (add ``--family F`` when the run was restricted to one),
which prints the case, its bytes and every broken property. Every :data:`CLI_EVERY`-th input also
goes through ``dsqlcost ingest`` (exit code, one-line stderr, no traceback).

Seeds are split over ``--jobs`` worker processes (default: the CPU count). Prints inputs per second,
outcomes per family, and every failure; :func:`main` returns the figures. Properties are those of
``tests/fuzz/test_fuzz_ingest.py`` (which runs 10,000 of these in CI).
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.data.fuzz_checks import run_case, run_cli_case
from benchmarks.data.fuzz_mutations import FAMILIES, RandomChooser, make_case

INPUTS = 100_000
START = 1_000_000
"""Default first seed: above the CI tests' seeds, so the long run explores other inputs."""
CLI_EVERY = 20
CHUNK = 500
MAX_SHOWN = 20


def _workdir() -> Path:
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="dsqlcost-fuzz-", dir=base))


def _run_chunk(job: tuple[int, int, tuple[str, ...]]) -> dict[str, Any]:
    """Run seeds ``[start, stop)``; returns counters and failures (seed, family, description, problems)."""
    start, stop, families = job
    directory = _workdir()
    counts: collections.Counter[str] = collections.Counter()
    failures: list[dict[str, Any]] = []
    try:
        for seed in range(start, stop):
            case = make_case(RandomChooser(seed), families)
            outcome = run_case(case, directory)
            counts[f"{case.family}/{outcome.result}"] += 1
            problems = list(outcome.problems)
            if seed % CLI_EVERY == 0:
                cli = run_cli_case(case, directory)
                counts[f"cli/{cli.result}"] += 1
                problems += [f"CLI: {p}" for p in cli.problems]
            if problems:
                failures.append(
                    {"seed": seed, "family": case.family, "case": case.describe(), "problems": problems}
                )
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"counts": dict(counts), "failures": failures}


def reproduce(seed: int, families: tuple[str, ...]) -> int:
    """Run one seed verbosely: the case, its bytes, the outcome; exit 1 when a property breaks."""
    case = make_case(RandomChooser(seed), families)
    directory = _workdir()
    try:
        outcome = run_case(case, directory)
        cli = run_cli_case(case, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"seed {seed}: {case.describe()}")
    print(
        f"verdict: {case.verdict.kind + ' (' + case.verdict.reason + ')' if case.verdict else 'same as the base'}"
    )
    print(f"bytes ({len(case.data)}): {case.data[:2000]!r}")
    print(f"load_workload: {outcome.result} {outcome.message}")
    print(f"dsqlcost ingest: {cli.result} {cli.message}")
    problems = outcome.problems + [f"CLI: {p}" for p in cli.problems]
    for problem in problems:
        print(f"  BROKEN: {problem}")
    print("all properties hold" if not problems else f"{len(problems)} properties broken")
    return 1 if problems else 0


def run(inputs: int, start: int, jobs: int, families: tuple[str, ...]) -> dict[str, Any]:
    """Fuzz ``inputs`` seeds from ``start`` on ``jobs`` processes; print and return the figures."""
    chunks = [(s, min(s + CHUNK, start + inputs), families) for s in range(start, start + inputs, CHUNK)]
    print(f"fuzzing {inputs:,} inputs, seeds {start:,}…{start + inputs - 1:,}, families {', '.join(families)}, "
          f"{jobs} process(es); every {CLI_EVERY}th input also through the CLI", flush=True)  # fmt: skip
    counts: collections.Counter[str] = collections.Counter()
    failures: list[dict[str, Any]] = []
    started = time.perf_counter()
    done = 0
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        for result in pool.imap_unordered(_run_chunk, chunks):
            counts.update(result["counts"])
            failures.extend(result["failures"])
            done += CHUNK
            if done % 10_000 < CHUNK:
                rate = min(done, inputs) / (time.perf_counter() - started)
                print(
                    f"  {min(done, inputs):>7,} inputs, {len(failures)} failing, {rate:,.0f} inputs/s",
                    flush=True,
                )
    seconds = time.perf_counter() - started
    failures.sort(key=lambda f: f["seed"])
    print(f"{inputs:,} inputs in {seconds:.1f} s ({inputs / seconds:,.0f} inputs/s on {jobs} processes)")
    for key in sorted(counts):
        print(f"  {key:<22} {counts[key]:>7,}")
    for failure in failures[:MAX_SHOWN]:
        print(f"FAIL seed {failure['seed']}: {failure['case']}")
        for problem in failure["problems"]:
            print(f"    {problem}")
        only = f" --family {failure['family']}" if families != tuple(FAMILIES) else ""
        print(f"    reproduce: python -m benchmarks.bench_fuzz --seed {failure['seed']}{only}")
    if len(failures) > MAX_SHOWN:
        print(
            f"… and {len(failures) - MAX_SHOWN} more failing seeds: {[f['seed'] for f in failures[MAX_SHOWN:]]}"
        )
    print("no property broken" if not failures else f"{len(failures)} failing inputs")
    return {
        "inputs": inputs,
        "first_seed": start,
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "inputs_per_s": round(inputs / seconds),
        "outcomes": dict(sorted(counts.items())),
        "failures": len(failures),
        "failing_seeds": [f["seed"] for f in failures],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the long fuzz (defaults when called by ``python -m benchmarks``)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--inputs", type=int, default=INPUTS, help=f"how many inputs (default {INPUTS:,})")
    parser.add_argument("--start", type=int, default=START, help=f"first seed (default {START:,})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these families")
    parser.add_argument("--seed", type=int, help="reproduce one input verbosely and exit")
    args = parser.parse_args([] if argv is None else argv)
    families = tuple(args.family) if args.family else tuple(FAMILIES)
    if args.seed is not None:
        code = reproduce(args.seed, families)
        return {"seed": args.seed, "broken": bool(code)}
    return run(args.inputs, args.start, max(1, args.jobs), families)


if __name__ == "__main__":
    figures = main(sys.argv[1:])
    sys.exit(1 if figures.get("failures") or figures.get("broken") else 0)
