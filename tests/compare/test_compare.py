"""Break-even sweep, DSQL cost curves and the verdict rules (costmodel.compare)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from costmodel.compare import break_even, decide
from costmodel.core.estimate import LineItem, OptionEstimate
from costmodel.pricing.dsql_curve import dsql_cost_curve


def _item(
    option: str,
    component: str,
    qty: float,
    price: str,
    usd: float,
    *,
    usage: bool = True,
    unit: str = "DPU",
    region: str = "us-east-1",
) -> LineItem:
    return LineItem(option, component, region, Decimal(str(qty)), unit, Decimal(price), Decimal(str(usd)),
                    "test", usage_based=usage)  # fmt: skip


def test_crossover_of_two_lines_is_found_where_hand_arithmetic_puts_it() -> None:
    # a: $10 + $2·k ; b: $4·k  → equal at k = 5 ($20)
    sweep = break_even({"a": lambda k: 10 + 2 * k, "b": lambda k: 4 * k}, points=2000)
    assert len(sweep.crossovers) == 1
    c = sweep.crossovers[0]
    assert c.multiplier == pytest.approx(5.0, rel=1e-3)
    assert c.monthly_usd == pytest.approx(20.0, rel=1e-3)
    assert (c.cheaper_below, c.cheaper_above) == ("b", "a")
    assert sweep.multipliers[0] == pytest.approx(0.01) and sweep.multipliers[-1] == pytest.approx(100.0)


def test_no_crossover_when_one_option_is_always_cheaper() -> None:
    sweep = break_even({"a": lambda k: 1 + k, "b": lambda k: 2 + 2 * k}, points=500)
    assert sweep.crossovers == ()
    thin = sweep.to_dict(points=11)
    assert len(thin["multipliers"]) == 11 and len(thin["costs"]["a"]) == 11


def test_dsql_curve_applies_free_tier_then_scales_linearly() -> None:
    # 1,000,000 DPU at $8/M = $8 at k=1; storage $3.30 fixed; free tier 100,000 DPU.
    option = OptionEstimate(
        name="dsql-single-region",
        kind="dsql",
        title="t",
        line_items=(
            _item("dsql-single-region", "ReadDPU", 600_000, "0.000008", 4.8),
            _item("dsql-single-region", "WriteDPU", 400_000, "0.000008", 3.2),
            _item("dsql-single-region", "Storage", 10, "0.33", 3.3, usage=False, unit="GB-month"),
            _item("dsql-single-region", "FreeTierDPU", -100_000, "0.000008", -0.8),
        ),
        details={"active_regions": ["us-east-1"]},
    )
    curve = dsql_cost_curve(option, free_tier_dpu=100_000)
    k = np.array([0.05, 0.1, 1.0, 2.0])
    # k=0.05: 50,000 DPU all free → storage only; k=0.1: exactly the allowance; above: linear minus $0.80
    assert curve(k) == pytest.approx([3.3, 3.3, 3.3 + 8 - 0.8, 3.3 + 16 - 0.8])
    assert curve(np.array([1.0]))[0] == pytest.approx(float(option.total_monthly_usd))


def _opt(name: str, kind: str, usd: str, **details: object) -> OptionEstimate:
    return OptionEstimate(
        name, kind, name, (_item(name, "X", 1, usd, float(usd), unit="USD"),), details=dict(details)
    )


def test_verdict_picks_cheapest_comparable_option() -> None:
    options = [
        _opt("dsql-single-region", "dsql", "40"),
        _opt("dsql-multi-region", "dsql", "90"),
        _opt("serverless-v2-standard", "serverless-v2", "60"),
        _opt("serverless-v2-io-optimized", "serverless-v2", "55"),
    ]
    v = decide(options, multi_region=False, readiness_verdict="ready", readiness_summary="none",
               contention_risk="low", conflict_rate=0.001, sv2_recommended_mode="serverless-v2-io-optimized")  # fmt: skip
    assert v.recommended == "dsql-single-region"
    assert "dsql-multi-region" not in v.comparable
    assert "serverless-v2-standard" not in v.comparable  # only the recommended I/O mode competes
    assert any("27% below" in r for r in v.reasons)  # (55 - 40) / 55


def test_verdict_does_not_recommend_blocked_dsql_and_says_why() -> None:
    options = [
        _opt("dsql-single-region", "dsql", "40"),
        _opt("serverless-v2-standard", "serverless-v2", "60"),
    ]
    v = decide(options, multi_region=False, readiness_verdict="blocked", readiness_summary="blockers touch 12% of calls",
               contention_risk="low", conflict_rate=0.0, sv2_recommended_mode=None)  # fmt: skip
    assert v.recommended == "serverless-v2-standard"
    assert v.cheapest == "dsql-single-region"
    assert any("12% of calls" in r for r in v.reasons)
    assert "blocked" in v.headline


def test_verdict_compares_multi_region_options_when_scenario_is_multi_region() -> None:
    options = [
        _opt("dsql-single-region", "dsql", "10"),
        _opt("dsql-multi-region", "dsql", "30"),
        _opt("serverless-v2-standard", "serverless-v2", "20"),
        _opt("serverless-v2-global", "serverless-v2", "50"),
    ]
    v = decide(options, multi_region=True, readiness_verdict="ready", readiness_summary="",
               contention_risk="high", conflict_rate=0.2, sv2_recommended_mode=None)  # fmt: skip
    assert v.recommended == "dsql-multi-region"
    assert set(v.comparable) == {"dsql-multi-region", "serverless-v2-global"}
    assert any("OCC risk is high" in r for r in v.reasons)


def test_blocked_dsql_alone_is_never_recommended_and_the_verdict_says_so() -> None:
    options = [_opt("dsql-single-region", "dsql", "10"), _opt("dsql-multi-region", "dsql", "30")]
    v = decide(options, multi_region=True, readiness_verdict="blocked", readiness_summary="3 blockers",
               contention_risk="low", conflict_rate=0.0, sv2_recommended_mode=None)  # fmt: skip
    assert v.recommended == ""
    assert "no alternative was priced" in v.headline
    assert any("no alternative was priced" in r for r in v.reasons)


def test_crossover_reason_names_who_is_cheaper_on_each_side() -> None:
    from costmodel.compare import Crossover

    options = [
        _opt("dsql-single-region", "dsql", "40"),
        _opt("serverless-v2-standard", "serverless-v2", "60"),
    ]
    # DSQL is cheaper today and SV2 wins above 3x load
    cross = Crossover("dsql-single-region", "serverless-v2-standard", 3.0, 120.0,
                      cheaper_below="dsql-single-region", cheaper_above="serverless-v2-standard")  # fmt: skip
    v = decide(options, multi_region=False, readiness_verdict="ready", readiness_summary="",
               contention_risk="low", conflict_rate=0.0, sv2_recommended_mode=None, crossovers=[cross])  # fmt: skip
    assert any(
        r.startswith("dsql-single-region is cheaper below 3× today's load, serverless-v2-standard above it")
        for r in v.reasons
    )


def test_capped_option_and_basis_are_named_in_the_verdict() -> None:
    sv2 = _opt("serverless-v2-standard", "serverless-v2", "60", capped_minutes=120.0, max_acu=16,
               peak_demand_acu=22.5, capacity_source_detail="measured source CPU: 40% of 8 vCPU",
               ha="1 reader(s) in another AZ")  # fmt: skip
    v = decide([_opt("dsql-single-region", "dsql", "90"), sv2], multi_region=False, readiness_verdict="ready",
               readiness_summary="", contention_risk="low", conflict_rate=0.0, sv2_recommended_mode=None)  # fmt: skip
    assert any("capped at max_acu 16 ACU for 120 minute(s)/month" in r for r in v.reasons)
    assert any("sized from measured source CPU: 40% of 8 vCPU" in r for r in v.reasons)
    assert any(r.startswith("HA assumption: Serverless v2 with 1 reader") for r in v.reasons)


def test_break_even_keeps_capped_multiplier_inside_the_sweep() -> None:
    curves = {"a": lambda k: 10 * k, "b": lambda k: 5 + 0 * k}
    sweep = break_even(curves, points=100, capped_from={"a": 2.5, "b": None, "c": 1e9})
    assert sweep.to_dict()["capped_from"] == {"a": 2.5}
