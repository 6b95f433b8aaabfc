"""The door for formats: a throw-away format written in this test prints every section of a report.

This is the proof ``docs/adding-a-format.md`` promises: a printer of the typed report model
(:func:`costmodel.report.document.report_model`) walks the sections and prints their sentences and
their tables (columns named once in ``costmodel/report/tables.py``); it needs no knowledge of the
report dict. The printer below is the whole format: tab-separated values, one block per table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from costmodel.report.common import fmt_usd, option_list
from costmodel.report.document import NOT_SHOWN, ReportModel, readiness_model, report_model, sections_for
from costmodel.report.sections import MARKED, SectionTable, plain

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "report"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.json"))


# --- the throw-away format: everything a new format needs -------------------------------------------
def _tsv_cell(text: str) -> str:
    return " ".join(text.split())  # a tab or newline in a value would split the cell


def _tsv_table(table: SectionTable) -> list[str]:
    columns = table.shown()
    lines = ["\t".join(c.header + (f" ({c.unit})" if c.unit else "") for c in columns)]
    for row in table.rows:
        cells = [
            plain(row.get(c.key), c.cell, c.empty) + ("*" if c.key in row.get(MARKED, ()) else "")
            for c in columns
        ]
        lines.append("\t".join(_tsv_cell(cell) for cell in cells))
    return lines


def render_tsv(model: ReportModel) -> str:
    out = [f"# {_tsv_cell(model.title)}"]
    for section in model.sections:
        out += ["", f"## {section.title}", *(f"# {_tsv_cell(line)}" for line in section.lines)]
        for captioned in section.tables:
            out += [f"### {captioned.caption}"] if captioned.caption else []
            out += _tsv_table(captioned.table) if captioned.table.rows else ["(none)"]
    return "\n".join(out) + "\n"


# --- end of the format (22 lines of code) -----------------------------------------------------------


def _report(case: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((CASES_DIR / f"{case}.json").read_text(encoding="utf-8"))
    return report


@pytest.mark.parametrize("case", CASES)
def test_throwaway_format_prints_every_section(case: str) -> None:
    report = _report(case)
    model = report_model(report)
    text = render_tsv(model)
    for section in model.sections:
        assert f"## {section.title}\n" in text
        for captioned in section.tables:
            width = len(captioned.table.shown())
            for line in _tsv_table(captioned.table) if captioned.table.rows else []:
                assert line.count("\t") == width - 1, (section.id, line)  # no value split a cell
                assert line in text
    # every option total and every line item amount reaches the new format through the shared tables
    for option in option_list(report):
        assert fmt_usd(option.get("total_monthly_usd"), 2) in text
        for item in option.get("line_items") or []:
            assert fmt_usd(item.get("monthly_usd")) in text


@pytest.mark.parametrize("case", CASES)
def test_every_report_key_is_in_a_section(case: str) -> None:
    """A section added to the report dict without a typed section would be missing from every new format."""
    report = _report(case)
    shown = sections_for(report)
    missing = [
        k for k, ids in shown.items() if not ids and k not in NOT_SHOWN and report[k] not in (None, [], {})
    ]
    assert missing == []


def test_sections_follow_the_report() -> None:
    """Optional sections appear only when the report has them (a fleet has clusters, a single run a decision)."""
    ids = {case: [s.id for s in report_model(_report(case)).sections] for case in CASES}
    assert "clusters" in ids["fleet"] and "clusters" not in ids["minimal"]
    assert ids["minimal"][0] == "verdict" and ids["minimal"][-1] == "assumptions"


def test_model_keeps_the_json(tmp_path: Path) -> None:
    """The typed model is a view: the dict it was read from (the JSON contract) comes back unchanged."""
    report = _report("saas_full")
    before = json.dumps(report, sort_keys=False)
    model = report_model(report)
    assert json.dumps(model.to_dict(), sort_keys=False) == before
    assert isinstance(model.to_dict(), Mapping)


@pytest.mark.parametrize("case", ["saas_full", "hostile"])
def test_readiness_document_is_a_view_of_the_same_model(case: str) -> None:
    """``dsqlcost readiness`` prints a document with readiness at the top level; read as a model it has
    the report's Readiness and OCC contention sections, table for table, and the new format prints it."""
    report = _report(case)
    doc = {**report["readiness"], "contention": report["contention"]}
    model = readiness_model(doc)
    assert [s.id for s in model.sections] == ["readiness", "contention"]
    for section in model.sections:
        same = report_model(report).section(section.id)
        assert same is not None and section.tables == same.tables and section.lines == same.lines
    assert "## OCC contention" in render_tsv(model)
