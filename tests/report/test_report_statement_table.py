"""Statements held as columns (``report --format json --out``) write exactly the same JSON text
as the list of statement dicts every other front end reads."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from costmodel.analysis.run import analyse
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import ReportError
from costmodel.ingest.load import load_workload
from costmodel.report import json_pieces, jsonout, render_json
from costmodel.report.model import build_report
from costmodel.report.records import StatementTable
from costmodel.scenario.model import Scenario

SAMPLES = Path(__file__).resolve().parents[2] / "sample_stats"
WHEN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("sample", ["saas", "pgbench"])
def test_statement_table_writes_the_same_text_as_the_records(
    sample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonout, "LINES_PER_PIECE", 7)  # several slices, the last one short
    result = analyse(load_workload(SAMPLES / sample), Scenario(), load_catalog())
    records = build_report(result, generated_at=WHEN)
    table = build_report(result, generated_at=WHEN, statement_table=True)
    assert isinstance(table["statements"], StatementTable)
    assert table["statements"].records() == records["statements"]
    assert len(table["statements"]) == len(records["statements"]) > 1
    for indent in (2, None):
        expected = render_json(records, indent=indent)
        assert "".join(json_pieces(table, indent=indent)) == expected
    assert json.loads(expected)["statements"] == records["statements"]


def _report(statements: StatementTable | list[dict[str, object]]) -> dict[str, object]:
    return {"schema_version": 1, "options": [{"name": "x"}], "statements": statements}


def _table(columns: dict[str, list[Any]]) -> StatementTable:
    return StatementTable(pd.DataFrame(columns), lambda frame: {c: frame[c].tolist() for c in frame.columns})


def test_slices_the_fast_path_refuses_take_the_record_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Written three rows at a time: a slice with a nested object, a one-row last slice and an
    empty table come out as the list of records does, in both layouts."""
    monkeypatch.setattr(jsonout, "LINES_PER_PIECE", 3)
    details: list[Any] = [None] * 7
    details[4] = {"k": 1}
    for columns in (
        {"stmt_id": [f"s{i}" for i in range(7)], "calls": [1.5 * i for i in range(7)], "details": details},
        {"stmt_id": ["a"], "calls": [1.5]},
        {"stmt_id": [], "calls": []},
    ):
        table = _table(columns)
        for indent in (2, None):
            expected = render_json(_report(table.records()), indent=indent)
            assert "".join(json_pieces(_report(table), indent=indent)) == expected


def test_a_bad_number_in_a_column_is_named_like_in_a_record() -> None:
    table = _table({"stmt_id": ["a", "b"], "calls": [1.0, math.nan]})
    with pytest.raises(ReportError) as from_table:
        "".join(json_pieces(_report(table)))
    with pytest.raises(ReportError) as from_records:
        render_json(_report(table.records()))
    assert from_table.value.message == from_records.value.message
    assert "statements[1]" in from_table.value.message
