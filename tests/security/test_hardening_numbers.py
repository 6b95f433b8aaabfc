"""Hardening II (issue 16), rows 4 and 7: numbers bounded at ingest, and every reported traceback.

Each traceback signature of the security pass is reproduced here through the command a user runs:
huge counters (``decimal.InvalidOperation`` in ``money()``), JSON ``datname: []`` (``TypeError`` in
``database_breakdown``), a lone surrogate in a query (``UnicodeEncodeError`` in
``classify._cut_reason``), ``diff`` on damaged or 100,000-deep JSON, and Ctrl-C while ``collect``
imports. Each must now be a one-line error (exit 2) or a normal run, never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError, PricingError
from costmodel.core.estimate import money
from costmodel.ingest.load import load_workload
from tests.data.ingest import builders as b
from tests.security.support import one_line_error, run_cli

REPO = Path(__file__).resolve().parents[2]


def _csv(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


# ======================================================================== row 4: numbers at ingest


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("calls", "99999999999999999999999999999999999999999999", r"2\^63"),
        ("calls", "9223372036854775808000", r"2\^63"),
        ("rows", "1e300", r"2\^63"),
        ("total_exec_time", "1e300", "ms"),
        ("calls", "1_000", "ASCII"),
        ("calls", "\u0661\u0662\u0663", "ASCII"),
        ("total_exec_time", "\uff11\uff10", "ASCII"),
        ("queryid", "1_234", "ASCII"),
    ],
)
def test_counters_are_bounded_and_ascii_at_ingest(
    column: str, value: str, message: str, tmp_path: Path
) -> None:
    row = {"queryid": "7", "query": "SELECT 1", "calls": "5", "total_exec_time": "10", "rows": "5"}
    row[column] = value
    path = _csv(tmp_path, "pgss.csv", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    with pytest.raises(IngestError, match=message) as info:
        load_workload([path], window="1h")
    assert column in str(info.value)


def test_huge_counters_through_report_are_one_line_not_invalid_operation(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "huge.csv",
        "query,calls,total_exec_time,rows,shared_blks_hit\n"
        "SELECT 1,99999999999999999999999999999999999999999999,1e300,1,1\n",
    )
    code, _, stderr = run_cli(["report", str(path), "--window", "1h", "--format", "json"])
    one_line_error(code, stderr)


def test_largest_valid_counters_over_the_shortest_window_give_a_typed_error_or_a_bill(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "max.csv",
        "query,calls,total_exec_time,rows,shared_blks_hit,shared_blks_dirtied,wal_bytes\n"
        f"UPDATE t SET a = $1 WHERE id = $2,{2**63 - 1024},1e16,{2**63 - 1024},{2**63 - 1024},"
        f"{2**63 - 1024},{2**63 - 1024}\n",
    )
    code, _, stderr = run_cli(["report", str(path), "--window", "1s", "--format", "json"])
    assert "Traceback" not in stderr
    if code != 0:
        assert "cannot be a bill" in one_line_error(code, stderr)


def test_money_raises_the_typed_error() -> None:
    assert money(1.23456) == Decimal("1.2346")
    for bad in (float("inf"), float("nan"), 1e300, Decimal("1e40")):
        with pytest.raises(PricingError, match="cannot be a bill"):
            money(bad)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("9" * 400 + "s", "not a duration"),
        ("0.5s", "shorter than 1 s"),
        ("0.000000000001s", "shorter than 1 s"),
        ("1e-12s", "not a duration"),
        ("\u0661h", "not a duration"),
        ("200000w", "100 years"),
    ],
)
def test_windows_are_finite_and_at_least_a_second(window: str, message: str, tmp_path: Path) -> None:
    path = _csv(tmp_path, "pgss.csv", "query,calls,total_exec_time\nSELECT 1,5,10\n")
    code, _, stderr = run_cli(["report", str(path), "--window", window])
    assert message in one_line_error(code, stderr)


def test_calls_zero_with_time_is_warned_about(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "pgss.csv", "query,calls,total_exec_time,rows\nSELECT 1,5,10,5\nSELECT 2,0,10000,0\n"
    )
    workload = load_workload([path], window="1h")
    assert any("calls = 0" in note and "10.0 s" in note for note in workload.notes)


def test_implausible_rates_are_warned_about(tmp_path: Path) -> None:
    path = _csv(tmp_path, "pgss.csv", "query,calls,total_exec_time,rows\nSELECT 1,100000000000,10,5\n")
    workload = load_workload([path], window="1s")
    assert any("calls per second" in note for note in workload.notes)


# ======================================================================== row 7: the tracebacks


def test_json_datname_array_is_a_one_line_error(tmp_path: Path) -> None:
    rows = [{"query": "SELECT 1", "calls": 5, "total_exec_time": 10.0, "rows": 5, "datname": []}]
    path = _csv(tmp_path, "dat.json", json.dumps(rows))
    code, _, stderr = run_cli(["report", str(path), "--window", "1h", "--format", "json"])
    assert "datname" in one_line_error(code, stderr)


def test_a_lone_surrogate_in_a_query_is_read_and_reported(tmp_path: Path) -> None:
    text = '[{"query":"SELECT \\udc80 FROM t WHERE x = 1 AND y = \'' + "a" * 300 + '\'","calls":5,'
    text += '"total_exec_time":10.0,"rows":5}]'
    path = _csv(tmp_path, "sur.json", text)
    for fmt in ("json", "table", "markdown"):
        code, stdout, stderr = run_cli(["report", str(path), "--window", "1h", "--format", fmt])
        assert code == 0, stderr
        assert "\udc80" not in stdout
    workload = load_workload([path], window="1h")
    assert any("surrogate" in note for note in workload.notes)


def _report_json(tmp: Path) -> Path:
    export = _csv(tmp, "pgss.csv", b.csv_text(b.make_rows(b.PG16, 3)))
    out = tmp / "r.json"
    code, _, stderr = run_cli(
        ["report", str(export), "--window", "1h", "--format", "json", "--out", str(out)]
    )
    assert code == 0, stderr
    return out


@pytest.mark.parametrize(
    "damage",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"schema_version": 1, "tot',
        '{"schema_version": 1, "options": "x"}',
        '{"schema_version": 1, "options": [1, null, {"name": []}], "statements": {"a": 1}}',
        '{"schema_version": "1", "summary": [], "options": {}}',
        "[]",
        "null",
        "1e999999",
    ],
)
def test_diff_on_damaged_or_deep_json_is_one_line(damage: str, tmp_path: Path) -> None:
    good = _report_json(tmp_path)
    bad = _csv(tmp_path, "bad.json", damage)
    for pair in ([str(bad), str(good)], [str(good), str(bad)]):
        code, _, stderr = run_cli(["diff", *pair])
        one_line_error(code, stderr)


def test_diff_of_a_report_with_a_damaged_section_is_one_line(tmp_path: Path) -> None:
    good = _report_json(tmp_path)
    report = json.loads(good.read_text())
    for key in list(report):
        if key == "schema_version":
            continue
        damaged = dict(report)
        damaged[key] = [[1], {"x": None}]
        bad = _csv(tmp_path, f"bad-{key}.json", json.dumps(damaged))
        code, _, stderr = run_cli(["diff", str(good), str(bad)])
        assert code in (0, 2) and "Traceback" not in stderr, (key, stderr)
        if code == 2:
            one_line_error(code, stderr)


def test_import_of_the_cli_is_light() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, costmodel.cli; print('pandas' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("delay", [0.02, 0.1, 0.3])
def test_ctrl_c_while_collect_imports_is_one_line(delay: float, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal, sys, threading
        from costmodel.cli import main
        threading.Timer({delay}, os.kill, (os.getpid(), signal.SIGINT)).start()
        sys.exit(main(["collect", "--dsn", "host=/nonexistent", "--out", {str(tmp_path / "b")!r}, "--once"]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (130, 2), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.returncode != -signal.SIGINT
    assert not os.path.exists(tmp_path / "b") or not os.listdir(tmp_path / "b")
