"""The report's first screen (issue 17): what an architect acts on comes before any table.

``make report`` runs ``dsqlcost report sample_stats/saas``; its first 30 lines must hold the verdict,
every option's total (with its low–high range when the report has one) and the warnings that change
the decision. The same first screen leads the Markdown and HTML reports, and the assumptions come last.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from costmodel.report.common import fmt_usd
from costmodel.report.html import render_html
from costmodel.report.markdown import md_text, render_markdown
from costmodel.report.summary import build_summary, decision_warnings, option_line
from costmodel.report.text import render_text

ROOT = Path(__file__).parents[2]
FIRST_SCREEN_LINES = 30


def _cli(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    done = subprocess.run(
        [sys.executable, "-m", "costmodel", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def saas_json() -> dict[str, Any]:
    report: dict[str, Any] = json.loads(_cli("report", "sample_stats/saas", "--format", "json"))
    return report


@pytest.fixture(scope="module")
def saas_text() -> str:
    return _cli("report", "sample_stats/saas")


def _flat(text: str) -> str:
    """Panel borders and line breaks out, so a wrapped sentence can be found whole."""
    lines = [line.strip().strip("│").strip() for line in text.splitlines()]
    return " ".join(" ".join(lines).split())


def test_make_report_shows_verdict_ranges_and_decision_warnings_in_the_first_30_lines(
    saas_json: dict[str, Any], saas_text: str
) -> None:
    first = _flat("\n".join(saas_text.splitlines()[:FIRST_SCREEN_LINES]))
    summary = saas_json["summary"]
    assert " ".join(summary["headline"].split()) in first
    for option in saas_json["options"]:
        assert f"{option['name']}: {fmt_usd(option['total_monthly_usd'], 2)}/month" in first
        span = option.get("total_monthly_usd_range")
        if span:  # the low–high range, when the report carries one (issue 13)
            low, high = (span["low"], span["high"]) if isinstance(span, dict) else span
            if low != high:
                assert f"range {fmt_usd(low, 2)}–{fmt_usd(high, 2)}" in first
    assert summary["warnings"], "the 21 s sample window must be named next to the verdict"
    for warning in summary["warnings"]:
        assert " ".join(warning.split()) in first
    assert any(w.startswith("observation window only 21s") for w in summary["warnings"])
    assert summary["readiness"] in first and summary["occ"] in first
    # the assumptions (about 100 lines) are the last section, after the warnings
    assert saas_text.index("\nWarnings") < saas_text.index("\nAssumptions")


def test_summary_warnings_are_the_decision_changing_facts_of_the_report(saas_json: dict[str, Any]) -> None:
    report = copy.deepcopy(saas_json)
    report["window"]["seconds"] = 7 * 86400.0  # a week: no short-window warning
    report["prices"]["unconfirmed"] = []
    for a in report["assumptions"]:
        if a["key"] in ("storage_gb", "statements_per_txn"):
            a["source"] = "default"
    report["options"][1]["details"]["capped_minutes"] = 120.0
    report["verdict"]["caveats"] = []  # without the verdict's caveats the summary names assumed inputs itself
    warnings = decision_warnings(report)
    assert not any("observation window" in w for w in warnings)
    assert not any("unconfirmed" in w for w in warnings)
    assert any(w.startswith("storage assumed") for w in warnings)
    assert any(w.startswith("transaction shape assumed") for w in warnings)
    assert any(
        w.startswith(f"{report['options'][1]['name']} is capped by max_acu 120 min/month") for w in warnings
    )
    report["verdict"]["caveats"] = ["a caveat another stage adds"]
    warnings = decision_warnings(report)
    assert warnings[-1] == "a caveat another stage adds"
    assert not any(w.startswith("storage assumed (") for w in warnings)  # the caveats say it, once


def test_ranges_and_the_first_screen_lead_every_format(saas_json: dict[str, Any]) -> None:
    report = copy.deepcopy(saas_json)
    report.pop("summary")
    for option in report["options"]:
        total = option["total_monthly_usd"]
        option["total_monthly_usd_range"] = [round(total * 0.8, 2), round(total * 1.5, 2)]
    report["summary"] = build_summary(report)
    lines = [option_line(o) for o in report["summary"]["options"]]
    assert all("(range $" in line for line in lines)
    text = render_text(report, width=100, color=False)
    first = _flat("\n".join(text.splitlines()[:FIRST_SCREEN_LINES]))
    markdown, html = render_markdown(report), render_html(report)
    for line in lines:
        assert line in first
        assert md_text(line) in markdown and markdown.index(md_text(line)) < markdown.index("## Options")
        escaped = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in html and html.index(escaped) < html.index('id="options"')
    assert markdown.index("## Warnings") < markdown.index("## Assumptions")
    assert html.index('id="warnings"') < html.index('id="assumptions"')
