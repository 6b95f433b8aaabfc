"""Database Savings Plans: commitment sized at the rate quantile of hourly spend, billed in paused hours."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from costmodel.core.catalog import load_catalog
from costmodel.core.errors import PricingError, ScenarioError
from costmodel.core.estimate import LineItem, OptionEstimate
from costmodel.core.timebase import HOURS_PER_MONTH, WEEKS_PER_MONTH
from costmodel.pricing.savings_plan import PlanTerms, plan_terms, savings_plan_variant
from costmodel.scenario.model import load_scenario


def _option(acu_usd: float, storage_usd: float = 10.0) -> OptionEstimate:
    def item(component: str, usd: float) -> LineItem:
        return LineItem("sv2", component, "us-east-1", Decimal(1), "x", Decimal(1), Decimal(repr(usd)), "ref")

    return OptionEstimate("sv2", "serverless-v2", "SV2", (item("ACU", acu_usd), item("Storage", storage_usd)))


def test_commitment_covers_the_rate_quantile_and_is_billed_in_paused_hours() -> None:
    hourly = np.array([0.0] * 50 + [1.0] * 118)  # 50 paused hours a week
    base = float(hourly.sum()) * WEEKS_PER_MONTH
    variant = savings_plan_variant(_option(base), hourly, ("ACU",), PlanTerms(0.35, "test", True))
    lines = {i.component: i for i in variant.line_items}
    # 35% of hours are below 1.0 only if fewer than 35% are paused: 50/168 = 30% -> level 1.0
    assert float(lines["SavingsPlanCommitment"].monthly_usd) == pytest.approx(
        0.65 * HOURS_PER_MONTH, abs=1e-3
    )
    assert float(lines["OnDemandAbovePlan"].monthly_usd) == 0.0
    assert "Storage" in lines and "ACU" not in lines
    assert variant.name == "sv2+sp1y"
    assert variant.total_monthly_usd == pytest.approx(
        Decimal(repr(0.65 * HOURS_PER_MONTH + 10)), abs=Decimal("0.01")
    )


def test_mostly_paused_cluster_gets_no_commitment() -> None:
    hourly = np.array([0.0] * 120 + [2.0] * 48)
    base = float(hourly.sum()) * WEEKS_PER_MONTH
    variant = savings_plan_variant(_option(base), hourly, ("ACU",), PlanTerms(0.35, "test", True))
    lines = {i.component: i for i in variant.line_items}
    assert float(lines["SavingsPlanCommitment"].monthly_usd) == 0.0
    assert float(lines["OnDemandAbovePlan"].monthly_usd) == pytest.approx(base, rel=1e-6)


def test_catalog_rates_are_fractions_with_sources() -> None:
    catalog = load_catalog()
    sv2 = plan_terms(catalog, "aurora_serverless_v2", None)
    dsql = plan_terms(catalog, "aurora_dsql", None)
    assert 0 < dsql.rate < sv2.rate <= 1
    assert "UNCONFIRMED" in dsql.ref


def test_rate_outside_0_1_in_a_price_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rates.yaml"
    bad.write_text(
        "service: aurora_serverless_v2\nfacts:\n  savings_plan_1y_no_upfront_rate: {value: 1.5, source: [me]}\n"
    )
    catalog = load_catalog([bad])
    with pytest.raises(PricingError) as info:
        plan_terms(catalog, "aurora_serverless_v2", None)
    assert "facts.savings_plan_1y_no_upfront_rate" in str(info.value)


def test_rate_outside_0_1_in_a_scenario_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"savings_plan\.sv2_rate"):
        load_scenario(None, {"savings_plan": {"enabled": True, "sv2_rate": 1.5}})
