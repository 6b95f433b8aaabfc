"""``dsqlcost readiness``: formats, --fail-on exit codes, --schema, bad input, and the bundled samples.

The command runs the whole chain (ingest → classify → usage → DSQL pricing → contention →
readiness) on a pg_stat_statements CSV written here, and on the sample bundles in sample_stats/
when they are present.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from costmodel.cli import main

SAMPLES = Path(__file__).resolve().parents[1].parent / "sample_stats"

ROWS = [
    # query, calls, total_exec_time (ms), rows
    ("SELECT * FROM users WHERE tenant_id = $1 AND user_id = $2", 9000, 900.0, 9000),
    ("UPDATE users SET last_seen_at = now() WHERE tenant_id = $1 AND user_id = $2", 3000, 600.0, 3000),
    ("UPDATE counters SET n = n + 1 WHERE id = 1", 3000, 300.0, 3000),  # a literal key: constant shape
]


def export(tmp_path: Path, extra: Sequence[tuple[str, int, float, int]] = ()) -> Path:
    path = tmp_path / "pgss.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["userid", "dbid", "queryid", "query", "calls", "total_exec_time", "rows"])
        for i, (query, calls, ms, rows) in enumerate([*ROWS, *extra]):
            out.writerow([10, 5, 1000 + i, query, calls, ms, rows])
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["readiness", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_has_findings_and_contention(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        # 4 calls: more than one_off_max_calls, so recurring work that is priced (2 would be one-time work)
        capsys,
        str(export(tmp_path, [("TRUNCATE audit", 4, 5.0, 0)])),
        "--window",
        "1h",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["dsql_as_of"] == "DSQL as of 2026-09-15" and doc["dsql_lint_version"]
    assert doc["verdict"] == "blocked"
    truncate = next(f for f in doc["findings"] if f["id"] == "truncate")
    assert (
        truncate["severity"] == "blocker"
        and truncate["source"] == "dsql-lint"
        and len(truncate["statements"]) == 1
    )
    assert truncate["share_calls"] == pytest.approx(4 / 15004)
    assert 0 < truncate["share_cost"] < 1  # weighted by the DSQL price of each statement
    c = doc["contention"]
    assert 0 <= c["predicted_conflict_rate"] <= 1 and c["risk"] in ("low", "elevated", "high", "unknown")
    assert {"stmt_id", "key_shape", "conflict_probability", "extra_dpu_month"} <= set(c["hot_spots"][0])
    assert c["hot_spots"][0]["query"].startswith("UPDATE counters")


def test_fail_on_sets_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = export(tmp_path)
    assert run(capsys, str(clean), "--window", "1h", "--fail-on", "blocker")[0] == 0
    assert run(capsys, str(clean), "--window", "1h", "--fail-on", "warning")[0] == 0
    (tmp_path / "w").mkdir()
    warned = export(tmp_path / "w", [("SELECT pg_advisory_xact_lock($1)", 10, 1.0, 10)])
    assert run(capsys, str(warned), "--window", "1h", "--fail-on", "blocker")[0] == 0
    assert run(capsys, str(warned), "--window", "1h", "--fail-on", "warning")[0] == 1


def test_table_and_markdown_say_dsql_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(export(tmp_path))
    code, out, _ = run(capsys, path, "--window", "1h")
    assert (
        code == 0 and "DSQL as of 2026-09-15" in out and "Verdict: ready" in out and "OCC contention" in out
    )
    code, out, _ = run(capsys, path, "--window", "1h", "--format", "markdown", "--as-of", "2026-08-01")
    assert code == 0 and out.startswith("# DSQL readiness: ready") and "DSQL as of 2026-08-01" in out


def test_schema_option_and_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE t (id serial PRIMARY KEY);\nCREATE INDEX i ON t (id);\n", encoding="utf-8"
    )
    out_file = tmp_path / "r.json"
    code, out, _ = run(
        capsys,
        str(export(tmp_path)),
        "--window",
        "1h",
        "--schema",
        str(schema),
        "--format",
        "json",
        "--out",
        str(out_file),
    )
    assert code == 0 and out == ""
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    assert doc["verdict"] == "changes needed"
    assert {f["id"] for f in doc["findings"]} >= {"serial", "create_index_sync"}
    assert doc["schema_file"] == str(schema)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schema", "/nonexistent/schema.sql"], "schema file not found"),
        (["--as-of", "yesterday"], "is not a date"),
        (["--scenario", "no-such-preset"], ""),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, str(export(tmp_path)), "--window", "1h", *args)
    assert code == 2
    assert err.startswith("dsqlcost readiness: error:") and message in err and "Traceback" not in err


# --- the bundled samples ---------------------------------------------------------------------------------


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not (path / "bundle.yaml").is_file():
        pytest.fail(f"sample bundle {name} is missing (make samples)")
    return path


def sample_doc(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(capsys, str(sample(name)), "--format", "json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_legacy_sample_is_blocked(capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample_doc("legacy", capsys)
    assert doc["verdict"] == "blocked"
    ids = {f["id"] for f in doc["findings"]}
    assert {"trigger", "plpgsql", "savepoint", "listen_notify", "truncate", "temp_table"} <= ids
    assert doc["schema_file"].endswith("schema.sql")  # the bundle's schema is checked by default
    code, out, _ = run(capsys, str(sample("legacy")), "--format", "json", "--no-schema")
    without = json.loads(out)
    assert code == 0 and without["schema_file"] is None
    assert "trigger" not in {f["id"] for f in without["findings"]}  # the trigger lives in the schema only


def test_pgbench_sample_is_high_occ_risk(capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample_doc("pgbench", capsys)
    c = doc["contention"]
    assert c["risk"] == "high"
    assert c["hot_spots"][0]["table"] == "pgbench_branches"
    assert doc["verdict"] in ("ready", "changes needed")


def test_saas_sample_needs_only_mechanical_changes_and_flags_the_counter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = sample_doc("saas", capsys)
    assert doc["verdict"] in ("ready", "changes needed")
    assert all(f["fixable"] for f in doc["findings"] if f["severity"] == "blocker")
    c = doc["contention"]
    assert c["hot_spots"][0]["table"] == "global_stats" and c["hot_spots"][0]["key_space"] == 1
    # usage_daily has no row estimate in the catalog: its key space is assumed, so the level is a range
    assert c["risk_at_point_estimate"] == "low" and c["risk"] in ("low", "unknown")
    # the tenant-scoped writes alone are calmer still: the counter row carries most of the risk
    assert c["residual_conflict_rate"] < c["predicted_conflict_rate"] / 10
