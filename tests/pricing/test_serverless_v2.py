"""Aurora Serverless v2 estimate: hand-computed line items, scale-to-zero simulation, Global Database.

Prices are the catalog's us-east-1 figures (reference/dsql-pricing.md §3.3): ACU-hour 0.12
(Standard) / 0.16 (I/O-Optimized), storage 0.10 / 0.225 per GB-month, I/O 0.20 per million,
backup 0.021 per GB-month, Global Database replicated write I/O 0.20 per million; transfer
us-east-1 ↔ us-west-2 0.02 per GB. A month is 730 h = 730/168 weeks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import PriceCatalog, load_catalog
from costmodel.core.errors import PricingError, ScenarioError
from costmodel.core.estimate import OptionEstimate
from costmodel.pricing.serverless_v2 import (
    cheaper_io_mode,
    estimate_serverless_v2,
    estimate_serverless_v2_options,
    serverless_v2_pricer,
    storage_projection,
)
from costmodel.pricing.serverless_v2_capacity import simulate_capacity
from costmodel.scenario.model import Scenario, scenario_assumptions
from costmodel.scenario.model import load_scenario as _load_scenario

SECONDS_PER_MONTH = 730 * 3600
WRITER_ONLY = {"readers": 0, "client_pool": "closes-idle"}
"""These hand-computed cases model one writer whose clients close idle connections (the defaults
until the like-with-like change); tests/test_serverless_v2_inputs.py covers the new defaults."""


def load_scenario(name: str | None = None, overrides: dict[str, Any] | None = None) -> Scenario:
    """A preset with the writer-only defaults under the test's own overrides."""
    merged: dict[str, Any] = dict(overrides or {})
    merged["serverless_v2"] = {**WRITER_ONLY, **dict(merged.get("serverless_v2") or {})}
    return _load_scenario(name, merged)


WPM = 730 / 168
GIB = 1024**3
CATALOG = load_catalog()


@dataclass(frozen=True)
class FakeUsage:
    """The Usage fields the Serverless v2 model reads (costmodel.usage.compute.Usage plugs in the same way)."""

    statements: pd.DataFrame
    storage_gb: float
    assumptions: AssumptionSet


def cpu_for(acu: float) -> float:
    """Monthly CPU-seconds whose flat demand is ``acu`` (0.25 vCPU per ACU at 70% utilisation)."""
    return acu * 0.25 * 0.7 * SECONDS_PER_MONTH


def usage(
    scenario: Scenario,
    *,
    cpu: float = 0.0,
    calls: float = 1e9,
    read_ios: float = 0.0,
    write_ios: float = 0.0,
    wal: float = 0.0,
    gb: float = 100.0,
    scale: float = 1.0,
    is_write: list[bool] | None = None,
    shares: list[float] | None = None,
) -> FakeUsage:
    shares = shares or [1.0]
    s = np.asarray(shares) * scale
    frame = pd.DataFrame(
        {
            "stmt_id": [f"q{i}" for i in range(len(shares))],
            "calls_month": calls * s,
            "exec_seconds_month": cpu * s,
            "cpu_seconds_month": cpu * s,
            "read_ios_month": read_ios * s,
            "write_ios_month": write_ios * s,
            "wal_bytes_month": wal * s,
        }
    )
    if is_write is not None:
        frame["is_write"] = is_write
    return FakeUsage(frame, gb, no_overhead(scenario))


def no_overhead(scenario: Scenario) -> AssumptionSet:
    """The scenario's assumptions with the fitted per-call/per-transaction CPU overhead set to 0:
    these hand-computed cases size from the CPU they give (tests/test_serverless_v2_cpu.py covers
    the overhead)."""
    a = scenario_assumptions(scenario)
    a.set("sv2_cpu_overhead_per_call_ms", 0.0, "test")
    a.set("sv2_cpu_overhead_per_txn_ms", 0.0, "test")
    return a


def lines(option: OptionEstimate) -> dict[tuple[str, str], Any]:
    return {(item.component, item.region): item for item in option.line_items}


