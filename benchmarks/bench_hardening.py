"""Hostile inputs, measured: time and peak memory of each refusal or read (issue 16's targets).

``python -m benchmarks hardening`` (or ``python -m benchmarks.bench_hardening [--rows N] [--fuzz N]``).
Every case runs ``dsqlcost`` in a child process watched by :mod:`benchmarks.memwatch` (peak PSS of the
process tree), so a case that would exhaust memory shows it in the figure rather than in the runner.
Targets printed next to the figures:

* peak memory under 2 GiB + 4 × the input's uncompressed size (for refused inputs: the bytes read
  before refusing, at most ``--max-bytes``);
* reading never expands past ``--max-bytes`` (the gzip bomb is run with a 512 MiB cap to keep the
  shared machine safe; it is refused at the cap, whatever the cap);
* 100 MB of query text in under 10 s;
* zero tracebacks, and a longer run of the ``hostile`` fuzz family through pricing and rendering.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.memwatch import run_measured

GIB = 1 << 30
MIB = 1 << 20
BOMB_CAP = "512MiB"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "costmodel", *args]


def _gzip_bomb(tmp: Path) -> tuple[list[str], int]:
    """1 MB of gzip expanding to ~1 GB of blank lines after a valid header (the 15.8 GB RSS case)."""
    path = tmp / "bomb.csv.gz"
    header = b"query,calls,total_exec_time\nSELECT 1,1,1\n"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(header)
        block = b"\n" * (64 * MIB)
        for _ in range(16):
            out.write(block)
    return _cli("report", str(path), "--window", "1h", "--max-bytes", BOMB_CAP), 512 * MIB


def _yaml_bomb(tmp: Path) -> tuple[list[str], int]:
    root = tmp / "yaml-bomb"
    (root / "snapshots").mkdir(parents=True)
    (root / "snapshots" / "0000.csv").write_text("query,calls,total_exec_time\nSELECT 1,1,1\n")
    lines = [
        "format: dsqlcost-bundle/1",
        "snapshots: [{file: snapshots/0000.csv}]",
        "a: &a [x,x,x,x,x,x,x,x,x]",
    ]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (root / "bundle.yaml").write_text("\n".join(lines) + "\n")
    return _cli("report", str(root), "--window", "1h"), (root / "bundle.yaml").stat().st_size


def _outside_bundle(tmp: Path) -> tuple[list[str], int]:
    root = tmp / "escape"
    root.mkdir()
    (root / "bundle.yaml").write_text("format: dsqlcost-bundle/1\nsnapshots: [{file: /etc/passwd}]\n")
    return _cli("report", str(root), "--window", "1h"), 0


def _dev_zero(tmp: Path) -> tuple[list[str], int]:
    return _cli("report", "/dev/zero", "--window", "1h"), 0


def _fifo(tmp: Path) -> tuple[list[str], int]:
    fifo = tmp / "pgss.csv"
    os.mkfifo(fifo)
    return _cli("report", str(fifo), "--window", "1h"), 0


def _big_query(tmp: Path) -> tuple[list[str], int]:
    """One 100 MB query text among ordinary ones (the 8.1 GB / 103 s case)."""
    path = tmp / "bigquery.csv"
    text = "SELECT " + ", ".join(f"col{i}" for i in range(100 * MIB // 9))
    with path.open("w", encoding="utf-8") as out:
        out.write("query,calls,total_exec_time,rows\n")
        out.write(f'"{text[: 100 * MIB]}",5,10,5\n')
        for i in range(100):
            out.write(f"SELECT {i} FROM t WHERE id = $1,{i + 1},{i + 2},{i}\n")
    return _cli("report", str(path), "--window", "1h", "--format", "json", "--out", str(tmp / "r.json")), (
        path.stat().st_size
    )


def _many_rows(rows: int) -> Callable[[Path], tuple[list[str], int]]:
    def make(tmp: Path) -> tuple[list[str], int]:
        path = tmp / "rows.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write("queryid,query,calls,total_exec_time,rows,shared_blks_hit\n")
            for i in range(rows):
                out.write(
                    f"{i},SELECT c{i % 5000} FROM t{i % 997} WHERE id = $1,{i % 90 + 1},{i % 70 + 1.5},{i % 9},{i}\n"
                )
        return _cli("ingest", str(path), "--window", "1h"), path.stat().st_size

    return make


def _zip_upload_bomb(tmp: Path) -> tuple[list[str], int]:
    """A small zip whose gzip member expands past the upload cap (the 4.1 GB dashboard case)."""
    buffer = io.BytesIO()
    member = gzip.compress(b"query,calls,total_exec_time\nSELECT 1,1,1\n" + b"\n" * (1 * GIB), 9)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("b/bundle.yaml", "format: dsqlcost-bundle/1\nsnapshots: [{file: snapshots/0.csv}]\n")
        zf.writestr("b/snapshots/0.csv", member)
    archive = tmp / "upload.zip"
    archive.write_bytes(buffer.getvalue())
    script = (
        "import sys; from pathlib import Path; from dashboard.uploads import materialise\n"
        "from costmodel.core.errors import CostModelError\n"
        f"d = Path({str(tmp / 'up')!r}); d.mkdir()\n"
        "try:\n"
        f"    materialise(Path({str(archive)!r}).read_bytes(), 'upload.zip', d)\n"
        "except CostModelError as exc:\n"
        "    print(f'dsqlcost dashboard: error: {exc}', file=sys.stderr); sys.exit(2)\n"
    )
    return [sys.executable, "-c", script], archive.stat().st_size


def _measure(name: str, make: Callable[[Path], tuple[list[str], int]]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="dsqlcost-hardening-"))
    try:
        cmd, size = make(tmp)
        run = run_measured(cmd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    peak = run.tree_pss_gib if run.tree_pss_gib is not None else run.max_rss_gib
    limit = 2 + 4 * size / GIB
    line = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    figures = {
        "seconds": round(run.seconds, 2),
        "exit": run.returncode,
        "peak_gib": round(peak, 3),
        "target_gib": round(limit, 2),
        "within": peak < limit,
        "traceback": "Traceback" in run.stderr,
        "message": line[:160],
    }
    print(
        f"{name:<28} {run.seconds:7.2f} s  exit {run.returncode:>3}  peak {peak:6.3f} GiB "
        f"(target < {limit:.2f})  {'ok' if figures['within'] and not figures['traceback'] else 'MISSED'}  {line[:90]}",
        flush=True,
    )
    return figures


def _fuzz(count: int) -> dict[str, Any]:
    from benchmarks.data.fuzz_checks import run_pipeline_case
    from benchmarks.data.fuzz_mutations import RandomChooser, make_case

    directory = Path(tempfile.mkdtemp(prefix="dsqlcost-hostile-"))
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    started = time.perf_counter()
    try:
        for seed in range(2_000_000, 2_000_000 + count):
            case = make_case(RandomChooser(seed), ("hostile",))
            outcome = run_pipeline_case(case, directory)
            outcomes[outcome.result] = outcomes.get(outcome.result, 0) + 1
            if outcome.problems:
                failures.append(f"seed {seed}: {case.describe()}: {outcome.problems[0]}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    seconds = time.perf_counter() - started
    print(f"hostile fuzz through pricing: {count} inputs in {seconds:.0f} s, outcomes {outcomes}, "
          f"{len(failures)} failures (target 0)")  # fmt: skip
    for failure in failures[:20]:
        print(f"  {failure}")
    return {"inputs": count, "seconds": round(seconds, 1), "outcomes": outcomes, "failures": failures[:20]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every hostile case and the hostile fuzz run; print and return the figures."""
    parser = argparse.ArgumentParser(prog="bench_hardening")
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows of the large CSV case")
    parser.add_argument("--fuzz", type=int, default=1_000, help="hostile fuzz inputs through pricing")
    args = parser.parse_args([] if argv is None else argv)
    cases: dict[str, Callable[[Path], tuple[list[str], int]]] = {
        f"gzip bomb (cap {BOMB_CAP})": _gzip_bomb,
        "zip upload bomb": _zip_upload_bomb,
        "yaml alias bomb": _yaml_bomb,
        "bundle path outside": _outside_bundle,
        "/dev/zero as input": _dev_zero,
        "FIFO as input": _fifo,
        "100 MB query text": _big_query,
        f"{args.rows:,}-row CSV (ingest)": _many_rows(args.rows),
    }
    figures: dict[str, Any] = {name: _measure(name, make) for name, make in cases.items()}
    figures["fuzz"] = _fuzz(args.fuzz)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
