"""Ingest throughput: time to read a generated PG16-style export (CSV and JSON) of 5,000 and 100,000 rows.

``python -m benchmarks.bench_ingest`` prints the figures and returns them from :func:`main`. The
export is generated with the exact 1.10 column order (PostgreSQL 15–16) plus ``datname`` and
``rolname``, realistic number formats (``1.5e3``-style floats for timings, bigint queryids over
2**53, negative ones), and query texts with commas, quotes and newlines, so the CSV reader does
real quoting work. Target: 5,000 rows well under 0.5 s.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from costmodel.ingest.columns import COLUMNS_1_10
from costmodel.ingest.load import load_workload

SIZES = (5_000, 100_000)
TARGET_5000_S = 0.5
REPEATS = 3


def generate_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` pg_stat_statements 1.10 rows with plausible values."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        calls = rng.randint(1, 1_000_000)
        total = rng.uniform(0.01, 5e6)
        row: dict[str, Any] = {}
        for column in COLUMNS_1_10:
            if column in ("userid", "dbid"):
                row[column] = rng.choice((10, 16384, 16385))
            elif column == "toplevel":
                row[column] = rng.random() > 0.05
            elif column == "queryid":
                row[column] = rng.randint(-(2**63), 2**63 - 1)
            elif column == "query":
                row[column] = (
                    f'SELECT a, b, "c""d" /* q{index} */\nFROM t{index % 97}\nWHERE id = $1 AND note = \'x,y\''
                )
            elif column == "calls":
                row[column] = calls
            elif column == "total_exec_time":
                row[column] = total
            elif column.endswith("_time"):
                row[column] = rng.uniform(0, 1000) * 1e-3
            else:
                row[column] = rng.randint(0, 10**9)
        row["datname"] = "app"
        row["rolname"] = "app_user"
        rows.append(row)
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """psql --csv style: booleans as t/f, floats with repr (shortest exact)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        names = list(rows[0])
        writer.writerow(names)
        for row in rows:
            writer.writerow(
                [
                    ("t" if v else "f") if isinstance(v, bool) else (repr(v) if isinstance(v, float) else v)
                    for v in row.values()
                ]
            )


def write_json(rows: list[dict[str, Any]], path: Path) -> None:
    """json_agg style: one array, userid/dbid as strings (oids are text in PostgreSQL JSON)."""
    out = [{**row, "userid": str(row["userid"]), "dbid": str(row["dbid"])} for row in rows]
    path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def _time(path: Path) -> tuple[float, int]:
    best = float("inf")
    kept = 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        workload = load_workload([path], window="1h")
        best = min(best, time.perf_counter() - started)
        kept = len(workload.statements)
    return best, kept


def main() -> dict[str, Any]:
    """Run the benchmark and print one line per (format, size)."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            rows = generate_rows(size)
            for fmt, writer in (("csv", write_csv), ("json", write_json)):
                path = Path(tmp) / f"pgss_{size}.{fmt}"
                writer(rows, path)
                seconds, kept = _time(path)
                mb = path.stat().st_size / 1e6
                key = f"{fmt}_{size}"
                results[key] = {
                    "seconds": round(seconds, 4),
                    "rows_per_s": round(size / seconds),
                    "mb": round(mb, 1),
                    "statements_kept": kept,
                }
                print(
                    f"{fmt:>4} {size:>7,} rows ({mb:5.1f} MB): {seconds:6.3f} s  {size / seconds:>9,.0f} rows/s"
                )
    ratio = results["csv_5000"]["seconds"] / TARGET_5000_S
    results["csv_5000_vs_target"] = round(ratio, 3)
    print(f"5,000-row CSV at {ratio:.2f}× the {TARGET_5000_S} s target")
    return results


if __name__ == "__main__":
    main()
