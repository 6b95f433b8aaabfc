"""The per-upload cache (dashboard/state.py) and the scenario store and controls (dashboard/scenarios.py)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from costmodel.core.errors import CostModelError, IngestError, PricingError, ScenarioError
from costmodel.scenario.model import load_scenario
from dashboard import scenarios
from dashboard.scenarios import Controls, apply_controls, controls_of, from_store, to_store
from dashboard.state import UnknownUpload, UploadCache, content_key
from tests.browser.support import SAMPLE, data_url, export_csv, saas_cache, zip_dir

# ------------------------------------------------------------------ the cache


@pytest.fixture
def cache() -> UploadCache:
    made = UploadCache(max_uploads=2)
    yield made
    made.close()


def test_csv_upload_is_loaded_once_per_content(cache: UploadCache) -> None:
    contents = data_url(export_csv(30), "text/csv")
    first = cache.add_upload(contents, "pgss.csv", window="1h")
    assert first.statements == 30
    assert first.label == "pgss.csv"
    again = cache.add_upload(contents, "pgss.csv", window="1h")
    assert again is first  # same bytes, same window: no second parse or classification
    other = cache.add_upload(contents, "pgss.csv", window="2h")
    assert other.key != first.key


def test_upload_errors_name_the_file_not_the_server_path(cache: UploadCache) -> None:
    with pytest.raises(IngestError) as info:
        cache.add_upload(data_url(export_csv(5), "text/csv"), "pgss.csv")  # no window anywhere
    text = str(info.value)
    assert "pgss.csv" in text
    assert "/tmp" not in text and "dsqlcost-dashboard-" not in text
    assert "fix:" in text


def test_bundle_zip_upload_runs_and_hides_temporary_paths(cache: UploadCache) -> None:
    entry = cache.add_upload(data_url(zip_dir(SAMPLE)), "saas.zip")
    run = cache.run(entry.key, load_scenario(None))
    sources = run.report["inputs"]["sources"]
    assert sources and all(s.startswith("saas.zip: saas") for s in sources)
    assert run.report["title"].startswith("saas.zip")
    assert "dsqlcost-dashboard-" not in str(run.report["inputs"])


def test_runs_are_cached_per_scenario(cache: UploadCache) -> None:
    entry = cache.add_upload(data_url(export_csv(20), "text/csv"), "a.csv", window="1h")
    base = load_scenario(None)
    first = cache.run(entry.key, base)
    assert cache.run(entry.key, load_scenario(None)) is first
    grown = cache.run(entry.key, dataclasses.replace(base, growth=3.0))
    assert grown is not first
    assert grown.report["options"][0]["total_monthly_usd"] != first.report["options"][0]["total_monthly_usd"]
    cache.forget_runs()
    assert cache.run(entry.key, base) is not first


def test_eviction_drops_the_oldest_upload_and_its_files(cache: UploadCache) -> None:
    entries = [
        cache.add_upload(data_url(export_csv(10, seed=s), "text/csv"), f"e{s}.csv", window="1h")
        for s in (1, 2, 3)
    ]
    assert cache.get(entries[0].key) is None
    assert entries[0].directory is not None and not entries[0].directory.exists()
    assert cache.get(entries[2].key) is entries[2]
    with pytest.raises(UnknownUpload) as info:
        cache.run(entries[0].key, load_scenario(None))
    assert "upload the export again" in str(info.value)


def test_close_removes_every_upload_directory() -> None:
    made = UploadCache()
    entry = made.add_upload(data_url(export_csv(10), "text/csv"), "x.csv", window="1h")
    assert entry.directory is not None and entry.directory.exists()
    made.close()
    assert not entry.directory.exists()


def test_command_line_file_is_keyed_by_path_and_window(cache: UploadCache) -> None:
    first = cache.add_file(SAMPLE)
    assert cache.add_file(SAMPLE) is first
    assert first.directory is None and first.label == "saas"
    assert content_key(b"abc") != content_key(b"abc", "1h")


def test_pricing_errors_reach_the_caller_as_one_line() -> None:
    shared, key = saas_cache()
    with pytest.raises(PricingError) as info:
        shared.run(key, load_scenario(None, {"regions": {"primary": "sa-east-1"}}))  # no DSQL price there
    assert "\n" not in str(info.value) and "sa-east-1" in str(info.value)


# ------------------------------------------------------------------ scenarios in the store


def test_store_round_trip_is_exact() -> None:
    for name in ("default", "multi-region-us", "business-hours", "global-eu"):
        scenario = load_scenario(name)
        back = from_store(to_store(scenario))
        assert scenarios.fingerprint(back) == scenarios.fingerprint(scenario)
        assert back.regions == scenario.regions and back.source == scenario.source


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "no scenario"),
        ({"scenario": "growth: 2"}, "no scenario"),
        ({"scenario": {"growth": -1}}, "growth"),
        ({"scenario": {"nonsense": 1}}, "unknown key"),
        ({"scenario": {"regions": {"primary": "mars-1"}}}, "regions.primary"),
    ],
)
def test_store_content_is_validated_like_a_scenario_file(data: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        from_store(data)


def test_apply_controls_changes_only_what_the_controls_say() -> None:
    base = load_scenario("multi-region-us")
    controls = controls_of(base)
    same = apply_controls(base, controls)
    assert scenarios.fingerprint(dataclasses.replace(same, source=base.source)) == scenarios.fingerprint(base)
    moved = apply_controls(
        base,
        dataclasses.replace(
            controls, primary="us-west-2", peers=("us-east-2",), witness="us-east-1", growth=2.0
        ),
    )
    assert moved.regions.primary == "us-west-2"
    assert moved.regions.traffic_split == {}  # us-east-1 is no longer an active peer
    assert moved.growth == 2.0
    assert moved.source.endswith("dashboard controls")


def test_min_acu_above_zero_switches_auto_pause_off() -> None:
    base = load_scenario(None)
    scenario = apply_controls(
        base, dataclasses.replace(controls_of(base), min_acu=1.0, auto_pause_seconds=600)
    )
    assert scenario.serverless_v2.min_acu == 1.0
    assert scenario.serverless_v2.auto_pause_seconds is None
    back = apply_controls(
        scenario, dataclasses.replace(controls_of(scenario), min_acu=0.0, auto_pause_seconds=900)
    )
    assert back.serverless_v2.auto_pause_seconds == 900


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min_acu": 8.0, "max_acu": 4.0}, "max_acu 4 is below min_acu 8"),
        ({"primary": "us-east-1", "witness": "us-east-1"}, "witness us-east-1 is also an active peer"),
        ({"growth": 0.0}, "growth"),
    ],
)
def test_invalid_control_combinations_raise_scenario_errors(change: dict[str, object], message: str) -> None:
    base = load_scenario(None)
    with pytest.raises(ScenarioError, match=message):
        apply_controls(base, dataclasses.replace(controls_of(base), **change))  # type: ignore[arg-type]


def test_growth_slider_is_logarithmic() -> None:
    assert scenarios.growth_from_slider(0) == 1.0
    assert scenarios.growth_from_slider(1) == 10.0
    assert scenarios.growth_from_slider(-1) == 0.1
    assert scenarios.growth_from_slider("nonsense") == 1.0
    assert scenarios.slider_from_growth(100.0) == 2.0


def test_uploaded_scenario_yaml_is_validated_with_file_and_line(tmp_path: Path) -> None:
    good = "extends: business-hours\nregions:\n  primary: eu-west-1\ngrowth: 2\n"
    scenario = scenarios.load_uploaded_scenario(data_url(good.encode(), "text/yaml"), "mine.yaml")
    assert scenario.regions.primary == "eu-west-1" and scenario.time_profile.kind == "business-hours"
    assert "mine.yaml" in scenario.source and "/tmp" not in scenario.source
    bad = "growth: 2\nserverless_v2:\n  max_acus: 8\n"
    with pytest.raises(ScenarioError) as info:
        scenarios.load_uploaded_scenario(data_url(bad.encode(), "text/yaml"), "mine.yaml")
    text = str(info.value)
    assert text.startswith("mine.yaml:3: ")
    assert "serverless_v2.max_acus" in text and "did you mean 'serverless_v2.max_acu'" in text
    assert "/tmp" not in text


def test_uploaded_scenario_has_a_size_limit() -> None:
    huge = b"# " + b"x" * (scenarios.MAX_SCENARIO_BYTES + 10)
    with pytest.raises(ScenarioError, match="limit"):
        scenarios.load_uploaded_scenario(data_url(huge, "text/yaml"), "big.yaml")


def test_controls_dataclass_defaults_match_the_default_scenario() -> None:
    assert controls_of(load_scenario(None)) == Controls(primary="us-east-1")


def test_every_error_here_is_a_costmodel_error() -> None:
    assert issubclass(UnknownUpload, CostModelError)


def test_readers_and_savings_plan_controls_reach_the_scenario() -> None:
    base = load_scenario()
    assert controls_of(base).readers == 1 and not controls_of(base).savings_plan
    updated = apply_controls(base, dataclasses.replace(controls_of(base), readers=0, savings_plan=True))
    assert updated.serverless_v2.readers == 0
    assert updated.savings_plan.enabled


def _poll_until_done(cache: UploadCache, job: dict[str, str]) -> tuple[object, object]:
    from dashboard import files

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        session, message, disabled = files.poll_upload(cache, job)
        seen.append(message)
        if disabled:
            return session, message
        assert "Loading" in str(message)  # the step the upload is at
        time.sleep(0.05)
    raise AssertionError(f"upload did not finish: {seen[-1]}")


def test_uploads_load_off_the_request_thread_with_a_progress_line(cache: UploadCache) -> None:
    from dash import no_update

    from dashboard import files

    job, message, reset, disabled = files.start_upload(
        cache, data_url(export_csv(12), "text/csv"), "mine.csv", "2h"
    )
    # the contents stay in the upload box (a typed window re-reads them: issue 17)
    assert reset is no_update and disabled is False and "Loading mine.csv" in str(message)
    session, message = _poll_until_done(cache, job)
    assert isinstance(session, dict) and session["statements"] == 12 and "Loaded mine.csv" in str(message)
    assert cache.job(job["job"]).stage == "redacting the statement texts"  # the last step, after classifying
    job, *_ = files.start_upload(cache, data_url(b"just,junk\n1,2\n", "text/csv"), "junk.csv", "1h")
    session, message = _poll_until_done(cache, job)
    assert session is no_update and "junk.csv" in str(message) and "fix:" in str(message)
    assert files.poll_upload(cache, {"job": "forgotten"}) == (no_update, no_update, True)
