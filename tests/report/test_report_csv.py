"""CSV export: RFC 4180, UTF-8 with BOM, units in column names, plain numbers, formula-injection safety.

The LibreOffice round trip (a real spreadsheet opening the files) is in test_report_libreoffice.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costmodel.core.errors import ReportError
from costmodel.report import CSV_FILES, write_csv
from costmodel.report.csvout import (
    CLUSTER_COLUMNS_AFTER,
    CLUSTER_COLUMNS_BEFORE,
    DATABASE_COLUMNS,
    FLEET_ONLY,
    LINE_ITEM_COLUMNS,
    OPTION_COLUMNS,
    csv_tables,
)
from costmodel.report.safe import (
    FORMULA_TRIGGERS,
    CellKind,
    cell,
    needs_neutralising,
    neutralise,
    number_cell,
)

DATA = Path(__file__).parents[1] / "data" / "report"


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def saas_csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("csv")
    return {p.name: p for p in write_csv(load("saas_full"), out)}


@pytest.fixture(scope="module")
def hostile_csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("csv")
    return {p.name: p for p in write_csv(load("hostile"), out)}


def test_one_file_per_table_in_fixed_order(saas_csv: dict[str, Path]) -> None:
    assert list(saas_csv) == [name for name in CSV_FILES if name not in FLEET_ONLY]  # a single export
    assert CSV_FILES[:6] == (
        "options.csv",
        "line_items.csv",
        "statements.csv",
        "findings.csv",
        "assumptions.csv",
        "break_even.csv",
    )


@pytest.fixture(scope="module")
def fleet_csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("csv")
    return {p.name: p for p in write_csv(load("fleet"), out)}


def test_bom_crlf_and_rfc4180_quoting(saas_csv: dict[str, Path]) -> None:
    raw = saas_csv["statements.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.split("\r\n", 1)[0].startswith("stmt_id,database,kind,is_write,")
    assert text.endswith("\r\n")
    # a multi-line query stays in one quoted field, so the row count matches the report
    rows = read_rows(saas_csv["statements.csv"])
    report = load("saas_full")
    assert len(rows) == len(report["statements"])
    multi = next(r for r in rows if r["stmt_id"] == "'729114563402191823")
    assert "\nSELECT w.* FROM widgets w" in multi["query"]


def test_bom_can_be_turned_off(tmp_path: Path) -> None:
    paths = write_csv(load("minimal"), tmp_path, bom=False)
    assert not paths[0].read_bytes().startswith(b"\xef\xbb\xbf")


def test_units_in_column_names(saas_csv: dict[str, Path]) -> None:
    headers = {
        name: next(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig")))) for name, p in saas_csv.items()
    }
    assert "total_monthly_usd" in headers["options.csv"]
    assert {"quantity_per_month", "unit", "unit_price_usd", "monthly_usd"} <= set(headers["line_items.csv"])
    assert {"calls_per_month", "mean_exec_ms", "dsql_dpu_per_call", "dsql_monthly_usd"} <= set(
        headers["statements.csv"]
    )
    assert {"calls_fraction", "cost_fraction"} <= set(headers["findings.csv"])
    assert headers["break_even.csv"][0] == "load_multiplier"
    assert all(h.endswith("_monthly_usd") for h in headers["break_even.csv"][1:])
    assert headers["options.csv"] == [c.name for c in OPTION_COLUMNS]
    assert headers["line_items.csv"] == [c.name for c in LINE_ITEM_COLUMNS]


def test_totals_match_the_report(saas_csv: dict[str, Path]) -> None:
    report = load("saas_full")
    options = {r["option"]: r for r in read_rows(saas_csv["options.csv"])}
    for option in report["options"]:
        assert float(options[option["name"]]["total_monthly_usd"]) == option["total_monthly_usd"]
        items = [r for r in read_rows(saas_csv["line_items.csv"]) if r["option"] == option["name"]]
        assert len(items) == len(option["line_items"])
        assert math.isclose(
            sum(float(r["monthly_usd"]) for r in items), option["total_monthly_usd"], abs_tol=0.006
        )


def test_numbers_are_plain(saas_csv: dict[str, Path], hostile_csv: dict[str, Path]) -> None:
    for files in (saas_csv, hostile_csv):
        for name in ("line_items.csv", "options.csv", "break_even.csv"):
            text = files[name].read_text(encoding="utf-8-sig")
            for row in csv.reader(io.StringIO(text)):
                for value in row:
                    try:
                        float(value)
                    except ValueError:
                        continue
                    assert "e" not in value.lower(), f"exponent in {name}: {value}"
                    assert "," not in value and "$" not in value
    tiny = next(r for r in read_rows(hostile_csv["line_items.csv"]) if r["component"] == "Tiny")
    assert tiny["unit_price_usd"] == "0.00000025"
    assert tiny["quantity_per_month"] == "0.000001"


def test_pandas_reads_types(saas_csv: dict[str, Path]) -> None:
    frame = pd.read_csv(saas_csv["line_items.csv"], encoding="utf-8-sig")
    assert frame["monthly_usd"].dtype.kind == "f"
    assert frame["usage_based"].dtype == bool
    assert (frame["monthly_usd"] < 0).any(), "free-tier credits are negative numbers"
    options = pd.read_csv(saas_csv["options.csv"], encoding="utf-8-sig")
    assert options["recommended"].sum() == 1


def test_formula_injection_neutralised_in_text_columns(hostile_csv: dict[str, Path]) -> None:
    statements = {r["query"]: r for r in read_rows(hostile_csv["statements.csv"])}
    assert "'=cmd|' /C calc'!A0" in statements
    assert "'-- comment first\nSELECT id FROM t WHERE a = $1" in statements
    assert "'+SELECT 1" in statements and "'@SUM(A1:A3)" in statements
    assert "'\tSELECT 'tab first'" in statements and "'\rSELECT 'cr first'" in statements
    assert "'\uff1dSUM(1) full-width equals" in statements
    assert "'   =spaces then equals" in statements
    assert "'\n=newline then equals" in statements
    ids = [r["stmt_id"] for r in read_rows(hostile_csv["statements.csv"])]
    assert ids[:4] == ["'=1", "'-1", "'+2", "'@3"]
    for path in hostile_csv.values():
        text = path.read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            for value in row:
                if value and value[0] in FORMULA_TRIGGERS:
                    float(value)  # only numbers may start with '-' (or '+')


def test_numeric_looking_ids_stay_text(saas_csv: dict[str, Path]) -> None:
    ids = [r["stmt_id"] for r in read_rows(saas_csv["statements.csv"])]
    assert "'729114563402191823" in ids and "'-4817730183717368311" in ids and "'7007" in ids
    findings = {r["finding_id"]: r for r in read_rows(saas_csv["findings.csv"])}
    assert findings["plpgsql_function"]["statements"] == "'7013"
    assert findings["unparsable"]["statements"] == "7010; 7011"
    spots = [r["stmt_id"] for r in read_rows(saas_csv["hot_spots.csv"])]
    assert spots == ["'-112233445566778899", "'7017", "'5551212"]


def test_numbers_stay_numbers(hostile_csv: dict[str, Path]) -> None:
    assumptions = {r["key"]: r for r in read_rows(hostile_csv["assumptions.csv"])}
    assert assumptions["negative"]["value"] == "-3.5"
    assert assumptions["'=key"]["value"] == "'=1+1"
    assert assumptions["listy"]["value"] == "'-a; b"
    assert assumptions["flag"]["value"] == "TRUE"
    discount = next(r for r in read_rows(hostile_csv["line_items.csv"]) if r["component"] == "Discount")
    assert discount["monthly_usd"] == "-12.5" and discount["unit_price_usd"] == "-12.5"
    assert discount["price_ref"].startswith("'=HYPERLINK(")
    statements = read_rows(hostile_csv["statements.csv"])
    assert statements[3]["mean_exec_ms"] == "-0.5"


def test_break_even_wide_and_headers_neutralised(hostile_csv: dict[str, Path]) -> None:
    rows = list(csv.reader(io.StringIO(hostile_csv["break_even.csv"].read_text(encoding="utf-8-sig"))))
    assert rows[0] == [
        "load_multiplier",
        "dsql-<img src=x onerror=alert(1)>_monthly_usd",
        "serverless-v2-|pipe|`tick`_monthly_usd",
    ]
    assert rows[1:] == [["0.1", "5", "188"], ["1", "40.5", "188.5"], ["10", "400", "300"]]


def test_minimal_report_writes_header_only_tables(tmp_path: Path) -> None:
    paths = {p.name: p for p in write_csv(load("minimal"), tmp_path)}
    assert read_rows(paths["statements.csv"]) == []
    assert read_rows(paths["break_even.csv"]) == []
    assert len(read_rows(paths["options.csv"])) == 1


def test_statement_keys_outside_the_contract_are_kept(tmp_path: Path) -> None:
    report = load("minimal")
    report["statements"] = [
        {"stmt_id": "q1", "query": "SELECT 1", "zz_new_bytes_per_call": 12.5, "aa_note": "=x"}
    ]
    header, rows = csv_tables(report)["statements.csv"]
    assert header[-3:] == ["aa_note", "zz_new_bytes_per_call", "query"]
    assert rows[0][-3:] == ["'=x", "12.5", "SELECT 1"]


def test_unwritable_directory_is_a_report_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError) as info:
        write_csv(load("minimal"), blocker / "sub")
    assert info.value.hint and "--out" in info.value.hint


def test_cell_writers() -> None:
    assert number_cell(1e-06) == "0.000001"
    assert number_cell(1.5e20) == "150000000000000000000"
    assert number_cell(-0.0) == "0"
    assert number_cell(Decimal("12.3400")) == "12.34"
    assert number_cell(float("nan")) == ""
    assert number_cell(None) == ""
    assert number_cell("=1+1") == "'=1+1"
    assert cell(True, CellKind.BOOL) == "TRUE"
    assert cell(["-a", "b"], CellKind.TEXT) == "'-a; b"
    assert cell(-3, CellKind.AUTO) == "-3"
    assert cell("-3", CellKind.AUTO) == "'-3"
    assert neutralise("SELECT 1") == "SELECT 1"
    assert neutralise("") == ""


@given(st.text(max_size=40))
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not needs_neutralising(out) or out.startswith("'")
    assert out in (text, "'" + text)
    if text and (text[0] in FORMULA_TRIGGERS or text.lstrip(" ")[:1] in FORMULA_TRIGGERS):
        assert out == "'" + text


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=-(10**20), max_value=10**20))
def test_numbers_round_trip_exactly(value: float) -> None:
    text = number_cell(value)
    assert "e" not in text.lower()
    assert float(text) == float(value)


# --- fleets and databases -------------------------------------------------------------------------


def test_clusters_csv_has_one_monthly_column_per_option(fleet_csv: dict[str, Path]) -> None:
    report = load("fleet")
    header = next(csv.reader(io.StringIO(fleet_csv["clusters.csv"].read_text(encoding="utf-8-sig"))))
    options = [f"{o['name']}_monthly_usd" for o in report["options"]]
    assert header == [c.name for c in CLUSTER_COLUMNS_BEFORE] + options + [
        c.name for c in CLUSTER_COLUMNS_AFTER
    ]
    assert header[:6] == [
        "cluster",
        "sources",
        "window_seconds",
        "window_source",
        "statement_count",
        "database_count",
    ]
    assert header[-4:] == ["recommended_alone", "predicted_conflict_fraction", "occ_risk", "storage_gb"]
    rows = read_rows(fleet_csv["clusters.csv"])
    assert [r["cluster"] for r in rows] == [c["name"] for c in report["fleet"]["clusters"]]
    for row, cluster in zip(rows, report["fleet"]["clusters"], strict=True):
        for name, total in cluster["totals"].items():
            assert float(row[f"{name}_monthly_usd"]) == total
        assert float(row["window_seconds"]) == cluster["window_seconds"]
        assert int(row["statement_count"]) == cluster["statements"]
        assert float(row["predicted_conflict_fraction"]) == cluster["predicted_conflict_rate"]
        assert row["recommended_alone"] == cluster["recommended_alone"] and row["occ_risk"] == cluster["risk"]
    frame = pd.read_csv(fleet_csv["clusters.csv"], encoding="utf-8-sig")
    assert all(frame[o].dtype.kind == "f" for o in options)


def test_databases_csv(fleet_csv: dict[str, Path], saas_csv: dict[str, Path]) -> None:
    report = load("fleet")
    rows = read_rows(fleet_csv["databases.csv"])
    assert list(rows[0]) == [c.name for c in DATABASE_COLUMNS]
    assert list(rows[0]) == [
        "cluster",
        "database",
        "statement_count",
        "calls_per_month",
        "dsql_monthly_usd",
        "sv2_monthly_usd",
    ]
    assert len(rows) == len(report["databases"])
    for row, db in zip(rows, report["databases"], strict=True):
        assert (row["cluster"], row["database"]) == (db["cluster"], db["database"])
        assert float(row["dsql_monthly_usd"]) == db["dsql_monthly_usd"]
        assert float(row["calls_per_month"]) == db["calls_month"]
    single = read_rows(saas_csv["databases.csv"])
    assert [r["database"] for r in single] == ["saas_analytics", "saas", "shop_de"]
    assert "cluster" not in single[0], "one export: no (empty) cluster column"


def test_single_export_writes_no_clusters_csv(saas_csv: dict[str, Path]) -> None:
    assert "clusters.csv" not in saas_csv  # it was a header alone (issue 17)


def test_fleet_statement_and_hot_spot_columns(fleet_csv: dict[str, Path], saas_csv: dict[str, Path]) -> None:
    statements = read_rows(fleet_csv["statements.csv"])
    assert list(statements[0])[-3:] == ["cluster_count", "database_count", "query"]
    assert {r["cluster_count"] for r in statements} == {"1"}
    assert "sv2_monthly_usd" in statements[0] and "database" in statements[0]
    assert "cluster_count" not in read_rows(saas_csv["statements.csv"])[0]
    spots = read_rows(fleet_csv["hot_spots.csv"])
    assert list(spots[0])[:2] == ["cluster", "stmt_id"] and spots[0]["cluster"] == "pgbench"
    assert next(iter(read_rows(saas_csv["hot_spots.csv"])[0])) == "stmt_id"


def test_cluster_and_database_names_are_spreadsheet_safe(hostile_csv: dict[str, Path]) -> None:
    clusters = read_rows(hostile_csv["clusters.csv"])
    assert clusters[0]["cluster"] == "'=cmd|' /C calc'!A0"
    assert clusters[0]["sources"] == "'=evil.csv"
    assert clusters[0]["'=extra-option_monthly_usd"] == "", "not priced for this cluster: empty"
    assert clusters[1]["'=extra-option_monthly_usd"] == "5", "an option only some clusters were priced for"
    header = hostile_csv["clusters.csv"].read_text(encoding="utf-8-sig").split("\r\n")[0]
    assert ",'=extra-option_monthly_usd," in header
    databases = read_rows(hostile_csv["databases.csv"])
    assert databases[0]["cluster"] == "'=cmd|' /C calc'!A0"
    assert databases[1]["database"] == "'123456789012345678901", "a numeric-looking name stays text"
    assert databases[2]["database"].startswith("'-db")
    assert databases[2]["dsql_monthly_usd"] == "-1.5", "a negative number stays a number"
    assert databases[1]["calls_per_month"] == "0.00000025"


def test_gc_pause_restores_the_collector_after_overlapping_writers() -> None:
    """Two dashboard threads rendering at once: the collector comes back on when the last one ends."""
    import gc
    import threading

    from costmodel.core.gcpause import gc_paused

    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            assert not gc.isenabled()  # the first writer left, this one still writes

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector the caller had turned off stays off
    finally:
        gc.enable()
