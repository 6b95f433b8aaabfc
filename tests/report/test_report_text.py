"""Terminal report: order of sections, width handling, colour rules, literal display of report text."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.core.errors import ReportError
from costmodel.report import render
from costmodel.report.text import render_text, want_color

DATA = Path(__file__).parents[1] / "data" / "report"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def saas() -> dict[str, Any]:
    return load("saas_full")


def test_verdict_comes_first_then_the_sections_in_order(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=100, color=False)
    marks = [
        "Verdict",
        "\nOptions (USD per month)",
        "\nLine items — dsql-single-region",
        "\nTop cost drivers — dsql-single-region",
        "\nReadiness",
        "\nOCC contention",
        "\nBreak-even",
        "\nWarnings",
        "\nAssumptions",  # last: about 100 lines of reference (issue 17)
    ]
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions)
    assert out.index(saas["verdict"]["headline"][:40]) < out.index("Options (USD per month)")


def test_options_side_by_side_with_totals(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=120, color=False)
    total_line = next(line for line in out.splitlines() if line.strip().startswith("Total / month"))
    for option in saas["options"]:
        assert f"${option['total_monthly_usd']:,.2f}" in total_line
    assert "$522.15*" in total_line, "totals with an unconfirmed price carry the marker"
    assert "* includes an unconfirmed price" in out


def test_every_line_item_and_assumption_is_listed(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=300, color=False)
    for option in saas["options"]:
        assert option["title"] in out
        for item in option["line_items"]:
            assert item["price_ref"] in out  # wide terminals show the whole price reference
    for assumption in saas["assumptions"]:
        assert assumption["key"] in out
    for source in ("default", "scenario", "measured", "calibration", "argument"):
        assert source in out
    assert "calibrated from calibration/explain-2026-11.txt" in out


def test_top_ten_drivers_per_option(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=100, color=False)
    section = out[
        out.index("Top cost drivers — dsql-single-region") : out.index("Top cost drivers — dsql-multi-region")
    ]
    ranks = re.findall(r"^\s+(\d+)\s+[\d,]+\s+\$", section, flags=re.MULTILINE)
    assert ranks == [str(i) for i in range(1, 11)]


def test_warnings_mark_unconfirmed_prices_missing_signals_and_window(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=100, color=False)
    warnings = out[out.index("\nWarnings") :]
    assert "unconfirmed price used: aurora_dsql/us-east-2/dpu_per_million (as of 2026-07-27)" in warnings
    assert "signal missing: wal_bytes" in warnings
    assert "observation window: 1h from snapshots (two snapshots 1 h apart)" in warnings
    assert "2 statement(s) could not be parsed" in warnings


@pytest.mark.parametrize("width", [40, 60, 79, 80, 100, 132, 160, 200, 300])
def test_no_line_exceeds_the_width(saas: dict[str, Any], width: int) -> None:
    out = render_text(saas, width=width, color=False)
    assert max(len(line) for line in out.splitlines()) <= width


def test_narrow_terminals_get_records_not_squeezed_tables(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=60, color=False)
    assert "18,867,380 DPU × $0.000008" in out
    # no column collapsed to a single letter per line
    assert not re.search(r"^\s*[A-Za-z]\s*$\n^\s*[A-Za-z]\s*$\n^\s*[A-Za-z]\s*$", out, flags=re.MULTILINE)
    assert "Option" in out and "Total / month" in out


def test_long_queries_are_cut_to_one_line(saas: dict[str, Any]) -> None:
    out = render_text(saas, width=100, color=False)
    assert "SELECT o.id, o.total, c.name" in out and "OFFSET $6" not in out
    assert "…" in out
    assert "-- fetch dashboard widgets SELECT w.*" in out, "newlines fold into spaces"


def test_plain_when_asked_and_colour_when_forced(saas: dict[str, Any]) -> None:
    assert not ANSI.search(render_text(saas, width=100, color=False))
    coloured = render_text(saas, width=100, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == render_text(saas, width=100, color=False)


def test_colour_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert want_color(None, Tty()) is True
    assert want_color(None, io.StringIO()) is False, "piped output is plain"
    assert want_color(False, Tty()) is False, "--no-color wins"
    monkeypatch.setenv("NO_COLOR", "1")
    assert want_color(None, Tty()) is False
    assert want_color(True, Tty()) is True, "an explicit --color wins over NO_COLOR"
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "dumb")
    assert want_color(None, Tty()) is False


def test_no_color_env_makes_default_rendering_plain(
    saas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not ANSI.search(render_text(saas, width=100))


def test_report_text_is_shown_literally() -> None:
    hostile = load("hostile")
    coloured = render_text(hostile, width=120, color=True)
    plain = ANSI.sub("", coloured)
    assert "[red]not markup[/red]" in plain, "rich markup in report text is not interpreted"
    assert "SELECT \\x1b[31mred\\x1b[0m FROM t\\x07" in plain, "control characters are shown, not sent"
    assert "\\u202eevil\\u202c" in plain, "bidi overrides are shown, not applied"
    # the only escape sequences are rich's own colour codes
    assert "\x07" not in coloured and "\u202e" not in coloured
    for code in re.findall(r"\x1b\[[^m]*m", coloured):
        assert re.fullmatch(r"\x1b\[[0-9;]*m", code)


def test_minimal_report_renders_every_section() -> None:
    out = render_text(load("minimal"), width=80, color=False)
    for text in (
        "Only one option was priced",
        "No findings.",
        "Not assessed.",
        "Not computed.",
        "None recorded.",
    ):
        assert text in out


def test_bad_input_is_a_report_error() -> None:
    with pytest.raises(ReportError):
        render_text({"schema_version": 2, "options": []})
    with pytest.raises(ReportError):
        render_text({"schema_version": 1, "options": [{"title": "no name"}]})
    with pytest.raises(ReportError):
        render_text([])  # type: ignore[arg-type]
    with pytest.raises(ReportError, match="unknown report format"):
        render(load("minimal"), "pdf")


def vertical_text(text: str, run: int = 4) -> int | None:
    """Line number where a table column collapsed to one character (letters stacked vertically)."""
    lines = text.splitlines()
    for start in range(len(lines) - run + 1):
        block = lines[start : start + run]
        width = min(len(line) for line in block)
        for col in range(width):
            if (
                all(
                    line[col].isalpha()
                    and (col == 0 or line[col - 1] == " ")
                    and (col + 1 >= len(line) or line[col + 1] == " ")
                    for line in block
                )
                and len({line[col] for line in block}) > 1
            ):
                return start + 1
    return None


GOLDEN_TEXTS = sorted((Path(__file__).parents[1] / "golden").glob("*.txt"))


@pytest.mark.parametrize("path", GOLDEN_TEXTS, ids=[p.name for p in GOLDEN_TEXTS])
def test_no_column_collapses_to_one_character(path: Path) -> None:
    """Applies to every golden text, including the bundled samples' real reports."""
    line = vertical_text(path.read_text(encoding="utf-8"))
    assert line is None, f"{path.name}:{line}: a column is one character wide"


