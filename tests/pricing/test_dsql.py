"""Aurora DSQL pricing: AWS's worked examples to the last printed digit, regions, free tier, minimums."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import PricingError, ScenarioError
from costmodel.pricing.calibration import Calibration
from costmodel.pricing.dsql import DpuConstants, estimate_dsql, statement_dpu
from costmodel.scenario.model import DsqlSettings, RegionSet, Scenario, Storage
from costmodel.usage.compute import compute_usage
from tests.usage.test_usage_support import make_workload, orders_catalog

SOURCE_TIME = {
    "dsql_compute_model": ("source_time", "test: the time given is DSQL compute time"),
    "dsql_session_overhead_dpu": (0.0, "test: statements only, no session set-up"),
}
"""The formula tests give DSQL compute time directly, as AWS's worked examples do."""

CATALOG = load_catalog()
C = DpuConstants.from_catalog(CATALOG)
NO_FREE = Scenario(dsql=DsqlSettings(free_tier=False), storage=Storage(gb=0.0))
MULTI = RegionSet(primary="us-east-1", dsql_peers=("us-east-2",), dsql_witness="us-west-2")


def d(text: str) -> Decimal:
    return Decimal(text)


# --- AWS worked examples (billing doc, reference/dsql-pricing.md §1.3) ---------------------------


@pytest.mark.parametrize(
    ("case", "cpu_s", "read_b", "write_b", "expected"),
    [
        ("point lookup, 5 rows 500 B, 3 ms", "0.003", 500, 0, ("0.00300", "0.00375", "0.00000", "0.00675")),
        (
            "range scan 100 rows x 100 B, 8 ms",
            "0.008",
            10_000,
            0,
            ("0.00800", "0.01831", "0.00000", "0.02631"),
        ),
        (
            "single-row INSERT 128 B + PK check",
            "0.008",
            16,
            128,
            ("0.00800", "0.00375", "0.05000", "0.06175"),
        ),
        (
            "100-row INSERT 12,800 B + PK 1,600 B",
            "0.08",
            1_600,
            12_800,
            ("0.08000", "0.00375", "0.62500", "0.70875"),
        ),
    ],
)
def test_aws_worked_examples_to_the_last_digit(case, cpu_s, read_b, write_b, expected) -> None:
    got = statement_dpu(d(cpu_s), read_b, write_b, constants=C)
    rounded = got.rounded()
    assert (str(rounded.compute), str(rounded.read), str(rounded.write)) == expected[:3], case
    assert str(got.total.quantize(d("0.00001"))) == expected[3], case
    assert str(rounded.total) == expected[3], case


def test_exact_rates_are_the_minimums_over_minimum_bytes_and_match_the_published_roundings() -> None:
    assert d("0.00375") / 2048 == C.read_per_byte
    assert d("0.05") / 1024 == C.write_per_byte
    assert C.read_per_byte.quantize(d("1e-11")) == d("0.00000183105")  # the published figures are roundings
    assert C.write_per_byte.quantize(d("1e-8")) == d("0.00004883")
    # With the rounded per-byte rate the 100-row INSERT would print 0.70877, not AWS's 0.70875.
    assert (d("0.08") + d("0.00375") + 12_800 * d("0.00004883")).quantize(d("0.00001")) == d("0.70877")


def test_inconsistent_formula_constants_are_a_pricing_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "service: aurora_dsql\nformulas:\n  read_min_dpu_per_txn: {value: '0.004', source: [me]}\n",
        encoding="utf-8",
    )
    with pytest.raises(PricingError, match="read formula constants disagree"):
        DpuConstants.from_catalog(load_catalog([bad]))


def test_explain_style_raw_values_have_no_minimums() -> None:
    """EXPLAIN prints Read 0.00307 with '(Transaction minimum: 0.00375)': raw values, Total their sum."""
    raw = statement_dpu(d("0.0155"), 1676, 384, in_own_transaction=False, constants=C).rounded()
    assert (raw.read, raw.write) == (d("0.00307"), d("0.01875"))
    assert raw.compute + raw.read + raw.write == d("0.03732")
    billed = statement_dpu(d("0.0155"), 1676, 384, constants=C).rounded()
    assert (billed.read, billed.write) == (d("0.00375"), d("0.05000"))


