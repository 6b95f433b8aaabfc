"""Data locations per option and the residency rule, for both services, through the real CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from costmodel.cli import main
from costmodel.core.catalog import load_catalog
from costmodel.core.errors import ScenarioError
from costmodel.core.regions import region_table
from costmodel.scenario.model import load_scenario, scenario_to_yaml

SAAS = str(Path(__file__).parents[2] / "sample_stats" / "saas")


def report_json(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "r.json"
    assert main(["report", SAAS, *args, "--format", "json", "--out", str(out)]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("flags", "region", "option", "key"),
    [
        (["--region", "eu-west-1", "--peer", "us-east-1", "--witness", "eu-west-3"], "us-east-1",
         "dsql-multi-region", "regions.dsql_peers"),
        (["--region", "eu-west-1", "--peer", "eu-central-1", "--witness", "us-east-2"], "us-east-2",
         "dsql-multi-region", "regions.dsql_witness"),
        (["--region", "eu-west-1", "--global-secondary", "us-west-2"], "us-west-2",
         "serverless-v2-global", "regions.global_secondaries"),
        (["--region", "eu-west-1", "--backup-copy", "us-east-1"], "us-east-1", "every option",
         "regions.backup_copies"),
        ([], "us-east-1", "every option", "regions.primary"),
    ],
)  # fmt: skip
def test_regions_outside_the_zone_are_refused(
    capsys: pytest.CaptureFixture[str], flags: list[str], region: str, option: str, key: str
) -> None:
    assert main(["report", SAAS, "--residency", "eu", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"region {region} (zone us)" in err and f"for {option} ({key})" in err and "outside zone eu" in err


def test_eea_refuses_london_that_eu_allows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    flags = ["--region", "eu-west-1", "--global-secondary", "eu-west-2"]
    assert main(["report", SAAS, "--residency", "eea", *flags]) == 2
    assert "region eu-west-2 (zone eu)" in capsys.readouterr().err
    report = report_json(tmp_path, "--residency", "eu", *flags)
    assert report["decision"]["residency"]["requirement"] == ["eu"]


def test_every_option_lists_where_its_data_lives(tmp_path: Path) -> None:
    report = report_json(
        tmp_path, "--residency", "eu", "--region", "eu-west-1", "--peer", "eu-central-1", "--witness", "eu-west-3",
        "--global-secondary", "eu-west-2", "--backup-copy", "eu-north-1",
    )  # fmt: skip
    places = {o["name"]: o["data_locations"] for o in report["options"]}
    dsql = {loc["region"]: loc for loc in places["dsql-multi-region"]}
    assert set(dsql) == {"eu-west-1", "eu-central-1", "eu-west-3", "eu-north-1"}
    assert "transaction logs" in dsql["eu-west-3"]["holds"] and "full copy" in dsql["eu-central-1"]["holds"]
    assert "backup" in dsql["eu-north-1"]["holds"]
    sv2 = {loc["region"]: loc["holds"] for loc in places["serverless-v2-global"]}
    assert "Global Database secondary" in sv2["eu-west-2"] and "writer" in sv2["eu-west-1"]
    assert all(loc["zone"] == "eu" for locs in places.values() for loc in locs)
    assert report["decision"]["residency"]["flags"] == []


def test_plan_spanning_zones_without_residency_is_flagged(tmp_path: Path) -> None:
    report = report_json(tmp_path, "--region", "us-east-1", "--global-secondary", "eu-west-1")
    flags = report["decision"]["residency"]["flags"]
    assert flags and "2 zones" in flags[0] and "--residency" in flags[0]
    assert flags[0] in report["verdict"]["caveats"]


def test_an_implicit_witness_outside_the_zone_is_flagged(tmp_path: Path) -> None:
    # no --witness: the pricer picks the first spare region of the EU set (eu-west-2, London), outside eea
    report = report_json(tmp_path, "--residency", "eea", "--region", "eu-west-1", "--peer", "eu-central-1")
    flags = report["decision"]["residency"]["flags"]
    assert any("eu-west-2" in f and "pricer chose" in f for f in flags)


def test_decision_csv(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert main(["report", SAAS, "--active-active", "no", "--format", "csv", "--out", str(out)]) == 0
    with (out / "decision.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("question") == 3 and "outcome" in kinds and "data_location" in kinds  # no: RPO, RTO
    outcome = next(r for r in rows if r["kind"] == "outcome")
    assert outcome["branch"] == "Aurora Serverless v2 + Global Database" and float(outcome["monthly_usd"]) > 0


@pytest.mark.parametrize(
    ("flag", "value", "key"),
    [("--rpo", "soon", "requirements.rpo_seconds"), ("--rto", "5 weeks", "requirements.rto_seconds"),
     ("--residency", "mars", "requirements.residency"), ("--residency", "eu,xx-east-9", "requirements.residency")],
)  # fmt: skip
def test_bad_requirements_exit_2_naming_key_and_values(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, key: str
) -> None:
    assert main(["report", SAAS, flag, value]) == 2
    err = capsys.readouterr().err
    assert key in err and "allowed:" in err and "Traceback" not in err


def test_zones_cover_the_dsql_region_sets() -> None:
    """regions.yaml knows every region the DSQL price file names, and each region set lies in one zone."""
    table, catalog = region_table(), load_catalog()
    for name, members in catalog.region_sets.items():
        assert {table.zone_of(r) for r in members} == {name.lower()}
    for region in (*catalog.single_region_only, *catalog.regions("aurora_dsql")):
        assert region in table.regions and table.regions[region].dsql_since
    for info in table.regions.values():
        assert info.sources and set(info.zones) <= set(table.zones)


def test_a_scenario_file_outside_its_residency_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "eu.yaml"
    path.write_text(
        "regions:\n  primary: eu-west-1\n  global_secondaries: [us-east-1]\nrequirements:\n  residency: eu\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(str(path))
    text = str(exc.value)
    assert f"{path}:5:" in text and "region us-east-1 (zone us)" in text and "serverless-v2-global" in text


def test_requirements_round_trip_through_yaml(tmp_path: Path) -> None:
    scenario = load_scenario(
        None,
        {
            "regions": {"primary": "eu-west-1", "backup_copies": "eu-central-1"},
            "requirements": {"active_active": "no", "rpo_seconds": "30s", "rto_seconds": "5m",
                             "residency": "eea,eu-west-2", "max_commit_latency_ms": 40},
        },
    )  # fmt: skip
    req = scenario.requirements
    assert (req.rpo_seconds, req.rto_seconds, req.residency) == (30.0, 300.0, ("eea", "eu-west-2"))
    path = tmp_path / "s.yaml"
    path.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    again = load_scenario(str(path))
    assert again.requirements == scenario.requirements and again.regions == scenario.regions