def std(scenario: Scenario, **kw: Any) -> OptionEstimate:
    return estimate_serverless_v2(usage(scenario, **kw), scenario, CATALOG, io_mode="standard")


ALWAYS_ON = load_scenario("always-on")


# --- components ------------------------------------------------------------------------------------


def test_acu_io_storage_lines_standard() -> None:
    option = std(ALWAYS_ON, cpu=cpu_for(2.0), read_ios=50e6, write_ios=10e6)
    got = lines(option)
    acu = got[("ACU", "us-east-1")]
    assert (acu.quantity, acu.unit_price, acu.monthly_usd) == (
        Decimal("1460.0000"),
        Decimal("0.12"),
        Decimal("175.2000"),
    )
    assert got[("ReadIO", "us-east-1")].quantity == Decimal("50")
    assert got[("ReadIO", "us-east-1")].monthly_usd == Decimal("10.0000")
    assert got[("WriteIO", "us-east-1")].monthly_usd == Decimal("2.0000")
    assert got[("Storage", "us-east-1")].monthly_usd == Decimal("10.0000")
    assert got[("Backup", "us-east-1")].monthly_usd == Decimal("0.0000")
    assert "free allowance" in got[("Backup", "us-east-1")].note
    assert option.total_monthly_usd == Decimal("197.20")
    assert option.name == "serverless-v2-standard" and option.kind == "serverless-v2"
    assert got[("Storage", "us-east-1")].usage_based is False and acu.usage_based is True
    assert "aurora_serverless_v2/us-east-1/acu_hour_standard" in acu.price_ref


def test_io_optimized_has_no_io_lines_and_higher_acu_and_storage_prices() -> None:
    scenario = ALWAYS_ON
    option = estimate_serverless_v2(
        usage(scenario, cpu=cpu_for(2.0), read_ios=50e6, write_ios=10e6),
        scenario,
        CATALOG,
        io_mode="io-optimized",
    )
    got = lines(option)
    assert set(got) == {("ACU", "us-east-1"), ("Storage", "us-east-1"), ("Backup", "us-east-1")}
    assert got[("ACU", "us-east-1")].monthly_usd == Decimal("233.6000")  # 1460 × 0.16
    assert got[("Storage", "us-east-1")].monthly_usd == Decimal("22.5000")  # 100 × 0.225
    assert option.name == "serverless-v2-io-optimized"
    assert option.details["io_included"] is True and option.details["io_share"] == 0


def test_global_database_lines() -> None:
    scenario = load_scenario("multi-region-us")
    u = usage(scenario, cpu=cpu_for(2.0), read_ios=50e6, write_ios=10e6, wal=10 * GIB)
    option = estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard", global_database=True)
    got = lines(option)
    assert option.name == "serverless-v2-global"
    assert got[("ACU", "us-east-1")].monthly_usd == Decimal("175.2000")
    secondary = got[("SecondaryACU", "us-west-2")]
    assert (secondary.quantity, secondary.monthly_usd) == (
        Decimal("365.0000"),
        Decimal("43.8000"),
    )  # 0.5 ACU × 730 h
    assert got[("Storage", "us-west-2")].monthly_usd == Decimal("10.0000")
    assert got[("GlobalReplicatedWriteIO", "us-west-2")].monthly_usd == Decimal("2.0000")
    transfer = got[("Transfer", "us-east-1")]
    assert (transfer.quantity, transfer.monthly_usd) == (Decimal("10.0000"), Decimal("0.2000"))
    assert "us-east-1 -> us-west-2" in transfer.note
    assert option.total_monthly_usd == Decimal("197.20") + Decimal("56.00")
    assert option.details["global_secondaries"] == ["us-west-2"]


