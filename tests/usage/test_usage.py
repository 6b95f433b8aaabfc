"""Usage: counters → per-call bytes/CPU and monthly volumes, with the estimator named for each."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from costmodel.core.assumptions import AssumptionSet, defaults
from costmodel.core.errors import ScenarioError
from costmodel.core.timebase import HOURS_PER_MONTH
from costmodel.core.workload import CatalogFacts, TableFacts
from costmodel.scenario.model import Scenario, Storage
from costmodel.usage.compute import compute_usage
from tests.usage.test_usage_support import make_workload, orders_catalog


def usage_of(rows, scenario: Scenario | None = None, assumptions: AssumptionSet | None = None, **kw):
    return compute_usage(make_workload(rows, **kw), scenario or Scenario(), assumptions or AssumptionSet())


def one(rows, **kw) -> pd.Series:
    return usage_of(rows, **kw).statements.iloc[0]


def test_calls_scale_from_the_window_to_a_730_hour_month_with_growth() -> None:
    usage = usage_of([{"calls": 100.0, "total_exec_time": 50.0}], Scenario(growth=2.0), seconds=3600)
    row = usage.statements.iloc[0]
    assert row["calls_month"] == pytest.approx(100 * HOURS_PER_MONTH * 2)
    assert row["exec_ms_per_call"] == pytest.approx(0.5)
    assert row["exec_seconds_month"] == pytest.approx(0.5 / 1000 * 146_000)
    assert usage.calls_window.iloc[0] == pytest.approx(100.0)


def test_index_is_aligned_with_the_workload() -> None:
    workload = make_workload([{"calls": 1.0, "total_exec_time": 1.0}, {"calls": 2.0, "total_exec_time": 1.0}])
    workload = workload.with_statements(workload.statements.set_axis([17, 4]))
    usage = compute_usage(workload, Scenario(), AssumptionSet())
    assert list(usage.statements.index) == [17, 4]
    assert list(usage.statements["stmt_id"]) == ["q1", "q2"]


def test_cpu_is_execution_minus_timed_io_wait_plus_tracked_planning() -> None:
    row = {
        "calls": 10.0,
        "total_exec_time": 100.0,
        "shared_blk_read_time": 30.0,
        "temp_blk_write_time": 10.0,
        "total_plan_time": 5.0,
    }
    got = one([row], info={"settings": {"track_io_timing": "on", "pg_stat_statements.track_planning": "on"}})
    assert got["cpu_ms_per_call"] == pytest.approx(10.0 - 4.0 + 0.5)
    assert got["cpu_estimator"] == "exec_minus_io"
    off = one(
        [row], info={"settings": {"track_io_timing": "off", "pg_stat_statements.track_planning": "off"}}
    )
    assert off["cpu_estimator"] == "exec"
    assert off["cpu_ms_per_call"] == pytest.approx(10.5)  # plan time > 0 proves planning was tracked
    no_timing = one(
        [{"calls": 1.0, "total_exec_time": 7.0, "shared_blks_read": 50.0, "shared_blk_read_time": 0.0}]
    )
    assert no_timing["cpu_estimator"] == "exec" and no_timing["cpu_ms_per_call"] == pytest.approx(7.0)


def test_point_lookup_reads_rows_times_width_plus_the_key_lookup_overhead() -> None:
    """The lab: a primary-key lookup reads the row + 776 B, 896 B at least (a scan: + 276 B)."""
    row = {
        "calls": 1e3,
        "total_exec_time": 1.0,
        "rows": 5e3,
        "shared_blks_hit": 4e3,
        "shared_blks_read": 0.0,
        "tables_read": ("orders",),
        "key_shape": "parameter",
    }
    got = one([row], catalog=orders_catalog())
    assert got["read_estimator"] == "rows"
    assert got["read_bytes_per_call"] == pytest.approx(500.0 + 776.0)
    assert got["rows_scanned_per_call"] == pytest.approx(5.0)
    tiny = one([dict(row, rows=1e3)], catalog=orders_catalog(width=10))
    assert tiny["read_bytes_per_call"] == pytest.approx(896.0)
    page = one([dict(row, key_shape="none", has_limit=True)], catalog=orders_catalog())
    assert page["read_bytes_per_call"] == pytest.approx(500.0 + 276.0)  # a LIMIT page: + 276 B
    # no key and no LIMIT: a filtered scan reads the pages it touches (4 x 57.6 rows of 100 B)
    scan = one([dict(row, key_shape="none")], catalog=orders_catalog())
    assert scan["read_estimator"] == "pages"
    assert scan["read_bytes_per_call"] == pytest.approx(4 * 8192 * 0.9 / 128 * 100 + 276.0)


def test_scan_with_filter_reads_the_pages_beyond_its_rows() -> None:
    rows = [
        {
            "calls": 10.0,
            "total_exec_time": 100.0,
            "rows": 10.0,
            "shared_blks_hit": 1300.0,
            "shared_blks_read": 0.0,
            "tables_read": ("orders",),
        }
    ]
    got = one(rows, catalog=orders_catalog())
    assert got["read_estimator"] == "rows_pages"
    # 1 row + the pages beyond its heap page and 3 descent pages, + one scan's overhead
    extra = (130 - 1 - 3) * 8192 * 0.975
    assert got["read_bytes_per_call"] == pytest.approx(100 + extra + 276)
    assert got["rows_scanned_per_call"] == pytest.approx(1 + extra / 100)
    one_more = one([dict(rows[0], shared_blks_hit=1310.0)], catalog=orders_catalog())
    assert one_more["read_bytes_per_call"] - got["read_bytes_per_call"] == pytest.approx(8192 * 0.975)


def test_read_fallbacks_are_named_and_never_silent() -> None:
    base = {"calls": 10.0, "total_exec_time": 1.0, "tables_read": ("t",)}
    assert one([dict(base, rows=10.0)])["read_estimator"] == "rows_only"
    assert one([dict(base, shared_blks_hit=100.0, shared_blks_read=0.0)])["read_estimator"] == "pages_only"
    usage = usage_of([base])
    assert usage.statements.iloc[0]["read_estimator"] == "no_signal"
    assert any("transaction minimum only" in w for w in usage.warnings)
    assert "no_signal 1" in usage.estimators["read_bytes"]


def test_a_join_reads_the_pages_it_touches_not_the_combinations_it_returns() -> None:
    facts = CatalogFacts(
        {
            f"public.{t}": TableFacts("public", t, row_estimate=50, avg_row_width=100.0, table_bytes=8192.0)
            for t in ("a", "b")
        }
    )
    row = {
        "calls": 1.0,
        "total_exec_time": 1.0,
        "rows": 2500.0,
        "shared_blks_hit": 2.0,
        "shared_blks_read": 0.0,
        "tables_read": ("a", "b"),
        "join_count": 1,
    }
    got = one([row], catalog=facts)
    assert got["read_estimator"] == "pages"
    # 2 pages x 50 rows per page, 100 B each, plus a scan's overhead per table
    assert got["read_bytes_per_call"] == pytest.approx(100 * 100 + 2 * 276)


def test_insert_writes_row_and_every_secondary_index_entry_and_checks_the_key() -> None:
    rows = [
        {
            "calls": 10.0,
            "total_exec_time": 10.0,
            "rows": 1000.0,
            "kind": "insert",
            "is_write": True,
            "tables_written": ("orders",),
            "values_rows": 100,
        }
    ]
    got = one(rows, catalog=orders_catalog(width=100, secondary=2, pk_width=16))
    # each row: max(100, 128) + 2 entries of max(8 + 16, 128)
    assert got["write_bytes_per_call"] == pytest.approx(100 * (128 + 2 * 128))
    assert got["rows_written_per_call"] == 100
    # the lab's uniqueness check: 2,895 B for the first row, 128 B for each further one
    assert got["pk_check_bytes_per_call"] == pytest.approx(2895 + 99 * 128)
    assert got["read_estimator"] == "unique_check" and got["read_bytes_per_call"] == 0
    assert got["write_estimator"] == "rows" and got["write_call_fraction"] == 1.0


def test_update_and_delete_bytes_use_their_assumptions() -> None:
    common = {
        "calls": 10.0,
        "total_exec_time": 10.0,
        "rows": 5.0,
        "is_write": True,
        "tables_written": ("orders",),
    }
    facts = orders_catalog(width=300, secondary=1)
    upd = one([dict(common, kind="update")], catalog=facts)
    assert upd["write_bytes_per_call"] == pytest.approx(0.5 * (300 + 128))
    assert upd["write_call_fraction"] == pytest.approx(0.5)  # half the calls found a row
    half = AssumptionSet({"update_index_fraction": (0.0, "scenario")})
    upd0 = one([dict(common, kind="update")], catalog=facts, assumptions=half)
    assert upd0["write_bytes_per_call"] == pytest.approx(0.5 * 300)
    dele = one([dict(common, kind="delete")], catalog=facts)
    assert dele["write_bytes_per_call"] == pytest.approx(0.5 * 2 * 128)


def test_unclassified_rows_are_costed_from_buffers_and_wal() -> None:
    row = {
        "calls": 10.0,
        "total_exec_time": 20.0,
        "rows": 10.0,
        "shared_blks_hit": 100.0,
        "shared_blks_read": 20.0,
        "wal_bytes": 50_000.0,
        "wal_fpi": 2.0,
    }
    usage = usage_of([row], classified=False)
    got = usage.statements.iloc[0]
    assert got["kind"] == "unknown"
    assert got["read_estimator"] == "pages"
    # 12 pages x rows per page of a 100 B row (8192 x 0.9 / 128), at 100 B, + one scan's overhead
    assert got["read_bytes_per_call"] == pytest.approx(12 * 8192 * 0.9 / 128 * 100 + 276)
    assert got["write_estimator"] == "wal"
    assert got["write_bytes_per_call"] == pytest.approx(5000 - 0.2 * 8192)
    assert "not classified" in usage.estimators["classification"]
    no_text = one([dict(row, parse_status="no_text", kind="unknown")])
    assert no_text["write_estimator"] == "wal"


def test_write_fallbacks_dirtied_then_unknown() -> None:
    pg12 = {
        "calls": 10.0,
        "total_exec_time": 1.0,
        "kind": "ddl",
        "is_write": True,
        "shared_blks_dirtied": 30.0,
    }
    got = one([pg12])
    assert got["write_estimator"] == "dirtied"
    assert got["write_bytes_per_call"] == pytest.approx(3 * 128)
    assert got["write_ios_month"] == pytest.approx(3 * 10)
    usage = usage_of([{"calls": 10.0, "total_exec_time": 1.0, "kind": "ddl", "is_write": True}])
    assert usage.statements.iloc[0]["write_estimator"] == "unknown"
    assert np.isnan(usage.statements.iloc[0]["write_bytes_per_call"])
    assert np.isnan(usage.statements.iloc[0]["write_ios_month"])
    assert any("bytes written are unknown" in w for w in usage.warnings)


def test_write_ios_count_at_least_one_flush_per_write_transaction() -> None:
    # 10 single-row updates logging 100 B each, autocommit: each commit flushes one I/O of its own.
    row = {
        "calls": 10.0,
        "total_exec_time": 1.0,
        "rows": 10.0,
        "wal_bytes": 1000.0,
        "kind": "update",
        "is_write": True,
    }
    got = one([row])
    assert got["write_ios_month"] == pytest.approx(10.0)
    # a SELECT that logged hint-bit WAL packs into shared I/Os: no per-commit floor
    read = {
        "calls": 10.0,
        "total_exec_time": 1.0,
        "rows": 10.0,
        "wal_bytes": 1000.0,
        "kind": "select",
        "is_write": False,
    }
    assert one([read])["write_ios_month"] == pytest.approx(1000 / 4096)


def test_serverless_v2_io_inputs() -> None:
    got = one(
        [
            {
                "calls": 4.0,
                "total_exec_time": 1.0,
                "shared_blks_read": 40.0,
                "wal_bytes": 4.0 * 5000,
                "temp_blks_written": 8.0,
            }
        ]
    )
    assert got["read_ios_month"] == pytest.approx(40.0)
    # log records pack into 4 KiB I/Os: 20,000 B / 4,096 B (no write transactions: no per-commit floor)
    assert got["write_ios_month"] == pytest.approx(20_000 / 4096)
    assert got["wal_bytes_month"] == pytest.approx(20_000.0)
    assert got["temp_bytes_per_call"] == pytest.approx(2 * 8192)
    unknown = usage_of([{"calls": 4.0, "total_exec_time": 1.0}])
    assert np.isnan(unknown.statements.iloc[0]["read_ios_month"])
    assert "unknown" in unknown.estimators["read_ios"] and "unknown" in unknown.estimators["write_ios"]


def test_statements_per_txn_from_begin_commit_counts() -> None:
    rows = [
        {"calls": 100.0, "total_exec_time": 1.0, "kind": "transaction", "transaction_control": "begin"},
        {"calls": 100.0, "total_exec_time": 1.0, "kind": "transaction", "transaction_control": "commit"},
        {"calls": 300.0, "total_exec_time": 3.0, "rows": 300.0, "tables_read": ("t",)},
        {
            "calls": 200.0,
            "total_exec_time": 2.0,
            "rows": 200.0,
            "kind": "update",
            "is_write": True,
            "tables_written": ("t",),
        },
    ]
    usage = usage_of(rows)
    assert usage.statements_per_txn == pytest.approx(5.0) and usage.statements_per_txn_source == "measured"
    assert usage.txns_month == pytest.approx(100.0)
    assert usage.write_txns_month == pytest.approx(100.0)
    ctl = usage.statements.iloc[0]
    assert ctl["is_txn_control"] and ctl["read_bytes_per_call"] == 0 and ctl["write_bytes_per_call"] == 0
    assert {a.key: a.source for a in usage.assumptions.used()}["statements_per_txn"] == "measured"
    forced = usage_of(rows, Scenario(statements_per_txn=2.0))
    assert forced.txns_month == pytest.approx(250.0) and forced.statements_per_txn_source == "scenario"
    auto = usage_of(rows[2:])
    assert auto.statements_per_txn == 1.0 and auto.txns_month == pytest.approx(500.0)
    assert auto.write_txns_month == pytest.approx(200.0)
    with pytest.raises(ScenarioError, match="statements_per_txn"):
        usage_of(rows, Scenario(statements_per_txn=0.5))


def test_storage_from_scenario_then_catalog_then_default() -> None:
    row = [{"calls": 1.0, "total_exec_time": 1.0}]
    assert usage_of(row, Scenario(storage=Storage(gb=42.0)), catalog=orders_catalog()).storage_gb == 42.0
    assert usage_of(row, catalog=orders_catalog()).storage_gb == pytest.approx(2.0)
    plain = usage_of(row)
    assert plain.storage_gb == defaults()["storage_gb"].default
    assert "default" in plain.storage_source


def test_assumption_overrides_change_numbers_and_are_recorded() -> None:
    row = [{"calls": 1.0, "total_exec_time": 1.0, "rows": 10.0, "tables_read": ("nofacts",)}]
    wide = AssumptionSet({"row_width_bytes": (300, "scenario")})
    usage = usage_of(row, assumptions=wide)
    assert usage.statements.iloc[0]["read_bytes_per_call"] == pytest.approx(3000.0 + 276)
    used = {a.key: a for a in usage.assumptions.used()}
    assert used["row_width_bytes"].source == "scenario" and used["row_width_bytes"].value == 300
    assert "nofacts" in usage.estimators["row_widths"]


def test_block_size_from_the_export_wins_over_the_default() -> None:
    row = {"calls": 1.0, "total_exec_time": 1.0, "shared_blks_hit": 13.0, "shared_blks_read": 0.0}
    usage = usage_of([row], info={"block_size": 16384}, classified=False)
    # 13 pages x rows per 16 KiB page (16384 x 0.9 / 128) x 100 B + one scan's overhead
    assert usage.statements.iloc[0]["read_bytes_per_call"] == pytest.approx(
        13 * 16384 * 0.9 / 128 * 100 + 276
    )
    assert {a.key: a.source for a in usage.assumptions.used()}["page_bytes"] == "measured"


def test_every_assumption_key_is_declared_with_unit_and_description() -> None:
    specs = defaults()
    for key in (
        "row_width_bytes",
        "secondary_indexes_per_table",
        "index_entry_bytes",
        "pk_key_bytes",
        "page_bytes",
        "heap_page_fill_fraction",
        "index_descent_pages",
        "dsql_point_access_overhead_bytes",
        "dsql_unique_check_read_bytes",
        "toast_page_fill_fraction",
        "dsql_compute_model",
        "update_index_fraction",
        "delete_entry_bytes",
        "wal_write_bytes_ratio",
        "write_bytes_per_dirtied_page",
        "write_ios_per_dirtied_page",
        "storage_gb",
        "dsql_compute_ratio",
        "dsql_traffic_split",
        "occ_retry_write_share",
    ):
        assert specs[key].unit and specs[key].description, key


def test_calls_without_a_count_are_reported() -> None:
    usage = usage_of([{"calls": np.nan, "total_exec_time": 1.0}, {"calls": 2.0, "total_exec_time": 1.0}])
    assert usage.statements.iloc[0]["calls_month"] == 0
    assert any("without a calls count" in w for w in usage.warnings)


def test_growth_zero_gives_no_monthly_calls_but_keeps_the_observed_ones() -> None:
    usage = usage_of([{"calls": 2.0, "total_exec_time": 1.0}], dataclasses.replace(Scenario(), growth=0.0))
    assert usage.statements.iloc[0]["calls_month"] == 0
    assert usage.calls_window.iloc[0] == 2.0  # as observed, independent of growth


def test_unclassified_rows_without_write_counters_are_read_only_and_said() -> None:
    usage = usage_of([{"calls": 3.0, "total_exec_time": 1.0, "rows": 3.0}], classified=False)
    assert usage.statements.iloc[0]["write_estimator"] == "none"
    assert any("read as read-only" in w for w in usage.warnings)


def test_update_reads_its_rows_not_the_pages_its_own_write_touched() -> None:
    row = {
        "calls": 10.0,
        "total_exec_time": 1.0,
        "rows": 10.0,
        "shared_blks_hit": 90.0,
        "shared_blks_read": 0.0,
        "kind": "update",
        "is_write": True,
        "tables_written": ("orders",),
        "key_shape": "parameter",
    }
    keyed = one([row], catalog=orders_catalog())
    assert keyed["read_estimator"] == "rows" and keyed["read_bytes_per_call"] == pytest.approx(896.0)
    ranged = one([dict(row, key_shape="range")], catalog=orders_catalog())
    assert ranged["read_estimator"] == "rows"  # 9 pages a call, but a write's pages are its own
    assert ranged["read_bytes_per_call"] == pytest.approx(382.0)


def test_nullable_profile_columns_are_read_safely() -> None:
    """classify gives nullable booleans (NA = unknown) and may leave tuples as lists after JSON."""
    workload = make_workload(
        [
            {"calls": 5.0, "total_exec_time": 1.0, "kind": "ddl", "wal_bytes": 500.0},
            {
                "calls": 5.0,
                "total_exec_time": 1.0,
                "rows": 5.0,
                "tables_read": ["orders"],
                "tables_written": None,
            },
        ],
        catalog=orders_catalog(width=300),
    )
    frame = workload.statements.assign(is_write=pd.array([pd.NA, False], dtype="boolean"))
    usage = compute_usage(workload.with_statements(frame), Scenario(), AssumptionSet())
    assert usage.statements.iloc[0]["write_estimator"] == "wal"
    assert usage.statements.iloc[0]["write_bytes_per_call"] == pytest.approx(100.0)
    assert usage.statements.iloc[1]["read_bytes_per_call"] == pytest.approx(
        300.0 + 276.0
    )  # list resolved via catalog


def test_label_columns_hold_one_string_per_label_with_unchanged_values() -> None:
    """A million-row usage table held a new string per row in each label column (~250 MB)."""
    from costmodel.usage.columns import label_column

    rows = [{"calls": float(n + 1), "total_exec_time": 1.0, "rows": 1.0} for n in range(40)]
    table = usage_of(rows).statements
    for name in ("kind", "cpu_estimator", "read_estimator", "write_estimator", "statement_class"):
        values = table[name].to_numpy(dtype=object)
        assert len({id(v) for v in values}) == len(set(values)), name
    texts = np.array(["select", "insert", "select", "odd"])
    shared = label_column(texts, ["select", "insert"])
    assert list(shared) == list(texts) and shared[0] is shared[2] and shared.dtype == object


def test_count_labels_counts_as_a_factorisation_does() -> None:
    """Labels are counted by comparison; missing values (None and NaN are one label) and labels
    past the compared few by factorising: the line is the same as factorising every row."""
    from costmodel.usage.columns import LABELS_COMPARED, count_labels

    def factorised(labels: np.ndarray) -> str:
        codes, uniques = pd.factorize(labels, use_na_sentinel=False)
        tally: dict[str, int] = {}
        for label, count in zip(uniques, np.bincount(codes, minlength=len(uniques)), strict=True):
            tally[str(label)] = tally.get(str(label), 0) + int(count)
        names = sorted(tally)
        order = np.argsort([-tally[name] for name in names], kind="stable")
        return ", ".join(f"{names[i]} {tally[names[i]]}" for i in order) or "none"

    rng = np.random.default_rng(3)
    cases = [
        np.array([None, "a", np.nan, "None", "b", np.nan, None], dtype=object),
        np.array([], dtype=object),
        np.array([str(i % (LABELS_COMPARED * 3)) for i in range(1000)]),
        rng.choice(["rows", "wal", "dirtied", None, np.nan], 1000).astype(object),
        np.select([rng.random(1000) < 0.5], ["rows"], default="pages"),
        np.array([1.0, np.nan, 2.0, 1.0]),
        np.array([None, None], dtype=object),
    ]
    for labels in cases:
        assert count_labels(labels) == factorised(labels)
    assert count_labels(cases[4]).startswith(("rows", "pages"))
