"""The observation window: precedence, every source, and the detail saying where it came from."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from costmodel.ingest.load import load_workload
from costmodel.ingest.meta import meta_candidates
from tests.data.ingest import builders as b

PG17 = b.GENERATIONS["1.11"]["columns"]


def _export(tmp_path: Path, name: str = "pgss.csv", columns: list[str] | None = None, **kw: object) -> Path:
    rows = b.make_rows(columns or b.PG16, 3)
    return b.write(tmp_path / name, b.csv_text(rows), **kw)  # type: ignore[arg-type]


def _set_mtime(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def test_explicit_window_wins_over_everything(tmp_path: Path) -> None:
    path = _export(tmp_path, window="2h")
    workload = load_workload([path], window="90m")
    assert workload.window.seconds == 5400
    assert workload.window.source == "argument"
    assert workload.window.detail == "given as --window 90m"
    assert any("--window overrides the window from metadata" in note for note in workload.notes)


def test_explicit_window_as_seconds(tmp_path: Path) -> None:
    workload = load_workload([_export(tmp_path, window=None)], window=3600.0)
    assert workload.window.seconds == 3600 and workload.window.source == "argument"


@pytest.mark.parametrize("bad", ["soon", "0s", "-5m", ""])
def test_bad_explicit_window(tmp_path: Path, bad: str) -> None:
    with pytest.raises(IngestError) as info:
        load_workload([_export(tmp_path, window=None)], window=bad)
    assert info.value.column == "--window"


@pytest.mark.parametrize(
    ("meta", "seconds", "detail"),
    [
        ({"window": "2h"}, 7200, "window: 2h in"),
        ({"window_seconds": 5400}, 5400, "window_seconds: 5400 in"),
        (
            {"window_start": "2026-11-27T08:00:00Z", "window_end": "2026-11-27T09:30:00Z"},
            5400,
            "window_start 2026-11-27T08:00:00Z to window_end 2026-11-27T09:30:00Z in",
        ),
    ],
    ids=["duration", "seconds", "start-end"],
)
def test_metadata_window_forms(tmp_path: Path, meta: dict, seconds: float, detail: str) -> None:
    meta = dict(meta)
    path = _export(tmp_path, window=meta.pop("window", None), **meta)
    window = load_workload([path]).window
    assert window.seconds == seconds
    assert window.source == "metadata"
    assert detail in window.detail and "pgss.csv.meta.yaml" in window.detail


def test_metadata_found_by_stem(tmp_path: Path) -> None:
    path = b.write(tmp_path / "pgss.csv.gz", b.csv_text(b.make_rows(b.PG16, 1)), gz=True, window=None)
    (tmp_path / "pgss.meta.yaml").write_text("window: 3h\n", encoding="utf-8")
    window = load_workload([path]).window
    assert window.seconds == 10800 and "pgss.meta.yaml" in window.detail
    assert [p.name for p in meta_candidates(path)] == [
        "pgss.csv.gz.meta.yaml",
        "pgss.csv.meta.yaml",
        "pgss.meta.yaml",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("windw: 2h\n", "unknown key 'windw'"),
        ("window: 2h\nwindow_seconds: 7200\n", "gives the window twice"),
        ("window_start: 2026-11-27T08:00:00Z\n", "window_end is missing"),
        ("window_start: 2026-11-27T09:00:00Z\nwindow_end: 2026-11-27T08:00:00Z\n", "not after"),
        ("window: soon\n", "not a duration"),
        ("window_seconds: -3\n", "not a positive number"),
        ("- window\n", "must be a mapping"),
        ("window: [1\n", "invalid YAML"),
        ("taken_at: yesterday\nwindow: 1h\n", "not a timestamp"),
    ],
)
def test_bad_metadata_is_an_error_naming_the_file(tmp_path: Path, text: str, fragment: str) -> None:
    path = _export(tmp_path, window=None)
    (tmp_path / "pgss.csv.meta.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(IngestError) as info:
        load_workload([path])
    assert fragment in str(info.value)
    assert "pgss.csv.meta.yaml" in str(info.value)


def test_stats_since_with_taken_at(tmp_path: Path) -> None:
    path = _export(tmp_path, columns=PG17, window=None, taken_at="2026-11-27T10:00:00Z")
    window = load_workload([path]).window
    assert window.source == "stats_since"
    assert window.seconds == 7200  # builders put stats_since at 08:00 UTC
    assert "taken_at in" in window.detail and "2026-11-27T08:00:00Z" in window.detail
    assert window.start == datetime(2026, 11, 27, 8, tzinfo=UTC)


def test_stats_since_falls_back_to_file_mtime_and_says_so(tmp_path: Path) -> None:
    path = _export(tmp_path, columns=PG17, window=None)
    _set_mtime(path, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    window = load_workload([path]).window
    assert window.seconds == 3600
    assert "modification time of" in window.detail and "no taken_at" in window.detail


def test_stats_since_uses_the_earliest_entry(tmp_path: Path) -> None:
    rows = b.make_rows(PG17, 3, stats_since=["2026-11-27 09:00:00+00", "2026-11-27 07:00:00+00", None])
    path = b.write(tmp_path / "p.csv", b.csv_text(rows), window=None, taken_at="2026-11-27T10:00:00Z")
    assert load_workload([path]).window.seconds == 3 * 3600


def test_stats_since_after_export_time_is_an_error(tmp_path: Path) -> None:
    path = _export(tmp_path, columns=PG17, window=None, taken_at="2026-11-27T07:00:00Z")
    with pytest.raises(IngestError, match="not positive"):
        load_workload([path])


def test_stats_reset_from_metadata(tmp_path: Path) -> None:
    path = _export(
        tmp_path, window=None, stats_reset="2026-11-26T10:00:00Z", taken_at="2026-11-27T10:00:00Z", dealloc=0
    )
    window = load_workload([path]).window
    assert window.source == "stats_reset"
    assert window.seconds == 86400
    assert "stats_reset in" in window.detail


def test_metadata_beats_stats_since_and_stats_since_beats_stats_reset(tmp_path: Path) -> None:
    path = _export(tmp_path, columns=PG17, window="30m", taken_at="2026-11-27T10:00:00Z")
    assert load_workload([path]).window.source == "metadata"
    path = _export(
        tmp_path,
        "b.csv",
        columns=PG17,
        window=None,
        taken_at="2026-11-27T10:00:00Z",
        stats_reset="2026-11-20T00:00:00Z",
    )
    assert load_workload([path]).window.source == "stats_since"


def test_no_window_explains_the_four_ways(tmp_path: Path) -> None:
    path = _export(tmp_path, window=None)
    with pytest.raises(IngestError) as info:
        load_workload([path])
    message = str(info.value)
    assert "pgss.csv" in message and "no observation window" in message
    for way in ("--window", "--since", ".meta.yaml", "stats_since"):
        assert way in message


def test_several_exports_with_the_same_window(tmp_path: Path) -> None:
    a = _export(tmp_path, "a.csv", window="1h")
    c = _export(tmp_path, "c.csv", window="61m")
    workload = load_workload([a, c])
    assert workload.rows_read == 6 and len(workload.statements) == 6
    assert workload.window.seconds == 3600
    assert "a.csv" in workload.window.detail and "c.csv" in workload.window.detail
    assert workload.statements["stmt_id"].tolist()[0] == "q1000.1"  # same queryid in both files


def test_several_exports_with_different_windows_is_an_error(tmp_path: Path) -> None:
    a = _export(tmp_path, "a.csv", window="1h")
    c = _export(tmp_path, "c.csv", window="3h")
    with pytest.raises(IngestError, match="different windows"):
        load_workload([a, c])
    assert load_workload([a, c], window="1h").window.source == "argument"


def test_snapshot_window_from_taken_at(tmp_path: Path) -> None:
    early = _export(tmp_path, "e.csv", window=None, taken_at="2026-11-27T09:00:00Z")
    late = _export(tmp_path, "l.csv", window="99h", taken_at="2026-11-27T09:45:00Z")
    window = load_workload([late], since=early).window
    assert window.source == "snapshots" and window.seconds == 2700
    assert "e.csv" in window.detail and "l.csv" in window.detail and "taken_at" in window.detail


def test_snapshot_window_from_mtimes_is_stated(tmp_path: Path) -> None:
    early = _export(tmp_path, "e.csv", window=None)
    late = _export(tmp_path, "l.csv", window=None)
    _set_mtime(early, datetime(2026, 11, 27, 9, tzinfo=UTC))
    _set_mtime(late, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    window = load_workload([late], since=early).window
    assert window.seconds == 1800 and "modification time" in window.detail


def test_snapshot_window_not_positive_asks_for_window(tmp_path: Path) -> None:
    early = _export(tmp_path, "e.csv", window=None, taken_at="2026-11-27T10:00:00Z")
    late = _export(tmp_path, "l.csv", window=None, taken_at="2026-11-27T09:00:00Z")
    with pytest.raises(IngestError, match="how far apart"):
        load_workload([late], since=early)
    assert load_workload([late], since=early, window="1h").window.seconds == 3600


def test_window_describe_is_one_line(tmp_path: Path) -> None:
    text = load_workload([_export(tmp_path, window="2h")]).window.describe()
    assert text.startswith("7200 s (2h) from metadata: window: 2h in")
    assert "\n" not in text