def test_global_database_replicated_io_also_with_io_optimized_and_headless_secondary() -> None:
    scenario = load_scenario("global-eu", {"assumptions": {"sv2_global_secondary_readers": 0}})
    u = usage(scenario, cpu=cpu_for(1.0), write_ios=10e6, wal=GIB)
    option = estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard", global_database=True)
    got = lines(option)
    assert ("SecondaryACU", "eu-west-2") not in got  # headless
    assert got[("GlobalReplicatedWriteIO", "eu-west-2")].monthly_usd == Decimal("2.0000")
    headless = load_scenario("multi-region-us", {"assumptions": {"sv2_global_secondary_readers": 0}})
    opt = estimate_serverless_v2(
        usage(headless, write_ios=10e6), headless, CATALOG, io_mode="io-optimized", global_database=True
    )
    assert lines(opt)[("GlobalReplicatedWriteIO", "us-west-2")].monthly_usd == Decimal("2.0000")
    assert lines(opt)[("Storage", "us-west-2")].monthly_usd == Decimal("22.5000")
    assert ("WriteIO", "us-east-1") not in lines(opt)


def test_rounding_up_to_half_acu_steps_and_memory_floor() -> None:
    assert lines(std(ALWAYS_ON, cpu=cpu_for(2.1)))[("ACU", "us-east-1")].quantity == Decimal(
        "1825.0000"
    )  # 2.5 ACU
    assert lines(std(ALWAYS_ON, cpu=cpu_for(0.3)))[("ACU", "us-east-1")].quantity == Decimal(
        "365.0000"
    )  # floor 0.5
    floor = load_scenario("always-on", {"assumptions": {"sv2_memory_floor_acu": 1.2}})
    assert lines(std(floor, cpu=cpu_for(0.3)))[("ACU", "us-east-1")].quantity == Decimal(
        "1095.0000"
    )  # 1.5 ACU


def test_max_acu_clamps_and_warns() -> None:
    option = std(ALWAYS_ON, cpu=cpu_for(20.0))
    assert lines(option)[("ACU", "us-east-1")].quantity == Decimal("11680.0000")  # 16 ACU × 730 h
    assert option.details["capped_minutes"] == pytest.approx(10_080 * WPM)
    assert option.details["peak_demand_acu"] == pytest.approx(20.0)
    assert any("exceeds max_acu 16" in w and "throttled" in w for w in option.warnings)


def test_backup_beyond_the_free_allowance() -> None:
    scenario = load_scenario(
        "always-on", {"assumptions": {"sv2_backup_retention_days": 8, "sv2_backup_daily_change_pct": 5.0}}
    )
    backup = lines(std(scenario))[("Backup", "us-east-1")]
    assert backup.quantity == Decimal("35.0000")  # 100 × (1 + 0.05 × 7) − 100 free
    assert backup.monthly_usd == Decimal("0.7350")


def test_storage_growth_is_projected_not_billed_in_month_one() -> None:
    scenario = load_scenario("always-on", {"storage": {"monthly_growth_pct": 10}, "months": 3})
    option = std(scenario)
    assert lines(option)[("Storage", "us-east-1")].quantity == Decimal("100.0000")
    assert option.details["storage_gb_by_month"] == pytest.approx([100.0, 110.0, 121.0])
    assert option.details["storage_usd_by_month"] == pytest.approx([10.0, 11.0, 12.1])
    assert storage_projection(50, -50, 3) == [50, 25, 12.5]


def test_readers_follow_the_writer_or_scale_alone() -> None:
    follow = load_scenario(
        "always-on",
        {
            "serverless_v2": {"readers": 2, "reader_promotion_tier": 1},
            "assumptions": {"sv2_reader_cpu_share": 0.5},
        },
    )
    got = lines(std(follow, cpu=cpu_for(4.0)))
    assert got[("ACU", "us-east-1")].quantity == Decimal("1460.0000")  # writer keeps half: 2 ACU
    assert got[("ReaderACU", "us-east-1")].quantity == Decimal("2920.0000")  # 2 readers at the writer's 2 ACU
    alone = load_scenario(
        "always-on",
        {
            "serverless_v2": {"readers": 2, "reader_promotion_tier": 5},
            "assumptions": {"sv2_reader_cpu_share": 0.5},
        },
    )
    assert lines(std(alone, cpu=cpu_for(4.0)))[("ReaderACU", "us-east-1")].quantity == Decimal(
        "1460.0000"
    )  # 1 ACU each