@pytest.mark.parametrize("width", [40, 50, 60, 79, 80, 90, 100, 120, 130, 160])
@pytest.mark.parametrize("case", ["saas_full", "hostile"])
def test_no_collapsed_columns_at_any_width(case: str, width: int) -> None:
    assert vertical_text(render_text(load(case), width=width, color=False)) is None


def test_collapsed_column_detector_sees_stacked_letters() -> None:
    collapsed = "\n".join(f" key_{i}   128   default   {ch} " for i, ch in enumerate("Meaning"))
    assert vertical_text(collapsed) == 1
    rows = " ComputeDPU   0 \n ReadDPU      0 \n WriteDPU     0 \n Storage      0 "
    assert vertical_text(rows) is None, "a column of zeros is fine"


# --- fleets and databases ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet() -> dict[str, Any]:
    return load("fleet")


def test_fleet_sections_follow_the_options(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=130, color=False)
    marks = ["\nOptions (USD per month)", "\nClusters (USD per month)", "\nDatabases (USD per month)"]
    marks.append("\nLine items — dsql-single-region")
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions)
    assert "4 clusters · 80 statement rows, 64 distinct statements (by fingerprint)" in out


def test_clusters_table_lists_each_option_total_the_cheapest_alone_and_the_risk(
    fleet: dict[str, Any],
) -> None:
    out = render_text(fleet, width=160, color=False)
    section = out[out.index("\nClusters (") : out.index("\nDatabases (")]
    rows = {line.split()[0]: line for line in section.splitlines() if line.strip()}
    for cluster in fleet["fleet"]["clusters"]:
        row = rows[cluster["name"]]
        for total in cluster["totals"].values():
            assert f"${total:,.2f}" in row
        assert cluster["recommended_alone"] in row
        assert cluster["risk"] in row
    fleet_row = rows["Fleet"]
    for option in fleet["options"]:
        assert f"${option['total_monthly_usd']:,.2f}" in fleet_row
    assert "high 50.3%" in fleet_row and "high 100.0%" in rows["pgbench"]
    assert "1.5h" in rows["legacy"] and "argument" in section, "windows differ per cluster: source shown"
    assert "Fleet totals apply account-level lines once" in section


