"""The CSV export opened by a real spreadsheet: LibreOffice Calc converts the files to xlsx, and the
xlsx cells are read back (zipfile + XML) to check types and values.

Import settings are the strictest a user can choose: UTF-8, English locale, "detect special
numbers" on and **"evaluate formulas" on** (token 13 of the CSV filter), so an un-neutralised
``=…`` cell would become a formula. A control file with raw formulas in the same conversion proves
the check can see formulas at all. One ``soffice`` run converts every file (a few seconds), with a
private profile directory so parallel runs do not share LibreOffice's user installation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import signal
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from costmodel.report import write_csv

pytestmark = pytest.mark.libreoffice

DATA = Path(__file__).parents[1] / "data" / "report"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Field sep ',', text delimiter '"', charset 76 = UTF-8, start at line 1, no column formats,
# language 1033 (en-US), quoted-as-text off, detect special numbers on, (3 export-only tokens),
# sheet -1, evaluate formulas ON.
CSV_FILTER = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
TIMEOUT_S = 180
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
FLEET_FILES = ("clusters.csv", "databases.csv")
"""The fleet fixture's tables read back (its other tables have the same shape as saas_full's)."""
CONTROL = "formula,negative,text\r\n=1+1,-12.5,plain\r\n=SUM(2;3),-0.000008,=cmd|' /C calc'!A0\r\n"


@dataclass(frozen=True)
class Cell:
    """One spreadsheet cell as LibreOffice stored it."""

    kind: str  # n (number), s (text), b (boolean), e (error)
    value: Any
    formula: bool
    styled: bool


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xstring(text: str) -> str:
    """Undo OOXML's escaping of control characters in strings (``_x001B_`` is ESC)."""
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)


def _col_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters
    index = 0
    for ch in letters.group(0):
        index = index * 26 + ord(ch) - 64
    return index - 1


def read_xlsx(path: Path) -> list[dict[str, Cell]]:
    """Rows of the first sheet as {header: Cell}; the header row itself is not returned."""
    with zipfile.ZipFile(path) as book:
        strings = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ET.fromstring(book.read("xl/sharedStrings.xml"))
            strings = [
                _xstring("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
                for si in root.findall("m:si", NS)
            ]
        sheet = ET.fromstring(book.read("xl/worksheets/sheet1.xml"))
    grid: list[list[Cell | None]] = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells: list[Cell | None] = []
        for c in row.findall("m:c", NS):
            index = _col_index(c.get("r", "A"))
            cells.extend([None] * (index + 1 - len(cells)))
            kind = c.get("t", "n")
            raw = c.findtext("m:v", default=None, namespaces=NS)
            if kind == "s" and raw is not None:
                value: Any = strings[int(raw)]
            elif kind == "inlineStr":
                kind, value = "s", _xstring("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
            elif kind == "str":
                kind, value = "s", raw
            elif kind == "b":
                value = raw == "1"
            elif kind == "n":
                value = float(raw) if raw is not None else None
            else:
                value = raw
            cells[index] = Cell(kind, value, c.find("m:f", NS) is not None, c.get("s", "0") != "0")
        grid.append(cells)
    header = [c.value if c else "" for c in grid[0]]
    return [{h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header)} for cells in grid[1:]]


def convert(files: list[Path], out_dir: Path) -> dict[str, Path]:
    """Convert CSV files to xlsx in one LibreOffice run; returns {csv name: xlsx path}."""
    assert SOFFICE is not None
    profile = out_dir / "lo-profile"
    command = [
        SOFFICE,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        f"--infilter={CSV_FILTER}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out_dir),
        *(str(f) for f in files),
    ]
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"LibreOffice did not convert within {TIMEOUT_S} s")
    out = {f.name: out_dir / f"{f.stem}.xlsx" for f in files}
    missing = [name for name, path in out.items() if not path.exists()]
    assert not missing, f"LibreOffice did not write {missing}: {stdout.decode()} {stderr.decode()}"
    return out


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Cell]]]:
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (run scripts/ensure_system.sh libreoffice)")
    base = tmp_path_factory.mktemp("libreoffice")
    inputs: list[Path] = []
    for case in ("saas_full", "hostile", "fleet"):
        report = json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))
        for path in write_csv(report, base / case):
            if case == "fleet" and path.name not in FLEET_FILES:
                continue
            target = base / f"{case}-{path.name}"
            shutil.copy(path, target)
            inputs.append(target)
    control = base / "control.csv"
    control.write_text(CONTROL, encoding="utf-8-sig", newline="")
    inputs.append(control)
    converted = convert(inputs, base / "xlsx")
    return {name.removesuffix(".csv"): read_xlsx(path) for name, path in converted.items()}


def load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))