def test_reader_share_is_measured_from_read_only_statements() -> None:
    scenario = load_scenario("always-on", {"serverless_v2": {"readers": 1, "reader_promotion_tier": 2}})
    u = usage(scenario, cpu=cpu_for(4.0), shares=[0.75, 0.25], is_write=[False, True])
    option = estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard")
    assert option.details["reader_cpu_share"] == pytest.approx(0.75)
    assert lines(option)[("ReaderACU", "us-east-1")].quantity == Decimal("2190.0000")  # 3 ACU
    assert lines(option)[("ACU", "us-east-1")].quantity == Decimal("730.0000")  # 1 ACU
    assert {a.key: a.source for a in option.assumptions}["sv2_reader_cpu_share"] == "measured"


# --- scale to zero ---------------------------------------------------------------------------------


def _sim(scenario: Scenario, **kw: Any) -> Any:
    return simulate_capacity(usage(scenario, **kw), scenario, CATALOG)


def test_a_job_every_10_minutes_keeps_it_awake() -> None:
    ticking = load_scenario(None, {"background": {"every_minutes": 10}})
    sim = _sim(ticking, calls=0.0)
    assert sim.paused_hours_month == 0 and sim.resumes_month == 0
    assert sim.acu_hours_month == pytest.approx(0.5 * 730)
    calls = _sim(load_scenario(), calls=6 * 730.0)  # the job as workload calls: 6 an hour
    assert calls.paused_hours_month == 0


def test_the_same_job_without_a_held_connection_lets_it_pause() -> None:
    scenario = load_scenario(
        None, {"background": {"every_minutes": 10}, "assumptions": {"sv2_connection_hold_seconds": 0}}
    )
    sim = _sim(scenario, calls=0.0)
    assert sim.paused_hours_month == pytest.approx(1008 * 4 / 60 * WPM)  # minutes 6-9 of each cycle
    assert sim.resumes_month == pytest.approx(1008 * WPM)
    assert set(sim.resume_delay_seconds) == {15.0}


def test_a_job_every_30_minutes_pauses_between_runs() -> None:
    sim = _sim(load_scenario(None, {"background": {"every_minutes": 30}}), calls=0.0)
    assert sim.paused_hours_month == pytest.approx(336 * 19 / 60 * WPM)  # awake 10 min after each run
    assert sim.resumes_month == pytest.approx(336 * WPM)


def test_business_hours_pause_at_night_and_over_the_weekend() -> None:
    scenario = load_scenario("business-hours")
    busy = 2.0 * 3000 / 10_080  # mean demand whose business-hours demand is 2.0 ACU
    sim = _sim(scenario, cpu=cpu_for(busy))
    assert sim.paused_hours_month == pytest.approx((118 - 5 * 10 / 60) * WPM)
    assert sim.resumes_month == pytest.approx(5 * WPM)
    assert sim.deep_resumes_month == pytest.approx(1 * WPM)  # the weekend pause is longer than 24 h
    assert sorted(sim.resume_delay_seconds) == [15.0, 15.0, 15.0, 15.0, 30.0]
    assert sim.summary()["resume_delay_max_seconds"] == 30
    assert sim.acu_hours_month == pytest.approx((3000 * 2.0 + 50 * 0.5) / 60 * WPM)
    monday = sim.paused[:1440]
    assert not monday[8 * 60 : 18 * 60 + 10].any() and monday[18 * 60 + 10 :].all() and monday[: 8 * 60].all()


def test_a_longer_auto_pause_delay_shortens_the_paused_time() -> None:
    scenario = load_scenario("business-hours", {"serverless_v2": {"auto_pause_seconds": 3600}})
    sim = _sim(scenario, cpu=cpu_for(0.1))
    assert sim.paused_hours_month == pytest.approx((118 - 5 * 65 / 60) * WPM)


