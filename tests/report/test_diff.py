"""``dsqlcost diff``: what changed between two JSON reports, and clear errors for anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costmodel.cli import main
from costmodel.report.diff import diff_reports

SMALL = Path(__file__).parents[1] / "data" / "pipeline" / "saas_small.csv"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("diff")
    a, b = folder / "a.json", folder / "b.json"
    assert main(["report", str(SMALL), "--format", "json", "--out", str(a)]) == 0
    assert main(["report", str(SMALL), "--growth", "2", "--format", "json", "--out", str(b)]) == 0
    return a, b


def test_diff_shows_each_option_and_the_line_items_that_moved(reports: tuple[Path, Path]) -> None:
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in reports)
    diff = diff_reports(a, b)
    totals_a = {o["name"]: o["total_monthly_usd"] for o in a["options"]}
    totals_b = {o["name"]: o["total_monthly_usd"] for o in b["options"]}
    for row in diff["options"]:
        assert row["delta_usd"] == pytest.approx(totals_b[row["name"]] - totals_a[row["name"]], abs=0.011)
    write = next(
        r for r in diff["line_items"] if r["option"] == "dsql-single-region" and r["component"] == "WriteDPU"
    )
    assert write["after_usd"] == pytest.approx(2 * write["before_usd"], rel=1e-3)  # twice the load
    assert not any(r["component"] == "Storage" for r in diff["line_items"])  # storage does not move with load
    assert diff_reports(a, a)["line_items"] == []


def test_diff_command_prints_text_and_json(
    reports: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = reports
    assert main(["diff", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "dsql-single-region" in text and "WriteDPU" in text and "recommended:" in text
    assert main(["diff", str(a), str(b), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["options"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "report file not found"),
        ("not json", "not JSON"),
        ('{"schema_version": 99, "options": []}', "schema_version 99"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_diff_refuses_what_is_not_a_report(
    tmp_path: Path,
    reports: tuple[Path, Path],
    content: str | None,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    assert main(["diff", str(reports[0]), str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.json" in err and "Traceback" not in err and err.count("\n") == 1
