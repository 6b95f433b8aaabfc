"""Realistic pg_stat_statements CSV exports of any size, for the scale benchmark (written at run time).

Shape of a real fleet export: many databases run the same application, so most normalised texts
repeat across databases (with different queryids, since the jumble includes table OIDs); each server
keeps at most ``pg_stat_statements.max`` entries (5,000 by default); call counts are heavy-tailed; a
few entries are nested (``toplevel = f``), utility statements, DDL, or have no text for the reader
(``<insufficient privilege>``). The generator reproduces that:

* ``distinct`` texts from :func:`benchmarks.bench_classify.build_corpus` (pairwise different
  fingerprints; reads, writes, upserts, CTEs, DDL, utility) plus IN-list variants;
* databases of :data:`ENTRIES_PER_DATABASE` entries each; every database draws its texts without
  replacement from one Zipf-like popularity over all texts (Gumbel top-k), so popular texts appear
  in nearly every database and rare ones in a few;
* counters from lognormal calls and mean times, blocks and WAL consistent with reads and writes.

The column set is pg_stat_statements 1.10 (PostgreSQL 15–16) plus ``datname`` and ``rolname``, as
``psql --csv`` writes it. Output is streamed in chunks so 1,000,000 rows need little memory.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.bench_classify import build_corpus, in_list_variants

COLUMNS_1_10: tuple[str, ...] = (
    "userid", "dbid", "toplevel", "queryid", "query", "plans", "total_plan_time", "min_plan_time",
    "max_plan_time", "mean_plan_time", "stddev_plan_time", "calls", "total_exec_time", "min_exec_time",
    "max_exec_time", "mean_exec_time", "stddev_exec_time", "rows", "shared_blks_hit", "shared_blks_read",
    "shared_blks_dirtied", "shared_blks_written", "local_blks_hit", "local_blks_read", "local_blks_dirtied",
    "local_blks_written", "temp_blks_read", "temp_blks_written", "blk_read_time", "blk_write_time",
    "temp_blk_read_time", "temp_blk_write_time", "wal_records", "wal_fpi", "wal_bytes", "jit_functions",
    "jit_generation_time", "jit_inlining_count", "jit_inlining_time", "jit_optimization_count",
    "jit_optimization_time", "jit_emission_count", "jit_emission_time",
)  # fmt: skip
"""pg_stat_statements 1.10 view order (``tests/data/ingest/generations.yaml``)."""

ENTRIES_PER_DATABASE = 5_000
"""pg_stat_statements.max default: one server's export never holds more entries."""
ZIPF_EXPONENT = 1.1
"""Popularity of text rank r is proportional to r^-s: a few texts everywhere, a long tail."""
NESTED_FRACTION = 0.03
NO_TEXT_FRACTION = 0.002
ROLES = ("app", "app_ro", "batch", "admin")
CHUNK_ROWS = 50_000
_WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE", "WITH moved", "MERGE")


@dataclass(frozen=True)
class ExportSpec:
    """What to generate: ``statements`` rows over ``distinct`` normalised texts."""

    statements: int
    distinct: int
    seed: int = 20261127

    @property
    def databases(self) -> int:
        return max(1, math.ceil(self.statements / ENTRIES_PER_DATABASE))


