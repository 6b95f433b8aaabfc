"""Data-driven readiness cases: tests/cases/readiness/checks.yaml (statements + counters → findings).

Each case runs the real pipeline piece by piece: the classifier on the texts, dsql-lint (the real
binary) once over them, and the checks of costmodel/data/checks.yaml. Adding a case needs no Python.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from costmodel.classify.frame import classify
from costmodel.core.workload import Window, Workload
from costmodel.readiness.assess import assess_readiness

CASES = Path(__file__).parents[1] / "cases" / "readiness" / "checks.yaml"


def _load_cases() -> list[Any]:
    text = CASES.read_text(encoding="utf-8")
    nodes = yaml.compose(text).value  # type: ignore[union-attr]
    data = yaml.safe_load(text)
    return [
        pytest.param(case, id=f"{CASES.name}:{node.start_mark.line + 1}") for node, case in zip(nodes, data)
    ]


def workload_of(statements: list[dict[str, Any]]) -> Workload:
    """A classified workload from case statements (defaults: 1 call, 1 ms, 0 rows)."""
    rows = []
    for i, stmt in enumerate(statements):
        row = {"stmt_id": f"s{i + 1}", "calls": 1.0, "total_exec_time": 1.0, "rows": 0.0, **stmt}
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "<insufficient privilege>" in set(frame["query"]):
        frame["unclassifiable"] = frame["query"].eq("<insufficient privilege>")
    for column in frame.columns:
        if column not in ("stmt_id", "query", "unclassifiable"):
            frame[column] = frame[column].astype(float)
    return classify(Workload(frame, Window(3600.0, "argument", "test"), ("case",), "1.10"))


@pytest.mark.parametrize("case", _load_cases())
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    workload = workload_of(case["statements"])
    schema = None
    if case.get("schema"):
        schema = tmp_path / "schema.sql"
        schema.write_text(case["schema"], encoding="utf-8")
    as_of = case.get("as_of")
    result = assess_readiness(
        workload,
        schema=schema,
        as_of=as_of if isinstance(as_of, date) or as_of is None else date.fromisoformat(as_of),
    )
    assert result.lint.ran, result.lint.error
    found = {f.id: f for f in result.findings}
    summary = ", ".join(f"{f.id}({f.severity.value})" for f in result.findings)
    for expected in case.get("expect", []):
        assert expected in found, f"{case['name']}: missing {expected}; got {summary}"
    for unexpected in case.get("absent", []):
        assert unexpected not in found, f"{case['name']}: unexpected {unexpected}; got {summary}"
    for finding_id, fixable in (case.get("fixable") or {}).items():
        assert found[finding_id].fixable is fixable, f"{case['name']}: {finding_id} fixable"
    if "verdict" in case:
        assert result.verdict.value == case["verdict"], f"{case['name']}: {summary}"
    assert result.dsql_as_of.startswith("DSQL as of ")