def test_multi_region_write_equals_write_per_active_peer() -> None:
    bytes_for_8_dpu = d(8) / C.write_per_byte
    got = statement_dpu(0, 0, bytes_for_8_dpu, active_peers=2, constants=C)
    assert got.write == d(8) and got.multi_region_write == d(8)
    assert statement_dpu(0, 0, bytes_for_8_dpu, active_peers=1, constants=C).multi_region_write == 0


# --- monthly cases through compute_usage → estimate_dsql ---------------------------------------


def _point_lookup(calls: float = 1e6) -> dict:
    return {
        "calls": calls,
        "total_exec_time": 3.0 * calls,
        "rows": 5 * calls,
        "shared_blks_hit": 4 * calls,
        "shared_blks_read": 0.0,
        "tables_read": ("orders",),
    }


def _insert(calls: float, rows_per_call: float = 1, ms: float = 8.0) -> dict:
    return {
        "calls": calls,
        "total_exec_time": ms * calls,
        "rows": rows_per_call * calls,
        "kind": "insert",
        "is_write": True,
        "tables_written": ("orders",),
        "values_rows": rows_per_call,
    }


def _estimate(rows, scenario=NO_FREE, *, multi=False, catalog_facts=None, assume=None, **kw):
    workload = make_workload(rows, catalog=catalog_facts or orders_catalog())
    usage = compute_usage(workload, scenario, AssumptionSet({**SOURCE_TIME, **(assume or {})}))
    return usage, estimate_dsql(usage, scenario, CATALOG, multi_region=multi, **kw)


def _lines(estimate, component):
    return [li for li in estimate.line_items if li.component == component]


def test_one_million_point_lookups_cost_54_cents_at_8_dollars_per_million() -> None:
    _, est = _estimate([_point_lookup()])
    assert est.name == "dsql-single-region"
    assert est.details["dpu_month"]["ComputeDPU"] == pytest.approx(3000.0)
    assert est.details["dpu_month"]["ReadDPU"] == pytest.approx(3750.0, rel=1e-9)
    assert est.total_monthly_usd == d("0.05")
    assert sum(li.monthly_usd for li in est.line_items) == d("0.0540")
    row = est.statements.iloc[0]
    assert row["total_dpu_per_call"] == pytest.approx(0.00675, abs=1e-9)
    assert row["monthly_usd"] == pytest.approx(0.054, rel=1e-9)


def test_hundred_row_inserts_monthly_match_the_worked_example() -> None:
    # AWS's example bills the key check at 16 B per row (1,600 B); the lab measured 2,895 B + 128 B per
    # further row, the default. With AWS's figures the monthly path reproduces the example exactly.
    aws = {
        "dsql_unique_check_read_bytes": (16, "AWS worked example"),
        "dsql_unique_check_bytes_per_extra_row": (16, "AWS worked example"),
    }
    _, est = _estimate(
        [_insert(10_000, rows_per_call=100, ms=80.0)], catalog_facts=orders_catalog(width=128), assume=aws
    )
    row = est.statements.iloc[0]
    assert row["write_dpu_per_call"] == pytest.approx(0.625)
    assert row["read_dpu_per_call"] == pytest.approx(0.00375)
    assert row["total_dpu_per_call"] == pytest.approx(0.70875)
    assert est.details["dpu_month"]["WriteDPU"] == pytest.approx(6250.0)