def test_a_pause_longer_than_a_day_costs_the_deeper_resume() -> None:
    weights = [0.0] * 168
    weights[9] = 1.0  # Monday 09:00-10:00 only
    weekly = _sim(load_scenario(None, {"time_profile": weights}))
    assert weekly.paused_run_minutes.tolist() == [10_080 - 60 - 10]
    assert weekly.resume_delay_seconds.tolist() == [30.0]
    nightly = _sim(load_scenario("nightly-batch"))
    assert set(nightly.paused_run_minutes.tolist()) == {1440 - 120 - 10}
    assert set(nightly.resume_delay_seconds.tolist()) == {15.0}


def test_min_acu_above_zero_never_pauses() -> None:
    scenario = load_scenario("business-hours", {"serverless_v2": {"min_acu": 0.5}})
    sim = _sim(scenario, cpu=cpu_for(0.1))
    assert not sim.paused.any() and sim.resumes_month == 0
    assert sim.acu_hours_month == pytest.approx(0.5 * 730)
    assert "min_acu is 0.5" in sim.inputs.pausing


def test_global_database_writer_never_pauses() -> None:
    scenario = load_scenario("business-hours", {"regions": {"global_secondaries": ["us-west-2"]}})
    u = usage(scenario, cpu=cpu_for(0.1))
    option = estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard", global_database=True)
    assert option.details["paused_hours"] == 0
    assert any("never auto-pauses" in w for w in option.warnings)
    assert estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard").details["paused_hours"] > 0


def test_simulation_series_for_the_dashboard() -> None:
    sim = _sim(load_scenario("business-hours"), cpu=cpu_for(0.5))
    frame = sim.to_frame()
    assert len(frame) == 10_080 and frame.index[0].day_of_week == 0
    assert set(frame.columns) == {"acu", "reader_acu", "demand_acu", "active", "paused"}
    assert (frame.loc[frame["paused"], "acu"] == 0).all()


# --- growth and fast re-pricing ---------------------------------------------------------------------


def test_growth_scales_usage_driven_lines_linearly() -> None:
    scenario = load_scenario("multi-region-us")
    base = dict(cpu=cpu_for(2.0), read_ios=50e6, write_ios=10e6, wal=10 * GIB)
    one = estimate_serverless_v2(
        usage(scenario, **base), scenario, CATALOG, io_mode="standard", global_database=True
    )
    three = estimate_serverless_v2(
        usage(scenario, scale=3, **base), scenario, CATALOG, io_mode="standard", global_database=True
    )
    a, b = lines(one), lines(three)
    for key in (
        ("ACU", "us-east-1"),
        ("ReadIO", "us-east-1"),
        ("WriteIO", "us-east-1"),
        ("GlobalReplicatedWriteIO", "us-west-2"),
        ("Transfer", "us-east-1"),
    ):
        assert b[key].monthly_usd == 3 * a[key].monthly_usd, key
    for key in (("Storage", "us-east-1"), ("SecondaryACU", "us-west-2")):
        assert b[key].monthly_usd == a[key].monthly_usd


@pytest.mark.parametrize(
    "overrides",
    [
        {"time_profile": "business-hours"},
        {"time_profile": "always-on", "assumptions": {"profile_always_on_diurnal_amplitude": 0.6}},
        {
            "time_profile": "dev-sporadic",
            "serverless_v2": {"max_acu": 8, "readers": 2, "reader_promotion_tier": 0},
        },
        {
            "time_profile": "nightly-batch",
            "serverless_v2": {"readers": 1, "reader_promotion_tier": 3},
            "regions": {"global_secondaries": ["us-west-2"]},
        },
    ],
)
def test_pricer_matches_a_fresh_estimate_at_every_multiplier(overrides: dict[str, Any]) -> None:
    scenario = load_scenario("default", overrides)
    base = dict(
        cpu=cpu_for(0.8), read_ios=5e6, write_ios=2e6, wal=GIB, shares=[0.6, 0.4], is_write=[False, True]
    )
    glob = bool(scenario.regions.global_secondaries)
    pricer = serverless_v2_pricer(
        usage(scenario, **base), scenario, CATALOG, io_mode="standard", global_database=glob
    )
    scales = np.array([0.05, 0.37, 1.0, 1.9, 3.3, 7.1, 40.0])
    swept = pricer.monthly_usd(scales)
    for k, got in zip(scales, swept, strict=True):
        fresh = estimate_serverless_v2(
            usage(scenario, scale=k, **base), scenario, CATALOG, io_mode="standard", global_database=glob
        )
        expected = sum(float(i.quantity * i.unit_price) for i in fresh.line_items)
        assert got == pytest.approx(expected, rel=1e-6), k
    assert pricer.monthly_usd(1.0)[0] == pytest.approx(
        float(
            estimate_serverless_v2(
                usage(scenario, **base), scenario, CATALOG, io_mode="standard", global_database=glob
            ).total_monthly_usd
        ),
        abs=0.01,
    )


