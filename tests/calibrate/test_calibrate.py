"""Calibration: EXPLAIN DPU blocks and CloudWatch exports → factors → applied to the formulas."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pglast import parser

from costmodel.calibrate.cloudwatch import load_cloudwatch
from costmodel.calibrate.explain import parse_explain_file, parse_explain_text
from costmodel.calibrate.fit import fit_cloudwatch, fit_explain
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import CalibrationError
from costmodel.pricing.calibration import Calibration, load_calibration, save_calibration
from costmodel.pricing.dsql import estimate_dsql
from costmodel.scenario.model import DsqlSettings, Scenario
from costmodel.usage.compute import compute_usage
from tests.usage.test_usage_support import make_workload, orders_catalog

SOURCE_TIME = {
    "dsql_compute_model": ("source_time", "test: the time given is DSQL compute time"),
    "dsql_session_overhead_dpu": (0.0, "test: statements only, no session set-up"),
}
"""The formula tests give DSQL compute time directly, as AWS's worked examples do."""

DATA = Path(__file__).parents[1] / "data" / "calibration"
CATALOG = load_catalog()
D = Decimal


def _cases(name: str) -> list:
    """YAML cases with ids ``file:line`` (the line of each case's ``- name:``)."""
    path = DATA / name
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(lines, start=1) if line.startswith("- name:")]
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [pytest.param(case, id=f"{name}:{line}") for case, line in zip(cases, starts)]


# --- parsing ---------------------------------------------------------------------------------------


def test_aws_blocks_parse_with_minimums_queries_and_the_total_arithmetic() -> None:
    blocks = parse_explain_file(DATA / "aws_examples.txt")
    assert [b.label for b in blocks] == [
        "aws-insert-3-rows",
        "aws-select-120-rows",
        "third-party-multi-region",
    ]
    insert, select, multi = blocks
    assert (insert.compute, insert.read, insert.write, insert.total) == (
        D("0.01550"),
        D("0.00307"),
        D("0.01875"),
        D("0.03732"),
    )
    assert insert.compute + insert.read + insert.write == D("0.03732")
    assert insert.minimums == {"read": D("0.00375"), "write": D("0.05000")}
    assert insert.query_identifier == "jtkjkexhjotbo" and insert.execution_ms == 0.543
    assert insert.query is not None and insert.query.startswith("INSERT INTO orders")
    assert select.parts_sum == select.total == D("0.05919") and not select.minimums
    assert multi.multi_region_write == D("0.01748") and multi.parts_sum == D("0.03626")
    assert multi.query is None and insert.line == 10


def test_psql_echoed_commands_become_the_query_text() -> None:
    first, second = parse_explain_file(DATA / "psql_session.txt")
    assert first.query == "SELECT id, total_amount FROM orders WHERE id = 'f3a1'"
    assert second.query == "UPDATE orders SET status = 'paid' WHERE id = 'f3a1'"
    assert parser.fingerprint(first.query) == parser.fingerprint(
        "SELECT id, total_amount FROM orders WHERE id = $1"
    )
    assert second.write == D("0.00781")