def test_transaction_minimum_is_shared_by_the_statements_of_a_transaction() -> None:
    scenario = dataclasses.replace(NO_FREE, statements_per_txn=5)
    usage, est = _estimate([_point_lookup(5e5)], scenario)
    assert usage.txns_month == pytest.approx(1e5)
    # 500 B + 276 B scan overhead per statement, 2,048 / 5 = 409.6 B floor: above it, billed as is.
    assert est.statements.iloc[0]["read_dpu_per_call"] == pytest.approx(776 * float(C.read_per_byte))
    tiny = dict(_point_lookup(5e5), rows=5e5)  # 376 B per statement: floor 409.6 B each, 2 KiB per txn
    _, est = _estimate([tiny], scenario)
    per_txn = est.statements.iloc[0]["read_dpu_per_call"] * 5
    assert per_txn == pytest.approx(0.00375)


def test_write_minimum_is_billed_once_per_write_transaction() -> None:
    scenario = dataclasses.replace(NO_FREE, statements_per_txn=2)
    usage, est = _estimate([_insert(2e5)], scenario)  # two 128 B inserts per transaction
    assert usage.write_txns_month == pytest.approx(1e5)
    assert usage.writes_per_write_txn == pytest.approx(2.0)
    assert est.details["dpu_month"]["WriteDPU"] == pytest.approx(1e5 * 0.05)


def test_multi_region_adds_mr_write_and_storage_in_each_peer_but_not_the_witness() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=MULTI, storage=Storage(gb=10.0))
    _, est = _estimate([_point_lookup(), _insert(1e5)], scenario, multi=True)
    assert est.name == "dsql-multi-region"
    write = _lines(est, "WriteDPU")[0]
    mr = _lines(est, "MultiRegionWriteDPU")[0]
    assert mr.quantity == write.quantity == d("5000.0000") and mr.region == "us-east-1"
    storage = _lines(est, "Storage")
    assert sorted(li.region for li in storage) == ["us-east-1", "us-east-2"]
    assert all(li.quantity == d("10.0000") for li in storage)
    assert "us-west-2" not in {li.region for li in est.line_items}
    assert est.details["witness"] == "us-west-2"
    single = _estimate([_point_lookup(), _insert(1e5)], dataclasses.replace(scenario, regions=RegionSet()))[1]
    assert not _lines(single, "MultiRegionWriteDPU")


def test_free_tier_is_subtracted_once_across_regions() -> None:
    scenario = Scenario(regions=MULTI, storage=Storage(gb=5.0))
    usage = compute_usage(
        make_workload([_point_lookup(1e8)], catalog=orders_catalog()),
        scenario,
        AssumptionSet({**SOURCE_TIME, "dsql_traffic_split": ("even", "scenario")}),
    )
    est = estimate_dsql(usage, scenario, CATALOG, multi_region=True)
    free = _lines(est, "FreeTierDPU")
    assert sum(li.quantity for li in free) == d("-100000.0000")
    assert len(free) == 1 and free[0].region == "us-east-1"  # the primary's share covers it
    free_storage = _lines(est, "FreeTierStorage")
    assert len(free_storage) == 1 and free_storage[0].quantity == d("-1.0000")
    assert est.details["free_tier_dpu_used"] == 100000.0
    small = compute_usage(
        make_workload([_point_lookup(1000)], catalog=orders_catalog()), scenario, AssumptionSet(SOURCE_TIME)
    )
    est = estimate_dsql(small, scenario, CATALOG, multi_region=True)
    assert sum(li.quantity for li in _lines(est, "FreeTierDPU")) == d("-6.7500")  # never more than used


def test_even_split_bills_half_of_each_dpu_component_in_each_peer() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=MULTI)
    workload = make_workload([_point_lookup()], catalog=orders_catalog())
    usage = compute_usage(
        workload, scenario, AssumptionSet({**SOURCE_TIME, "dsql_traffic_split": ("even", "scenario")})
    )
    est = estimate_dsql(usage, scenario, CATALOG, multi_region=True)
    compute = _lines(est, "ComputeDPU")
    assert [li.region for li in compute] == ["us-east-1", "us-east-2"]
    assert compute[0].quantity == compute[1].quantity == d("1500.0000")
    split = dataclasses.replace(MULTI, traffic_split={"us-east-1": 0.25, "us-east-2": 0.75})
    est = _estimate([_point_lookup()], dataclasses.replace(NO_FREE, regions=split), multi=True)[1]
    assert [li.quantity for li in _lines(est, "ComputeDPU")] == [d("750.0000"), d("2250.0000")]