def test_control_formulas_are_detected(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    rows = sheets["control"]
    assert rows[0]["formula"].formula and rows[0]["formula"].value == 2.0
    assert rows[0]["text"] == Cell("s", "plain", False, False)
    assert rows[1]["text"].formula, "an un-neutralised =cmd cell is a formula: the check can see them"
    assert rows[0]["negative"] == Cell("n", -12.5, False, False)


def test_no_cell_is_a_formula(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    for name, rows in sheets.items():
        if name == "control":
            continue
        for row in rows:
            for header, cell in row.items():
                assert cell is None or not cell.formula, f"{name}: {header} became a formula"


def test_totals_equal_the_json_totals(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    report = load("saas_full")
    options = {row["option"].value: row for row in sheets["saas_full-options"]}
    assert set(options) == {o["name"] for o in report["options"]}
    for option in report["options"]:
        total = options[option["name"]]["total_monthly_usd"]
        assert total is not None and total.kind == "n" and total.value == option["total_monthly_usd"]
        items = [r for r in sheets["saas_full-line_items"] if r["option"].value == option["name"]]
        assert len(items) == len(option["line_items"])
        for row, item in zip(items, option["line_items"], strict=True):
            assert row["monthly_usd"].kind == "n" and row["monthly_usd"].value == item["monthly_usd"]
            assert row["unit_price_usd"].value == item["unit_price_usd"]
            assert row["usage_based"].kind == "b" and row["usage_based"].value is item["usage_based"]
        assert math.isclose(
            sum(r["monthly_usd"].value for r in items), option["total_monthly_usd"], abs_tol=0.006
        )
    assert options["dsql-single-region"]["recommended"].value is True


def test_negative_numbers_stay_numbers(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    credits = [r for r in sheets["saas_full-line_items"] if r["component"].value == "FreeTierDPU"]
    assert credits and all(r["monthly_usd"].kind == "n" and r["monthly_usd"].value < 0 for r in credits)
    assumptions = {r["key"].value: r for r in sheets["hostile-assumptions"]}
    assert assumptions["negative"]["value"] == Cell("n", -3.5, False, False)


def test_injected_cells_are_text(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    report = load("hostile")
    rows = sheets["hostile-statements"]
    assert len(rows) == len(report["statements"])
    for row, stmt in zip(rows, report["statements"], strict=True):
        query = row["query"]
        assert query is not None and query.kind == "s"
        expected = stmt["query"]
        if expected.lstrip(" ")[:1] in "=+-@\t\r\n\uff1d" or expected[:1] in "\t\r\n":
            expected = "'" + expected
        # LibreOffice stores line breaks inside a quoted field (CR LF, CR) as LF
        assert query.value == expected.replace("\r\n", "\n").replace("\r", "\n")
        assert row["stmt_id"].kind == "s"
    ids = [r["stmt_id"].value for r in rows[:4]]
    assert ids == ["'=1", "'-1", "'+2", "'@3"]
    items = {r["component"].value: r for r in sheets["hostile-line_items"]}
    assert "'@SUM(A1:A9)" in items
    assert items["Discount"]["price_ref"].value.startswith("'=HYPERLINK(")
    assert items["Discount"]["monthly_usd"] == Cell("n", -12.5, False, False)


def test_unicode_ids_and_dates(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    rows = {r["stmt_id"].value: r for r in sheets["saas_full-statements"]}
    assert '"Größe"' in rows["'7007"]["query"].value and "🚀" in rows["'7007"]["query"].value
    # queryids stay text with all their digits (a number would keep 15)
    assert all(r["stmt_id"].kind == "s" for r in rows.values())
    assert "'-4817730183717368311" in rows
    assert "\nSELECT w.* FROM widgets w" in rows["'729114563402191823"]["query"].value
    findings = {r["finding_id"].value: r for r in sheets["saas_full-findings"]}
    since = findings["truncate"]["since"]
    assert since.kind == "n" and since.styled, "ISO dates are read as dates"
    assert dt.date(1899, 12, 30) + dt.timedelta(days=since.value) == dt.date(2024, 12, 3)
    header_cells = sheets["saas_full-options"][0]
    assert "option" in header_cells, "the BOM is not part of the first header"


def test_fleet_tables_read_back_with_numbers_and_text(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    report = load("fleet")
    rows = sheets["fleet-clusters"]
    assert [r["cluster"].value for r in rows] == [c["name"] for c in report["fleet"]["clusters"]]
    for row, cluster in zip(rows, report["fleet"]["clusters"], strict=True):
        for option, total in cluster["totals"].items():
            got = row[f"{option}_monthly_usd"]
            assert got is not None and got.kind == "n" and got.value == total
        assert row["window_seconds"] == Cell("n", cluster["window_seconds"], False, False)
        assert row["statement_count"].value == cluster["statements"]
        assert row["recommended_alone"].kind == "s" and row["occ_risk"].value == cluster["risk"]
    databases = sheets["fleet-databases"]
    assert len(databases) == len(report["databases"])
    for row, db in zip(databases, report["databases"], strict=True):
        assert row["database"].kind == "s" and row["database"].value == db["database"]
        assert row["dsql_monthly_usd"].kind == "n" and row["dsql_monthly_usd"].value == db["dsql_monthly_usd"]


def test_hostile_cluster_and_database_names_stay_text(sheets: dict[str, list[dict[str, Cell]]]) -> None:
    clusters = sheets["hostile-clusters"]
    assert clusters[0]["cluster"] == Cell("s", "'=cmd|' /C calc'!A0", False, False)
    databases = sheets["hostile-databases"]
    assert databases[1]["database"].kind == "s", "a 21-digit name is not rounded to a number"
    assert databases[1]["database"].value == "'123456789012345678901"
    assert databases[2]["dsql_monthly_usd"] == Cell("n", -1.5, False, False)
