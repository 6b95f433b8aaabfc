"""``dsqlcost ingest`` output and the shared workload options of ``costmodel.cli.common``."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from costmodel.cli import main as cli_main
from costmodel.cli.common import ProgressBar, add_workload_arguments, load_workload_from_args
from tests.data.ingest import builders as b

COLS = [*b.PG16, "datname", "rolname"]


def _export(tmp_path: Path) -> Path:
    rows = b.make_rows(
        COLS,
        5,
        toplevel=[True, True, False, True, True],
        queryid=[1, 2, 3, None, 5],
        query=["SELECT 1", "SELECT 2", "SELECT 3", "<insufficient privilege>", "SELECT 1"],
    )
    for row, db in zip(rows, ["app", "app", "app", "app", "shop"]):
        row["datname"], row["rolname"] = db, "alice"
    return b.write(tmp_path / "pgss.csv", b.csv_text(rows), window="2h", dealloc=3)


def test_text_output_says_what_was_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(tmp_path)
    assert cli_main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"  {path}  (csv, 5 rows, export)" in out
    assert "Rows read:          5" in out
    assert "Statements kept:    4" in out
    assert "nested (toplevel = false)  1" in out
    assert "Window:             7200 s (2h) from metadata" in out
    assert "window: 2h in" in out
    assert "Column generation:  1.10 (PostgreSQL 15–16)" in out
    assert "Missing signals:    parallel workers" in out
    assert "Unclassifiable:     1" in out
    assert "3 entries were evicted" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(tmp_path)
    assert (
        cli_main(["ingest", str(path), "--format", "json", "--database", "app", "--group-by", "query"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == 1
    assert doc["rows_read"] == 5 and doc["statements"] == 3
    assert doc["excluded"] == {"nested (toplevel = false)": 1, "--database filter": 1}
    assert doc["window"]["source"] == "metadata" and doc["window"]["seconds"] == 7200
    assert doc["generation"].startswith("1.10")
    assert doc["unclassifiable"] == 1
    assert doc["files"][0]["rows"] == 5
    assert doc["info"]["dealloc"] == 3
    assert any("--group-by query" in note for note in doc["notes"])


def test_since_and_window_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    early = b.write(tmp_path / "e.csv", b.csv_text(b.make_rows(b.PG16, 2, calls=[1, 2])), window=None)
    late = b.write(tmp_path / "l.csv", b.csv_text(b.make_rows(b.PG16, 2, calls=[5, 2])), window=None)
    assert cli_main(["ingest", "--since", str(early), str(late), "--window", "15m", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["statements"] == 1 and doc["calls"] == 4
    assert doc["window"]["source"] == "argument" and doc["window"]["seconds"] == 900


def test_bad_window_option_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["ingest", str(_export(tmp_path)), "--window", "soon"]) == 2
    assert "column '--window'" in capsys.readouterr().err


def test_group_by_choices_are_enforced_by_argparse(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(["ingest", str(_export(tmp_path)), "--group-by", "user"])
    assert info.value.code == 2


def test_shared_arguments_parse_and_load(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_workload_arguments(parser)
    path = _export(tmp_path)
    args = parser.parse_args(
        [
            str(path),
            "--database",
            "app",
            "--database",
            "shop",
            "--user",
            "alice",
            "--include-nested",
            "--window",
            "1h",
        ]
    )
    assert args.exports == [str(path)] and args.databases == ["app", "shop"] and args.users == ["alice"]
    assert args.include_nested and args.group_by is None and args.since is None
    workload = load_workload_from_args(args)
    assert len(workload.statements) == 5 and workload.window.seconds == 3600


def test_progress_bar_is_silent_without_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.update("reading", 5, 10)
    bar.close()
    assert stream.getvalue() == ""


def test_progress_bar_draws_and_clears_when_forced() -> None:
    stream = io.StringIO()
    with ProgressBar(stream, force=True) as bar:
        bar.update("reading pgss.csv", 5, 10)
        bar.update("reading pgss.csv", 10, 10)
    text = stream.getvalue()
    assert "reading pgss.csv" in text and "50%" in text and "100%" in text
    assert text.endswith("\r")


def test_progress_callback_is_called_for_large_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import costmodel.ingest.read
    from costmodel.ingest.load import load_workload

    monkeypatch.setattr(costmodel.ingest.read, "PROGRESS_EVERY", 10)
    calls: list[tuple[str, int, int]] = []
    path = b.write(tmp_path / "big.tsv", b.unaligned_text(b.make_rows(b.PG16, 45)))
    load_workload([path], progress=lambda label, done, total: calls.append((label, done, total)))
    assert any(done < total for _, done, total in calls)
    assert calls[-1][1] == calls[-1][2]
    assert all(label.startswith("reading ") for label, _, _ in calls)


def test_ingest_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main(["ingest", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--since",
        "--window",
        "--database",
        "--user",
        "--include-nested",
        "--group-by",
        "--format",
    ):
        assert option in out


def test_ingest_without_a_window_shows_what_it_read_and_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ingest`` is where a user looks at an export: without a window it still summarises it (exit
    0) and names the missing window with the ways to give it (issue 17); ``report`` still refuses."""
    rows = b.make_rows(COLS, 3, query=["SELECT 1", "SELECT 2", "SELECT 3"])
    path = b.write(tmp_path / "nowindow.csv", b.csv_text(rows), window=None)
    assert cli_main(["ingest", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Rows read:          3" in out and "Statements kept:    3" in out
    assert "Window:             MISSING" in out
    for way in ("--window", "--since", ".meta.yaml", "stats_since"):
        assert way in out
    assert cli_main(["ingest", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (
        doc["window"]["seconds"] is None and doc["window"]["source"] == "missing" and doc["statements"] == 3
    )
    assert cli_main(["report", str(path)]) == 2
    assert "no observation window" in capsys.readouterr().err