def test_discount_is_its_own_line() -> None:
    scenario = dataclasses.replace(NO_FREE, dsql=DsqlSettings(free_tier=False, discount_pct=10.0))
    _, est = _estimate([_point_lookup(1e8)], scenario)
    discount = _lines(est, "Discount")[0]
    assert discount.monthly_usd == d("-0.5400")  # 10% of 675,000 DPU x $8/M = $5.40
    assert est.total_monthly_usd == d("4.86")


def test_occ_retry_factor_adds_its_own_line() -> None:
    _, est = _estimate([_point_lookup()], retry_factor=0.5)
    retry = _lines(est, "OCCRetryDPU")[0]
    assert retry.quantity == d("3375.0000")  # 0.5 x (0.003 + 0.00375) x 1M; writes not re-billed by default
    rows = [dict(_point_lookup(), retry_factor=0.0)]
    assert not _lines(_estimate(rows)[1], "OCCRetryDPU")


def test_calibration_scales_components_before_the_minimums() -> None:
    calibration = Calibration(
        {"compute": 2.0, "read": 2.0, "write": 1.0, "multi_region_write": 1.0}, source="t"
    )
    _, est = _estimate([_point_lookup()], calibration=calibration)
    row = est.statements.iloc[0]
    assert row["compute_dpu_per_call"] == pytest.approx(0.006)
    assert row["read_dpu_per_call"] == pytest.approx(0.00375)  # 1,000 B is still below the 2 KiB minimum
    assert est.details["calibration"]["factors"]["compute"] == 2.0
    assert any("calibration applied" in w for w in est.warnings)


def test_unknown_write_bytes_bill_the_minimum_and_warn() -> None:
    row = dict(_insert(1000), kind="ddl", rows=np.nan, is_write=True)
    usage, est = _estimate([row])
    assert usage.statements.iloc[0]["write_estimator"] == "unknown"
    assert np.isnan(usage.statements.iloc[0]["write_bytes_per_call"])
    assert est.details["dpu_month"]["WriteDPU"] == pytest.approx(1000 * 0.05)
    assert any("only the write minimum" in w for w in est.warnings)


def test_unconfirmed_prices_are_warned() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=MULTI)
    est = _estimate([_point_lookup()], scenario, multi=True)[1]
    assert any("us-east-2" in w and "UNCONFIRMED" in w for w in est.warnings)
    assert {li.confidence for li in _lines(est, "Storage")} == {"confirmed", "unconfirmed"}


# --- region validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "match"),
    [
        (RegionSet("us-east-1", ("eu-west-1",), "us-west-2"), "share one region set"),
        (RegionSet("us-east-1", ("us-east-2",), "us-east-2"), "must differ from the active peers"),
        (RegionSet("us-east-1", ("us-east-2", "us-west-2"), None), "at most 2 active peers"),
        (
            RegionSet("ap-southeast-2", ("ap-northeast-1",), "ap-northeast-3"),
            "single-region DSQL clusters only",
        ),
        (
            RegionSet("mars-east-1", ("us-east-2",), "us-west-2"),
            "unknown DSQL multi-region region 'mars-east-1'",
        ),
        (RegionSet("us-east-1", (), None), "needs one peer region"),
        (
            RegionSet("us-east-1", ("us-east-2",), "us-west-2", traffic_split={"eu-west-1": 1.0}),
            "traffic_split",
        ),
        (RegionSet("us-east-1", ("us-east-2",), "us-west-2", traffic_split={"us-east-1": 0.7}), "sum to 1"),
    ],
)
def test_region_set_errors(regions: RegionSet, match: str) -> None:
    scenario = dataclasses.replace(NO_FREE, regions=regions)
    usage = compute_usage(make_workload([_point_lookup()]), scenario, AssumptionSet(SOURCE_TIME))
    with pytest.raises(PricingError, match=match) as info:
        estimate_dsql(usage, scenario, CATALOG, multi_region=True)
    assert info.value.hint


