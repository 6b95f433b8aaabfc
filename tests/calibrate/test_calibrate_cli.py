"""`dsqlcost calibrate` end to end: real export → ingest → classify → fit → calibration file."""

from __future__ import annotations

from pathlib import Path

import pytest

from costmodel.calibrate.fit import _model
from costmodel.classify.frame import classify
from costmodel.cli import main
from costmodel.core.catalog import load_catalog
from costmodel.ingest.load import load_workload
from costmodel.pricing.calibration import load_calibration
from costmodel.pricing.dsql import transaction_overhead_dpu

DATA = Path(__file__).parents[1] / "data" / "calibration"

EXPORT = """\
userid,dbid,queryid,query,calls,total_exec_time,rows,shared_blks_hit,shared_blks_read,shared_blks_dirtied,wal_bytes
10,5,111,"SELECT id, total_amount FROM orders WHERE id = $1",3000,9000,3000,9000,0,0,0
10,5,222,"UPDATE orders SET status = $1 WHERE id = $2",1000,5000,1000,5000,0,1000,300000
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calibrate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_only_lists_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--explain", str(DATA / "aws_examples.txt"), str(DATA / "dsql_lab_sample.jsonl")
    )
    assert code == 0, err
    assert out.startswith("8 DPU estimate block(s)")
    assert "aws-insert-3-rows" in out and "iter01_crossjoin_4way" in out and "0.01748" in out


def _modelled_compute(export: Path) -> list[float]:
    """ComputeDPU per call the fitted compute model gives the export's statements (in file order)."""
    model = _model(classify(load_workload(export, window="1h")), load_catalog(), None)
    return [float(v) for v in model.per_call["compute_dpu_per_call"]]


def test_fit_writes_a_calibration_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "pgss.csv"
    export.write_text(EXPORT, encoding="utf-8")
    out_file = tmp_path / "cal.yaml"
    code, out, err = run(
        capsys,
        "--explain",
        str(DATA / "psql_session.txt"),
        "--workload",
        str(export),
        "--window",
        "1h",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    assert "2 of 2 block(s) matched" in out
    cal = load_calibration(out_file)
    # SELECT: measured compute 0.00412; UPDATE: 0.00931; weighted by 3,000 and 1,000 calls
    select, update = _modelled_compute(export)
    assert cal.factors["compute"] == pytest.approx(
        (3000 * 0.00412 + 1000 * 0.00931) / (3000 * select + 1000 * update), rel=1e-4
    )
    assert "leave-one-shape-out validation over 2 shape(s)" in out
    assert set(cal.classes) and cal.validation["shapes"] == 2
    assert cal.basis == "explain" and [s["stmt_ids"] for s in cal.statements] == [["q111"], ["q222"]]


def test_cloudwatch_fit_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "pgss.csv"
    export.write_text(EXPORT, encoding="utf-8")
    cw = tmp_path / "cw.csv"
    select, update = _modelled_compute(export)
    compute = (3000 * select + 1000 * update) * 3  # three times the modelled compute over the hour
    cw.write_text(
        "timestamp,ComputeDPU\n"
        + "".join(f"2026-04-28T{20 + h // 60:02d}:{h % 60:02d}:00Z,{compute / 60}\n" for h in range(60)),
        encoding="utf-8",
    )
    out_file = tmp_path / "cal.yaml"
    code, _, err = run(
        capsys, "--cloudwatch", str(cw), "--workload", str(export), "--window", "1h", "--out", str(out_file)
    )
    assert code == 0, err
    cal = load_calibration(out_file)
    # the per-transaction overheads (named assumptions) are not scaled: 3x the total is a bit more than 3x
    # the statements' own compute
    overhead = 4000 * transaction_overhead_dpu(
        _model(classify(load_workload(export, window="1h")), load_catalog(), None).usage
    )
    statements = 3000 * select + 1000 * update - overhead
    assert cal.factors["compute"] == pytest.approx(
        (3 * (statements + overhead) - overhead) / statements, rel=1e-5
    )
    assert cal.basis == "cloudwatch"
    assert cal.factors["read"] == 1.0  # ReadDPU not exported


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "nothing to calibrate from"),
        (("--explain", str(DATA / "aws_examples.txt"), "--out", "x.yaml"), "needs the workload"),
        (("--explain", str(DATA / "bad_cloudwatch.yaml")), "no 'Statement DPU Estimate:' block found"),
        (("--explain", "/nonexistent/explain.txt"), "EXPLAIN file not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_block_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "explain.txt"
    bad.write_text(
        "Statement DPU Estimate:\n  Compute: 0.1 DPU\n  Read: 0.1 DPU\n  Write: 0 DPU\n  Total: 0.3 DPU\n"
    )
    code, _, err = run(capsys, "--explain", str(bad))
    assert code == 2 and f"{bad}:1:" in err and "not the sum of the parts" in err and "fix:" in err
