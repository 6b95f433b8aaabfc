"""Measured inputs that size Serverless v2 (source CPU, CloudWatch export) and the memory floor."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from costmodel.calibrate.source_cpu import load_source_cpu
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import CalibrationError, ScenarioError
from costmodel.pricing.serverless_v2 import estimate_serverless_v2
from costmodel.pricing.serverless_v2_inputs import instance_vcpus
from costmodel.scenario.model import load_scenario, scenario_assumptions
from costmodel.usage.memory import WorkingSet, setting_bytes

CATALOG = load_catalog()


@dataclass(frozen=True)
class _Usage:
    statements: pd.DataFrame
    storage_gb: float
    assumptions: AssumptionSet
    working_set: WorkingSet = field(default_factory=lambda: WorkingSet(None, "unknown"))
    txns_month: float = 0.0
    active_on_cpu_samples: tuple[int, ...] = ()


def _usage(scenario_overrides: dict[str, object], ws: WorkingSet | None = None) -> tuple[_Usage, object]:
    scenario = load_scenario("always-on", scenario_overrides)
    frame = pd.DataFrame({"stmt_id": ["a"], "calls_month": [1e6], "cpu_seconds_month": [1000.0],
                          "read_ios_month": [0.0], "write_ios_month": [0.0], "wal_bytes_month": [0.0]})  # fmt: skip
    return _Usage(frame, 1.0, scenario_assumptions(scenario), ws or WorkingSet(None, "unknown")), scenario


def test_source_cpu_wins_and_is_named() -> None:
    usage, scenario = _usage(
        {"serverless_v2": {"readers": 0, "source_cpu_pct": 50, "source_instance": "db.r6g.large"}}
    )
    option = estimate_serverless_v2(usage, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    # 50% of 2 vCPU = 1 core -> 1 / 0.25 / 0.7 = 5.7 ACU -> 6.0
    assert option.details["capacity_source"] == "source-cpu"
    assert "db.r6g.large (2 vCPU)" in option.details["capacity_source_detail"]
    assert option.details["peak_acu"] == 6.0


def test_model_sizes_without_measured_cpu() -> None:
    usage, scenario = _usage({"serverless_v2": {"readers": 0}})
    option = estimate_serverless_v2(usage, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["capacity_source"] == "model"
    assert option.details["server_cpu_seconds_month"] > 1000.0  # per-call overhead added


def test_source_cpu_without_vcpus_is_an_error() -> None:
    usage, scenario = _usage({"serverless_v2": {"source_cpu_pct": 50}})
    with pytest.raises(ScenarioError, match="vCPU"):
        estimate_serverless_v2(usage, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("klass", "vcpus"),
    [("db.r6g.large", 2), ("db.r6g.xlarge", 4), ("db.m7g.16xlarge", 64), ("db.t4g.medium", 2)],
)
def test_instance_vcpus(klass: str, vcpus: float) -> None:
    assert instance_vcpus(klass) == vcpus


def test_memory_floor_from_working_set_and_performance_insights() -> None:
    ws = WorkingSet(6 * 1024**3, "test")
    usage, scenario = _usage({"serverless_v2": {"readers": 0}}, ws)
    option = estimate_serverless_v2(usage, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    # 6 GiB / (2 GiB x 0.75) = 4 ACU
    assert option.details["memory_floor_acu"] == pytest.approx(4.0)
    assert option.details["peak_acu"] == 4.0
    small, pi = _usage({"serverless_v2": {"readers": 0, "performance_insights": True}})
    option = estimate_serverless_v2(small, pi, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["memory_floor_acu"] == 2.0
    assert "Performance Insights" in option.details["memory_floor_rule"]


def test_pool_that_keeps_connections_never_pauses() -> None:
    usage, scenario = _usage(
        {
            "time_profile": {"kind": "business-hours"},
            "serverless_v2": {"min_acu": 0, "auto_pause_seconds": 300},
        }
    )
    option = estimate_serverless_v2(usage, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["paused_hours"] == 0
    assert "keeps idle connections" in option.details["pausing"]


@pytest.mark.parametrize(
    ("text", "expected"), [("128MB", 128 * 1024**2), ("16384", 16384 * 8192), ("1GB", 1024**3), ("x", None)]
)
def test_shared_buffers_setting(text: str, expected: float | None) -> None:
    assert setting_bytes(text) == expected


def _cw(tmp_path: Path, label: str, stamps: list[str], values: list[float]) -> Path:
    path = tmp_path / "cpu.json"
    path.write_text(json.dumps({"MetricDataResults": [{"Id": "m1", "Label": label, "Timestamps": stamps,
                                                       "Values": values, "StatusCode": "Complete"}]}))  # fmt: skip
    return path


def test_cloudwatch_cpu_export_mean(tmp_path: Path) -> None:
    stamps = [f"2026-11-02T00:{m:02d}:00Z" for m in (0, 5, 10, 15)]
    cpu = load_source_cpu(_cw(tmp_path, "CPUUtilization", stamps, [10, 20, 30, 40]))
    assert (cpu.mean_pct, cpu.max_pct, cpu.points, cpu.period_seconds) == (25.0, 40.0, 4, 300.0)


def test_cloudwatch_cpu_export_with_gap_names_file_and_field(tmp_path: Path) -> None:
    stamps = ["2026-11-02T00:00:00Z", "2026-11-02T00:05:00Z", "2026-11-02T00:20:00Z"]
    with pytest.raises(CalibrationError) as info:
        load_source_cpu(_cw(tmp_path, "CPUUtilization", stamps, [10, 20, 30]))
    assert "cpu.json" in str(info.value) and "Timestamps" in str(info.value) and "gap" in str(info.value)


def test_cloudwatch_export_of_another_metric_is_refused(tmp_path: Path) -> None:
    stamps = ["2026-11-02T00:00:00Z", "2026-11-02T00:05:00Z"]
    with pytest.raises(CalibrationError, match=r"FreeableMemory.*is not CPUUtilization"):
        load_source_cpu(_cw(tmp_path, "FreeableMemory", stamps, [1, 2]))


def test_cli_bad_cpu_export_exits_2(tmp_path: Path) -> None:
    from costmodel.cli import main

    stamps = ["2026-11-02T00:00:00Z", "2026-11-02T00:05:00Z"]
    path = _cw(tmp_path, "DatabaseConnections", stamps, [1, 2])
    assert (
        main(["report", "sample_stats/pgbench", "--source-cpu-export", str(path), "--source-vcpus", "2"]) == 2
    )


def test_sampled_active_backends_size_when_collected() -> None:
    usage, scenario = _usage({"serverless_v2": {"readers": 0}})
    sampled = dataclasses.replace(usage, active_on_cpu_samples=(1, 0, 2, 1))  # mean 1 core
    option = estimate_serverless_v2(sampled, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["capacity_source"] == "sampled-backends"
    assert option.details["peak_acu"] == 6.0  # 1 core / 0.25 / 0.7 = 5.7 -> 6.0
    idle = dataclasses.replace(usage, active_on_cpu_samples=(0, 0, 0))
    option = estimate_serverless_v2(idle, scenario, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["capacity_source"] == "model"
    measured = _usage({"serverless_v2": {"readers": 0, "source_cpu_pct": 50, "source_vcpus": 4}})[0]
    both = dataclasses.replace(measured, active_on_cpu_samples=(1, 1, 1))
    scen = load_scenario(
        "always-on", {"serverless_v2": {"readers": 0, "source_cpu_pct": 50, "source_vcpus": 4}}
    )
    option = estimate_serverless_v2(both, scen, CATALOG, io_mode="standard")  # type: ignore[arg-type]
    assert option.details["capacity_source"] == "source-cpu"  # the source's own CPU wins