def test_unknown_region_names_the_file_to_extend() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=RegionSet(primary="mars-east-1"))
    usage = compute_usage(make_workload([_point_lookup()]), scenario, AssumptionSet(SOURCE_TIME))
    with pytest.raises(PricingError, match="mars-east-1") as info:
        estimate_dsql(usage, scenario, CATALOG, multi_region=False)
    assert "costmodel/data/prices/aurora_dsql.yaml" in str(info.value)
    multi = dataclasses.replace(NO_FREE, regions=RegionSet("us-east-1", ("us-east-2",), "mars-west-9"))
    with pytest.raises(PricingError, match="mars-west-9") as info:
        estimate_dsql(usage, multi, CATALOG, multi_region=True)
    assert "aurora_dsql.yaml" in str(info.value)


def test_missing_witness_is_chosen_from_the_set_and_said() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=RegionSet("us-east-1", ("us-east-2",), None))
    est = _estimate([_point_lookup()], scenario, multi=True)[1]
    assert est.details["witness"] == "us-west-2"
    assert any("witness" in w for w in est.warnings)


def test_bad_traffic_split_mode_is_a_scenario_error() -> None:
    scenario = dataclasses.replace(NO_FREE, regions=MULTI)
    usage = compute_usage(
        make_workload([_point_lookup()]),
        scenario,
        AssumptionSet({**SOURCE_TIME, "dsql_traffic_split": ("sideways", "scenario")}),
    )
    with pytest.raises(ScenarioError, match="sideways"):
        estimate_dsql(usage, scenario, CATALOG, multi_region=True)


def test_statement_table_and_line_items_agree() -> None:
    _, est = _estimate(
        [
            _point_lookup(),
            _insert(1e5),
            dict(_point_lookup(10), kind="transaction", transaction_control="begin"),
        ]
    )
    dpu_lines = sum(li.quantity for li in est.line_items if li.unit == "DPU")
    assert float(dpu_lines) == pytest.approx(est.statements["dpu_month"].sum(), abs=1e-3)
    for col in (
        "compute_dpu_per_call",
        "read_dpu_per_call",
        "write_dpu_per_call",
        "mr_write_dpu_per_call",
        "total_dpu_per_call",
        "dpu_month",
        "monthly_usd",
        "stmt_id",
    ):
        assert col in est.statements.columns
    ctl = est.statements.iloc[2]
    assert ctl["read_dpu_per_call"] == 0 and ctl["write_dpu_per_call"] == 0
    assert {a.key for a in est.assumptions} >= {"row_width_bytes", "dsql_compute_ratio", "statements_per_txn"}


def test_billed_total_sums_as_the_full_table_does() -> None:
    """The totals-only DPU path sums the billed components with numpy; the full table sums them
    with ``DataFrame.sum(axis=1, min_count=1)``: the same bits, NaN where every part is NaN."""
    from costmodel.pricing.dsql import _billed_total

    rng = np.random.default_rng(7)
    parts = [rng.lognormal(-8.0, 4.0, 20_000) * rng.choice([1.0, -1.0, 0.0, -0.0], 20_000) for _ in range(5)]
    for part in parts:
        part[rng.random(20_000) < 0.3] = np.nan
    parts[0][:50] = parts[1][:50] = parts[2][:50] = parts[3][:50] = parts[4][:50] = np.nan
    frame = pd.DataFrame({f"c{i}": p for i, p in enumerate(parts)})
    expected = frame.sum(axis=1, min_count=1).to_numpy()
    got = _billed_total(parts)
    assert np.isnan(got[:50]).all()
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    known = ~np.isnan(expected)
    assert np.array_equal(got[known].view(np.int64), expected[known].view(np.int64))
