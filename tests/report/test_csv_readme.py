"""README.md lists every CSV file ``--format csv`` writes, with its columns (issue 17): the table is
compared with :data:`costmodel.report.csvout.CSV_FILES` and with the headers written for a single
export and for a fleet."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.report.common import option_list
from costmodel.report.csvout import CSV_FILES, FLEET_ONLY, csv_files, csv_tables, write_csv

ROOT = Path(__file__).parents[2]
ROW = re.compile(r"^\s*\| `(?P<file>[a-z_]+\.csv)` \| [^|]+ \| (?P<columns>.+) \|\s*$")
NAME = re.compile(r"`([^`]+)`(\*?)")


def _readme_tables() -> dict[str, list[tuple[str, bool]]]:
    out = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            out[match["file"]] = [(name, star == "*") for name, star in NAME.findall(match["columns"])]
    return out


def _expected(columns: list[tuple[str, bool]], report: dict[str, Any], fleet: bool) -> list[str]:
    names = [str(o["name"]) for o in option_list(report)]
    if "fleet" in report:  # fleet tables name the options a cluster can have
        names = list(dict.fromkeys([*names]))
    out: list[str] = []
    for name, fleet_only in columns:
        if fleet_only and not fleet:
            continue
        out += [f"{n}_monthly_usd" for n in names] if name == "<option>_monthly_usd" else [name]
    return out


@pytest.mark.parametrize("case, fleet", [("sample-saas", False), ("samples-fleet", True)])
def test_readme_lists_every_csv_with_its_columns(case: str, fleet: bool) -> None:
    listed = _readme_tables()
    assert list(listed) == list(CSV_FILES)
    report = json.loads((ROOT / "tests" / "golden" / f"{case}.json").read_text(encoding="utf-8"))
    tables = csv_tables(report)
    for name in csv_files(report):
        header = tables[name][0]
        if name == "clusters.csv":  # its option columns are the fleet's option set
            opts = [h for h in header if h.endswith("_monthly_usd")]
            header = [h for h in header if h not in opts[1:]]
            header[header.index(opts[0])] = "<option>_monthly_usd"
            assert header == [n for n, _ in listed[name]], name
            continue
        assert header == _expected(listed[name], report, fleet), name


def test_a_single_export_writes_no_empty_fleet_files(tmp_path: Path) -> None:
    report = json.loads((ROOT / "tests" / "golden" / "sample-saas.json").read_text(encoding="utf-8"))
    written = {p.name for p in write_csv(report, tmp_path)}
    assert written == set(CSV_FILES) - set(FLEET_ONLY)
    header = (tmp_path / "databases.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "cluster" not in header  # an empty column in a single export


def test_hot_spot_numbers_are_rounded_to_their_unit(tmp_path: Path) -> None:
    report = json.loads((ROOT / "tests" / "golden" / "samples-fleet.json").read_text(encoding="utf-8"))
    write_csv(report, tmp_path)
    lines = (tmp_path / "hot_spots.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    places = {
        "key_space_keys": 0,
        "writes_per_second": 4,
        "conflict_probability": 6,
        "extra_dpu_per_month": 1,
    }
    assert len(lines) > 1
    for line in lines[1:]:
        cells = dict(zip(header, line.split(","), strict=False))
        for column, most in places.items():
            decimals = len(cells[column].split(".")[1]) if "." in cells[column] else 0
            assert decimals <= most, (column, cells[column])


def test_report_files_and_csv_files_get_the_same_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report written with --out was 0600 while its CSVs were 0644 (issue 17)."""
    from costmodel.cli import main

    monkeypatch.chdir(ROOT)
    html, csv_dir = tmp_path / "r.md", tmp_path / "csv"
    assert main(["report", "sample_stats/saas", "--format", "markdown", "--out", str(html)]) == 0
    assert main(["report", "sample_stats/saas", "--format", "csv", "--out", str(csv_dir)]) == 0
    modes = {html.stat().st_mode & 0o777} | {p.stat().st_mode & 0o777 for p in csv_dir.iterdir()}
    assert len(modes) == 1, {oct(m) for m in modes}
