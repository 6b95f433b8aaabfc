"""DSQL compute model, per-class calibration terms, logical widths and unknown indexes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from costmodel.calibrate.compute_fit import ComputeCases, fit_compute_model, relative_errors
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import ScenarioError
from costmodel.core.workload import CatalogFacts
from costmodel.pricing.class_terms import PLAUSIBLE, apply_terms, fit_term
from costmodel.scenario.model import Scenario
from costmodel.usage.compute import compute_usage
from costmodel.usage.dsql_compute import MODEL_FILE, load_compute_model
from tests.usage.test_usage_support import make_workload, orders_catalog


def one(rows, assumptions=None, **kw):
    usage = compute_usage(make_workload(rows, **kw), Scenario(), assumptions or AssumptionSet())
    return usage, usage.statements.iloc[0]


def test_the_packaged_model_names_its_source_and_held_out_error() -> None:
    model = load_compute_model()
    assert model.source and "lab" in model.source
    assert isinstance(model.fit.get("held_out_median_error"), float)
    assert {"point_read", "scan_read", "single_row_write", "multi_row_write"} <= set(model.classes)
    assert "held-out median error" in model.describe()


def test_a_point_read_costs_the_fixed_class_cost_not_executor_time() -> None:
    model = load_compute_model()
    row = {
        "calls": 1000.0,
        "total_exec_time": 30.0,  # 0.03 ms a call in PostgreSQL
        "rows": 1000.0,
        "shared_blks_hit": 3000.0,
        "tables_read": ("orders",),
        "key_shape": "parameter",
    }
    usage, got = one([row], catalog=orders_catalog())
    assert got["statement_class"] == "point_read"
    assert got["keyed_tables"] == 1.0  # orders has a primary key
    expected = model.planning_ms + model.classes["point_read"].fixed_ms
    assert got["dsql_compute_ms_per_call"] == pytest.approx(
        expected + max(model.exec_factor * 0.03, model.ms_per_mib * got["read_bytes_per_call"] / 2**20)
    )
    assert got["dsql_compute_ms_per_call"] > 100 * 0.03
    recorded = {a.key: a for a in usage.assumptions.used()}
    assert model.name in recorded["dsql_compute_model_coefficients"].value
    # the same with planning tracked: the planning term does not depend on track_planning
    tracked = one([dict(row, total_plan_time=500.0)], catalog=orders_catalog())[1]
    assert tracked["dsql_compute_ms_per_call"] == pytest.approx(got["dsql_compute_ms_per_call"])


def test_inserts_into_a_key_less_table_cost_the_key_less_factor() -> None:
    insert = {
        "calls": 10.0,
        "total_exec_time": 1.0,
        "rows": 10.0,
        "kind": "insert",
        "is_write": True,
        "tables_written": ("orders",),
        "values_rows": 1,
    }
    keyed = one([insert], catalog=orders_catalog())[1]
    no_key = dataclasses.replace(orders_catalog().tables["public.orders"], primary_key=(), indexes=())
    plain = one([insert], catalog=CatalogFacts({"public.orders": no_key}))[1]
    model = load_compute_model()
    # no uniqueness probe: the fixed cost scaled by the key-less factor, and 1,606 fewer bytes read
    fixed = model.planning_ms + model.classes["single_row_write"].fixed_ms
    assert keyed["dsql_compute_ms_per_call"] - plain["dsql_compute_ms_per_call"] == pytest.approx(
        fixed * (1.0 - model.keyless_factor) + model.ms_per_mib * (2895 - 1289) / 2**20
    )
    assert 0.0 < model.keyless_factor < 1.0
    assert keyed["pk_check_bytes_per_call"] == 2895 and plain["pk_check_bytes_per_call"] == 1289


def test_source_time_keeps_the_exports_time_and_a_bad_mode_is_a_scenario_error() -> None:
    row = {"calls": 1.0, "total_exec_time": 8.0, "rows": 1.0}
    _, got = one([row], AssumptionSet({"dsql_compute_model": ("source_time", "test")}))
    assert got["dsql_compute_ms_per_call"] == pytest.approx(8.0)
    with pytest.raises(ScenarioError, match="not a mode"):
        one([row], AssumptionSet({"dsql_compute_model": ("guess", "test")}))


def test_a_broken_model_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(MODEL_FILE.read_text(encoding="utf-8").replace("planning_ms:", "planing_ms:"), "utf-8")
    with pytest.raises(ScenarioError, match="coefficient missing"):
        load_compute_model(bad)


def test_the_fit_recovers_a_known_model() -> None:
    rng = np.random.default_rng(3)
    classes = np.array(["point_read"] * 20 + ["single_row_write"] * 20 + ["scan_read"] * 20, dtype=object)
    exec_ms = rng.uniform(0.01, 50, 60)
    mib = rng.uniform(0, 4, 60)
    unique = np.array([False] * 20 + [True] * 10 + [False] * 10 + [False] * 20)
    keyed = np.array([1.0] * 20 + [np.nan] * 20 + [1.0, 0.0] * 10)  # INSERTs read no table
    fixed = np.select([classes == "point_read", classes == "single_row_write"], [5.0, 12.0], 3.0)
    writes = classes == "single_row_write"
    on_keyless = (keyed == 0) | (writes & ~unique)  # half the INSERTs and half the scans
    measured = np.where(on_keyless, 0.5, 1.0) * (1.5 + fixed)
    measured += np.maximum(np.where(writes, 0.0, exec_ms), 5.0 * mib)
    cases = ComputeCases(classes, exec_ms, mib * 2**20, unique, keyed, measured, np.full(60, 1.5))
    model = fit_compute_model(cases, name="t", source="synthetic")
    assert (model.exec_factor, model.ms_per_mib) == (1.0, 5.0)
    assert model.keyless_factor == pytest.approx(0.5)
    assert np.max(relative_errors(model, cases)) < 1e-9
    # the factor from the writes alone prices the key-less scans (one mechanism, both kinds)
    no_keyless_scans = fit_compute_model(
        cases.subset(~((classes == "scan_read") & on_keyless)), name="t", source="s"
    )
    assert no_keyless_scans.keyless_factor == pytest.approx(0.5)
    # without any key-less case the factor cannot show: 1, the cost stays in the fixed costs
    only_keyed = fit_compute_model(cases.subset(~on_keyless), name="t", source="synthetic")
    assert only_keyed.keyless_factor == 1.0


def test_class_terms_are_robust_and_bounded_with_a_warning() -> None:
    x = np.array([0.001, 0.002, 0.003, 0.004, 0.005])
    y = 0.004 + 2.0 * x
    y_outlier = y.copy()
    y_outlier[-1] = 10.0  # one outlier moves the median slope little
    term = fit_term("point_read", "compute", x, y_outlier)
    assert term is not None and term.factor == pytest.approx(2.0) and term.additive == pytest.approx(0.004)
    assert not term.warning
    wild = fit_term("scan_read", "write", x, 2573.0 * x)
    assert wild is not None and wild.factor == 20.0 and "outside the plausible" in wild.warning
    assert f"{PLAUSIBLE[0]:g}-{PLAUSIBLE[1]:g}" in wild.warning
    got = apply_terms(
        {"point_read": {"compute": term}}, np.array(["point_read", "other"], object), "compute", x[:2]
    )
    assert got[0] == pytest.approx(0.004 + 2 * 0.001) and got[1] == pytest.approx(0.002)


def test_logical_row_width_bills_toasted_values_at_their_size() -> None:
    toasted = dataclasses.replace(
        orders_catalog().tables["public.orders"], avg_row_width=42.0, logical_row_bytes=1_048_600.0
    )
    insert = {
        "calls": 1.0,
        "total_exec_time": 1.0,
        "rows": 1.0,
        "kind": "insert",
        "is_write": True,
        "tables_written": ("orders",),
        "values_rows": 1,
    }
    got = one([insert], catalog=CatalogFacts({"public.orders": toasted}))[1]
    assert got["write_bytes_per_call"] == pytest.approx(1_048_600.0)


def test_unknown_secondary_indexes_count_as_zero_with_a_warning_naming_the_fix() -> None:
    insert = {
        "calls": 1.0,
        "total_exec_time": 1.0,
        "rows": 1.0,
        "kind": "insert",
        "is_write": True,
        "tables_written": ("orders",),
        "values_rows": 1,
    }
    usage, got = one([insert])
    assert got["write_bytes_per_call"] == pytest.approx(128.0)
    warning = next(w for w in usage.warnings if "secondary indexes unknown" in w)
    assert "dsqlcost collect" in warning and "secondary_indexes_per_table" in warning
    known, _ = one([insert], catalog=orders_catalog())
    assert not any("secondary indexes unknown" in w for w in known.warnings)


def test_idle_transaction_time_comes_from_collects_activity_samples() -> None:
    row = {"calls": 3600.0, "total_exec_time": 36.0, "rows": 3600.0}
    samples = [{"idle_in_transaction": 1}, {"idle_in_transaction": 0}]
    usage, _ = one([row], info={"activity_samples": samples}, seconds=3600)
    used = {a.key: a for a in usage.assumptions.used()}
    # half a session idle in a transaction over the hour, 3,600 transactions: 0.5 s each
    assert used["dsql_idle_in_txn_seconds_per_txn"].source == "measured"
    assert used["dsql_idle_in_txn_seconds_per_txn"].value == pytest.approx(0.5)
    mine = AssumptionSet({"dsql_idle_in_txn_seconds_per_txn": (0.1, "argument")})
    usage, _ = one([row], mine, info={"activity_samples": samples}, seconds=3600)
    assert {a.key: a.value for a in usage.assumptions.used()}["dsql_idle_in_txn_seconds_per_txn"] == 0.1


def test_a_key_less_table_is_read_at_the_key_less_factor() -> None:
    model = load_compute_model()
    scan = {"calls": 100.0, "total_exec_time": 1.0, "rows": 100.0, "shared_blks_hit": 100.0}
    keyed = one([dict(scan, tables_read=("orders",))], catalog=orders_catalog())[1]
    catalog = orders_catalog()
    keyless = dataclasses.replace(catalog.tables["public.orders"], primary_key=(), indexes=())
    bare = one(
        [dict(scan, tables_read=("orders",))],
        catalog=dataclasses.replace(catalog, tables={"public.orders": keyless}),
    )[1]
    assert (keyed["keyed_tables"], bare["keyed_tables"]) == (1.0, 0.0)
    fixed = model.planning_ms + model.classes[keyed["statement_class"]].fixed_ms
    assert keyed["dsql_compute_ms_per_call"] - bare["dsql_compute_ms_per_call"] == pytest.approx(
        fixed * (1.0 - model.keyless_factor), abs=0.05
    )


def test_sessions_come_from_pg_stat_database_else_the_assumption_stays() -> None:
    row = {"calls": 3600.0, "total_exec_time": 36.0, "rows": 3600.0}
    stats = [
        {"sessions": 10, "idle_in_transaction_time_ms": 0.0, "transactions": 1000, "active_time_ms": 0.0},
        {
            "sessions": 30,
            "idle_in_transaction_time_ms": 4000.0,
            "transactions": 3000,
            "active_time_ms": 3596e3,
        },
    ]
    usage, _ = one([row], info={"session_stats": stats}, seconds=3600)
    used = {a.key: a for a in usage.assumptions.used()}
    # 2,000 transactions in 20 sessions over the window; 4 s idle in transactions over them
    assert (used["dsql_transactions_per_session"].value, used["dsql_transactions_per_session"].source) == (
        100.0,
        "measured",
    )
    assert used["dsql_idle_in_txn_seconds_per_txn"].value == pytest.approx(0.002)
    assert "20 session(s)" in usage.estimators["sessions"]
    # (3,596 s active + 4 s idle in transactions) over the 3,600 s window: one transaction in flight
    assert used["occ_concurrent_transactions"].value == pytest.approx(1.0)
    older, _ = one([row], seconds=3600)  # a server before 14: no counters, the named assumption
    assert "sessions" not in older.estimators
    assert older.assumptions.get("dsql_transactions_per_session") == 10000
    assumed = {a.key: a for a in older.assumptions.used()}["dsql_transactions_per_session"]
    assert assumed.source == "default"


def test_statement_classes_follow_the_first_rule_that_holds() -> None:
    """The classes equal ``np.select`` over the rules in order (the first that holds wins), on
    random kinds, key shapes (None among them), rows, joins and aggregates."""
    import numpy as np

    from costmodel.core.profile import KeyShape, StatementKind
    from costmodel.usage.dsql_compute import StatementClass, statement_classes

    rng = np.random.default_rng(11)
    n = 5_000
    kind = rng.choice([k.value for k in StatementKind], n).astype(str)
    key_shape = rng.choice([*(s.value for s in KeyShape), None], n).astype(object)
    rows = rng.choice([np.nan, 0.0, 1.0, 2.5, 40.0], n)
    is_ctl = rng.random(n) < 0.1
    joins = rng.choice([np.nan, 0.0, 1.0], n)
    aggregates = rng.choice([np.nan, 0.0, 2.0], n)
    is_select = kind == StatementKind.SELECT.value
    is_write = np.isin(kind, ["insert", "update", "delete", "merge"])
    point = is_select & np.isin(key_shape, ["constant", "parameter", "tenant"]) & (np.nan_to_num(joins) == 0)
    point &= np.nan_to_num(aggregates) == 0
    multi = np.nan_to_num(rows) > 1.0
    expected = np.select(
        [is_ctl, point, is_select, is_write & multi, is_write],
        [
            StatementClass.TRANSACTION_CONTROL.value,
            StatementClass.POINT_READ.value,
            StatementClass.SCAN_READ.value,
            StatementClass.MULTI_ROW_WRITE.value,
            StatementClass.SINGLE_ROW_WRITE.value,
        ],
        default=StatementClass.DDL_UTILITY.value,
    )
    got = statement_classes(kind, key_shape, rows, is_ctl, joins, aggregates)
    assert got.dtype == object
    assert (got == expected).all()
    assert len({id(v) for v in got}) == len(set(got))  # one string object per class
