"""dsql-lint started early (a fleet starts it while its clusters are priced) gives readiness the
same findings as linting at the end, and readiness lints itself when the early run cannot stand in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from costmodel.readiness.assess import assess_readiness
from costmodel.readiness.dsqllint import find_dsql_lint
from costmodel.readiness.prelint import PreLint
from tests.readiness.test_readiness_cases import workload_of

CASES = Path(__file__).parents[1] / "cases" / "readiness" / "dsqllint.yaml"

pytestmark = pytest.mark.skipif(find_dsql_lint() is None, reason="dsql-lint is not installed")


def _texts() -> list[str]:
    """The rule table's statements (every dsql-lint rule id we know), a literal and a BEGIN text."""
    texts = [case["sql"] for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))]
    return [*texts, "SELECT * FROM t WHERE name = 'secret'", "BEGIN", "COPY t TO PROGRAM 'curl x'"]


def _without_timing(readiness: Any) -> dict[str, Any]:
    out = readiness.to_dict()
    out["dsql_lint"].pop("seconds")
    return dict(out)


def test_an_early_run_gives_the_findings_of_a_run_at_the_end(tmp_path: Path) -> None:
    texts = _texts()
    workload = workload_of([{"query": t, "calls": float(i + 1)} for i, t in enumerate(texts)])
    at_end = assess_readiness(workload)
    early = PreLint(
        [*reversed(texts), "SELECT 'not in the workload'"]
    ).result()  # order and extras do not matter
    assert early is not None and early.usable(lint_literals=False)
    # a missing executable shows the early run is what readiness used: it never starts dsql-lint
    missing = str(tmp_path / "no-such-dsql-lint")
    used = assess_readiness(workload, prelinted=early, lint_executable=missing)
    assert used.lint.ran
    assert _without_timing(used) == _without_timing(at_end)
    assert any(f.source.value == "dsql-lint" for f in used.findings)


def test_readiness_lints_itself_when_the_early_run_cannot_stand_in(tmp_path: Path) -> None:
    texts = ["TRUNCATE t", "SELECT 1", "CREATE INDEX i ON t (c)"]
    workload = workload_of([{"query": t} for t in texts])
    missing = str(tmp_path / "no-such-dsql-lint")
    partial = PreLint(texts[:2]).result()  # a text readiness lints is not in it
    assert partial is not None
    assert not assess_readiness(workload, prelinted=partial, lint_executable=missing).lint.ran
    other_literals = PreLint(texts, lint_literals=True).result()  # made for --show-literals
    assert other_literals is not None and not other_literals.usable(lint_literals=False)
    assert not assess_readiness(workload, prelinted=other_literals, lint_executable=missing).lint.ran
    failed = PreLint(texts, executable=missing).result()  # the early run itself had no dsql-lint
    assert failed is not None and not failed.usable(lint_literals=False)
    assert assess_readiness(workload, prelinted=failed).lint.ran  # readiness's own run finds it


def test_a_text_that_stops_the_tokenizer_is_left_to_readiness() -> None:
    """Its note names the text by position in the early run's list, so the early run is not used."""
    texts = ["SELECT 1", "SELECT $$never closed", "TRUNCATE t"]
    early = PreLint(texts, lint_literals=True).result()
    assert early is not None and early.run.available and early.run.notes
    assert not early.usable(lint_literals=True)
