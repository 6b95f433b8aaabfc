"""Markdown for pull requests: structure, escaping of untrusted text, and well-formed tables."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.report import render_markdown
from costmodel.report.markdown import md_code, md_text

DATA = Path(__file__).parents[1] / "data" / "report"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`).+?(?<!`)\1(?!`)")


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def tables(markdown: str) -> list[list[str]]:
    """Consecutive lines starting with '|' grouped into tables."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


@pytest.mark.parametrize("case", ["saas_full", "hostile", "minimal", "fleet"])
def test_every_table_row_has_the_header_column_count(case: str) -> None:
    for table in tables(render_markdown(load(case))):
        counts = {len(UNESCAPED_PIPE.findall(row)) for row in table}
        assert len(counts) == 1, f"ragged table: {table[0]}"
        assert re.fullmatch(r"\|(?:-{3}:?\|)+", table[1]) or re.fullmatch(r"\|(?::?-{3}:?\|)+", table[1])


def test_structure_for_a_pull_request() -> None:
    report = load("saas_full")
    md = render_markdown(report)
    assert md.startswith("# saas: DSQL vs Aurora Serverless v2\n")
    assert md.index("> **Aurora DSQL single") < md.index("## Options")
    order = ["## Options", "## Line items", "## Top cost drivers", "## Readiness", "## OCC contention"]
    order += ["## Break-even", "## Warnings", "## Assumptions"]  # assumptions last (issue 17)
    positions = [md.index(h) for h in order]
    assert positions == sorted(positions)
    assert md.count("<details>") == md.count("</details>")
    # one <details> per option's line items, the recommended option's drivers open as a table
    for option in report["options"]:
        assert f"<summary><b>{option['name']}</b>" in md
    assert "### dsql-single-region (recommended)" in md
    assert "\\*" in md and "includes an unconfirmed price" in md
    assert len(md) < 65536, "fits in a GitHub comment"


def test_blank_line_after_summary_so_github_renders_the_table() -> None:
    md = render_markdown(load("saas_full"))
    for match in re.finditer(r"<summary>.*</summary>\n", md):
        assert md[match.end()] == "\n"


def test_untrusted_text_cannot_inject_markup() -> None:
    md = render_markdown(load("hostile"))
    outside_code = CODE_SPAN.sub("", md)
    assert "<script" not in outside_code and "<img" not in outside_code and "<b>bold" not in outside_code
    assert not re.search(r"(?<!\\)\]\(javascript:", outside_code), "no link can be formed"
    # raw HTML only inside code spans, where GitHub shows it literally
    assert "`SELECT $1 AS x /* </script><script>alert(1)</script> */`" in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "\\[link\\](javascript:alert(1))" in md
    assert "\\x1b[31m" in md and "\x1b" not in md and "\u202e" not in md


def test_query_code_spans() -> None:
    assert md_code("SELECT a | b") == "`SELECT a \\| b`"
    assert md_code("SELECT `x`") == "`` SELECT `x` ``"
    assert md_code("a ``` b") == "````a ``` b````"
    assert md_code("") == "—"
    assert md_code("x" * 500).endswith("…`")
    assert md_code("SELECT 1\nFROM t") == "`SELECT 1 FROM t`"


def test_inline_text_escapes() -> None:
    assert (
        md_text("a|b *c* _d_ [e](f) `g` <h> & $5")
        == "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\`g\\` &lt;h&gt; &amp; \\$5"
    )
    assert md_text("- not a list") == "\\- not a list"
    assert md_text("1. not a list") == "1\\. not a list"
    assert md_text("2.3% of calls") == "2.3% of calls"
    assert md_text("# not a heading") == "\\# not a heading"
    assert md_text("line\nbreak") == "line break"


def test_fleet_sections() -> None:
    report = load("fleet")
    md = render_markdown(report)
    order = ["## Options", "## Clusters (USD per month)", "## Databases (USD per month)", "## Line items"]
    positions = [md.index(h) for h in order]
    assert positions == sorted(positions)
    clusters = md[md.index("## Clusters") : md.index("## Databases")]
    header = next(line for line in clusters.splitlines() if line.startswith("| Cluster"))
    for option in report["options"]:
        assert f" {option['name']} |" in header
    assert "| saas | 21s from snapshots | 14 | $972.70 | $124.70\\* | **$58.40\\*** |" in clusters
    assert "| **Fleet** | per cluster | 80 | $4,432.92 |" in clusters
    databases = md[md.index("## Databases") : md.index("## Line items")]
    assert "| saas | saas\\_reporting | 3 | 128,679,163 | $291.81 | $11.68 |" in databases
    assert "\n## Databases" not in render_markdown(load("minimal"))
    assert "## Clusters" not in render_markdown(load("saas_full"))


def test_hostile_cluster_and_database_names_are_escaped() -> None:
    md = render_markdown(load("hostile"))
    clusters = md[md.index("## Clusters") : md.index("## Line items")]
    assert "<script>" not in clusters and "<img" not in clusters
    assert "\\=cmd\\|' /C calc'!A0" in clusters, "a pipe in a name cannot split the table"
    assert "\\[red\\]c2\\[/red\\] &lt;script&gt;" in clusters


def test_a_large_fleet_still_fits_a_comment() -> None:
    report = load("fleet")
    base = report["fleet"]["clusters"][0]
    report["fleet"]["clusters"] = [
        {**base, "name": f"cluster-{i:04d}", "totals": {k: float(i) for k in base["totals"]}}
        for i in range(2000)
    ]
    report["databases"] = [{**report["databases"][0], "cluster": f"cluster-{i:04d}"} for i in range(6000)]
    shared = [f"cluster-{i:04d}: track_planning is off" for i in range(2000)]
    report["inputs"]["notes"] = shared + [
        f"cluster-{i:04d}: {i} table(s) never analyzed" for i in range(2000)
    ]
    md = render_markdown(report)
    assert len(md) < 65536
    assert "1,975 more cluster(s) not listed" in md and "5,975 more database(s) not listed" in md
    assert "more warning(s): see the text or JSON report" in md
    assert "cluster-0000, cluster-0001, cluster-0002, cluster-0003, cluster-0004 and 1,995 more: track" in md
