"""DSQL statement statistics: reading the export, calibrating from it, `report --measured`, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costmodel.calibrate.statement_stats import read_statement_stats
from costmodel.cli import main
from costmodel.core.errors import CalibrationError
from costmodel.pricing.calibration import load_calibration

EXPORT = """\
userid,dbid,queryid,query,calls,total_exec_time,rows,shared_blks_hit,shared_blks_read,shared_blks_dirtied,wal_bytes
10,5,111,"SELECT id, total_amount FROM orders WHERE id = $1",3000,9000,3000,9000,0,0,0
10,5,222,"UPDATE orders SET status = $1 WHERE id = $2",1000,5000,1000,5000,0,1000,300000
"""

RECORDS = [
    {
        "query": "SELECT id, total_amount FROM orders WHERE id = $1",
        "calls": 2000,
        "total_time_ms": 14000,
        "rows": 2000,
        "dpu": 2000 * 0.011,
        "compute_dpu": 2000 * 0.0072,
        "read_dpu": 2000 * 0.00375,
        "write_dpu": 0,
    },
    {
        "query": "SELECT id, total_amount FROM orders WHERE id = $1",
        "calls": 1000,
        "total_time_ms": 7000,
        "rows": 1000,
        "dpu": 1000 * 0.011,
        "compute_dpu": 1000 * 0.0072,
        "read_dpu": 1000 * 0.00375,
        "write_dpu": 0,
    },
    {
        "normalizedSql": "UPDATE orders SET status = $1 WHERE id = $2",
        "callCount": 1000,
        "totalTimeMs": 15000,
        "rows": 1000,
        "totalDpu": 1000 * 0.07,
        "computeDpu": 1000 * 0.015,
        "readDpu": 1000 * 0.005,
        "writeDpu": 1000 * 0.05,
    },
]


def _files(tmp_path: Path, records: list[dict] = RECORDS) -> tuple[Path, Path]:
    export = tmp_path / "pgss.csv"
    export.write_text(EXPORT, encoding="utf-8")
    stats = tmp_path / "stats.json"
    events = {"events": [{"timestamp": 1, "message": json.dumps(r)} for r in records]}
    stats.write_text(json.dumps(events), encoding="utf-8")
    return export, stats


def test_cloudwatch_logs_export_is_read_with_aliases_and_periods_summed(tmp_path: Path) -> None:
    _, path = _files(tmp_path)
    stats = read_statement_stats(path)
    assert [s.calls for s in stats] == [3000, 1000]
    assert stats[0].per_call() == pytest.approx(0.011)
    assert stats[1].per_call("write") == pytest.approx(0.05)


def test_missing_field_names_the_file_record_and_field(tmp_path: Path) -> None:
    bad = [dict(RECORDS[0])]
    del bad[0]["rows"]
    _, path = _files(tmp_path, bad)
    with pytest.raises(CalibrationError) as info:
        read_statement_stats(path)
    assert info.value.column == "rows" and str(path) in str(info.value) and "record 1" in str(info.value)


def test_missing_field_exits_2_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = [{k: v for k, v in RECORDS[0].items() if k != "dpu"}]
    export, path = _files(tmp_path, bad)
    code = main(["report", str(export), "--window", "1h", "--measured", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "'dpu'" in err and str(path) in err and "Traceback" not in err


def test_calibrate_fits_from_statement_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export, path = _files(tmp_path)
    out_file = tmp_path / "cal.yaml"
    code = main(
        [
            "calibrate",
            "--statement-stats",
            str(path),
            "--workload",
            str(export),
            "--window",
            "1h",
            "--out",
            str(out_file),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "2 of 2 block(s) matched" in out
    assert "leave-one-shape-out validation over 2 shape(s)" in out
    cal = load_calibration(out_file)
    assert set(cal.classes) == {"point_read", "single_row_write"}
    assert cal.classes["point_read"]["compute"].cases == 1


def test_report_measured_shows_measured_against_modelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export, path = _files(tmp_path)
    out_json = tmp_path / "r.json"
    code = main(
        [
            "report",
            str(export),
            "--window",
            "1h",
            "--measured",
            str(path),
            "--format",
            "json",
            "--out",
            str(out_json),
        ]
    )
    capsys.readouterr()
    assert code == 0
    rows = json.loads(out_json.read_text(encoding="utf-8"))["measured_vs_modelled"]
    assert [r["calls"] for r in rows] == [3000, 1000]
    for r in rows:
        assert r["error"] == pytest.approx(
            r["modelled_dpu_per_call"] / r["measured_dpu_per_call"] - 1, abs=1e-4
        )
    code = main(["report", str(export), "--window", "1h", "--measured", str(path)])
    text = capsys.readouterr().out
    assert code == 0 and "Measured (DSQL statement statistics) vs modelled" in text
