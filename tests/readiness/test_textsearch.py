"""The word test before a check's pattern never changes what the pattern finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from benchmarks.bench_dashboard import synthetic_rows
from costmodel.ingest.load import load_workload
from costmodel.readiness.checks import load_checks
from costmodel.readiness.textsearch import required_words, searcher

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parents[1] / "cases" / "readiness"

EDGE = [
    "ALTER TABLE m ATTACH PARTITION m_2026 FOR VALUES FROM ($1) TO ($2)",
    "alter table m detach\n  partition m_2025",
    "ALTER TABLE m ATTACH PARTITIONS",  # the word is there, the boundary is not
    "CREATE INDEX i ON t USING GIN (c)",
    "create index i on t using\tgist (c)",
    'CREATE INDEX i ON t USING "hash" (c)',
    "CREATE INDEX i ON t USING btree (c) -- not gin",
    "ALTER TABLE t ADD EXCLUDE USING gist (c WITH &&)",
    "  CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
    "COMMENT ON EXTENSION plpgsql IS $1",
    "SELECT 'ATTACH PARTITION' AS words_inside_a_literal",
    "ALTER TABLE m ATTAC\u212a PARTITION p",  # not a match either way
    "ALTER TABLE m ATTACH PARTITION \u00e9t\u00e9",  # non-ASCII: straight to the pattern
    "CREATE INDEX i ON t U\u017fING gin (c)",  # long s matches s case-insensitively in Python's re
    "CREATE EXTENSION pg_buffercache",
    "",
]


def _texts() -> list[str]:
    texts = [str(r["query"]) for r in synthetic_rows(3_000, 11)]
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            texts += [s["query"] for s in case.get("statements", []) if isinstance(s.get("query"), str)]
            if isinstance(case.get("sql"), str):
                texts.append(case["sql"])
    for bundle in ("saas", "batch", "legacy", "pgbench"):  # the sample bundles' statements
        texts += [
            t
            for t in load_workload([ROOT / "sample_stats" / bundle]).statements["query"]
            if isinstance(t, str)
        ]
    return [*texts, *EDGE, *(t.upper() for t in EDGE), *(t.swapcase() for t in texts[:500])]


def _patterns() -> list[re.Pattern[str]]:
    catalog = load_checks()
    found = [c.except_pattern for c in catalog.checks if c.except_pattern is not None]
    found += [
        re.compile(w.value, re.IGNORECASE) for c in catalog.checks for w in c.when if w.kind == "pattern"
    ]
    assert len(found) >= 4, "the checks hold patterns"
    extra = [r"\bUSING\s+GIN\b", r"(?i)Attach\s+PARTITION", r"attach|detach", r"(?-i:INDEX)\s+\w+", r"ing\b"]
    return [*found, *(re.compile(p, re.IGNORECASE) for p in extra), *(re.compile(p) for p in extra)]


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: f"{p.pattern[:40]}/{int(p.flags & re.I > 0)}")
def test_the_word_test_finds_what_the_pattern_finds(pattern: re.Pattern[str]) -> None:
    test = searcher(pattern)
    texts = _texts()
    assert [test(t) for t in texts] == [pattern.search(t) is not None for t in texts]
    assert not test(None) and not test(float("nan"))


def test_required_words_come_from_the_top_level_only() -> None:
    assert required_words(re.compile(r"\b(attach|detach)\s+partition\b", re.I)) == ("partition",)
    assert required_words(re.compile(r"\bindex\b.*\busing\s+\"?(gin|gist)\b", re.I)) == ("index", "using")
    assert required_words(re.compile(r"attach|detach", re.I)) == ()  # an alternation: nothing is required
    assert required_words(re.compile(r"(?-i:INDEX)x", re.I)) == ()  # a scoped group is skipped
    assert required_words(re.compile(r"USING GIN")) == ("USING GIN",)  # case kept when case matters
