"""Range cases priced incrementally equal the same cases priced from scratch, to the last bit.

:meth:`Analysis.run` keeps the usage steps before transactions (:class:`UsageHead`) and the OCC
model by load, and a range case reuses what its varied default does not reach. Here every range
case of every workload and scenario is priced twice: on the analysis that ran the point estimate
(the incremental path) and on a fresh analysis with nothing cached (the full re-run). Their usage
tables, contention results and priced options (line items, per-statement tables, details) must be
identical, not close: a cached case also serves later what-ifs in the dashboard. (A fleet's
per-cluster runs price no range cases; their reports are held by the fleet goldens.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from benchmarks.bench_fleet import write_fleet
from costmodel.analysis import run as run_module
from costmodel.analysis.ranges import range_cases
from costmodel.analysis.run import Analysis
from costmodel.classify.frame import classify
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.workload import Workload
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import Scenario, load_scenario
from costmodel.usage.model import Usage

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.name for p in (ROOT / "sample_stats").iterdir() if (p / "bundle.yaml").is_file())
SCENARIOS = ("default", "multi-region-us", "global-eu", "dev-sporadic")
"""Single region, DSQL multi-region, Aurora Global, Serverless v2 scale-to-zero."""


@cache
def _synthetic() -> Path:
    """A 3,000-statement export without catalog facts or database size: every default is used."""
    folder = Path(__import__("tempfile").mkdtemp(prefix="dsqlcost-range-incremental-"))
    write_fleet(folder, 1, 3_000)
    return folder / "cluster000.csv"


@cache
def _workload(name: str) -> Workload:
    if name == "synthetic":
        return classify(load_workload([_synthetic()]))
    if name == "saas_small":
        return classify(load_workload([ROOT / "tests" / "data" / "pipeline" / "saas_small.csv"]))
    return classify(load_workload([ROOT / "sample_stats" / name]))


def _same(a: Any, b: Any, where: str) -> None:
    """Equal to the last bit (NaN equals NaN), recursively through frames, dataclasses and containers."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, AssumptionSet):
        _same(a.used(), b.used(), f"{where}.used")
        _same([a.peek(k) for k in sorted(a._specs)], [b.peek(k) for k in sorted(b._specs)], f"{where}.values")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where  # same keys in the same order (reports print them in order)
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{n}]")
    else:
        assert repr(a) == repr(b), f"{where}: {a!r} != {b!r}"


def _priced(analysis: Analysis, variant: Scenario, *, case: bool) -> tuple[Usage, Any, list[Any]]:
    usage, contention = analysis._usage_and_contention(variant, case=case)
    return usage, contention, [p.estimate for p in analysis._price(variant, usage, contention)]


def _cases(workload: Workload, scenario: Scenario) -> Iterator[tuple[str, Analysis, Scenario]]:
    analysis = Analysis(workload, load_catalog(), with_readiness=False)
    result = analysis.run(scenario, sweep_points=50, ranges=False)
    for _, _, label, variant in range_cases(
        result.scenario, result.usage, result.contention, result.assumptions
    ):
        yield label, analysis, variant


def _check(workload: Workload, scenario: Scenario) -> list[str]:
    """Each case on the analysis that ran the point (the CLI's path), on one that prices only the
    cases, in order (the dashboard's range worker), and on a fresh one each (the full re-run).
    A range case reads only the totals: priced without per-statement frames (as the CLI's range
    workers price it, nothing kept), its estimates are the full ones without their frames."""
    labels = []
    cases_only = Analysis(workload, load_catalog(), with_readiness=False)
    for label, analysis, variant in _cases(workload, scenario):
        incremental = _priced(analysis, variant, case=True)
        full = _priced(Analysis(workload, load_catalog(), with_readiness=False), variant, case=False)
        _same(incremental, full, label)
        _same(_priced(cases_only, variant, case=True), full, f"{label} (cases only)")
        usage, contention = analysis._usage_and_contention(variant, case=True)
        lean = [p.estimate for p in analysis._price(variant, usage, contention, statements=False)]
        assert all(e.statements is None for e in lean), label
        _same(lean, [dataclasses.replace(e, statements=None) for e in full[2]], f"{label} (totals only)")
        totals = {e.name: float(e.total_monthly_usd) for e in full[2]}
        _same(run_module._case_totals(analysis, variant), totals, f"{label} (range worker)")
        labels.append(label)
    return labels


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", ["synthetic", "saas_small", *SAMPLES])
def test_every_range_case_equals_a_full_rerun(name: str, scenario: str) -> None:
    _check(_workload(name), load_scenario(scenario))


