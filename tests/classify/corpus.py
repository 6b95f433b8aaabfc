"""Every statement text the repository holds, gathered for the classifier equivalence test.

Why: the classifier is tuned for speed (pruned walks, tuple rows instead of dicts), and every such
change must leave each profile exactly as it was. :func:`texts` collects, in a fixed order, the
texts of the classifier cases, of every export under ``sample_stats/`` and ``tests/data/`` that
ingest reads, the SQL files of the audit fixtures (real public code, split into statements), the
benchmark corpora (:mod:`benchmarks.bench_classify`), every prefix of a few statements (cut texts)
and seeded random mutations of them; ``tests/data/classify/profiles.json.gz`` holds the profile
each of them had, and ``test_profiles_equal_the_recorded_profiles`` compares.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SEED = 20261207
_EXPORT_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".gz")


def _case_texts() -> list[str]:
    out: list[str] = []
    for path in sorted((REPO / "tests" / "cases" / "classify").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(case, dict) and isinstance(case.get("sql"), str):
                out.append(case["sql"])
    return out


def _export_texts() -> list[str]:
    from costmodel.core.errors import CostModelError
    from costmodel.ingest.load import load_workload

    out: list[str] = []
    roots = (REPO / "sample_stats", REPO / "tests" / "data")
    for path in sorted(p for root in roots for p in root.rglob("*") if p.suffix in _EXPORT_SUFFIXES):
        try:
            workload = load_workload([path], window="1h")
        except (CostModelError, OSError, ValueError):
            continue
        if "query" in workload.statements:
            out.extend(t for t in workload.statements["query"].tolist() if isinstance(t, str))
    return out


def _sql_file_texts() -> list[str]:
    from pglast import parser

    out: list[str] = []
    for path in sorted((REPO / "tests").rglob("*.sql")):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            out.extend(parser.split(text))
        except parser.ParseError:
            out.append(text)
    return out


def _bench_texts() -> list[str]:
    from benchmarks.bench_classify import build_corpus, in_list_variants

    return [*build_corpus(), *in_list_variants()]


_CUT_BASES = (
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
    "SELECT id FROM jobs WHERE queue = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
    "WITH moved AS (DELETE FROM a WHERE t < $1 RETURNING *) INSERT INTO b SELECT * FROM moved",
    "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b RETURNING a",
    "BEGIN ISOLATION LEVEL SERIALIZABLE; UPDATE t SET x = x + 1 WHERE id = 7; COMMIT",
    "CREATE TABLE x (id bigserial PRIMARY KEY, d jsonb, p int REFERENCES y(id)) PARTITION BY RANGE (id)",
)


def _cut_texts() -> list[str]:
    return [base[:i] for base in _CUT_BASES for i in range(1, len(base) + 1)]


def _mutations(bases: list[str], count: int = 3000) -> list[str]:
    """Seeded token-level mutations (drop, swap, duplicate a word; join two statements)."""
    rng = random.Random(SEED)
    out: list[str] = []
    for _ in range(count):
        words = rng.choice(bases).split()
        if len(words) > 2:
            i = rng.randrange(len(words))
            op = rng.randrange(4)
            if op == 0:
                del words[i]
            elif op == 1:
                j = rng.randrange(len(words))
                words[i], words[j] = words[j], words[i]
            elif op == 2:
                words.insert(i, words[i])
            else:
                words += [";", *rng.choice(bases).split()]
        out.append(" ".join(words))
    return out


def texts() -> list[str]:
    """The distinct texts, in first-seen order."""
    base = [*_case_texts(), *_export_texts(), *_sql_file_texts(), *_cut_texts()]
    bench = _bench_texts()
    mutated = _mutations([t for t in base if len(t) < 2000] + bench[:400])
    return list(dict.fromkeys([*base, *bench, *mutated]))