# --- I/O mode choice and options ------------------------------------------------------------------


def test_cheaper_io_mode_explains_the_choice() -> None:
    scenario = ALWAYS_ON
    light = usage(scenario, cpu=cpu_for(2.0), read_ios=50e6, write_ios=10e6)
    s = estimate_serverless_v2(light, scenario, CATALOG, io_mode="standard")
    o = estimate_serverless_v2(light, scenario, CATALOG, io_mode="io-optimized")
    name, reason = cheaper_io_mode(s, o)
    assert name == "serverless-v2-standard"
    assert reason == (
        "I/O is 6% of the Standard bill ($12.00/month); Standard is $58.90/month cheaper "
        "(I/O-Optimized pays off above $70.90/month of I/O)"
    )
    heavy = usage(scenario, cpu=cpu_for(2.0), read_ios=1000e6, write_ios=10e6)
    s = estimate_serverless_v2(heavy, scenario, CATALOG, io_mode="standard")
    o = estimate_serverless_v2(heavy, scenario, CATALOG, io_mode="io-optimized")
    assert s.details["io_share"] == pytest.approx(202 / 387.2)
    assert cheaper_io_mode(s, o) == (
        "serverless-v2-io-optimized",
        "I/O is 52% of the Standard bill ($202.00/month); I/O-Optimized saves $131.10/month",
    )


def test_options_follow_the_scenario_io_mode() -> None:
    scenario = load_scenario("always-on")
    options = estimate_serverless_v2_options(
        usage(scenario, cpu=cpu_for(1.0), read_ios=1e6), scenario, CATALOG
    )
    assert [o.name for o in options] == ["serverless-v2-standard", "serverless-v2-io-optimized"]
    assert options[0].details["io_mode_recommendation"]["option"] == "serverless-v2-standard"
    only = load_scenario("always-on", {"serverless_v2": {"io_mode": "io-optimized"}})
    assert [o.name for o in estimate_serverless_v2_options(usage(only), only, CATALOG)] == [
        "serverless-v2-io-optimized"
    ]


def _without(*keys: tuple[str, str]) -> PriceCatalog:
    """The catalog without some Serverless v2 (region, item) prices (every DSQL region has them all now)."""
    prices = {
        k: v
        for k, v in CATALOG.prices.items()
        if not (k[0] == "aurora_serverless_v2" and (k[1], k[2]) in keys)
    }
    return dataclasses.replace(CATALOG, prices=prices)


def test_a_mode_without_prices_is_skipped_with_a_warning() -> None:
    scenario = load_scenario("always-on", {"regions": {"primary": "ap-south-1"}})
    u = usage(scenario, cpu=cpu_for(1.0))
    with pytest.raises(PricingError, match="ap-south-1") as info:
        estimate_serverless_v2(u, scenario, CATALOG, io_mode="io-optimized")
    assert "aurora_serverless_v2.yaml" in (info.value.hint or "")
    with pytest.raises(PricingError, match="ap-south-1"):
        estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard")  # no source for that region
    west = load_scenario("always-on", {"regions": {"primary": "us-west-2"}})
    catalog = _without(("us-west-2", "acu_hour_io_optimized"))
    options = estimate_serverless_v2_options(usage(west), west, catalog)
    assert [o.name for o in options] == ["serverless-v2-standard"]
    assert any("I/O-Optimized not priced" in w and "us-west-2" in w for w in options[0].warnings)


