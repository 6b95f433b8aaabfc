"""The verdict's ranges off the request (issue 19): a what-if answers with the scenario's point
figures, a worker thread adds the ranges, and the page says "computing" until they are in.

Every test here compares against a plain ``Analysis.run`` on a fresh analysis of the same sample
(what the CLI does): once the ranges are filled, the dashboard's report is the same document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from costmodel.analysis.run import Analysis
from costmodel.core.catalog import load_catalog
from costmodel.ingest.load import load_workload
from costmodel.report.model import build_report
from costmodel.scenario.model import Scenario, load_scenario
from dashboard.pages import overview
from dashboard.scenarios import to_store
from dashboard.state import DashboardRun, UploadCache
from tests.browser.support import SAMPLE
from tests.dashboard.support import component_text as _text

SCENARIOS = (None, "multi-region-us", "dev-sporadic")


@pytest.fixture(scope="module")
def fresh() -> Analysis:
    """The saas sample in an analysis of its own (no dashboard, no deferred ranges)."""
    return Analysis(load_workload([SAMPLE]), load_catalog())


def _reference(fresh: Analysis, scenario: Scenario, title: Any, sweep_points: int) -> str:
    report = build_report(
        fresh.run(scenario, sweep_points=sweep_points), title=title, include_statements=False
    )
    return _dump(report)


def _dump(report: dict[str, Any]) -> str:
    """The report as canonical JSON, without the time it was generated."""
    return json.dumps({k: v for k, v in report.items() if k != "generated_at"}, sort_keys=True, default=str)


@pytest.mark.parametrize("name", SCENARIOS)
def test_filled_ranges_give_the_report_of_a_full_run(fresh: Analysis, name: str | None) -> None:
    cache = UploadCache()
    try:
        entry = cache.add_file(SAMPLE)
        scenario = load_scenario(name)
        run = cache.run(entry.key, scenario)
        assert cache.wait_ranges(timeout=120)
        assert not run.ranges_pending and run.ranges_error is None
        assert run.report["verdict"]["ranges"]["cases"], "the saas sample uses defaults: it has range cases"
        expected = _reference(fresh, scenario, run.report["title"], cache.sweep_points)
        assert _dump(run.report) == expected
        assert run.result.verdict == fresh.run(scenario, sweep_points=cache.sweep_points).verdict
    finally:
        cache.close()


def test_a_download_fills_ranges_the_worker_has_not(fresh: Analysis) -> None:
    """A run priced without its ranges and never queued: the download computes them itself."""
    cache = UploadCache()
    try:
        entry = cache.add_file(SAMPLE)
        scenario = load_scenario("multi-region-us")
        point = entry.analysis.run(scenario, sweep_points=cache.sweep_points, ranges=False)
        title = "saas: DSQL vs Aurora Serverless v2"
        report = build_report(point, title=title, include_statements=False)
        assert report["verdict"]["ranges"] is None
        assert all(o.get("total_monthly_usd_range") is None for o in report["options"])
        run = DashboardRun(entry, point, report, ranges_pending=True)
        full = run.full_report
        assert not run.ranges_pending
        assert full["verdict"]["ranges"]["cases"]
        assert _dump(run.report) == _reference(fresh, scenario, title, cache.sweep_points)
    finally:
        cache.close()


def test_overview_says_computing_until_the_ranges_are_in() -> None:
    cache = UploadCache()
    try:
        entry = cache.add_file(SAMPLE)
        session = {"key": entry.key}
        store = to_store(load_scenario("dev-sporadic"))
        with cache.hold_ranges():  # the worker cannot start a case: the run stays pending
            run = cache.run(entry.key, load_scenario("dev-sporadic"))
            assert run.ranges_pending
            _error, verdict, cards, *_rest = overview.render(cache, session, store)
            assert overview.RANGES_COMPUTING in _text(verdict)
            assert all("range computing" in _text(c) and "range $" not in _text(c) for c in cards)
            assert run.report["verdict"]["ranges"] is None  # no range shown, none stale
        assert cache.wait_ranges(timeout=120)
        _error, verdict, cards, *_rest = overview.render(cache, session, store)
        assert overview.RANGES_COMPUTING not in _text(verdict)
        assert run.report["verdict"]["caveats"][0].startswith("the ranking ")
        assert run.report["verdict"]["caveats"][0] in _text(verdict)
        assert all("range computing" not in _text(c) and "range $" in _text(c) for c in cards)
    finally:
        cache.close()


def test_the_worker_prices_cases_without_the_uploads_lock(fresh: Analysis) -> None:
    """A range case runs on the worker's own analysis: it needs no lock a what-if takes, and its
    totals are the upload's (the report equals a full run's)."""
    cache = UploadCache()
    try:
        entry = cache.add_file(SAMPLE)
        scenario = load_scenario("multi-region-us")
        with cache.hold_ranges():
            run = cache.run(entry.key, scenario)
        with entry.lock:  # as if a what-if on this upload were being priced all along
            assert cache.wait_ranges(timeout=120)
        assert not run.ranges_pending and run.ranges_error is None
        assert entry.cases is not None and entry.cases is not entry.analysis
        assert _dump(run.report) == _reference(fresh, scenario, run.report["title"], cache.sweep_points)
    finally:
        cache.close()


def test_the_worker_steps_aside_while_a_request_computes() -> None:
    """No range case starts, and none goes on to its next step, while a request prices a run or
    within the quiet interval after one; then the ranges fill."""
    cache = UploadCache()
    try:
        entry = cache.add_file(SAMPLE)
        run = cache.run(entry.key, load_scenario("dev-sporadic"))
        cache._gate.enter()  # a request is computing
        try:
            assert not cache.wait_ranges(timeout=1.0)
            assert run.ranges_pending
        finally:
            cache._gate.leave()
        assert cache.wait_ranges(timeout=120)
        assert not run.ranges_pending and run.ranges_error is None
    finally:
        cache.close()


def test_gate_waits_for_requests_and_the_quiet_interval() -> None:
    import threading
    import time

    from dashboard.range_cases import RequestGate

    gate = RequestGate(quiet_s=0.3)
    gate.enter()
    done = threading.Event()

    def worker() -> None:
        gate.wait_quiet(lambda: False)
        done.set()

    threading.Thread(target=worker, daemon=True).start()
    assert not done.wait(0.4)  # a request is computing
    left = time.monotonic()
    gate.leave()
    assert done.wait(5.0)
    assert time.monotonic() - left >= 0.29  # and then the quiet interval
    stopped = threading.Event()
    gate.enter()
    threading.Thread(target=lambda: (gate.wait_quiet(lambda: True), stopped.set()), daemon=True).start()
    assert stopped.wait(2.0)  # stop() ends the wait (the cache closing)


def test_pipeline_checkpoints_call_only_this_threads_hook(fresh: Analysis) -> None:
    """A range case passes the pipeline's checkpoints (usage steps, contention, each pricer), where
    the worker's hook runs; other threads and code outside the block run no hook."""
    import threading

    from costmodel.core.checkpoint import checkpoint, checkpoints
    from dashboard.range_cases import case_analysis

    calls: list[str] = []
    analysis = case_analysis(fresh)
    with checkpoints(lambda: calls.append(threading.current_thread().name)):
        totals = analysis.case_totals(load_scenario(None))
        elsewhere = threading.Thread(target=checkpoint, name="elsewhere")
        elsewhere.start()
        elsewhere.join()
    checkpoint()
    assert len(calls) >= 10 and set(calls) == {threading.current_thread().name}
    assert totals == fresh.case_totals(load_scenario(None))

    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop

    with pytest.raises(Stop), checkpoints(stop):  # the hook may give a case up
        case_analysis(fresh).case_totals(load_scenario("dev-sporadic"))