def test_databases_table(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=120, color=False)
    section = out[out.index("\nDatabases (") : out.index("\nLine items")]
    assert "saas_reporting" in section and "$291.81" in section and "$11.68" in section
    assert "Cluster" in section, "a fleet names each database's cluster"
    assert "Serverless v2: each cluster's cheaper I/O mode" in section
    single = render_text(load("saas_full"), width=120, color=False)
    databases = single[single.index("\nDatabases (") : single.index("\nLine items")]
    assert "Cluster" not in databases and "shop_de" in databases
    assert "Serverless v2: serverless-v2-standard (the option the verdict weighs)" in databases
    assert "\nDatabases (" not in render_text(load("minimal"), width=100, color=False)


def test_fleet_becomes_records_on_narrow_terminals(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=60, color=False)
    section = out[out.index("\nClusters (") : out.index("\nDatabases (")]
    assert "  serverless-v2-io-optimized $58.40* ← cheapest alone" in section
    assert "  serverless-v2-io-optimized $992.82* ← cheapest" in section
    assert "saas / saas_reporting" in out


@pytest.mark.parametrize("width", [40, 50, 60, 79, 80, 90, 100, 110, 120, 130, 160, 200])
@pytest.mark.parametrize("case", ["fleet", "hostile"])
def test_fleet_fits_every_width(case: str, width: int) -> None:
    out = render_text(load(case), width=width, color=False)
    assert max(len(line) for line in out.splitlines()) <= width
    assert vertical_text(out) is None


def test_at_most_forty_clusters_and_databases_are_listed(fleet: dict[str, Any]) -> None:
    report = dict(fleet)
    base = fleet["fleet"]["clusters"][0]
    report["fleet"] = {
        **fleet["fleet"],
        "clusters": [
            {**base, "name": f"c{i:03d}", "totals": {k: float(i) for k in base["totals"]}} for i in range(100)
        ],
    }
    report["databases"] = [
        {**fleet["databases"][0], "cluster": f"c{i:03d}", "dsql_monthly_usd": float(i)} for i in range(100)
    ]
    out = render_text(report, width=130, color=False)
    clusters = out[out.index("\nClusters (") : out.index("\nDatabases (")]
    assert " c099 " in clusters and " c060 " in clusters and " c059 " not in clusters, "the 40 most expensive"
    assert "60 more cluster(s) not listed" in clusters
    assert "60 more database(s) not listed" in out


def test_fleet_warnings_name_the_clusters_once(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=200, color=False)
    warnings = out[out.index("\nWarnings") :]
    assert warnings.count("track_planning is off") == 1
    assert "batch, legacy, pgbench, saas: pg_stat_statements.track_planning is off" in warnings
    assert "saas: collect: avg_row_width unknown for 1 table(s)" in warnings
    assert "observation window: per cluster, 21s to 1.5h from argument, snapshots (see Clusters)" in warnings


def test_warnings_already_in_the_report_are_not_repeated(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=300, color=False)
    warnings = out[out.index("\nWarnings") :]
    ref = "aurora_serverless_v2/us-east-1/io_per_million"
    assert warnings.count(ref) == 1, "builder warning, option warning and price list say it once"


def test_hot_spots_and_top_statements_name_clusters(fleet: dict[str, Any]) -> None:
    out = render_text(fleet, width=140, color=False)
    contention = out[out.index("\nOCC contention") : out.index("\nBreak-even")]
    assert "Cluster" in contention and "pgbench   pgbench_branches" in contention
    drivers = out[out.index("\nTop cost drivers") : out.index("\nReadiness")]
    assert "Clusters" in drivers
