"""Fleets on Dask: the bundled samples fleet priced as Dask tasks on a real two-worker LocalCluster
gives the same JSON report as local processes, and the CLI's executor options fail in one line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask.utils import key_split
from distributed import Client, LocalCluster, get_task_stream

from costmodel.analysis.dask_executor import DaskExecutor
from costmodel.cli import main
from costmodel.core.errors import ExecutorError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_stats"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    ) as local:
        yield local


def _report(path: Path) -> dict[str, object]:
    report = json.loads(path.read_text(encoding="utf-8"))
    report.pop("generated_at")
    return report


def test_the_samples_fleet_on_a_dask_cluster_gives_the_local_report(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    local, dask = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["report", str(SAMPLES), "--jobs", "2", "--format", "json", "--out", str(local)]) == 0
    with Client(cluster) as client, get_task_stream(client) as stream:
        code = main(["report", str(SAMPLES), "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--format", "json", "--out", str(dask)])  # fmt: skip
    assert code == 0
    names = {key_split(task["key"]) for task in stream.data}
    assert {"classify_batch", "run_item"} <= names  # classification batches and pricing ran as Dask tasks
    workers = {task["worker"] for task in stream.data}
    assert len(workers) == 2  # both workers took tasks
    report = _report(dask)
    assert report == _report(local)
    assert report["fleet"]["clusters"] and len(report["fleet"]["clusters"]) == 4


def test_executor_options_fail_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(SAMPLES), "--executor", "local", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--scheduler names a Dask scheduler" in capsys.readouterr().err
    assert main(["report", str(SAMPLES / "saas"), "--executor", "dask"]) == 2
    assert "--executor dask runs fleets" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_typed_error() -> None:
    with (
        pytest.raises(ExecutorError, match="cannot reach the Dask scheduler"),
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout="2s"),
    ):
        pass
