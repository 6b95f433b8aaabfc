"""Self-contained HTML report and the plotly figures the dashboard reuses.

Unit tests parse the page (html.parser) and the figures; one browser test opens the hostile
report from disk in headless Chromium with name resolution disabled and checks that every chart
draws and no injected script runs.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from costmodel.report import render_html
from costmodel.report.figures import (
    MAX_CLUSTERS,
    break_even_figure,
    cost_by_option_figure,
    fleet_figure,
    readiness_figure,
    statement_labels,
    top_statements_figure,
)
from costmodel.report.html import PLOTLYJS_ID

DATA = Path(__file__).parents[1] / "data" / "report"
FIGURE_IDS = ("fig-cost-by-option", "fig-break-even", "fig-top-statements", "fig-readiness")
FLEET_FIGURE_ID = "fig-fleet"
"""Drawn in fleet reports only (the hostile fixture is a fleet of two clusters)."""


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return render_html(load("hostile"))


@pytest.fixture(scope="module")
def saas_page() -> str:
    return render_html(load("saas_full"))


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_self_contained(saas_page: str) -> None:
    assert saas_page.startswith("<!DOCTYPE html>\n<html")
    tags = parse(saas_page)
    assert not [t for t, _ in tags.tags if t in ("link", "iframe", "img", "object", "embed", "base")]
    for tag, attrs in tags.tags:
        for name in ("src", "href", "action", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value}> needs the network"
    assert not re.search(r"<script[^>]+src=", saas_page)
    assert f'<script id="{PLOTLYJS_ID}">{get_plotlyjs()}</script>' in saas_page
    assert saas_page.count(get_plotlyjs()[:200]) == 1, "plotly.js embedded once"


def test_four_charts_and_every_section(saas_page: str) -> None:
    for div_id in FIGURE_IDS:
        assert saas_page.count(f'id="{div_id}"') == 1
    assert saas_page.count("Plotly.newPlot(") == len(FIGURE_IDS)
    for section in ("verdict", "options", "charts", "line-items", "drivers", "readiness", "contention"):
        assert f'id="{section}"' in saas_page
    for section in ("break-even", "assumptions", "warnings"):
        assert f'id="{section}"' in saas_page
    report = load("saas_full")
    for option in report["options"]:
        for item in option["line_items"]:
            assert item["price_ref"] in saas_page
    assert "unconfirmed price used: aurora_dsql/us-east-2/dpu_per_million" in saas_page


def test_every_text_is_escaped(hostile_page: str) -> None:
    tags = parse(hostile_page)
    names = [t for t, _ in tags.tags]
    assert "img" not in names and "i" not in names
    assert names.count("script") == 2 + len(FIGURE_IDS) + 1, "only plotly's scripts (and the fleet chart)"
    for tag, attrs in tags.tags:
        assert not [a for a in attrs if a.startswith("on")], f"event handler on <{tag}>"
    body = hostile_page[hostile_page.index("</head>") :]
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in body
    assert "[red]c2[/red] &lt;script&gt;alert(2)&lt;/script&gt;\\x1b[31m" in body, "cluster names are escaped"
    assert "\x1b" not in body and "\u202e" not in body
    for script in tags.scripts[2:]:
        assert "</script" not in script.lower() and "<script" not in script.lower()


def test_figures_are_pure_and_escape_labels() -> None:
    report = load("hostile")
    before = json.dumps(report, sort_keys=True)
    figures = [
        cost_by_option_figure(report),
        break_even_figure(report),
        top_statements_figure(report),
        readiness_figure(report),
    ]
    assert json.dumps(report, sort_keys=True) == before, "figures do not modify the report"
    for fig in figures:
        assert isinstance(fig, go.Figure)
        dumped = fig.to_json()
        assert "<img" not in dumped and "<script" not in dumped and "\\u003cimg" not in dumped
    cost = figures[0]
    assert cost.data[0].x[0] == "dsql-&lt;img src=x onerror=alert(1)&gt;"


def test_cost_by_option_figure_stacks_components() -> None:
    report = load("saas_full")
    fig = cost_by_option_figure(report)
    assert fig.layout.barmode == "relative"
    assert [t.name for t in fig.data][:3] == ["ComputeDPU", "ReadDPU", "WriteDPU"]
    for index, option in enumerate(report["options"]):
        stacked = sum(t.y[index] or 0 for t in fig.data)
        assert abs(stacked - option["total_monthly_usd"]) < 0.01
    labels = [a.text for a in fig.layout.annotations]
    assert "<b>$390.90</b>" in labels and "<b>$522.15*</b>" in labels


def test_break_even_figure_marks_crossovers() -> None:
    report = load("saas_full")
    fig = break_even_figure(report)
    names = [t.name for t in fig.data]
    assert names[:5] == [o["name"] for o in report["options"]]
    cross = fig.data[names.index("crossover")]
    assert list(cross.x) == [c["multiplier"] for c in report["break_even"]["crossovers"]]
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "today (×1)" in names


def test_top_statements_figure_uses_category_axis() -> None:
    report = load("saas_full")
    fig = top_statements_figure(report)
    assert fig.layout.yaxis.type == "category", "numeric-looking ids must not make a numeric axis"
    top = report["options"][0]["top_statements"]
    assert list(fig.data[0].y) == statement_labels(top)  # query text as the label, the id on hover
    assert all(h.startswith(s["stmt_id"]) for h, s in zip(fig.data[0].hovertext, top, strict=True))
    other = top_statements_figure(report, "serverless-v2-standard", n=3)
    assert len(other.data[0].y) == 3 and "serverless-v2-standard" in other.layout.title.text


def test_readiness_figure_orders_blockers_first() -> None:
    fig = readiness_figure(load("saas_full"))
    names = [t.name for t in fig.data]
    assert names[:3] == ["share of calls", "share of execution time", "share of cost"]
    assert names[3:] in ([], ["schema only (no workload share)"])  # findings only in the schema are marked
    labels = list(fig.data[0].y)
    assert labels[0].startswith("listen_notify") and "blocker" in labels[0]
    assert "changes needed" in fig.layout.title.text


def test_empty_sections_render_a_message() -> None:
    report = load("minimal")
    assert any("No findings" in a.text for a in readiness_figure(report).layout.annotations)
    assert any("not computed" in a.text for a in break_even_figure(report).layout.annotations)
    assert any("No statement costs" in a.text for a in top_statements_figure(report).layout.annotations)
    page = render_html(report)
    assert "<p>No findings.</p>" in page and "Not computed." in page


def test_fleet_page_has_clusters_databases_and_the_fleet_chart() -> None:
    report = load("fleet")
    page = render_html(report)
    for section in ("clusters", "databases"):
        assert page.count(f'id="{section}"') == 1
    assert page.index('id="options"') < page.index('id="clusters"') < page.index('id="databases"')
    assert page.index('id="databases"') < page.index('id="charts"')
    assert page.count(f'id="{FLEET_FIGURE_ID}"') == 1
    assert page.count("Plotly.newPlot(") == len(FIGURE_IDS) + 1
    clusters = page[page.index('id="clusters"') : page.index('id="databases"')]
    for cluster in report["fleet"]["clusters"]:
        assert f"<td>{cluster['name']}</td>" in clusters
    # the cheapest option for each cluster alone is bold; the fleet row carries the fleet totals
    assert "<b>$58.40</b>" in clusters and '<tr class="total"><td>Fleet</td>' in clusters
    assert "$4,432.92" in clusters and "Fleet totals apply account-level lines once" in clusters
    databases = page[page.index('id="databases"') : page.index('id="charts"')]
    assert databases.count("<tr>") == 1 + len(report["databases"]), "a header row and one row per database"
    assert "saas_reporting" in databases


def test_single_cluster_page_has_no_fleet_sections() -> None:
    page = render_html(load("minimal"))
    assert 'id="clusters"' not in page and 'id="databases"' not in page and FLEET_FIGURE_ID not in page
    saas = render_html(load("saas_full"))
    assert 'id="clusters"' not in saas and 'id="databases"' in saas, "three databases: the table is shown"


def test_fleet_figure_groups_options_per_cluster() -> None:
    report = load("fleet")
    fig = fleet_figure(report)
    assert fig.layout.barmode == "group" and fig.layout.xaxis.type == "category"
    assert [t.name for t in fig.data] == [o["name"] for o in report["options"]]
    names = [c["name"] for c in report["fleet"]["clusters"]]
    for trace in fig.data:
        assert list(trace.x) == names
        for cluster, value, mark in zip(report["fleet"]["clusters"], trace.y, trace.text, strict=True):
            assert value == cluster["totals"][trace.name]
            assert (mark == "★") == (cluster["recommended_alone"] == trace.name)


def test_fleet_figure_groups_small_clusters_beyond_the_limit() -> None:
    report = load("fleet")
    base = report["fleet"]["clusters"][0]
    report["fleet"]["clusters"] = [
        {**base, "name": f"c{i:03d}", "totals": {k: float(i) for k in base["totals"]}}
        for i in range(MAX_CLUSTERS + 12)
    ]
    fig = fleet_figure(report)
    x = list(fig.data[0].x)
    assert len(x) == MAX_CLUSTERS + 1 and x[-1] == "12 other clusters"
    assert x[0] == f"c{MAX_CLUSTERS + 11:03d}", "the most expensive clusters are drawn first"
    assert fig.data[0].y[-1] == sum(range(12)), "the rest are summed"


def test_fleet_figure_escapes_names_and_is_empty_for_one_cluster() -> None:
    fig = fleet_figure(load("hostile"))
    dumped = fig.to_json()
    assert "<script" not in dumped and "<img" not in dumped
    assert fig.data[0].x[1].startswith("[red]c2[/red] &lt;script&gt;")
    assert [t.name for t in fig.data][-1] == "=extra-option", "an option only a cluster was priced for"
    single = fleet_figure(load("saas_full"))
    assert any("Not a fleet report" in a.text for a in single.layout.annotations)


@pytest.mark.browser
def test_page_draws_offline_in_chromium(hostile_page: str, saas_page: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium/ChromeDriver not installed (run scripts/ensure_system.sh chromium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path / 'chrome-profile'}")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        for name, page in (("hostile", hostile_page), ("saas", saas_page)):
            path = tmp_path / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            driver.get(path.as_uri())
            ids = [*FIGURE_IDS, *([FLEET_FIGURE_ID] if name == "hostile" else [])]
            drawn = driver.execute_script(
                "return arguments[0].map(id => document.querySelectorAll('#' + id + ' .main-svg').length);",
                ids,
            )
            assert all(count > 0 for count in drawn), f"{name}: charts not drawn {drawn}"
            assert driver.execute_script("return typeof window.Plotly") == "object"
            # an injected <script>alert(…)</script> or onerror= would have opened an alert
            assert driver.execute_script("return document.querySelectorAll('img').length") == 0
            assert driver.title
    finally:
        driver.quit()
