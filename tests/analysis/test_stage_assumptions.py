"""Stages return the assumptions they used; the run merges them in the order the stages ran.

No stage writes into another stage's :class:`AssumptionSet`: usage records into its own (returned
as ``Usage.assumptions``), contention returns ``Contention.used``, each pricer's options carry
``OptionEstimate.assumptions``, readiness returns ``Readiness.assumptions``, and
:func:`costmodel.analysis.run.run_assumptions` joins them for the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.analysis.run import Analysis, run_assumptions
from costmodel.contention.model import ASSUMPTION_KEYS, assess_contention
from costmodel.core.assumptions import AssumptionSet, merge_used
from costmodel.core.catalog import load_catalog
from costmodel.core.estimate import Assumption
from costmodel.ingest.load import load_workload
from costmodel.pricing import PricingInput, price_options
from costmodel.scenario.model import load_scenario, scenario_assumptions
from costmodel.usage.compute import compute_usage

DATA = Path(__file__).parents[1] / "data" / "pipeline"
MULTI = {"regions": {"primary": "us-east-1", "dsql_peers": ["us-east-2"], "dsql_witness": "us-west-2"}}


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return Analysis(load_workload([DATA / "saas_small.csv"]), load_catalog())


def _keys(assumptions: tuple[Assumption, ...]) -> list[str]:
    return [a.key for a in assumptions]


def test_scoped_set_keeps_overrides_and_records_nothing_of_its_parent() -> None:
    parent = AssumptionSet({"occ_max_attempts": (5, "argument")})
    parent.get("row_width_bytes")
    scope = parent.scoped()
    assert scope.used() == ()
    assert scope.get("occ_max_attempts") == 5
    assert {a.key: a.source for a in scope.used()} == {"occ_max_attempts": "argument"}
    scope.record("measured_thing", 1.0, "x", "measured", "a value only this stage knows")
    assert _keys(parent.used()) == ["row_width_bytes"]


def test_merge_used_sorts_by_key_and_the_later_stage_wins() -> None:
    default = Assumption("occ_peak_to_mean", 3.0, "ratio", "default", "assumed")
    measured = Assumption("occ_peak_to_mean", 1.7, "ratio", "scenario", "from the profile")
    other = Assumption("a_key", 1, "n", "default", "first by key")
    merged = merge_used([default], [measured, other])
    assert merged == (other, measured)
    assert merge_used([measured], [default]) == (default,)


def test_contention_returns_its_assumptions_and_leaves_the_callers_set_alone(analysis: Analysis) -> None:
    scenario = load_scenario(None, MULTI)
    shared = scenario_assumptions(scenario)
    usage = compute_usage(analysis.workload, scenario, shared)
    before = usage.assumptions.used()
    contention = assess_contention(analysis.workload, usage, scenario, usage.assumptions)
    assert usage.assumptions.used() == before  # nothing written into the usage stage's set
    used = {a.key: a for a in contention.used}
    # the multi-region commit latency and the profile's peak ratio are recorded by this stage
    assert used["occ_commit_latency_ms"].source.startswith("default (commit_latency.yaml)")
    assert used["occ_peak_to_mean"].source == "scenario"
    assert set(_keys(contention.assumptions)) == set(used) & set(ASSUMPTION_KEYS)


def test_each_pricer_returns_its_own_assumptions(analysis: Analysis) -> None:
    scenario = load_scenario(None, MULTI)
    usage = compute_usage(analysis.workload, scenario, scenario_assumptions(scenario))
    before = usage.assumptions.used()
    priced = price_options(PricingInput(usage=usage, scenario=scenario, catalog=analysis.catalog))
    assert usage.assumptions.used() == before
    by_name = {p.estimate.name: set(_keys(p.estimate.assumptions)) for p in priced}
    assert "dsql_traffic_split_used" in by_name["dsql-multi-region"]
    assert "dsql_traffic_split_used" not in by_name["dsql-single-region"]
    sv2 = [keys for name, keys in by_name.items() if name.startswith("serverless-v2")]
    assert sv2 and all("dsql_traffic_split_used" not in keys for keys in sv2)
    assert all("sv2_vcpu_per_acu" in keys for keys in sv2)
    assert "sv2_vcpu_per_acu" not in by_name["dsql-single-region"]


def test_run_lists_every_stages_assumptions_in_stage_order(analysis: Analysis) -> None:
    result = analysis.run(load_scenario(None, MULTI), sweep_points=50)
    merged = run_assumptions(result.usage, result.contention, result.options, result.readiness)
    assert result.assumptions == merged
    keys = set(_keys(result.assumptions))
    assert {"storage_gb", "occ_peak_to_mean", "dsql_traffic_split_used", "sv2_vcpu_per_acu"} <= keys
    assert result.readiness is not None
    assert set(_keys(result.readiness.assumptions)) <= keys
    assert _keys(result.assumptions) == sorted(keys)


def test_a_what_if_run_lists_the_same_assumptions_as_the_first(analysis: Analysis) -> None:
    """Readiness is cached between what-ifs; its assumptions still come with every run."""
    first = Analysis(analysis.workload, analysis.catalog).run(load_scenario("default"), sweep_points=50)
    again = Analysis(analysis.workload, analysis.catalog)
    again.run(load_scenario("default"), sweep_points=50)
    second = again.run(load_scenario("default"), sweep_points=50)
    assert second.assumptions == first.assumptions
