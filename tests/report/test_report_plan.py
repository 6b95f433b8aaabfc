"""The migration plan as a section of the main report: the bundled legacy sample shows all five
phases with figures in every format, ``report --code`` feeds the code audit in (file:line), and
a fleet report has no plan."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.cli import main
from costmodel.report import render_html, render_markdown, render_text
from costmodel.report.csvout import csv_tables
from costmodel.report.redact import redact_query

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "sample_stats" / "legacy"
DRIVER = ROOT / "scripts" / "samples"


@pytest.fixture(scope="module")
def legacy_with_code() -> dict[str, Any]:
    """``dsqlcost report sample_stats/legacy --code scripts/samples --format json``."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", out)
        assert main(["report", str(LEGACY), "--code", str(DRIVER), "--format", "json"]) == 0
    return dict(json.loads(out.getvalue()))


def _figure(plan: dict[str, Any], phase: int, key: str) -> Any:
    figures = {f["key"]: f for f in plan["phases"][phase - 1]["figures"]}
    return figures[key]["value"]


def test_legacy_report_has_five_phases_with_figures(legacy_with_code: dict[str, Any]) -> None:
    plan = legacy_with_code["plan"]
    assert [p["number"] for p in plan["phases"]] == [1, 2, 3, 4, 5]
    for phase in plan["phases"]:
        headline = [f for f in phase["figures"] if f["headline"]]
        assert headline and phase["items"] and phase["items_total"] >= len(phase["items"]), phase["name"]
        assert sum(phase["effort"].values()) == phase["items_total"], phase["name"]
    assert plan["verdict"] == "blocked" == legacy_with_code["readiness"]["verdict"]
    assert _figure(plan, 1, "blockers") == sum(
        1 for f in legacy_with_code["readiness"]["findings"] if f["severity"] == "blocker"
    )
    assert _figure(plan, 2, "uuid_keys") == 4  # customers, orders, order_audit, job_queue
    before, after = _figure(plan, 2, "dsql_usd_before_after")
    assert before == legacy_with_code["options"][0]["total_monthly_usd"] and after > before
    assert 0 < _figure(plan, 3, "write_share_calls") < 1
    assert _figure(plan, 4, "load_test_txns_per_s") > 0
    assert _figure(plan, 4, "patterns_over_bad")[0] >= 1  # the customers batch UPDATE
    assert any("test at" in i["where"] and "bad" in i["detail"] for i in plan["phases"][3]["items"])
    assert _figure(plan, 5, "storage_gb") > 0 and _figure(plan, 5, "change_kib_per_s") > 0


def test_code_audit_feeds_the_plan_with_file_and_line(legacy_with_code: dict[str, Any]) -> None:
    plan = legacy_with_code["plan"]
    code = plan["code"]
    assert code["root"].endswith("scripts/samples") and code["files"] >= 1
    assert code["without_retry"] == _figure(plan, 3, "code_without_retry") == plan["phases"][2]["items_total"]
    assert any(i["where"] == "legacy.py:49" for i in plan["phases"][2]["items"])  # place_order's INSERT
    header, rows = csv_tables(legacy_with_code)["plan.csv"]
    where = header.index("where")
    assert any(r[0] == "3" and r[where] == "legacy.py:49" for r in rows)


def test_every_format_shows_the_plan(legacy_with_code: dict[str, Any]) -> None:
    for text in (render_text(legacy_with_code, width=100, color=False), render_markdown(legacy_with_code)):
        assert "Migration plan (five phases)" in text and "Load testing for" in text and "Cutover" in text
        assert re.search(r"\w+\.py:\d+", text)  # the first write paths without retry, at file:line
    page = render_html(legacy_with_code)
    assert '<section id="plan">' in page and "key(s) → UUID" in page
    narrow = render_text(legacy_with_code, width=60, color=False)
    assert "5 Cutover" in narrow


def test_plan_queries_are_redacted(legacy_with_code: dict[str, Any]) -> None:
    queries = [i["query"] for p in legacy_with_code["plan"]["phases"] for i in p["items"] if i["query"]]
    assert queries and all(q == redact_query(q) for q in queries)


def test_fleet_report_has_no_plan_and_refuses_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saas = ROOT / "sample_stats" / "saas"
    assert main(["report", str(LEGACY), str(saas), "--code", str(DRIVER)]) == 2
    assert "--code applies to one cluster" in capsys.readouterr().err
    assert main(["report", str(LEGACY), "--code", str(tmp_path / "missing")]) == 2
    out = tmp_path / "csv"
    assert main(["report", str(LEGACY), str(saas), "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.reader((out / "plan.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1  # header only: a fleet is planned per cluster


def test_untrusted_text_in_the_plan_is_escaped(legacy_with_code: dict[str, Any]) -> None:
    report = json.loads(json.dumps(legacy_with_code))
    item = report["plan"]["phases"][2]["items"][0]
    item["title"] = "<script>alert(1)</script> | **bold**"
    item["where"] = '=HYPERLINK("http://x")'
    page = render_html(report)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = render_markdown(report)
    assert "<script>" not in markdown and "\\| \\*\\*bold\\*\\*" in markdown
    header, rows = csv_tables(report)["plan.csv"]
    assert any(r[header.index("where")].startswith("'=HYPERLINK") for r in rows)
