"""Scenario loading: presets, layering, validation errors (data-driven), documentation, YAML round trip."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from costmodel.core.catalog import load_catalog
from costmodel.core.errors import ScenarioError
from costmodel.scenario.model import (
    INTERNAL_FIELDS,
    KEY_BY_PATH,
    KEYS,
    LOAD_ONLY_KEYS,
    Scenario,
    dataclass_paths,
    list_presets,
    load_scenario,
    preset_descriptions,
    scenario_assumptions,
    scenario_to_dict,
    scenario_to_yaml,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parents[1] / "cases" / "scenario" / "errors.yaml"
REQUIRED_PRESETS = (
    "default",
    "always-on",
    "business-hours",
    "nightly-batch",
    "dev-sporadic",
    "multi-region-us",
    "global-eu",
)


def _cases() -> list[Any]:
    """One pytest param per case, id ``errors.yaml:<line>``."""
    text = CASES.read_text(encoding="utf-8")
    nodes = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    return [
        pytest.param(case, id=f"{CASES.name}:{node.start_mark.line + 1}")
        for case, node in zip(data, nodes.value, strict=True)
    ]


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- presets -------------------------------------------------------------------------------------


def test_required_presets_exist_and_default_comes_first() -> None:
    presets = list_presets()
    assert set(REQUIRED_PRESETS) <= set(presets)
    assert presets[0] == "default"


@pytest.mark.parametrize("name", list_presets())
def test_every_preset_loads_with_its_own_name_and_description(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.description
    assert scenario.source == f"preset {name}"
    assert preset_descriptions()[name] == scenario.description


def test_default_preset_lists_every_key() -> None:
    data = yaml.safe_load((ROOT / "costmodel/data/scenarios/default.yaml").read_text(encoding="utf-8"))
    flat: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict) and path in KEY_BY_PATH:
                flat.add(path)
            elif isinstance(value, dict):
                walk(value, f"{path}.")
            else:
                flat.add(path)

    walk(data, "")
    assert flat == set(KEY_BY_PATH) - LOAD_ONLY_KEYS


def test_presets_model_what_their_names_say() -> None:
    assert load_scenario("always-on").serverless_v2.min_acu == 0.5
    assert load_scenario("always-on").serverless_v2.auto_pause_seconds is None
    assert load_scenario("business-hours").time_profile.kind == "business-hours"
    assert load_scenario("nightly-batch").time_profile.kind == "nightly-batch"
    assert load_scenario("dev-sporadic").serverless_v2.max_acu == 4
    us = load_scenario("multi-region-us").regions
    assert (us.primary, us.dsql_peers, us.dsql_witness, us.global_secondaries) == (
        "us-east-1",
        ("us-east-2",),
        "us-west-2",
        ("us-west-2",),
    )
    assert sum(us.traffic_split.values()) == pytest.approx(1.0)
    eu = load_scenario("global-eu")
    assert eu.regions.primary.startswith("eu-") and eu.regions.global_secondaries
    assert eu.time_profile.utc_offset_hours == 1


def test_defaults_match_the_dataclass_defaults() -> None:
    """The YAML default and the dataclass defaults agree (apart from the description)."""
    loaded = load_scenario()
    assert replace(loaded, description="", source="") == replace(Scenario(), description="", source="")


# --- key table and documentation ---------------------------------------------------------------


def test_key_table_covers_every_dataclass_field() -> None:
    fields = set(dataclass_paths()) - INTERNAL_FIELDS
    assert fields <= set(KEY_BY_PATH), f"undocumented: {sorted(fields - set(KEY_BY_PATH))}"
    assert set(KEY_BY_PATH) - LOAD_ONLY_KEYS <= fields, "KEYS has entries that are not fields"
    for spec in KEYS:
        assert spec.unit and spec.meaning.endswith(".") and spec.allowed


def test_docs_describe_every_key_and_preset() -> None:
    docs = (ROOT / "docs/scenario.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", docs, flags=re.M))
    assert set(KEY_BY_PATH) <= documented, sorted(set(KEY_BY_PATH) - documented)
    for preset in list_presets():
        assert f"`{preset}`" in docs


def test_key_bounds_match_the_catalog_facts() -> None:
    catalog = load_catalog()
    fact = lambda name: float(catalog.decimal_fact("aurora_serverless_v2", name))  # noqa: E731
    pause = KEY_BY_PATH["serverless_v2.auto_pause_seconds"]
    assert (pause.minimum, pause.maximum) == (fact("auto_pause_seconds_min"), fact("auto_pause_seconds_max"))
    for key in ("serverless_v2.min_acu", "serverless_v2.max_acu"):
        assert KEY_BY_PATH[key].maximum == fact("max_acu")
        assert KEY_BY_PATH[key].step == fact("acu_increment")


# --- layering --------------------------------------------------------------------------------------


def test_user_file_merges_over_defaults_key_by_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "serverless_v2:\n  max_acu: 8\nregions:\n  primary: eu-west-2\n")
    scenario = load_scenario(path)
    assert scenario.serverless_v2.max_acu == 8
    assert scenario.serverless_v2.auto_pause_seconds == 300  # untouched key kept from default
    assert scenario.regions.primary == "eu-west-2"
    assert scenario.source == f"file {path}"


def test_user_file_extends_a_preset(tmp_path: Path) -> None:
    path = _write(tmp_path, "extends: business-hours\nname: intranet\nbackground: {every_minutes: 15}\n")
    scenario = load_scenario(path)
    assert (scenario.name, scenario.time_profile.kind, scenario.background.every_minutes) == (
        "intranet",
        "business-hours",
        15.0,
    )
    assert "extends business-hours" in scenario.source


def test_overrides_from_cli_flags_win_and_accept_text_numbers() -> None:
    scenario = load_scenario(
        "multi-region-us",
        {
            "growth": "2.5",
            "serverless_v2": {"min_acu": "1"},
            "regions": {"global_secondaries": "us-west-2, us-east-2"},
            "dsql": {"free_tier": "off"},
            "assumptions": {"sv2_memory_floor_acu": 1.0},
        },
    )
    assert scenario.growth == 2.5
    assert scenario.serverless_v2.min_acu == 1.0
    assert scenario.regions.global_secondaries == ("us-west-2", "us-east-2")
    assert scenario.dsql.free_tier is False
    assert scenario.assumption_overrides() == {"sv2_memory_floor_acu": (1.0, "argument")}
    assert scenario.source.endswith("+ command-line options")


def test_scenario_assumptions_carry_their_source(tmp_path: Path) -> None:
    path = _write(tmp_path, "assumptions: {sv2_target_cpu_utilization: 0.5}\n")
    a = scenario_assumptions(load_scenario(path))
    assert a.get("sv2_target_cpu_utilization") == 0.5
    assert a.get("sv2_vcpu_per_acu") == 0.25
    used = {x.key: x.source for x in a.used()}
    assert used == {"sv2_target_cpu_utilization": "scenario", "sv2_vcpu_per_acu": "default"}


def test_time_profile_shorthands(tmp_path: Path) -> None:
    assert load_scenario(None, {"time_profile": "nightly-batch"}).time_profile.kind == "nightly-batch"
    weights = [0.0] * 24 * 5 + [1.0] * 48
    custom = load_scenario(_write(tmp_path, yaml.safe_dump({"time_profile": weights})))
    assert custom.time_profile.kind == "custom"
    assert custom.time_profile.hour_weights == tuple(weights)
    keyed = load_scenario(None, {"time_profile": {"hour_weights": weights}})
    assert keyed.time_profile.kind == "custom"
    # a later preset kind replaces earlier custom weights instead of conflicting with them
    path = _write(tmp_path, yaml.safe_dump({"time_profile": weights}), "custom.yaml")
    assert load_scenario(path, {"time_profile": "business-hours"}).time_profile.hour_weights == ()


def test_min_acu_above_zero_drops_an_inherited_auto_pause() -> None:
    scenario = load_scenario("business-hours", {"serverless_v2": {"min_acu": 0.5}})
    assert scenario.serverless_v2.auto_pause_seconds is None


def test_null_values_clear_optional_keys() -> None:
    scenario = load_scenario("default", {"serverless_v2": {"auto_pause_seconds": None}})
    assert scenario.serverless_v2.auto_pause_seconds is None


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases())
def test_invalid_scenarios_name_the_key(case: dict[str, Any], tmp_path: Path) -> None:
    if "file" in case:
        path = _write(tmp_path, case["file"])
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert info.value.file == path
        if "row" in case:
            assert info.value.row == case["row"]
            assert f"{path}:{case['row']}:" in str(info.value)
    else:
        with pytest.raises(ScenarioError) as info:
            load_scenario("default", case["overrides"])
        assert info.value.file is None
    text = str(info.value)
    for fragment in case["expect"]:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    assert info.value.hint


def test_unknown_preset_name_suggests_one() -> None:
    with pytest.raises(ScenarioError, match=r"no scenario preset or file named 'buisness-hours'") as info:
        load_scenario("buisness-hours")
    assert "did you mean 'business-hours'" in str(info.value)


def test_broken_yaml_reports_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "regions:\n  primary: us-east-1\n   peers: [x\n")
    with pytest.raises(ScenarioError, match="not valid YAML") as info:
        load_scenario(path)
    assert info.value.row == 3


def test_a_list_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        load_scenario(_write(tmp_path, "- a\n- b\n"))


# --- round trip ------------------------------------------------------------------------------------


def _same(a: Scenario, b: Scenario) -> bool:
    return replace(a, source="", assumption_sources={}) == replace(b, source="", assumption_sources={})


@pytest.mark.parametrize("name", list_presets())
def test_presets_round_trip_through_yaml(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    again = load_scenario(_write(tmp_path, scenario_to_yaml(scenario)))
    assert _same(scenario, again)


def test_a_full_custom_scenario_round_trips(tmp_path: Path) -> None:
    weights = [float(h % 24 >= 9 and h % 24 < 17) * (1 + h / 168) for h in range(168)]
    scenario = load_scenario(
        "global-eu",
        {
            "time_profile": {"kind": "custom", "hour_weights": weights, "utc_offset_hours": -3.5},
            "background": {"every_minutes": 7.5, "duration_seconds": 30, "description": "probe"},
            "statements_per_txn": 3.2,
            "storage": {"gb": 512.5, "monthly_growth_pct": 2},
            "serverless_v2": {"readers": 2, "reader_promotion_tier": 4, "io_mode": "standard", "max_acu": 64},
            "dsql": {"discount_pct": 12.5, "free_tier": False},
            "months": 36,
            "growth": 1.75,
            "assumptions": {"sv2_memory_floor_acu": 2, "profile_business_days": 6},
        },
    )
    text = scenario_to_yaml(scenario)
    again = load_scenario(_write(tmp_path, text))
    assert _same(scenario, again)
    assert scenario_to_dict(again)["time_profile"]["hour_weights"] == weights
    assert yaml.safe_load(text)["serverless_v2"]["reader_promotion_tier"] == 4


def test_the_user_file_example_in_the_docs_loads(tmp_path: Path) -> None:
    docs = (ROOT / "docs/scenario.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", docs, flags=re.S)
    assert example is not None
    scenario = load_scenario(_write(tmp_path, example.group(1)))
    assert (scenario.name, scenario.time_profile.kind, scenario.regions.primary) == (
        "intranet",
        "business-hours",
        "eu-west-2",
    )
    assert scenario.assumption_overrides() == {"sv2_memory_floor_acu": (1, "scenario")}
