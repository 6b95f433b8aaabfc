"""A report with a warm dsql-lint cache is the cold report (but for its time and the cache note), through
the real CLI and the real dsql-lint: one sample, the samples fleet, a generated fleet priced over two
processes, and ``dsqlcost readiness``; ``--no-lint-cache`` neither reads nor writes the cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_fleet import write_fleet
from costmodel.cli import main
from costmodel.readiness import lintcache
from costmodel.readiness.dsqllint import find_dsql_lint
from costmodel.readiness.lintcache import FILE_NAME

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_stats"
NOTE = "dsql-lint cache: "

pytestmark = pytest.mark.skipif(find_dsql_lint() is None, reason="dsql-lint is not installed")


def _report(args: list[str], out: Path) -> tuple[dict[str, Any], list[str]]:
    """The JSON report without its time and dsql-lint's wall time, and the cache notes taken out."""
    assert main([*args, "--format", "json", "--out", str(out)]) in (0, 1)
    report = json.loads(out.read_text(encoding="utf-8"))
    report.pop("generated_at", None)
    readiness = report.get("readiness") or report
    readiness["dsql_lint"].pop("seconds", None)
    notes = [n for n in readiness["notes"] if n.startswith(NOTE)]
    readiness["notes"] = [n for n in readiness["notes"] if not n.startswith(NOTE)]
    return report, notes


def _cold_then_warm(args: list[str], tmp_path: Path) -> tuple[list[str], list[str]]:
    cold, cold_notes = _report(args, tmp_path / "cold.json")
    warm, warm_notes = _report(args, tmp_path / "warm.json")
    assert warm == cold
    return cold_notes, warm_notes


def _counts(notes: list[str]) -> tuple[int, int]:
    assert len(notes) == 1, notes
    hits, _, rest = notes[0].removeprefix(NOTE).partition(" of ")
    return int(hits.replace(",", "")), int(rest.split()[0].replace(",", ""))


@pytest.mark.parametrize("args", [["report", "sample_stats/saas"], ["report", "sample_stats", "--jobs", "1"]])
def test_warm_report_equals_cold(args: list[str], lint_cache: Path, tmp_path: Path) -> None:
    args = [args[0], str(ROOT / args[1]), *args[2:]]
    cold, warm = _cold_then_warm(args, tmp_path)
    hits, linted = _counts(cold)
    assert hits == 0 and linted > 10
    assert _counts(warm) == (linted, linted)


def test_warm_report_equals_cold_on_a_generated_fleet(lint_cache: Path, tmp_path: Path) -> None:
    """The fleet's early dsql-lint (on a thread while two processes price the clusters) goes
    through the cache too."""
    folder = tmp_path / "fleet"
    folder.mkdir()
    write_fleet(folder, files=3, rows_per_file=300, distinct=600)
    cold, warm = _cold_then_warm(["report", str(folder), "--jobs", "2"], tmp_path)
    linted = _counts(cold)[1]
    assert _counts(cold) == (0, linted) and _counts(warm) == (linted, linted) and linted > 100


def test_warm_readiness_command_equals_cold(lint_cache: Path, tmp_path: Path) -> None:
    cold, warm = _cold_then_warm(["readiness", str(SAMPLES / "legacy")], tmp_path)
    assert _counts(cold)[0] == 0 and _counts(warm)[0] == _counts(warm)[1] > 0


def test_show_literals_never_uses_the_cache(lint_cache: Path, tmp_path: Path) -> None:
    """Texts with their literals go to dsql-lint: nothing of them may be stored."""
    _, notes = _report(["readiness", str(SAMPLES / "legacy"), "--show-literals"], tmp_path / "r.json")
    assert notes == [] and not (lint_cache / FILE_NAME).exists()


def test_no_lint_cache_neither_reads_nor_writes(
    lint_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lintcache, "_enabled", True)  # restored after the CLI turns it off
    _, notes = _report(["report", str(SAMPLES / "saas"), "--no-lint-cache"], tmp_path / "r.json")
    assert notes == [] and not (lint_cache / FILE_NAME).exists()
