"""The whole pipeline on a small SaaS-like export: consistency between stages and the report contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from costmodel.analysis.run import Analysis, with_growth
from costmodel.core.catalog import load_catalog
from costmodel.ingest.load import load_workload
from costmodel.report.model import build_report
from costmodel.scenario.model import load_scenario

DATA = Path(__file__).parents[1] / "data" / "pipeline"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return Analysis(load_workload([DATA / "saas_small.csv"]), load_catalog())


def test_report_follows_the_contract(analysis: Analysis) -> None:
    result = analysis.run(load_scenario("default"), sweep_points=500)
    report = build_report(result)
    assert report["schema_version"] == 1
    assert report["window"]["source"] == "metadata" and report["window"]["seconds"] == 3600
    names = [o["name"] for o in report["options"]]
    assert names[0] == "dsql-single-region"
    assert all(n.startswith(("dsql-", "serverless-v2-")) for n in names)
    for option in report["options"]:
        total = sum(item["monthly_usd"] for item in option["line_items"])
        assert option["total_monthly_usd"] == pytest.approx(total, abs=0.006)
        for item in option["line_items"]:
            assert item["price_ref"] and item["unit"]
    assert report["verdict"]["recommended"] in names
    assert set(report["break_even"]["costs"]) == set(names)
    assert report["readiness"]["verdict"] in ("ready", "changes needed", "blocked")
    assert 0 <= report["contention"]["predicted_conflict_rate"] <= 1
    keys = {a["key"] for a in report["assumptions"]}
    assert "row_width_bytes" in keys or any("width" in k for k in keys)
    assert report["prices"]["as_of"]["aurora_dsql/us-east-1/dpu_per_million"] == "2026-06-12"
    assert len(report["statements"]) == 8  # the nested row is excluded
    json.dumps(report)  # JSON-ready: no numpy scalars, no NaN


def test_dsql_cost_curve_matches_repricing_at_another_growth(analysis: Analysis) -> None:
    base = load_scenario("default")
    result = analysis.run(base, sweep_points=2000)
    sweep = result.break_even
    for growth in (0.3, 4.0):
        again = analysis.run(with_growth(base, growth), sweep_points=10)
        for name in ("dsql-single-region", "serverless-v2-standard"):
            direct = float(next(o for o in again.options if o.name == name).total_monthly_usd)
            curve = sweep.costs[name]
            at = float(np.interp(np.log(growth), np.log(sweep.multipliers), curve))
            assert at == pytest.approx(direct, rel=0.01), name


def test_literals_are_redacted_unless_asked(analysis: Analysis) -> None:
    result = analysis.run(load_scenario("default"), sweep_points=50)
    hidden = json.dumps(build_report(result))
    shown = json.dumps(build_report(result, show_literals=True))
    assert "$1" in hidden
    assert json.loads(shown)["inputs"]["literals"] == "shown"


def test_multi_region_and_global_options_appear_when_asked(analysis: Analysis) -> None:
    scenario = load_scenario(
        "default",
        {
            "regions": {
                "dsql_peers": ["us-east-2"],
                "dsql_witness": "us-west-2",
                "global_secondaries": ["us-west-2"],
            }
        },
    )
    result = analysis.run(scenario, sweep_points=100)
    names = {o.name for o in result.options}
    assert {"dsql-multi-region", "serverless-v2-global"} <= names
    multi = result.option("dsql-multi-region")
    single = result.option("dsql-single-region")
    assert multi is not None and single is not None
    comps = multi.by_component()
    # MultiRegionWriteDPU = WriteDPU per active peer (one peer besides the primary)
    assert float(comps["MultiRegionWriteDPU"]) == pytest.approx(float(comps["WriteDPU"]), rel=1e-6)
    storage_regions = {i.region for i in multi.line_items if i.component == "Storage"}
    assert storage_regions == {"us-east-1", "us-east-2"}
    assert result.verdict.recommended in ("dsql-multi-region", "serverless-v2-global")


def test_rescaled_usage_equals_a_fresh_computation_at_that_growth(analysis: Analysis) -> None:
    from costmodel.scenario.model import scenario_assumptions
    from costmodel.usage.compute import compute_usage

    base = load_scenario("default")
    analysis.run(base, sweep_points=10)  # caches the usage at growth 1
    grown = with_growth(base, 3.5)
    cached = analysis.run(grown, sweep_points=10)
    fresh = compute_usage(analysis.workload, grown, scenario_assumptions(grown))
    for column in ("calls_month", "cpu_seconds_month", "write_ios_month", "read_bytes_per_call"):
        assert np.allclose(cached.usage.statements[column], fresh.statements[column], equal_nan=True), column
    assert cached.usage.txns_month == pytest.approx(fresh.txns_month)
    assert cached.usage.counts == pytest.approx(fresh.counts)
    again = Analysis(analysis.workload, load_catalog()).run(grown, sweep_points=10)
    assert [o.total_monthly_usd for o in cached.options] == [o.total_monthly_usd for o in again.options]


def test_peer_prices_a_global_database_in_the_same_regions(analysis: Analysis) -> None:
    scenario = load_scenario(
        "business-hours", {"regions": {"dsql_peers": ["us-east-2"], "dsql_witness": "us-west-2"}}
    )
    result = analysis.run(scenario, sweep_points=200)
    glob = result.option("serverless-v2-global")
    assert glob is not None
    assert glob.details["global_secondaries"] == ["us-east-2"]
    assert "priced automatically" in glob.details["auto_priced"]
    assert set(result.verdict.comparable) == {"dsql-multi-region", "serverless-v2-global"}
    assert result.verdict.recommended in result.verdict.comparable


def test_capped_serverless_v2_segment_is_drawn_dashed(analysis: Analysis) -> None:
    from costmodel.report.figures import break_even_figure

    scenario = load_scenario("always-on", {"serverless_v2": {"max_acu": 1}, "growth": 20})
    result = analysis.run(scenario, sweep_points=200)
    report = build_report(result)
    capped = report["break_even"]["capped_from"]
    assert capped, "max_acu 1 at 20x load caps Serverless v2 inside the sweep"
    assert any("capped at max_acu 1 ACU" in r for r in report["verdict"]["reasons"])
    fig = break_even_figure(report)
    dashed = [t for t in fig.data if t.line.dash == "dash"]
    assert {t.legendgroup for t in dashed} >= set(capped)


def test_savings_plan_variants_are_priced_and_stated_not_picked(analysis: Analysis) -> None:
    scenario = load_scenario("business-hours", {"savings_plan": {"enabled": True}})
    result = analysis.run(scenario, sweep_points=100)
    names = [o.name for o in result.options]
    assert {"dsql-single-region+sp1y", "serverless-v2-standard+sp1y"} <= set(names)
    assert not result.verdict.recommended.endswith("+sp1y")
    base, variant = result.option("serverless-v2-standard"), result.option("serverless-v2-standard+sp1y")
    assert base is not None and variant is not None
    assert base.details["paused_hours"] > 0
    commitment = next(i for i in variant.line_items if i.component == "SavingsPlanCommitment")
    assert float(commitment.quantity) == 730  # billed every hour, paused ones too
    report = build_report(result)
    assert any("Savings Plan" in r for r in report["verdict"]["reasons"])
    assert "serverless-v2-standard+sp1y" not in report["break_even"]["costs"]