def distinct_texts(count: int, seed: int) -> list[str]:
    """``count`` distinct normalised texts: 90 % distinct-fingerprint statements, 10 % IN-list variants."""
    variants = in_list_variants(min(max(count // 10, 1), 1250))
    corpus = build_corpus(count - len(variants), seed)
    texts = corpus + variants
    order = np.random.default_rng(seed).permutation(len(texts))
    return [texts[i] for i in order]


def _assignments(spec: ExportSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(database index, text index) per row; a text appears at most once per database."""
    ranks = np.arange(1, spec.distinct + 1, dtype=np.float64)
    log_weight = -ZIPF_EXPONENT * np.log(ranks)
    dbs, texts = [], []
    remaining = spec.statements
    for db in range(spec.databases):
        take = min(remaining, ENTRIES_PER_DATABASE, spec.distinct)
        if take == spec.distinct:
            chosen = rng.permutation(spec.distinct)
        else:
            keys = log_weight + rng.gumbel(
                size=spec.distinct
            )  # Gumbel top-k = weighted sample w/o replacement
            chosen = np.argpartition(-keys, take - 1)[:take]
        dbs.append(np.full(take, db, dtype=np.int64))
        texts.append(chosen.astype(np.int64))
        remaining -= take
        if remaining <= 0:
            break
    if remaining > 0:  # fewer distinct texts than entries per database: more databases
        extra_spec = ExportSpec(remaining, spec.distinct, spec.seed + 1)
        more_db, more_text = _assignments(extra_spec, rng)
        dbs.append(more_db + len(dbs))
        texts.append(more_text)
    return np.concatenate(dbs), np.concatenate(texts)


def write_export(spec: ExportSpec, path: Path) -> dict[str, float]:
    """Write the export to ``path``; returns facts about it (rows, distinct texts, databases, MB)."""
    rng = np.random.default_rng(spec.seed)
    texts = distinct_texts(spec.distinct, spec.seed)
    is_write = np.array([t.startswith(_WRITE_PREFIXES) for t in texts])
    db_of, text_of = _assignments(spec, rng)
    n = len(db_of)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*COLUMNS_1_10, "datname", "rolname"])
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            writer.writerows(_rows(rng, texts, is_write, db_of[start:stop], text_of[start:stop]))
    return {
        "rows": float(n),
        "distinct_texts": float(len(set(text_of.tolist()))),
        "databases": float(db_of.max() + 1),
        "mb": path.stat().st_size / 1e6,
    }


def _rows(
    rng: np.random.Generator, texts: list[str], is_write: np.ndarray, db: np.ndarray, text: np.ndarray
) -> list[list[object]]:
    m = len(db)
    calls = np.maximum(1, rng.lognormal(6.0, 2.2, m)).astype(np.int64)
    mean_ms = rng.lognormal(-1.5, 1.4, m)
    total = calls * mean_ms
    writes = is_write[text]
    rows_per_call = np.where(writes, 1.0, rng.lognormal(1.0, 1.5, m))
    rows = (calls * rows_per_call).astype(np.int64)
    hit = (calls * rng.lognormal(2.0, 1.0, m)).astype(np.int64)
    read = (hit * rng.uniform(0.0, 0.05, m)).astype(np.int64)
    dirtied = np.where(writes, calls, 0)
    wal_records = np.where(writes, calls * 2, 0)
    wal_bytes = wal_records * rng.integers(60, 400, m)
    toplevel = rng.random(m) >= NESTED_FRACTION
    no_text = rng.random(m) < NO_TEXT_FRACTION
    role = rng.integers(0, len(ROLES), m)
    queryid = rng.integers(-(2**63), 2**63 - 1, m, dtype=np.int64)
    out: list[list[object]] = []
    for i in range(m):
        c = int(calls[i])
        t = float(total[i])
        mean = t / c
        query = "<insufficient privilege>" if no_text[i] else texts[text[i]]
        out.append([
            16384 + int(role[i]), 20000 + int(db[i]), "t" if toplevel[i] else "f", int(queryid[i]), query,
            0, 0, 0, 0, 0, 0, c, repr(t), repr(mean * 0.2), repr(mean * 8), repr(mean), repr(mean * 0.5),
            int(rows[i]), int(hit[i]), int(read[i]), int(dirtied[i]), int(dirtied[i]) // 4, 0, 0, 0, 0, 0, 0,
            repr(float(read[i]) * 0.01), 0, 0, 0, int(wal_records[i]), 0, int(wal_bytes[i]), 0, 0, 0, 0, 0, 0, 0, 0,
            f"tenant_{int(db[i]):04d}", ROLES[int(role[i])],
        ])  # fmt: skip
    return out