def test_the_cases_take_the_incremental_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """On an export that uses every default, only the cases that change what the usage steps
    before transactions read (row width, secondary indexes) compute those steps again (but not the
    context and CPU), and the storage cases reuse the OCC model."""
    heads: list[int] = []
    starts: list[int] = []
    contentions: list[int] = []
    real_head, real_start, real_contention = (
        run_module.usage_head,
        run_module.usage_start,
        Analysis._contention,
    )
    monkeypatch.setattr(run_module, "usage_head", lambda *a, **k: heads.append(1) or real_head(*a, **k))
    monkeypatch.setattr(run_module, "usage_start", lambda *a: starts.append(1) or real_start(*a))
    monkeypatch.setattr(Analysis, "_contention", lambda *a: contentions.append(1) or real_contention(*a))
    workload = _workload("synthetic")
    cases = list(_cases(workload, load_scenario("default")))
    heads.clear()
    starts.clear()
    contentions.clear()
    keys = []
    for label, analysis, variant in cases:
        before = (len(heads), len(contentions))
        _priced(analysis, variant, case=True)
        keys.append((label.split(" ")[0], len(heads) - before[0], len(contentions) - before[1]))
    recomputed = {key for key, head, _ in keys if head}
    assert recomputed == {"row_width_bytes", "secondary_indexes_per_table"}, keys
    assert {key for key, _, contention in keys if not contention} == {"storage_gb"}, keys
    assert {"statements_per_txn", "every", "dsql_compute_ratio"} <= {key for key, _, _ in keys}
    assert not starts  # no case changes what the context and CPU steps read


def test_an_analysis_that_prices_only_cases_keeps_the_first_cases_head(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dashboard prices a what-if's cases on an analysis of its own: the first case (statements
    per transaction) keeps its head, which its siblings but the row-width and index ones reuse."""
    heads: list[str] = []
    real_head = run_module.usage_head
    workload = _workload("synthetic")
    cases = [(label, variant) for label, _, variant in _cases(workload, load_scenario("default"))]
    current = [""]
    monkeypatch.setattr(
        run_module, "usage_head", lambda *a, **k: heads.append(current[0]) or real_head(*a, **k)
    )
    own = Analysis(workload, load_catalog(), with_readiness=False)
    for label, variant in cases:
        current[0] = label
        own.case_totals(variant)
    assert [h.split(" ")[0] for h in heads] == [
        "statements_per_txn",
        "row_width_bytes",
        "row_width_bytes",
        "secondary_indexes_per_table",
        "secondary_indexes_per_table",
    ]


def test_with_ranges_equals_ranges_priced_from_scratch() -> None:
    workload = _workload("synthetic")
    for scenario in ("default", "global-eu"):
        analysis = Analysis(workload, load_catalog(), with_readiness=False)
        point = analysis.run(load_scenario(scenario), sweep_points=50, ranges=False)
        fresh = analysis.with_ranges(point).verdict.ranges
        full = analysis.with_ranges(
            point, lambda v: Analysis(workload, load_catalog(), with_readiness=False).case_totals(v)
        ).verdict.ranges
        assert fresh is not None and full is not None and len(fresh.cases) == 11
        _same(fresh, full, scenario)
