"""Renderers stay fast on a large report: 5,000 statements render to every format in well under a
second (HTML, which builds four plotly figures and embeds plotly.js, under two).

Measured in CPU seconds of this process (``time.process_time``), so other jobs on a shared
2-core machine do not make the test flaky; each renderer runs once to warm up imports first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from costmodel.report import render_html, render_json, render_markdown, render_text, write_csv

DATA = Path(__file__).parent / "data" / "report"
STATEMENTS = 5000


@pytest.fixture(scope="module")
def big_report() -> dict[str, Any]:
    report = json.loads((DATA / "saas_full.json").read_text(encoding="utf-8"))
    base = report["statements"]
    statements = []
    for i in range(STATEMENTS):
        row = dict(base[i % len(base)])
        row["stmt_id"] = str(7 * 10**17 + i)
        row["query"] = f"{row['query']} /* caller {i} */"
        statements.append(row)
    report["statements"] = statements
    report["inputs"]["statements"] = STATEMENTS
    report["readiness"]["findings"][0]["statements"] = [s["stmt_id"] for s in statements[:2500]]
    return report


def cpu_seconds(render: Callable[[], object]) -> float:
    render()  # warm up: imports, plotly.js read once
    start = time.process_time()
    render()
    return time.process_time() - start


@pytest.mark.parametrize(
    ("name", "limit"),
    [("text", 1.0), ("json", 1.0), ("markdown", 1.0), ("csv", 1.0), ("html", 2.0)],
)
def test_large_report_renders_fast(
    big_report: dict[str, Any], tmp_path: Path, name: str, limit: float
) -> None:
    renderers: dict[str, Callable[[], object]] = {
        "text": lambda: render_text(big_report, width=120, color=False),
        "json": lambda: render_json(big_report),
        "markdown": lambda: render_markdown(big_report),
        "csv": lambda: write_csv(big_report, tmp_path),
        "html": lambda: render_html(big_report),
    }
    seconds = cpu_seconds(renderers[name])
    assert seconds < limit, f"{name} took {seconds:.2f} CPU s for {STATEMENTS} statements (limit {limit} s)"


def test_large_outputs_are_complete(big_report: dict[str, Any], tmp_path: Path) -> None:
    assert len(json.loads(render_json(big_report))["statements"]) == STATEMENTS
    statements_csv = next(p for p in write_csv(big_report, tmp_path) if p.name == "statements.csv")
    assert statements_csv.read_text(encoding="utf-8-sig").count("/* caller ") == STATEMENTS
    assert len(render_markdown(big_report)) < 65536, "Markdown lists top drivers only, never every statement"
