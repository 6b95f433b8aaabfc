"""Server CPU for Serverless v2 sizing: fitted overhead added, JIT and lock waits taken out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import ScenarioError
from costmodel.pricing.serverless_v2_cpu import CpuModel, load_cpu_model, server_cpu


@dataclass
class _Usage:
    statements: pd.DataFrame
    txns_month: float


def _frame(**extra: list[float]) -> pd.DataFrame:
    base = {
        "kind": ["select", "update", "transaction"],
        "calls_month": [1000.0, 100.0, 200.0],
        "cpu_seconds_month": [0.1, 0.5, 0.0],
        "rows_per_call": [1.0, 1.0, 0.0],
        "min_exec_ms": [0.05, 0.2, 0.0],
        "jit_ms_per_call": [np.nan, np.nan, np.nan],
    }
    base.update(extra)
    return pd.DataFrame(base)


def test_overhead_per_call_and_per_transaction_added() -> None:
    model = CpuModel(per_call_ms=0.05, per_txn_ms=0.02, source="t", fit={})
    cpu = server_cpu(_Usage(_frame(), txns_month=100.0), model, AssumptionSet())
    # executor: select 1000 x 0.1 + update capped at 2 x 0.2 = 0.4 ms x 100 -> 140 ms
    assert cpu.executor_seconds == pytest.approx(0.14)
    assert cpu.lock_wait_removed_seconds == pytest.approx(100 * 4.6 / 1000)
    # overhead: 1300 calls x 0.05 + 100 txns x 0.02 = 67 ms
    assert cpu.overhead_seconds == pytest.approx(0.067)
    assert cpu.seconds_month == pytest.approx(0.207)
    assert cpu.per_statement.sum() == pytest.approx(cpu.seconds_month)


def test_jit_time_taken_out_and_multi_row_writes_not_capped() -> None:
    frame = _frame(jit_ms_per_call=[0.04, 0.0, np.nan], rows_per_call=[1.0, 50.0, 0.0])
    cpu = server_cpu(_Usage(frame, txns_month=0.0), CpuModel(0.0, 0.0, "t", {}), AssumptionSet())
    assert cpu.jit_removed_seconds == pytest.approx(1000 * 0.04 / 1000)
    assert cpu.lock_wait_removed_seconds == 0.0
    assert cpu.executor_seconds == pytest.approx((1000 * 0.06 + 100 * 5.0) / 1000)


def test_lock_ratio_below_one_is_a_scenario_error() -> None:
    a = AssumptionSet({"sv2_lock_wait_mean_over_min": (0.5, "scenario")})
    with pytest.raises(ScenarioError, match="sv2_lock_wait_mean_over_min"):
        server_cpu(_Usage(_frame(), 1.0), CpuModel(0.0, 0.0, "t", {}), a)


def test_bundled_model_has_source_and_fit_error() -> None:
    model = load_cpu_model()
    assert model.per_call_ms > 0
    assert "pgbench" in model.source
    assert 0 <= float(model.fit["held_out_max_abs_error"]) < 1


def test_broken_model_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("source: x\nper_call_ms: {value: 1}\n")
    with pytest.raises(ScenarioError, match="per_txn_ms"):
        load_cpu_model(path)