def test_global_option_in_us_west_2_keeps_the_recommended_mode() -> None:
    scenario = load_scenario("multi-region-us")
    heavy = usage(scenario, cpu=cpu_for(1.0), read_ios=1000e6, write_ios=10e6, wal=GIB)
    options = estimate_serverless_v2_options(heavy, scenario, CATALOG)
    assert [o.name for o in options] == [
        "serverless-v2-standard",
        "serverless-v2-io-optimized",
        "serverless-v2-global",
    ]
    assert options[0].details["io_mode_recommendation"]["option"] == "serverless-v2-io-optimized"
    assert options[-1].details["io_mode"] == "io-optimized"  # us-west-2 now has its I/O-Optimized price


def test_global_option_falls_back_to_a_priced_mode() -> None:
    scenario = load_scenario("multi-region-us")
    heavy = usage(scenario, cpu=cpu_for(1.0), read_ios=1000e6, write_ios=10e6, wal=GIB)
    options = estimate_serverless_v2_options(
        heavy, scenario, _without(("us-west-2", "acu_hour_io_optimized"))
    )
    glob = options[-1]
    assert glob.details["io_mode"] == "standard"
    assert any("Global Database I/O-Optimized not priced" in w for w in glob.warnings)


def test_bad_calls_are_clear_errors() -> None:
    u = usage(ALWAYS_ON)
    with pytest.raises(ScenarioError, match="io_mode 'cheaper'"):
        estimate_serverless_v2(u, ALWAYS_ON, CATALOG, io_mode="cheaper")
    with pytest.raises(ScenarioError, match="secondary region") as info:
        estimate_serverless_v2(u, ALWAYS_ON, CATALOG, io_mode="standard", global_database=True)
    assert info.value.column == "regions.global_secondaries"
    bad = load_scenario("always-on", {"assumptions": {"sv2_target_cpu_utilization": 0}})
    with pytest.raises(ScenarioError, match="sv2_target_cpu_utilization"):
        estimate_serverless_v2(usage(bad), bad, CATALOG, io_mode="standard")


# --- details and statements -------------------------------------------------------------------------


def test_details_and_per_statement_costs() -> None:
    scenario = load_scenario("business-hours")
    u = usage(scenario, cpu=cpu_for(0.5), read_ios=10e6, write_ios=5e6, shares=[0.7, 0.2, 0.1])
    option = estimate_serverless_v2(u, scenario, CATALOG, io_mode="standard")
    for key in (
        "acu_hours",
        "paused_hours",
        "resumes",
        "resume_delay_seconds",
        "peak_acu",
        "mean_acu",
        "capped_minutes",
        "io_share",
        "pausing",
        "time_profile",
    ):
        assert key in option.details, key
    assert option.details["mean_acu"] == pytest.approx(option.details["acu_hours"] / 730)
    frame = option.statements
    assert frame is not None and list(frame["stmt_id"]) == ["q0", "q1", "q2"]
    usage_based = sum(float(i.monthly_usd) for i in option.line_items if i.usage_based)
    assert frame["monthly_usd"].sum() == pytest.approx(usage_based, abs=1e-3)
    assert frame["monthly_usd"].iloc[0] == pytest.approx(0.7 * usage_based, abs=1e-3)
    assert {a.key for a in option.assumptions} >= {
        "sv2_vcpu_per_acu",
        "sv2_memory_floor_acu",
        "sv2_connection_hold_seconds",
    }


def test_capacity_shape_matches_brute_force_rounding() -> None:
    """The breakpoint count equals Σ clamp(ceil(max(k·v, floor) / step) · step) minute by minute."""
    from costmodel.pricing.serverless_v2_capacity import step_capacity

    rng = np.random.default_rng(3)
    for max_acu, min_acu, floor in ((16.0, 0.0, 0.5), (256.0, 2.0, 0.0), (4.0, 0.5, 1.2)):
        scenario = load_scenario(
            "always-on",
            {
                "serverless_v2": {"max_acu": max_acu, "min_acu": min_acu},
                "assumptions": {"sv2_memory_floor_acu": floor, "profile_always_on_diurnal_amplitude": 0.9},
            },
        )
        sim = _sim(scenario, cpu=cpu_for(rng.uniform(0.2, 3.0)))
        scales = np.concatenate([rng.uniform(0, 60, 500), [0.0, 1.0, 2.0, 10.0]])
        low = max(min_acu, 0.5)
        brute = [step_capacity(k * sim.demand_acu, floor, low, max_acu, 0.5).sum() / 60 * WPM for k in scales]
        assert sim.shape().acu_hours_month(scales) == pytest.approx(brute, rel=1e-12)


