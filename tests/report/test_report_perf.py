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

DATA = Path(__file__).parents[1] / "data" / "report"
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


CLUSTERS = 1000
DATABASES_PER_CLUSTER = 5


@pytest.fixture(scope="module")
def big_fleet() -> dict[str, Any]:
    """A fleet of 1,000 clusters and 5,000 databases, each cluster with its own input notes.

    The terminal report lists all 1,000 distinct notes among its warnings (about 0.7 of its ~1.1
    CPU seconds: rich lays out each line); the other formats bound what they list."""
    report = json.loads((DATA / "fleet.json").read_text(encoding="utf-8"))
    base = report["fleet"]["clusters"][0]
    names = [f"tenant-{i:04d}" for i in range(CLUSTERS)]
    report["fleet"]["clusters"] = [
        {**base, "name": n, "totals": {k: v * (1 + i % 17) for k, v in base["totals"].items()}}
        for i, n in enumerate(names)
    ]
    report["databases"] = [
        {**report["databases"][0], "cluster": n, "database": f"db{j}", "dsql_monthly_usd": float(i * j)}
        for i, n in enumerate(names)
        for j in range(DATABASES_PER_CLUSTER)
    ]
    report["inputs"]["sources"] = [f"exports/{n}.csv" for n in names]
    report["inputs"]["notes"] = [
        f"{n}: {note}" for n in names for note in ("track_planning is off", f"{n} note")
    ]
    return report


@pytest.mark.parametrize(
    ("name", "limit"),
    [("text", 2.5), ("json", 1.0), ("markdown", 1.0), ("csv", 1.0), ("html", 2.0)],
)
def test_large_fleet_renders_fast(big_fleet: dict[str, Any], tmp_path: Path, name: str, limit: float) -> None:
    renderers: dict[str, Callable[[], object]] = {
        "text": lambda: render_text(big_fleet, width=120, color=False),
        "json": lambda: render_json(big_fleet),
        "markdown": lambda: render_markdown(big_fleet),
        "csv": lambda: write_csv(big_fleet, tmp_path),
        "html": lambda: render_html(big_fleet),
    }
    seconds = cpu_seconds(renderers[name])
    assert seconds < limit, f"{name} took {seconds:.2f} CPU s for {CLUSTERS} clusters (limit {limit} s)"


def test_large_fleet_outputs_are_bounded_or_complete(big_fleet: dict[str, Any], tmp_path: Path) -> None:
    paths = {p.name: p for p in write_csv(big_fleet, tmp_path)}
    assert paths["clusters.csv"].read_text(encoding="utf-8-sig").count("\ntenant-") == CLUSTERS
    assert paths["databases.csv"].read_text(encoding="utf-8-sig").count("\ntenant-") == CLUSTERS * 5
    assert len(render_markdown(big_fleet)) < 65536, "Markdown lists the largest clusters and databases only"
    text = render_text(big_fleet, width=120, color=False)
    assert "960 more cluster(s) not listed" in text and "4,960 more database(s) not listed" in text
    assert "exports/tenant-0005.csv … (+994 more)" in text, "the header does not list 1,000 sources"
    assert text.count("track_planning is off") == 1
