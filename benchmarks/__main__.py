"""``make bench`` / ``python -m benchmarks``: run every benchmark and print its figures.

Each ``benchmarks/bench_*.py`` module exposes ``main() -> dict`` that prints its own figures and
returns them; this runner calls them in turn (or only those named on the command line, e.g.
``python -m benchmarks classify pricing``) and prints one summary table at the end. Benchmarks
measure; they never fail a build (targets are printed next to the figures).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    return names


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks; write their figures to benchmarks/results/latest.json."""
    args = list(sys.argv[1:] if argv is None else argv)
    results: dict[str, object] = {}
    for name in _modules(args):
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        results[name] = module.main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