def test_lab_records_parse_and_agree_with_the_figures_recorded_beside_them() -> None:
    text = (DATA / "dsql_lab_sample.jsonl").read_text(encoding="utf-8")
    blocks = parse_explain_file(DATA / "dsql_lab_sample.jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    assert len(blocks) == len(records) == 5
    for block, rec in zip(blocks, records):
        assert block.label == rec["test_id"] and block.line == records.index(rec) + 1
        assert float(block.total) == pytest.approx(rec["TotalDPU"])
        assert float(block.compute) == pytest.approx(rec["ComputeDPU"])
        if "WriteDPU" in rec:
            assert float(block.write) == pytest.approx(rec["WriteDPU"])


@pytest.mark.parametrize("case", _cases("bad_explain.yaml"))
def test_malformed_explain_is_a_calibration_error_with_file_and_line(case: dict, tmp_path: Path) -> None:
    suffix = ".jsonl" if case["text"].lstrip().startswith("{") else ".txt"
    path = tmp_path / f"explain{suffix}"
    path.write_text(case["text"], encoding="utf-8")
    with pytest.raises(CalibrationError, match=case["match"]) as info:
        parse_explain_file(path)
    assert info.value.file == str(path)
    assert info.value.row == case["row"]
    assert case["row"] is None or f"{path}:{case['row']}" in str(info.value)


def test_rounding_tolerance_accepts_printed_sums_only() -> None:
    ok = "Statement DPU Estimate:\n  Compute: 0.00001 DPU\n  Read: 0.00001 DPU\n  Write: 0.00001 DPU\n  Total: 0.00005 DPU"
    assert parse_explain_text(ok, "t")[0].total == D("0.00005")  # 3 parts: off by 2 units is rounding
    bad = ok.replace("0.00005", "0.00006")
    with pytest.raises(CalibrationError, match="not the sum"):
        parse_explain_text(bad, "t")


# --- CloudWatch ----------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cloudwatch_forms_sum_per_metric(tmp_path: Path) -> None:
    stamps = [f"2026-04-28T20:0{i}:00Z" for i in range(3)]
    data = {
        "MetricDataResults": [
            {
                "Id": "m1",
                "Label": "ComputeDPU",
                "Timestamps": stamps,
                "Values": [1.0, 2.0, 3.0],
                "StatusCode": "Complete",
            },
            {
                "Id": "m2",
                "Label": "AWS/AuroraDSQL MultiRegionWriteDPU",
                "Timestamps": stamps,
                "Values": [0.5, 0.5, 0.5],
                "StatusCode": "Complete",
            },
        ]
    }
    stats = {
        "Label": "ReadDPU",
        "Datapoints": [{"Timestamp": t, "Sum": 0.25, "Unit": "None"} for t in reversed(stamps)],
    }
    csv = "timestamp,WriteDPU,TotalDPU\n" + "".join(f"{t},1.0,2.5\n" for t in stamps)
    window = load_cloudwatch(
        [
            _write(tmp_path, "a.json", json.dumps(data)),
            _write(tmp_path, "b.json", json.dumps(stats)),
            _write(tmp_path, "c.csv", csv),
        ]
    )
    assert window.sums == {
        "ComputeDPU": 6.0,
        "MultiRegionWriteDPU": 1.5,
        "ReadDPU": 0.75,
        "WriteDPU": 3.0,
        "TotalDPU": 7.5,
    }
    assert window.period_seconds == 60 and window.seconds == 180


@pytest.mark.parametrize("case", _cases("bad_cloudwatch.yaml"))
def test_bad_cloudwatch_exports_are_errors(case: dict, tmp_path: Path) -> None:
    path = _write(tmp_path, case["file"], case["text"])
    with pytest.raises(CalibrationError, match=case["match"]) as info:
        load_cloudwatch([path])
    assert str(path) in str(info.value)
    assert info.value.hint


def test_gaps_count_as_zero_when_allowed(tmp_path: Path) -> None:
    csv = "timestamp,ComputeDPU\n2026-04-28T20:00:00Z,1\n2026-04-28T20:01:00Z,1\n2026-04-28T20:04:00Z,1\n"
    window = load_cloudwatch([_write(tmp_path, "g.csv", csv)], allow_gaps=True)
    assert window.gaps == 2 and window.sums["ComputeDPU"] == 3 and window.seconds == 300


# --- fitting ---------------------------------------------------------------------------------------


def _fingerprinted(rows: list[dict]) -> list[dict]:
    return [dict(r, fingerprint=parser.fingerprint(r["query"])) for r in rows]


LOOKUP = {
    "query": "SELECT * FROM orders WHERE id = $1",
    "calls": 3000.0,
    "total_exec_time": 9000.0,
    "rows": 3000.0,
    "shared_blks_hit": 9000.0,
    "shared_blks_read": 0.0,
    "tables_read": ("orders",),
}
INSERT = {
    "query": "INSERT INTO orders (id, total) VALUES ($1, $2)",
    "calls": 1000.0,
    "total_exec_time": 4000.0,
    "rows": 1000.0,
    "kind": "insert",
    "is_write": True,
    "tables_written": ("orders",),
    "values_rows": 1,
}


def test_fit_explain_weights_measured_over_modelled_by_calls(tmp_path: Path) -> None:
    workload = make_workload(
        _fingerprinted([LOOKUP, INSERT]), seconds=3600, catalog=orders_catalog(width=200)
    )
    text = (
        "-- query: SELECT * FROM orders WHERE id = 'x'\nStatement DPU Estimate:\n  Compute: 0.00600 DPU\n"
        "  Read: 0.00073 DPU (Transaction minimum: 0.00375)\n  Write: 0.00000 DPU\n  Total: 0.00673 DPU\n\n"
        "-- query: INSERT INTO orders (id, total) VALUES ('y', 1)\nStatement DPU Estimate:\n  Compute: 0.00400 DPU\n"
        "  Read: 0.00003 DPU (Transaction minimum: 0.00375)\n  Write: 0.01250 DPU (Transaction minimum: 0.05000)\n"
        "  Total: 0.01653 DPU\n\n-- query: SELECT 42 FROM nowhere\nStatement DPU Estimate:\n  Compute: 9.00000 DPU\n"
        "  Read: 0.00000 DPU\n  Write: 0.00000 DPU\n  Total: 9.00000 DPU\n"
    )
    blocks = parse_explain_file(_write(tmp_path, "e.txt", text))
    cal = fit_explain(blocks, workload, CATALOG, files=["e.txt"], assumptions=AssumptionSet(SOURCE_TIME))
    # modelled per call: lookup compute 0.003, read 200 B + 276 B; insert compute 0.004, write 200 B,
    # its uniqueness check 2,895 B
    k_r, k_w = 0.00375 / 2048, 0.05 / 1024
    assert cal.factors["compute"] == pytest.approx(
        (3000 * 0.006 + 1000 * 0.004) / (3000 * 0.003 + 1000 * 0.004)
    )
    assert cal.factors["read"] == pytest.approx(
        (3000 * 0.00073 + 1000 * 0.00003) / ((3000 * 476 + 1000 * 2895) * k_r)
    )
    assert cal.factors["write"] == pytest.approx(0.0125 / (200 * k_w))
    assert cal.factors["multi_region_write"] == 1.0
    matched = [s for s in cal.statements if "stmt_ids" in s]
    assert [s["stmt_ids"] for s in matched] == [["q1"], ["q2"]]
    assert [s["unmatched"] for s in cal.statements if "unmatched" in s] == [
        "no workload statement with this fingerprint"
    ]
    assert cal.basis == "explain" and cal.fitted_from == ("e.txt",)


def test_fit_explain_without_sql_text_names_the_fix() -> None:
    workload = make_workload(_fingerprinted([LOOKUP]))
    with pytest.raises(CalibrationError, match="none of the 5 EXPLAIN block") as info:
        fit_explain(parse_explain_file(DATA / "dsql_lab_sample.jsonl"), workload, CATALOG)
    assert "-- query:" in (info.value.hint or "")


def test_fit_cloudwatch_solves_factors_with_the_minimums_in_place(tmp_path: Path) -> None:
    scan = dict(
        LOOKUP, query="SELECT * FROM orders WHERE total > $1", rows=3000.0 * 100, shared_blks_hit=3000.0 * 4
    )  # 100 rows x 100 B = 10,000 B a call: above the 2 KiB minimum
    workload = make_workload(_fingerprinted([scan, INSERT]), seconds=180, catalog=orders_catalog())
    k_r = 0.00375 / 2048
    compute = 3000 * 0.003 + 1000 * 0.004
    read = 3000 * 10_276 * k_r + 1000 * 0.00375  # 10,000 B + a scan's 276 B; the key checks at the minimum
    write = 1000 * 0.05
    csv = "timestamp,ComputeDPU,ReadDPU,WriteDPU\n" + "".join(
        f"2026-04-28T20:0{i}:00Z,{2 * compute / 3},{(1.5 * 3000 * 10_276 * k_r + 1000 * 0.00375) / 3},"
        f"{write / 3}\n"
        for i in range(3)
    )
    window = load_cloudwatch([_write(tmp_path, "cw.csv", csv)])
    small_check = {**SOURCE_TIME, "dsql_unique_check_read_bytes": (128, "test: the check below the minimum")}
    cal = fit_cloudwatch(window, workload, CATALOG, assumptions=AssumptionSet(small_check))
    assert cal.factors["compute"] == pytest.approx(2.0)
    assert cal.factors["read"] == pytest.approx(1.5, rel=1e-6)  # solved: the minimums are not scaled
    assert cal.factors["write"] <= 1.0 + 1e-6  # every insert sits at the 1 KiB minimum: any f <= 8 fits
    assert read > 0 and cal.basis == "cloudwatch"
    low = "timestamp,ReadDPU\n2026-04-28T20:00:00Z,0.0001\n2026-04-28T20:01:00Z,0.0001\n2026-04-28T20:02:00Z,0.0001\n"
    cal = fit_cloudwatch(load_cloudwatch([_write(tmp_path, "low.csv", low)]), workload, CATALOG)
    assert any("minimums alone exceed" in n for n in cal.notes)


def test_calibration_file_round_trip_and_application(tmp_path: Path) -> None:
    cal = Calibration(
        {"compute": 1.5, "read": 2.0, "write": 1.0, "multi_region_write": 1.0},
        basis="explain",
        fitted_from=("e.txt",),
        created="2026-11-27T10:00:00Z",
    )
    path = tmp_path / "cal.yaml"
    save_calibration(cal, path)
    loaded = load_calibration(path)
    assert loaded.factors == cal.factors and loaded.source == str(path) and loaded.fitted_from == ("e.txt",)
    workload = make_workload([LOOKUP], catalog=orders_catalog())
    scenario = Scenario(dsql=DsqlSettings(free_tier=False))
    usage = compute_usage(workload, scenario, AssumptionSet(SOURCE_TIME))
    plain = estimate_dsql(usage, scenario, CATALOG, multi_region=False)
    scaled = estimate_dsql(usage, scenario, CATALOG, multi_region=False, calibration=loaded)
    assert scaled.details["dpu_month"]["ComputeDPU"] == pytest.approx(
        1.5 * plain.details["dpu_month"]["ComputeDPU"]
    )
    assert scaled.details["calibration"]["file"] == str(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("format: something-else\nfactors: {compute: 1}\n", "not a calibration file"),
        ("format: dsqlcost-calibration/1\nfactors: {compute: -1}\n", "must be a positive number"),
        ("format: dsqlcost-calibration/1\nfactors: {storage: 2}\n", "unknown factor 'storage'"),
        ("format: dsqlcost-calibration/1\nfactors: [1, 2]\n", "'factors' must be a mapping"),
        ("format: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_calibration_files(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, "cal.yaml", text)
    with pytest.raises(CalibrationError, match=match):
        load_calibration(path)
