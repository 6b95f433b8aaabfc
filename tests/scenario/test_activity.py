"""Time profiles: preset shapes, custom weights, measured series, background ticks, active minutes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from costmodel.core.errors import ScenarioError
from costmodel.core.workload import ActivitySeries
from costmodel.scenario.activity import WeekProfile, background_ticks, measured_load, week_profile
from costmodel.scenario.model import list_presets, load_scenario

WEEK = 10_080
DAY = 1_440


def _profile(overrides: dict | None = None, preset: str = "default", **kw: object) -> WeekProfile:
    return week_profile(load_scenario(preset, overrides), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [p for p in list_presets()])
def test_every_preset_profile_has_a_week_of_minutes_with_mean_one(name: str) -> None:
    profile = week_profile(load_scenario(name))
    assert profile.load.shape == (WEEK,)
    assert profile.load.mean() == pytest.approx(1.0)
    assert (profile.load >= 0).all()


def test_always_on_is_exactly_flat_by_default() -> None:
    profile = _profile()
    assert (profile.load == 1.0).all()
    assert profile.loaded_minutes == WEEK


def test_always_on_diurnal_amplitude_peaks_at_14h() -> None:
    profile = _profile({"assumptions": {"profile_always_on_diurnal_amplitude": 0.5}})
    day = profile.load[:DAY]
    assert int(np.argmax(day)) == 14 * 60
    assert day.max() / day.min() == pytest.approx(1.5 / 0.5, rel=1e-4)
    assert profile.load.mean() == pytest.approx(1.0)


def test_business_hours_load_only_weekdays_8_to_18() -> None:
    profile = _profile(preset="business-hours")
    load = profile.load
    assert profile.loaded_minutes == 5 * 10 * 60
    assert load[8 * 60] > 0 and load[8 * 60 - 1] == 0  # Monday 08:00 loaded, 07:59 idle
    assert load[18 * 60 - 1] > 0 and load[18 * 60] == 0  # 17:59 loaded, 18:00 idle
    assert load[5 * DAY : 7 * DAY].sum() == 0  # weekend idle
    assert load.max() == pytest.approx(WEEK / 3000)  # every loaded minute carries the same share


def test_utc_offset_shifts_local_business_hours_to_utc() -> None:
    profile = _profile({"time_profile": {"utc_offset_hours": 2}}, preset="business-hours")
    first = int(np.flatnonzero(profile.load)[0])
    assert first == 6 * 60  # 08:00 at UTC+2 is 06:00 UTC
    west = _profile({"time_profile": {"utc_offset_hours": -5}}, preset="business-hours")
    assert int(np.flatnonzero(west.load)[0]) == 13 * 60
    assert any("shifted to UTC" in n for n in west.notes)


def test_nightly_batch_window_may_cross_midnight_and_the_week_end() -> None:
    profile = _profile(
        {"assumptions": {"profile_nightly_batch_start_hour": 23, "profile_nightly_batch_hours": 2}},
        preset="nightly-batch",
    )
    assert profile.loaded_minutes == 7 * 120
    assert profile.load[0] > 0  # Sunday 23:00 window runs into Monday 00:00
    assert profile.load[60] == 0 and profile.load[23 * 60] > 0


def test_dev_sporadic_bursts_are_short_and_on_weekdays() -> None:
    profile = _profile(preset="dev-sporadic")
    assert profile.loaded_minutes == 5 * 3 * 20
    monday = profile.load[:DAY] > 0
    starts = np.flatnonzero(np.diff(monday.astype(int)) == 1) + 1
    # 3 bursts centred at 08:00 + (i + 0.5) * 10 h / 3
    assert list(starts) == [8 * 60 + int((i + 0.5) * 600 / 3 - 10) for i in range(3)]
    assert profile.load[5 * DAY :].sum() == 0


def test_custom_weights_keep_their_ratios() -> None:
    weights = [0.0] * 168
    weights[0], weights[1], weights[100] = 2.0, 1.0, 1.0
    profile = _profile({"time_profile": weights})
    assert profile.loaded_minutes == 180
    assert profile.load[0] == pytest.approx(2 * profile.load[60])
    assert profile.load[100 * 60] == pytest.approx(profile.load[60])
    assert profile.hourly()[0] == pytest.approx(2 * WEEK / 240)  # 240 weight-minutes in the week


def test_profile_shape_assumptions_are_validated() -> None:
    with pytest.raises(ScenarioError, match="profile_business_end_hour") as info:
        _profile({"assumptions": {"profile_business_end_hour": 7}}, preset="business-hours")
    assert info.value.hint
    with pytest.raises(ScenarioError, match="profile_dev_burst_minutes"):
        _profile({"assumptions": {"profile_dev_burst_minutes": 300}}, preset="dev-sporadic")


# --- background and active minutes ------------------------------------------------------------


def test_background_ticks_every_n_minutes() -> None:
    ticks = background_ticks(load_scenario(None, {"background": {"every_minutes": 10}}))
    assert ticks.sum() == WEEK // 10
    assert list(np.flatnonzero(ticks)[:3]) == [0, 10, 20]
    long = background_ticks(
        load_scenario(None, {"background": {"every_minutes": 60, "duration_seconds": 90}})
    )
    assert long.sum() == 168 * 2  # 90 s rounds up to two whole minutes
    assert not background_ticks(load_scenario()).any()


def test_calls_arrive_evenly_along_the_profile() -> None:
    profile = _profile()
    six_an_hour = profile.active_minutes(calls_per_week=6 * 168)
    gaps = np.diff(np.flatnonzero(six_an_hour))
    assert six_an_hour.sum() == WEEK // 10 and set(gaps) == {10}
    assert profile.active_minutes(calls_per_week=1).sum() == 1
    assert profile.active_minutes(calls_per_week=0).sum() == 0
    assert profile.active_minutes(calls_per_week=5 * WEEK).all()
    assert profile.active_minutes().all()


def test_idle_minutes_stay_idle_and_background_keeps_ticking() -> None:
    profile = _profile({"background": {"every_minutes": 30}}, preset="business-hours")
    active = profile.active_minutes(calls_per_week=1e9)
    night = slice(20 * 60, 24 * 60)
    assert (profile.load[night] == 0).all()
    assert active[night].sum() == 8  # only the 30-minute ticks
    assert active[8 * 60 : 18 * 60].all()


# --- measured -------------------------------------------------------------------------------------


def _series(
    start: str, calls: list[float], exec_ms: list[float] | None = None, seconds: float = 300.0
) -> ActivitySeries:
    index = pd.date_range(start, periods=len(calls), freq=pd.Timedelta(seconds=seconds), tz="UTC")
    frame = pd.DataFrame({"seconds": seconds, "calls": calls}, index=index)
    if exec_ms is not None:
        frame["total_exec_time"] = exec_ms
    return ActivitySeries(frame, source="test")


def test_measured_series_shorter_than_a_week_wraps_and_says_so() -> None:
    # Wednesday 09:00 UTC: one busy hour then one idle hour, 5-minute intervals
    series = _series("2026-11-25 09:00", [10.0] * 12 + [0.0] * 12, [50.0] * 24)
    profile = _profile({"time_profile": "measured"}, series=series)
    wed_9 = 2 * DAY + 9 * 60
    assert profile.load[wed_9 : wed_9 + 60].min() > 0
    assert (profile.load[wed_9 + 60 : wed_9 + 120] == 0).all()
    assert profile.loaded_minutes == WEEK // 2
    assert profile.load.mean() == pytest.approx(1.0)
    assert any("repeated" in n and "less than a week" in n for n in profile.notes)


def test_measured_rates_follow_execution_time_and_partial_minutes() -> None:
    # 90-second intervals: rates 1 ms/s then 3 ms/s; the minute straddling both gets the blend
    series = _series("2026-11-23 00:00", [1.0, 1.0], [90.0, 270.0], seconds=90.0)
    week, notes = measured_load(series)
    assert week[0] == pytest.approx(60.0)  # 1 ms/s × 60 s
    assert week[1] == pytest.approx(30 * 1.0 + 30 * 3.0)  # 00:01:00-00:01:30 at 1, 00:01:30-00:02 at 3
    assert week[2] == pytest.approx(180.0)
    assert "execution time" in notes[0]


def test_measured_without_exec_time_uses_calls() -> None:
    series = _series("2026-11-23 00:00", [60.0, 0.0, 120.0], seconds=60.0)
    week, notes = measured_load(series)
    assert list(week[:3]) == [60.0, 0.0, 120.0]
    assert "calls" in notes[0]


def test_measured_series_longer_than_a_week_is_folded() -> None:
    n = WEEK // 60 * 2  # two weeks of hourly intervals
    calls = [float(i % 168 == 0) * 100 + float(i >= 168) for i in range(n)]
    series = _series("2026-11-23 00:00", calls, seconds=3600.0)
    week, notes = measured_load(series)
    assert week[0] == pytest.approx((100 + 101) / 2 / 60)  # Monday 00:00 of both weeks averaged
    assert week[60] == pytest.approx((0 + 1) / 2 / 60)
    assert any("weeks" in n for n in notes)


def test_measured_without_series_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="no activity series") as info:
        _profile({"time_profile": "measured"})
    assert "collect" in (info.value.hint or "")