def test_real_usage_plugs_in_and_growth_scales_io() -> None:
    """costmodel.usage.compute.Usage satisfies the model's duck type; growth is applied there, once."""
    from costmodel.core.workload import Window, Workload
    from costmodel.usage.compute import compute_usage

    frame = pd.DataFrame(
        {
            "stmt_id": ["a", "b"],
            "query": ["SELECT 1", "UPDATE t SET x = 1 WHERE id = $1"],
            "calls": [3600.0, 360.0],
            "total_exec_time": [3600.0, 720.0],
            "rows": [3600.0, 360.0],
            "shared_blks_read": [100.0, 50.0],
            "shared_blks_hit": [1000.0, 500.0],
            "wal_bytes": [0.0, 360 * 200.0],
        }
    )
    workload = Workload(frame, Window(3600.0, "argument", "test"), ("test",), "test")
    totals = {}
    for growth in (1.0, 3.0):
        scenario = load_scenario("business-hours", {"growth": growth})
        real = compute_usage(workload, scenario, scenario_assumptions(scenario))
        option = estimate_serverless_v2(real, scenario, CATALOG, io_mode="standard")
        totals[growth] = lines(option)
    for key in (("ReadIO", "us-east-1"), ("WriteIO", "us-east-1")):
        assert float(totals[3.0][key].quantity) == pytest.approx(
            3 * float(totals[1.0][key].quantity), rel=1e-3
        )
    # 150 blocks read per hour (both statements) → 150 × 730 read I/Os a month, in millions
    assert float(totals[1.0][("ReadIO", "us-east-1")].quantity) == pytest.approx(150 * 730 / 1e6, abs=1e-4)


def test_a_trickle_of_heavy_calls_puts_its_cpu_on_the_minutes_the_calls_arrive() -> None:
    """6 calls an hour: the CPU of each call lands on its own minute (2 ACU there), never on a paused one."""
    sim = _sim(load_scenario(), calls=6 * 730.0, cpu=cpu_for(0.2))
    assert sim.demand_acu.sum() == pytest.approx(0.2 * 10_080)  # monthly CPU preserved
    assert sorted(set(np.round(sim.acu, 9))) == [0.5, 2.0]
    assert sim.acu_hours_month == pytest.approx((1008 * 2.0 + 9072 * 0.5) / 60 * WPM)
    pausing = load_scenario(None, {"assumptions": {"sv2_connection_hold_seconds": 0}})
    sim = _sim(pausing, calls=6 * 730.0, cpu=cpu_for(0.2))
    assert sim.demand_acu[sim.paused].sum() == 0
    assert sim.acu_hours_month == pytest.approx((1008 * 2.0 + 1008 * 5 * 0.5) / 60 * WPM)


def test_each_option_comes_with_a_pricer_from_the_same_simulation() -> None:
    from costmodel.pricing.serverless_v2 import serverless_v2_options

    scenario = load_scenario("multi-region-us")
    u = usage(scenario, cpu=cpu_for(1.3), read_ios=80e6, write_ios=20e6, wal=5 * GIB)
    priced = serverless_v2_options(u, scenario, CATALOG)
    assert [o.name for o, _ in priced] == [p.name for _, p in priced]
    for option, pricer in priced:
        assert pricer.monthly_usd(1.0)[0] == pytest.approx(float(option.total_monthly_usd), abs=0.01)
        swept = pricer.monthly_usd(np.geomspace(0.01, 100, 1000))
        assert (np.diff(swept) >= -1e-9).all()  # more load never costs less
