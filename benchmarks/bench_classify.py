"""Classification throughput against pglast's raw parse floor.

Run: ``python -m benchmarks.bench_classify``. Builds a corpus of distinct, realistic normalised
statements (pg_stat_statements style: ``$n`` parameters, squashed IN lists, ORM-length SELECTs, DML,
upserts, CTEs, DDL, utility and transaction control) with varied table and column names so that
fingerprints differ, then measures statements per CPU-second (one core), median of :data:`RUNS`
interleaved runs each:

* ``classify_texts`` over the corpus with a fresh cache (every text distinct, so no text-cache hits);
* the raw floor: ``json.loads(pglast.parser.parse_sql_json(text))`` over the same texts;
* the same two over :func:`unique_shapes` of the corpus: the corpus comes from 33 templates with
  varied names, so most of its texts share a *shape* (:mod:`costmodel.classify.shape`) and are
  served from the first text's parse; this variant gives every text its own shape (the worst case:
  each is parsed, walked, and its shape computed in vain);
* ``classify_texts`` over PG ≤ 17-style IN-list variants (same query, different list lengths), which
  the parameter-signature cache serves with one parse per query.

The brief's target is 20,000 distinct statements per second on one core, set where the raw floor
ran at 87,006/s (``shared/reference/pglast-notes.md`` §2, short statements on a 2-vCPU EPYC). Machines
differ, so the figure to compare across hosts is the ratio floor / classify, whose target is
87,006 / 20,000 ≈ 4.35 or less.

:func:`main` prints the figures and returns them as a dict for the benchmark aggregator.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from pglast import parser

from costmodel.classify.frame import classify_texts

RUNS = 5
CORPUS_SIZE = 6000
SEED = 20261101
SHORT_CHARS = 100
"""Statements up to this length form the short subset, comparable with the reference MIX (75 chars)."""
TARGET_PER_S = 20_000
REFERENCE_FLOOR_PER_S = 87_006
"""Raw floor measured when the target was set (pglast-notes.md §2, MIX, median)."""

_TABLES = (
    "accounts", "orders", "order_items", "customers", "invoices", "payments", "shipments", "products",
    "inventory", "users", "sessions", "events", "audit_log", "tickets", "comments", "projects", "tasks",
    "subscriptions", "plans", "coupons", "carts", "reviews", "messages", "notifications", "devices",
)  # fmt: skip
_COLUMNS = (
    "status", "amount", "total", "created_at", "updated_at", "email", "name", "quantity", "price",
    "priority", "owner_id", "region", "score", "payload", "kind", "due_at", "sku", "currency", "title",
    "state", "parent_id", "version", "closed_at", "rating", "label",
)  # fmt: skip

_TEMPLATES: tuple[str, ...] = (
    "SELECT {c1}, {c2} FROM {t1} WHERE id = $1",
    "SELECT {c1}, {c2}, {c3} FROM {t1} WHERE tenant_id = $1 AND id = $2",
    "SELECT a.{c1}, b.{c2} FROM {t1} a JOIN {t2} b ON b.{t1}_id = a.id WHERE a.{c3} = $1 ORDER BY a.{c1} DESC "
    "LIMIT $2",
    "SELECT count(*) FROM {t1} WHERE tenant_id = $1 AND {c1} IN ($2 /*, ... */)",
    "SELECT {c1}, sum({c2}) AS s FROM {t1} WHERE {c3} >= $1 AND {c3} < $2 GROUP BY {c1} HAVING sum({c2}) > $3",
    "UPDATE {t1} SET {c1} = {c1} + $1, updated_at = now() WHERE id = $2",
    "UPDATE {t1} SET {c1} = $1 WHERE tenant_id = $2 AND {c2} = $3 RETURNING id",
    "INSERT INTO {t1} ({c1}, {c2}, {c3}) VALUES ($1, $2, $3) RETURNING id",
    "INSERT INTO {t1} ({c1}, {c2}) VALUES ($1, $2) ON CONFLICT ({c1}) DO UPDATE SET {c2} = EXCLUDED.{c2}",
    "INSERT INTO {t1} ({c1}, {c2}) VALUES ($1, $2), ($3, $4), ($5, $6)",
    "DELETE FROM {t1} WHERE {c1} < $1",
    "DELETE FROM {t1} USING {t2} WHERE {t1}.{t2}_id = {t2}.id AND {t2}.{c1} = $1",
    "UPDATE {t1} o SET {c1} = $1 FROM {t2} c WHERE o.{t2}_id = c.id AND c.{c2} = $2",
    "SELECT id FROM {t1} WHERE {c1} = $1 ORDER BY {c2} LIMIT $2 FOR UPDATE SKIP LOCKED",
    "WITH recent AS (SELECT {c1}, max({c2}) AS m FROM {t1} WHERE created_at > now() - interval $1 "
    "GROUP BY {c1}) SELECT r.{c1}, u.{c3} FROM recent r JOIN {t2} u ON u.id = r.{c1}",
    "SELECT {c1}, row_number() OVER (PARTITION BY {c2} ORDER BY {c3} DESC) AS rn FROM {t1} WHERE {c2} = $1",
    "SELECT * FROM {t1} WHERE EXISTS (SELECT $1 FROM {t2} WHERE {t2}.{t1}_id = {t1}.id AND {t2}.{c1} = $2) "
    "UNION ALL SELECT * FROM {t3} WHERE {c2} = $3",
    "SELECT {c1} ->> $1, {c2} FROM {t1} WHERE {c3} @> $2::jsonb",
    "INSERT INTO {t1} ({c1}, {c2}) SELECT {c1}, {c2} FROM {t2} WHERE {c3} = $1",
    "WITH moved AS (DELETE FROM {t1} WHERE {c1} < $1 RETURNING *) INSERT INTO {t2} SELECT * FROM moved",
    "SELECT DISTINCT {c1} FROM {t1} t, {t2} u WHERE t.id = u.{t1}_id AND u.{c2} BETWEEN $1 AND $2",
    "SELECT {c1}, {c2} FROM {t1} WHERE {c3} = ANY($1) ORDER BY {c1} OFFSET $2 LIMIT $3",
    "SELECT t.id, t.{c1}, t.{c2}, t.{c3}, a.{c1} AS a_{c1}, a.{c2} AS a_{c2}, b.{c3} AS b_{c3}, "
    "c.{c1} AS c_{c1}, c.{c2} AS c_{c2}, d.{c3} AS d_{c3} FROM {t1} t LEFT OUTER JOIN {t2} a ON a.id = "
    "t.{t2}_id LEFT OUTER JOIN {t3} b ON b.id = t.{t3}_id LEFT OUTER JOIN {t4} c ON c.id = a.{t4}_id "
    "LEFT OUTER JOIN {t5} d ON d.id = b.{t5}_id WHERE t.tenant_id = $1 AND t.{c1} IN ($2 /*, ... */) "
    "AND t.{c2} IS NOT NULL ORDER BY t.{c3} DESC, t.id LIMIT $3",
    "MERGE INTO {t1} t USING {t2} s ON t.id = s.id WHEN MATCHED THEN UPDATE SET {c1} = s.{c1} "
    "WHEN NOT MATCHED THEN INSERT (id, {c1}) VALUES (s.id, s.{c1})",
    "CREATE TABLE {t1}_{c1} (id bigserial PRIMARY KEY, {c2} text NOT NULL, {c3} bigint REFERENCES {t2}(id))",
    "CREATE INDEX {t1}_{c1}_{c2}_idx ON {t1} ({c1}, {c2})",
    "ALTER TABLE {t1} ADD COLUMN {c1}_{c2} jsonb",
    "SELECT pg_advisory_xact_lock($1), {c1} FROM {t1} WHERE id = $2",
    "SELECT nextval($1), {c1} FROM {t1} LIMIT $2",
    "TRUNCATE {t1}, {t2}",
    "LISTEN {t1}_{c1}",
    "VACUUM ANALYZE {t1}",
)


def build_corpus(size: int = CORPUS_SIZE, seed: int = SEED) -> list[str]:
    """``size`` normalised statements with pairwise different fingerprints (fixed seed)."""
    rng = random.Random(seed)
    texts = ["BEGIN", "COMMIT", "SAVEPOINT sp1"]
    seen = {parser.fingerprint(t) for t in texts}
    while len(texts) < size:
        tables = rng.sample(_TABLES, 5)
        columns = rng.sample(_COLUMNS, 3)
        names = dict(zip(("t1", "t2", "t3", "t4", "t5", "c1", "c2", "c3"), (*tables, *columns)))
        text = rng.choice(_TEMPLATES).format(**names)
        fingerprint = parser.fingerprint(text)
        if fingerprint not in seen:
            seen.add(fingerprint)
            texts.append(text)
    return texts


def in_list_variants(count: int = 2000) -> list[str]:
    """PG ≤ 17-style entries: the same query with IN lists of 1…50 parameters."""
    texts = []
    for i in range(count):
        table = _TABLES[i % len(_TABLES)]
        width = 1 + (i // len(_TABLES)) % 50
        params = ", ".join(f"${n}" for n in range(2, width + 2))
        texts.append(f"SELECT id, status FROM {table} WHERE tenant_id = $1 AND id IN ({params})")
    return texts


def unique_shapes(texts: Sequence[str]) -> list[str]:
    """``texts`` with the two first gaps widened by a different number of spaces each, so no two
    share a shape (:mod:`costmodel.classify.shape`): the shape cache's worst case, where every text
    is parsed and walked and its shape computed in vain."""
    out = []
    for i, text in enumerate(texts):
        parts = text.split(" ", 2)
        if len(parts) == 3:
            text = f"{parts[0]}{' ' * (1 + i % 64)}{parts[1]}{' ' * (1 + i // 64)}{parts[2]}"
        out.append(text)
    return out


def _rates(funcs: dict[str, tuple[Callable[[], object], int]], runs: int = RUNS) -> dict[str, list[float]]:
    """Items per CPU-second of each function over ``runs`` rounds, after one warm-up round.

    Rounds interleave the functions so that a busy neighbour on a shared machine slows all of them
    alike, and time is process CPU time (``time.process_time``): throughput *per core*.
    """
    rates: dict[str, list[float]] = {name: [] for name in funcs}
    for round_ in range(runs + 1):
        for name, (func, count) in funcs.items():
            start = time.process_time()
            func()
            elapsed = time.process_time() - start
            if round_:
                rates[name].append(count / elapsed)
    return rates


def _raw_floor(texts: Sequence[str]) -> None:
    for text in texts:
        json.loads(parser.parse_sql_json(text))


def main() -> dict[str, Any]:
    """Measure, print and return the figures."""
    corpus = build_corpus()
    variants = in_list_variants()
    short = [t for t in corpus if len(t) <= SHORT_CHARS]
    unshared = unique_shapes(corpus)
    load_before = os.getloadavg()[0]
    rates = _rates(
        {
            "classify": (lambda: classify_texts(corpus), len(corpus)),
            "floor": (lambda: _raw_floor(corpus), len(corpus)),
            "short_classify": (lambda: classify_texts(short), len(short)),
            "short_floor": (lambda: _raw_floor(short), len(short)),
            "variants": (lambda: classify_texts(variants), len(variants)),
            "unshared_classify": (lambda: classify_texts(unshared), len(unshared)),
            "unshared_floor": (lambda: _raw_floor(unshared), len(unshared)),
        }
    )
    short_rate = statistics.median(rates["short_classify"])
    short_floor = statistics.median(rates["short_floor"])
    classify_rate = statistics.median(rates["classify"])
    floor_rate = statistics.median(rates["floor"])
    figures: dict[str, Any] = {
        "statements": len(corpus),
        "distinct_fingerprints": len({parser.fingerprint(t) for t in corpus}),
        "mean_length_chars": round(statistics.fmean(len(t) for t in corpus), 1),
        "classify_per_s": round(classify_rate),
        "classify_per_s_min": round(min(rates["classify"])),
        "classify_per_s_max": round(max(rates["classify"])),
        "raw_parse_per_s": round(floor_rate),
        "raw_over_classify": round(floor_rate / classify_rate, 2),
        "short_statements": len(short),
        "short_mean_length_chars": round(statistics.fmean(len(t) for t in short), 1),
        "short_classify_per_s": round(short_rate),
        "short_raw_parse_per_s": round(short_floor),
        "short_raw_over_classify": round(short_floor / short_rate, 2),
        "unique_shapes_classify_per_s": round(statistics.median(rates["unshared_classify"])),
        "unique_shapes_raw_parse_per_s": round(statistics.median(rates["unshared_floor"])),
        "in_list_variants": len(variants),
        "in_list_variants_per_s": round(statistics.median(rates["variants"])),
        "classify_share_of_floor": round(classify_rate / floor_rate, 3),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "target_per_s": TARGET_PER_S,
        "target_ratio": round(REFERENCE_FLOOR_PER_S / TARGET_PER_S, 2),
    }
    print(f"corpus: {figures['statements']} distinct statements, {figures['distinct_fingerprints']} "
          f"fingerprints, {figures['mean_length_chars']} chars on average")  # fmt: skip
    print(f"classify_texts       {figures['classify_per_s']:>9,} stmt/s (median of {RUNS}; "
          f"{figures['classify_per_s_min']:,}–{figures['classify_per_s_max']:,})")  # fmt: skip
    print(f"raw parse_sql_json   {figures['raw_parse_per_s']:>9,} stmt/s (+ json.loads: the floor)")
    print(f"classify / floor     {figures['classify_share_of_floor']:>9.0%}    (issue 19 target ≥ 50%; CPU time per "
          f"core; machine load {load_before:.1f} → {os.getloadavg()[0]:.1f}, 1-min average)")  # fmt: skip
    print(f"floor / classify     {figures['raw_over_classify']:>9} ×  (target ≤ {figures['target_ratio']} ×: "
          f"{TARGET_PER_S:,}/s where the floor ran at {REFERENCE_FLOOR_PER_S:,}/s)")  # fmt: skip
    print(f"short (≤ {SHORT_CHARS} chars, {len(short)} statements, {figures['short_mean_length_chars']} on average, "
          f"like the reference MIX): classify {figures['short_classify_per_s']:,}/s, "
          f"floor {figures['short_raw_parse_per_s']:,}/s, ratio {figures['short_raw_over_classify']} ×")  # fmt: skip
    unique_share = figures["unique_shapes_classify_per_s"] / figures["unique_shapes_raw_parse_per_s"]
    print(f"every text a new shape (no shape-cache hit): classify {figures['unique_shapes_classify_per_s']:,}/s, "
          f"floor {figures['unique_shapes_raw_parse_per_s']:,}/s, {unique_share:.0%} of the floor")  # fmt: skip
    print(f"IN-list variants     {figures['in_list_variants_per_s']:>9,} stmt/s "
          f"({len(variants)} texts, parameter-signature cache)")  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
