"""A large export's dsql-lint runs early, on a thread, and readiness finds what it finds without it.

:class:`Analysis` starts dsql-lint over the texts readiness will lint when the export is large and
priced over several processes (``--jobs``), so the linter overlaps the point run's pricing. The
threshold is lowered here so the bundled workloads take that path; their readiness must equal the
one a synchronous run gives, finding for finding, and the early run must cover every text.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from costmodel.analysis import run as run_module
from costmodel.analysis.run import Analysis
from costmodel.classify.frame import classify
from costmodel.core.catalog import load_catalog
from costmodel.core.workload import Workload
from costmodel.ingest.load import load_workload
from costmodel.readiness import assess
from costmodel.readiness.model import Readiness
from costmodel.scenario.model import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _without_schema(name: str) -> Workload:
    """A bundled sample read as a plain export (its schema dump would be linted with the texts)."""
    workload = classify(load_workload([ROOT / "sample_stats" / name]))
    return dataclasses.replace(workload, sources=(f"{name}.csv",))


def _readiness(workload: Workload, jobs: int) -> tuple[Analysis, Readiness]:
    analysis = Analysis(workload, load_catalog(), jobs=jobs)
    result = analysis.run(load_scenario("default"), sweep_points=11, ranges=jobs > 1)
    assert result.readiness is not None
    return analysis, result.readiness


@pytest.mark.parametrize("name", ["legacy", "batch", "saas"])
def test_early_lint_gives_the_readiness_a_synchronous_run_gives(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workload = _without_schema(name)
    _, alone = _readiness(workload, jobs=1)
    monkeypatch.setattr(run_module, "PARALLEL_RANGE_ROWS", 1)
    plans: list[object] = []
    make_plan = assess.lint_plan
    monkeypatch.setattr(assess, "lint_plan", lambda stmts: plans.append(stmts) or make_plan(stmts))
    analysis, early = _readiness(workload, jobs=2)
    assert analysis._prelint is not None
    prelinted = analysis._prelint.result()
    assert prelinted is not None and prelinted.usable(False) and prelinted.plan is not None
    assert list(prelinted.by_text) == make_plan(workload.statements).texts
    assert plans == []  # readiness took the early run's plan: the texts were not factorised again
    assert early.findings == alone.findings
    assert early.findings or name != "legacy"  # legacy's texts hold DSQL blockers: something to find
    assert early.verdict == alone.verdict and early.notes == alone.notes
    assert early.by_severity == alone.by_severity and early.blocking == alone.blocking
    pd.testing.assert_frame_equal(early.statements, alone.statements)
    assert dataclasses.replace(early.lint, seconds=0.0) == dataclasses.replace(alone.lint, seconds=0.0)


def test_no_early_lint_for_one_process_a_schema_or_a_small_export(monkeypatch: pytest.MonkeyPatch) -> None:
    workload = _without_schema("legacy")
    assert Analysis(workload, load_catalog(), jobs=2)._prelint is None  # below the threshold
    monkeypatch.setattr(run_module, "PARALLEL_RANGE_ROWS", 1)
    assert Analysis(workload, load_catalog(), jobs=1)._prelint is None
    assert Analysis(workload, load_catalog(), jobs=2, with_readiness=False)._prelint is None
    bundled = classify(load_workload([ROOT / "sample_stats" / "legacy"]))
    assert Analysis(bundled, load_catalog(), jobs=2)._prelint is None  # its schema is linted with the texts
