"""JSON output: the contract itself, stable key order, numbers as numbers, strict about bad numbers."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from costmodel.core.errors import ReportError
from costmodel.report import render_json
from costmodel.report.jsonout import canonical_report

DATA = Path(__file__).parents[1] / "data" / "report"


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same data with every dict's insertion order shuffled."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@pytest.mark.parametrize("case", ["saas_full", "hostile", "minimal", "fleet"])
def test_round_trips(case: str) -> None:
    report = load(case)
    text = render_json(report)
    assert json.loads(text) == report
    assert text.endswith("\n")


def test_schema_version_first_and_contract_order() -> None:
    text = render_json(load("saas_full"))
    assert text.startswith('{\n  "schema_version": 1,\n  "tool": {')
    top = list(json.loads(text))
    assert top[:5] == ["schema_version", "tool", "generated_at", "title", "inputs"]
    assert top.index("options") < top.index("verdict") < top.index("statements") < top.index("warnings")
    option = json.loads(text)["options"][0]
    assert list(option)[:4] == ["name", "kind", "title", "total_monthly_usd"]
    item = option["line_items"][0]
    assert list(item)[:3] == ["component", "region", "quantity"]


def test_order_does_not_depend_on_insertion_order() -> None:
    report = load("saas_full")
    expected = render_json(report)
    for seed in range(3):
        assert render_json(shuffled(report, random.Random(seed))) == expected


def test_unknown_keys_kept_after_known_ones_sorted() -> None:
    report = load("minimal")
    report["zz_extra"] = 1
    report["aa_extra"] = {"b": 1, "a": 2}
    out = json.loads(render_json(report))
    assert list(out)[-2:] == ["aa_extra", "zz_extra"]
    assert list(out["aa_extra"]) == ["a", "b"]


def test_numbers_stay_numbers() -> None:
    report = load("minimal")
    report["options"][0]["total_monthly_usd"] = Decimal("40.26")
    report["options"][0]["details"] = {"acu_hours": np.float64(365.5), "resumes": np.int64(3), "peak": 1e-07}
    out = json.loads(render_json(report))
    assert out["options"][0]["total_monthly_usd"] == 40.26
    assert out["options"][0]["details"] == {"acu_hours": 365.5, "peak": 1e-07, "resumes": 3}
    assert isinstance(out["options"][0]["details"]["resumes"], int)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_numbers_are_a_report_error(bad: Any) -> None:
    report = load("minimal")
    report["options"][0]["line_items"][0]["monthly_usd"] = bad
    with pytest.raises(ReportError, match=r"options\[0\]\.line_items\[0\]\.monthly_usd"):
        render_json(report)


def test_unserialisable_value_is_a_report_error() -> None:
    report = load("minimal")
    report["inputs"]["sources"] = [Path("x.csv")]
    with pytest.raises(ReportError, match=r"inputs\.sources\[0\]"):
        render_json(report)


def test_canonical_report_is_plain_data() -> None:
    report = load("saas_full")
    canonical = canonical_report(report)
    assert canonical == report
    assert json.dumps(canonical, allow_nan=False)


def test_wrong_schema_version_is_rejected() -> None:
    report = load("minimal")
    report["schema_version"] = 2
    with pytest.raises(ReportError, match="schema_version"):
        render_json(report)


def test_fleet_and_databases_in_contract_order() -> None:
    report = load("fleet")
    text = render_json(shuffled(report, random.Random(7)))
    assert text == render_json(report)
    out = json.loads(text)
    top = list(out)
    assert top.index("statements") < top.index("databases") < top.index("fleet") < top.index("warnings")
    assert list(out["fleet"]) == ["clusters", "statement_rows", "distinct_statements"]
    cluster = out["fleet"]["clusters"][0]
    assert list(cluster)[:4] == ["name", "sources", "window_seconds", "window_source"]
    assert list(cluster)[-4:] == ["recommended_alone", "predicted_conflict_rate", "risk", "storage_gb"]
    assert list(cluster["totals"]) == sorted(cluster["totals"]), "a free-form mapping: sorted"
    assert list(out["databases"][0]) == [
        "cluster",
        "database",
        "statements",
        "calls_month",
        "dsql_monthly_usd",
        "sv2_monthly_usd",
    ]
    assert list(out["contention"])[:4] == ["predicted_conflict_rate", "risk", "clusters", "hot_spots"]
    assert list(out["contention"]["hot_spots"][0])[:2] == ["cluster", "stmt_id"]
    assert list(out["options"][0]["top_statements"][0])[-1] == "clusters"
    statement = out["statements"][0]
    assert list(statement)[-3:] == ["findings", "clusters", "databases"]
    assert list(statement).index("dsql_monthly_usd") + 1 == list(statement).index("sv2_monthly_usd")


def test_each_database_is_one_line() -> None:
    report = load("fleet")
    lines = render_json(report).splitlines()
    start = lines.index('  "databases": [')
    rows = lines[start + 1 : start + 1 + len(report["databases"])]
    assert [json.loads(r.rstrip(",")) for r in rows] == report["databases"]
    assert lines[start + 1 + len(report["databases"])] == "  ],"


def test_a_big_statement_list_is_written_in_pieces_that_make_the_same_text(tmp_path: Path) -> None:
    """``json_pieces`` (what ``--format json --out`` writes) joins to ``render_json``'s text, and a
    statement list longer than a piece is cut between records, never inside one."""
    from costmodel.cli.output import write_text_file
    from costmodel.report import json_pieces
    from costmodel.report.jsonout import LINES_PER_PIECE

    report = load("saas_full")
    base = report["statements"]
    count = 2 * LINES_PER_PIECE + 7
    report["statements"] = [{**base[i % len(base)], "stmt_id": f"s{i}"} for i in range(count)]
    pieces = list(json_pieces(report))
    assert len(pieces) > 3 and max(map(len, pieces)) < len("".join(pieces)) / 2
    text = render_json(report)
    assert "".join(pieces) == text and json.loads(text) == report
    out = tmp_path / "report.json"
    write_text_file(out, json_pieces(report))
    assert out.read_text(encoding="utf-8") == text
    assert text.count('"stmt_id": "s') == count
