"""Scenarios: the what-if settings a report is computed under (regions, growth, time, SV2, DSQL).

A scenario is YAML (presets in ``costmodel/data/scenarios/``, selectable by name; user files
merged over the defaults). Loading, validation (unknown keys are errors naming the key), the
preset list and the documentation of every key live here; the dataclasses below are the typed
form every stage reads.

Layers, lowest first: the ``default`` preset, then a named preset (or the preset a user file
``extends``), then the user file, then ``overrides`` (CLI flags). Mappings merge key by key,
everything else (lists included) is replaced. Every key is declared once in :data:`KEYS` with its
unit, meaning and allowed values; ``docs/scenario.md`` documents the same keys and a test checks
that both cover every dataclass field.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from costmodel.core.assumptions import AssumptionSet, defaults
from costmodel.core.errors import ScenarioError
from costmodel.core.options import DSQL_MULTI_REGION, SV2_GLOBAL
from costmodel.core.regions import EVERY_OPTION, REGIONS_FILE, region_table, residency_violation
from costmodel.core.safeio import read_text
from costmodel.core.yamlio import safe_load


class ProfileKind(StrEnum):
    """When the load happens (``time_profile.kind``)."""

    ALWAYS_ON = "always-on"
    """Load spread over every minute of the week (flat unless a diurnal amplitude is assumed)."""
    BUSINESS_HOURS = "business-hours"
    """Weekdays during business hours carry all the load; nights and weekends are idle."""
    NIGHTLY_BATCH = "nightly-batch"
    """A batch window each night carries all the load."""
    DEV_SPORADIC = "dev-sporadic"
    """A few short bursts per weekday (a developer or test database)."""
    CUSTOM = "custom"
    """168 hour-of-week weights in ``hour_weights``."""
    MEASURED = "measured"
    """The workload's snapshot series (``dsqlcost collect --every``)."""


class IoMode(StrEnum):
    """Aurora storage configuration to price (``serverless_v2.io_mode``)."""

    STANDARD = "standard"
    """Aurora Standard: I/O billed per million requests."""
    IO_OPTIMIZED = "io-optimized"
    """Aurora I/O-Optimized: I/O included, higher ACU and storage prices."""
    CHEAPER = "cheaper"
    """Price both and recommend the cheaper one."""


@dataclass(frozen=True)
class RegionSet:
    """Where things run.

    ``primary`` hosts the single-region options and the Serverless v2 writer. ``dsql_peers`` are
    the *other* peered regions of the DSQL multi-region option (primary + peers = the active
    peers, at most 2 today), ``dsql_witness`` its witness region; all must share one region set.
    ``global_secondaries`` are Aurora Global Database secondary regions.
    """

    primary: str = "us-east-1"
    dsql_peers: tuple[str, ...] = ()
    dsql_witness: str | None = None
    global_secondaries: tuple[str, ...] = ()
    backup_copies: tuple[str, ...] = ()
    """Regions that receive copies of the backups (AWS Backup copy rules, snapshot copies); not priced."""
    traffic_split: dict[str, float] = field(default_factory=dict)
    """Share of transactions originating in each active DSQL peer (sums to 1); empty = all in primary."""


@dataclass(frozen=True)
class TimeProfile:
    """When the load happens.

    ``kind`` is a preset name (``always-on``, ``business-hours``, ``nightly-batch``,
    ``dev-sporadic``), ``custom`` (``hour_weights`` holds 168 relative weights, Monday 00:00
    first), or ``measured`` (use the workload's activity series from ``dsqlcost collect``).
    Presets and custom weights are in local time, ``utc_offset_hours`` from UTC.
    """

    kind: str = "always-on"
    hour_weights: tuple[float, ...] = ()
    utc_offset_hours: float = 0.0
    volume: str = "spread"
    """``spread``: the month carries the observed rate × a whole month of calls, placed by the shape
    (bursts run hotter than observed); ``observed-rate``: the busiest minutes run at the observed
    rate and idle ones carry nothing, so the month's volume shrinks with the active share."""


@dataclass(frozen=True)
class Background:
    """Periodic activity independent of the workload, e.g. a health check every N minutes."""

    every_minutes: float | None = None
    duration_seconds: float = 1.0
    description: str = ""


@dataclass(frozen=True)
class ServerlessV2Settings:
    """Aurora Serverless v2 capacity and storage settings."""

    min_acu: float = 0.0
    max_acu: float = 16.0
    auto_pause_seconds: int | None = 300
    """SecondsUntilAutoPause (300–86,400); only effective when ``min_acu`` is 0."""
    readers: int = 1
    """Readers in other AZs; 1 by default so a failover target exists, like DSQL's three AZs."""
    reader_promotion_tier: int = 1
    """Tiers 0–1 follow the writer's capacity; 2–15 scale on their own load."""
    io_mode: str = "cheaper"
    """``standard``, ``io-optimized`` or ``cheaper`` (compute both, recommend the cheaper)."""
    client_pool: str = "keeps-connections"
    """``keeps-connections`` (a pool holds idle connections: never pauses) or ``closes-idle``."""
    performance_insights: bool = False
    """Performance Insights on: Aurora keeps at least 2 ACU."""
    source_cpu_pct: float | None = None
    """Measured mean CPU utilisation of the source instance (%); with its vCPUs it sizes the capacity."""
    source_vcpus: float | None = None
    source_instance: str | None = None
    """Instance class of the source (``db.r6g.xlarge``): its vCPUs when ``source_vcpus`` is null."""
    source_cpu_from: str = ""
    """Where ``source_cpu_pct`` came from (set by ``--source-cpu-export``)."""


@dataclass(frozen=True)
class SavingsPlan:
    """Database Savings Plans (1-year, no upfront): priced as extra variants of each option."""

    enabled: bool = False
    sv2_rate: float | None = None
    """Discount on Serverless v2 ACU-hours; null = the catalog's rate."""
    dsql_rate: float | None = None
    """Discount on DSQL DPU; null = the catalog's rate (unpublished: UNCONFIRMED)."""


@dataclass(frozen=True)
class DsqlSettings:
    """Aurora DSQL settings."""

    free_tier: bool = True
    discount_pct: float = 0.0


@dataclass(frozen=True)
class Storage:
    """Stored data: ``gb`` overrides the catalog's database size; grows by ``monthly_growth_pct``."""

    gb: float | None = None
    monthly_growth_pct: float = 0.0


class ActiveActive(StrEnum):
    """Whether the application must write in several regions at once (``requirements.active_active``)."""

    YES = "yes"
    """Writes are accepted in more than one region at the same time."""
    NO = "no"
    """One writer region is enough (others may read or stand by)."""
    UNKNOWN = "unknown"
    """Not stated: the decision tree shows both branches with their costs."""


@dataclass(frozen=True)
class Requirements:
    """What the architect requires, independent of cost: the inputs of the decision tree.

    ``None`` (and ``unknown``, and an empty ``residency``) means "not stated"; the decision
    section then shows both branches of the question with their costs.
    """

    active_active: str = "unknown"
    rpo_seconds: float | None = None
    """Largest tolerable data loss on a region failure, in seconds (0 = none)."""
    rto_seconds: float | None = None
    """Longest tolerable time until writes are accepted again after a region failure."""
    residency: tuple[str, ...] = ()
    """Zones (``eu``, ``us``, ``eea`` …) and/or regions every copy of the data must stay in."""
    max_commit_latency_ms: float | None = None
    """Largest acceptable commit latency of the write path."""


@dataclass(frozen=True)
class Scenario:
    """Everything a report is computed under, besides the workload itself."""

    name: str = "default"
    description: str = ""
    regions: RegionSet = field(default_factory=RegionSet)
    growth: float = 1.0
    """Load multiplier applied to every usage-driven quantity (1.0 = as observed)."""
    time_profile: TimeProfile = field(default_factory=TimeProfile)
    background: Background = field(default_factory=Background)
    statements_per_txn: float | None = None
    """Statements per transaction; None = derive from BEGIN/COMMIT counts, else autocommit (1)."""
    storage: Storage = field(default_factory=Storage)
    serverless_v2: ServerlessV2Settings = field(default_factory=ServerlessV2Settings)
    dsql: DsqlSettings = field(default_factory=DsqlSettings)
    savings_plan: SavingsPlan = field(default_factory=SavingsPlan)
    requirements: Requirements = field(default_factory=Requirements)
    months: int = 12
    assumptions: dict[str, object] = field(default_factory=dict)
    """Overrides of named assumptions (keys from ``costmodel/data/assumptions``)."""
    source: str = "built-in defaults"
    assumption_sources: dict[str, str] = field(default_factory=dict)
    """Where each ``assumptions`` override came from: ``scenario`` (a file or preset) or ``argument``."""

    def assumption_overrides(self) -> dict[str, tuple[object, str]]:
        """``{key: (value, source)}`` for :class:`costmodel.core.assumptions.AssumptionSet`."""
        return {k: (v, self.assumption_sources.get(k, "scenario")) for k, v in self.assumptions.items()}


# --------------------------------------------------------------------------------------------
# The key table: one entry per scenario key (dotted path), with unit, meaning and allowed values.
# --------------------------------------------------------------------------------------------

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")


@dataclass(frozen=True)
class KeySpec:
    """One scenario key: its type (``kind``), unit, meaning and the values it accepts.

    ``kind`` is one of ``text``, ``number``, ``integer``, ``boolean``, ``choice``, ``region``,
    ``regions`` (list), ``split`` (region → fraction), ``weights`` (168 numbers),
    ``duration`` (seconds, or text like ``5m``), ``residency`` (zones and regions from
    ``costmodel/data/regions.yaml``) and ``assumptions`` (assumption key → value). Numbers are checked against ``minimum`` /
    ``maximum`` (inclusive unless ``exclusive_minimum``) and ``step``.
    """

    path: str
    kind: str
    unit: str
    meaning: str
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    step: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """The accepted values in words, for error messages and the docs."""
        if self.kind == "choice":
            text = " | ".join(self.choices)
        elif self.kind in ("number", "integer"):
            low = (
                ""
                if self.minimum is None
                else f"{'>' if self.exclusive_minimum else '>='} {self.minimum:,.10g}"
            )
            high = "" if self.maximum is None else f"<= {self.maximum:,.10g}"
            joined = ", ".join(part for part in (low, high) if part)
            text = f"{'an integer' if self.kind == 'integer' else 'a number'} {joined}"
            if self.step is not None:
                text += f" in steps of {self.step:g}"
        else:
            text = {
                "text": "text",
                "boolean": "true | false",
                "region": "an AWS region code such as us-east-1",
                "regions": "a list of AWS region codes",
                "split": "a mapping region: fraction (fractions >= 0 summing to 1)",
                "weights": "a list of 168 numbers >= 0 (hour of week, Monday 00:00 first), not all 0",
                "duration": "a duration: seconds, or a number with s, m, h or d (0, 30s, 5m, 1h)",
                "residency": "zones ("
                + ", ".join(region_table().zones)
                + ") and/or regions listed in "
                + REGIONS_FILE
                + ", as a list or comma-separated",
                "assumptions": "a mapping of assumption keys declared in costmodel/data/assumptions/*.yaml",
            }[self.kind]
        return f"{text} or null" if self.nullable else text


# fmt: off
KEYS: tuple[KeySpec, ...] = (
    KeySpec("name", "text", "-", "Scenario name shown in reports."),
    KeySpec("description", "text", "-", "One line on what the scenario models."),
    KeySpec("extends", "text", "-",
            "Preset a user file builds on (default: default); not kept after loading."),
    KeySpec("regions.primary", "region", "region",
            "Region of the single-region options and the Serverless v2 writer."),
    KeySpec("regions.dsql_peers", "regions", "regions",
            "Other active peers of the DSQL multi-region cluster."),
    KeySpec("regions.dsql_witness", "region", "region", "Witness region of the DSQL multi-region cluster.",
            nullable=True),
    KeySpec("regions.global_secondaries", "regions", "regions", "Aurora Global Database secondary regions."),
    KeySpec("regions.backup_copies", "regions", "regions",
            "Regions that receive copies of the backups (cross-region backup copies); listed as data locations, not priced."),
    KeySpec("regions.traffic_split", "split", "fraction",
            "Share of transactions originating in each DSQL peer."),
    KeySpec("growth", "number", "x", "Load multiplier on every usage-driven quantity (1 = as observed).",
            minimum=0, exclusive_minimum=True, maximum=1_000_000),
    KeySpec("time_profile.kind", "choice", "-", "When the load happens during the week.",
            choices=tuple(k.value for k in ProfileKind)),
    KeySpec("time_profile.hour_weights", "weights", "relative weight",
            "168 hour-of-week weights (local time, Monday 00:00 first); only with kind custom."),
    KeySpec("time_profile.volume", "choice", "-",
            "spread: a month of calls at the observed rate, shaped by the profile; observed-rate: the busiest "
            "minutes run at the observed rate, idle ones carry nothing (the volume shrinks).",
            choices=("spread", "observed-rate")),
    KeySpec("time_profile.utc_offset_hours", "number", "hours",
            "Offset of the profile's local time from UTC (e.g. -5 for US Eastern winter time).",
            minimum=-12, maximum=14, step=0.25),
    KeySpec("background.every_minutes", "number", "minutes",
            "Period of a background tick (health check, cron) that runs regardless of the workload.",
            nullable=True, minimum=1, maximum=10_080),
    KeySpec("background.duration_seconds", "number", "seconds", "How long each background tick is active.",
            minimum=0, exclusive_minimum=True, maximum=3600),
    KeySpec("background.description", "text", "-", "What the background activity is."),
    KeySpec("statements_per_txn", "number", "statements",
            "Statements per transaction; null = derive from BEGIN/COMMIT counts, else 1 (autocommit).",
            nullable=True, minimum=1),
    KeySpec("storage.gb", "number", "GB", "Stored data; null = the database size from the bundle's catalog.",
            nullable=True, minimum=0),
    KeySpec("storage.monthly_growth_pct", "number", "% per month", "Monthly growth of the stored data.",
            minimum=-100, exclusive_minimum=True, maximum=1000),
    KeySpec("serverless_v2.min_acu", "number", "ACU",
            "Minimum capacity; 0 enables auto-pause (scale to zero).", minimum=0, maximum=256, step=0.5),
    KeySpec("serverless_v2.max_acu", "number", "ACU",
            "Maximum capacity; demand above it is capped (throttled).", minimum=0.5, maximum=256, step=0.5),
    KeySpec("serverless_v2.auto_pause_seconds", "integer", "seconds",
            "SecondsUntilAutoPause: idle time before pausing; only with min_acu 0; null = never pause.",
            nullable=True, minimum=300, maximum=86_400),
    KeySpec("serverless_v2.readers", "integer", "instances",
            "Reader instances in other AZs of the primary cluster (1 = a failover target, like DSQL's 3 AZs).",
            minimum=0, maximum=15),
    KeySpec("serverless_v2.reader_promotion_tier", "integer", "tier",
            "Readers' promotion tier: 0-1 follow the writer's capacity, 2-15 scale on their own load.",
            minimum=0, maximum=15),
    KeySpec("serverless_v2.io_mode", "choice", "-", "Aurora storage configuration to price.",
            choices=tuple(m.value for m in IoMode)),
    KeySpec("serverless_v2.client_pool", "choice", "-",
            "Whether the application's pool keeps idle connections open (blocks auto-pause) or closes them.",
            choices=("keeps-connections", "closes-idle")),
    KeySpec("serverless_v2.performance_insights", "boolean", "-",
            "Performance Insights on: capacity never goes below 2 ACU."),
    KeySpec("serverless_v2.source_cpu_pct", "number", "%",
            "Measured mean CPU utilisation of the source instance; sizes the capacity instead of the model.",
            nullable=True, minimum=0, maximum=100),
    KeySpec("serverless_v2.source_vcpus", "number", "vCPU", "vCPUs of the source instance.",
            nullable=True, minimum=0, exclusive_minimum=True, maximum=1024),
    KeySpec("serverless_v2.source_instance", "text", "-",
            "Instance class of the source (e.g. db.r6g.xlarge): its vCPUs when source_vcpus is null.",
            nullable=True),
    KeySpec("serverless_v2.source_cpu_from", "text", "-",
            "Where source_cpu_pct came from (set by --source-cpu-export)."),
    KeySpec("savings_plan.enabled", "boolean", "-",
            "Also price each option under a 1-year no-upfront Database Savings Plan."),
    KeySpec("savings_plan.sv2_rate", "number", "fraction",
            "Savings Plan discount on Serverless v2 ACU-hours; null = the catalog's rate.",
            nullable=True, minimum=0, maximum=1),
    KeySpec("savings_plan.dsql_rate", "number", "fraction",
            "Savings Plan discount on DSQL DPU; null = the catalog's rate (unpublished, UNCONFIRMED).",
            nullable=True, minimum=0, maximum=1),
    KeySpec("dsql.free_tier", "boolean", "-", "Apply the DSQL free tier (DPU and storage per month)."),
    KeySpec("dsql.discount_pct", "number", "%", "Discount on DSQL charges (private pricing, savings plans).",
            minimum=0, maximum=100),
    KeySpec("requirements.active_active", "choice", "-",
            "Must several regions accept writes at the same time? unknown = show both branches.",
            choices=tuple(a.value for a in ActiveActive)),
    KeySpec("requirements.rpo_seconds", "duration", "seconds",
            "Largest tolerable data loss on a region failure (0 = none); null = not stated.", nullable=True),
    KeySpec("requirements.rto_seconds", "duration", "seconds",
            "Longest tolerable time until writes resume after a region failure; null = not stated.", nullable=True),
    KeySpec("requirements.residency", "residency", "zones or regions",
            "Where every copy of the data must stay: zones (eu, eea, us, ap ...) and/or regions; [] = not stated."),
    KeySpec("requirements.max_commit_latency_ms", "number", "ms",
            "Largest acceptable commit latency of the write path; null = not stated.",
            nullable=True, minimum=0, exclusive_minimum=True),
    KeySpec("months", "integer", "months", "Months to project (storage growth, cumulative cost).",
            minimum=1, maximum=120),
    KeySpec("assumptions", "assumptions", "per key", "Overrides of named assumptions (key: value)."),
)
# fmt: on
"""Every scenario key, in documentation order."""

KEY_BY_PATH: dict[str, KeySpec] = {k.path: k for k in KEYS}
INTERNAL_FIELDS: frozenset[str] = frozenset({"source", "assumption_sources"})
"""Dataclass fields set by the loader, not by YAML."""
LOAD_ONLY_KEYS: frozenset[str] = frozenset({"extends"})
"""Keys read while loading that are not kept in the dataclasses."""
_MAPPING_LEAVES = frozenset(k.path for k in KEYS if k.kind in ("split", "assumptions"))
_SECTIONS = frozenset(p.rsplit(".", 1)[0] for p in KEY_BY_PATH if "." in p)


def dataclass_paths(cls: type = Scenario, prefix: str = "") -> list[str]:
    """Dotted paths of every (nested) dataclass field: the keys a scenario must document."""
    out: list[str] = []
    for f in fields(cls):
        path = f"{prefix}{f.name}"
        default = f.default_factory() if callable(f.default_factory) else f.default
        if is_dataclass(default):
            out.extend(dataclass_paths(type(default), f"{path}."))
        else:
            out.append(path)
    return out


# --------------------------------------------------------------------------------------------
# Presets and files
# --------------------------------------------------------------------------------------------

PRESET_DIR = "costmodel/data/scenarios"


def _preset_files() -> dict[str, Any]:
    folder = resources.files("costmodel") / "data" / "scenarios"
    return {e.name[: -len(".yaml")]: e for e in folder.iterdir() if e.name.endswith(".yaml")}


def list_presets() -> list[str]:
    """Names of the built-in scenario presets, ``default`` first."""
    names = sorted(_preset_files())
    return sorted(names, key=lambda n: (n != "default", n))


def preset_descriptions() -> dict[str, str]:
    """Preset name → its one-line description (for ``--help`` and the dashboard)."""
    out: dict[str, str] = {}
    for name in list_presets():
        layer = _preset_layer(name)
        out[name] = str(layer.data.get("description", ""))
    return out


@dataclass(frozen=True)
class _Layer:
    """One source of settings: its data, where it came from, and line numbers of its keys."""

    label: str
    data: dict[str, Any]
    file: str | None
    lines: dict[str, int]
    source: str
    """``preset`` or ``user`` (a file) or ``argument`` (overrides)."""


def _line_map(text: str) -> dict[str, int]:
    """Dotted key path → 1-based line, from the YAML node tree (no objects are constructed)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = f"{prefix}{key_node.value}"
                out[path] = key_node.start_mark.line + 1
                walk(value_node, f"{path}.")

    walk(root, "")
    return out


def _parse_yaml(text: str, file: str, label: str, source: str) -> _Layer:
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            file=file,
            row=mark.line + 1 if mark is not None else None,
            hint="check the indentation and quoting near that line",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            "a scenario file must be a YAML mapping of keys",
            file=file,
            hint="start with keys such as `regions:` or `time_profile:` (see docs/scenario.md)",
        )
    return _Layer(label, data, file, _line_map(text), source)


@lru_cache(maxsize=32)
def _preset_layer(name: str) -> _Layer:
    """A preset's layer, parsed once per process (presets are package data; layers are not mutated)."""
    entry = _preset_files()[name]
    return _parse_yaml(
        entry.read_text(encoding="utf-8"), f"{PRESET_DIR}/{name}.yaml", f"preset {name}", "preset"
    )


def _unknown_scenario(name: str) -> ScenarioError:
    presets = list_presets()
    close = difflib.get_close_matches(name, presets, n=1)
    suggestion = f"did you mean '{close[0]}'? " if close else ""
    return ScenarioError(
        f"no scenario preset or file named {name!r}",
        hint=f"{suggestion}use a preset ({', '.join(presets)}) or the path of a YAML file",
    )


def _user_layer(name_or_path: str) -> _Layer:
    path = Path(name_or_path)
    if not path.exists():
        raise _unknown_scenario(name_or_path)
    text = read_text(path, ScenarioError, "scenario file")
    return _parse_yaml(text, str(path), f"file {path.name}", "user")


# --------------------------------------------------------------------------------------------
# Structure checks, normalisation and merge
# --------------------------------------------------------------------------------------------


def _suggest(path: str) -> str:
    """``did you mean 'x'?`` for an unknown dotted path (full path, then leaf name)."""
    known = [*KEY_BY_PATH, *_SECTIONS]
    close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    if not close:
        leaf = path.rsplit(".", 1)[-1]
        by_leaf = {p.rsplit(".", 1)[-1]: p for p in known}
        hits = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.7)
        close = [by_leaf[hits[0]]] if hits else []
    return f"did you mean '{close[0]}'? " if close else ""


def _error(layer: _Layer, path: str, message: str, hint: str) -> ScenarioError:
    where = "" if layer.file else " (from command-line options)"
    return ScenarioError(
        f"scenario key '{path}'{where}: {message}",
        file=layer.file,
        row=layer.lines.get(path),
        hint=hint,
    )


def _normalise(layer: _Layer) -> dict[str, Any]:
    """Expand shorthands (``time_profile: business-hours``, a bare list of weights, a single
    region for a region list) and reject unknown keys, naming the closest known one."""
    data = dict(layer.data)
    profile = data.get("time_profile")
    if isinstance(profile, str):
        data["time_profile"] = {"kind": profile}
    elif isinstance(profile, list):
        data["time_profile"] = {"kind": ProfileKind.CUSTOM.value, "hour_weights": profile}
    elif isinstance(profile, dict) and "hour_weights" in profile and "kind" not in profile:
        data["time_profile"] = {**profile, "kind": ProfileKind.CUSTOM.value}

    def check(node: dict[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            path = f"{prefix}{key}"
            if not isinstance(key, str):
                raise _error(layer, path, "keys must be text", "quote the key")
            if path in KEY_BY_PATH:
                out[key] = value
            elif path in _SECTIONS:
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise _error(
                        layer,
                        path,
                        f"expected a mapping of keys, got {_type_name(value)}",
                        f"write '{path}:' followed by indented keys (see docs/scenario.md)",
                    )
                out[key] = check(value, f"{path}.")
            else:
                raise _error(
                    layer, path, "unknown key", f"{_suggest(path)}known keys are listed in docs/scenario.md"
                )
        return out

    return check(data, "")


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in _MAPPING_LEAVES:
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


# --------------------------------------------------------------------------------------------
# Value checks
# --------------------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Invalid(Exception):
    """A value does not fit its key (message only; the caller adds key, file and line).

    ``sub`` names a key below the spec's path (an assumption key) when the problem is there.
    """

    def __init__(self, message: str, sub: str | None = None) -> None:
        super().__init__(message)
        self.sub = sub


def _number(value: Any, spec: KeySpec, from_argument: bool) -> float:
    if from_argument and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _Invalid(f"{_type_name(value)} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(
            f"wrong type: expected {'an integer' if spec.kind == 'integer' else 'a number'}, "
            f"got {_type_name(value)}"
        )
    number = float(value)
    if not math.isfinite(number):
        raise _Invalid(f"{value!r} is not a finite number")
    if spec.kind == "integer" and number != int(number):
        raise _Invalid(f"{value!r} is not a whole number")
    too_low = spec.minimum is not None and (
        number < spec.minimum or (spec.exclusive_minimum and number == spec.minimum)
    )
    if too_low or (spec.maximum is not None and number > spec.maximum):
        raise _Invalid(f"{value!r} is out of range")
    if spec.step is not None and abs(number / spec.step - round(number / spec.step)) > 1e-9:
        raise _Invalid(f"{value!r} is not a multiple of {spec.step:g}")
    return number


def _region(value: Any) -> str:
    if not isinstance(value, str) or not REGION_PATTERN.match(value):
        raise _Invalid(f"{_type_name(value)} is not an AWS region code")
    return value


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86_400.0}


def _duration(value: Any) -> float:
    """Seconds from a number of seconds or a text such as ``0``, ``30s``, ``5m``, ``1h``, ``2d``."""
    if isinstance(value, bool):
        raise _Invalid(f"{_type_name(value)} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value)) if isinstance(value, str) else None
        if match is None:
            raise _Invalid(f"{_type_name(value)} is not a duration")
        seconds = float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "").lower()]
    if not math.isfinite(seconds) or seconds < 0:
        raise _Invalid(f"{value!r} is not a duration >= 0")
    return seconds


def _residency(value: Any) -> tuple[str, ...]:
    """Zone codes and region codes, each known in regions.yaml (order kept, duplicates dropped)."""
    items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise _Invalid(f"wrong type: expected a zone or a list of zones and regions, got {_type_name(value)}")
    table = region_table()
    out: list[str] = []
    for item in items:
        code = str(item).strip().lower() if isinstance(item, str) else item
        if not isinstance(code, str) or (code not in table.zones and code not in table.regions):
            raise _Invalid(f"{_type_name(item)} is neither a known zone nor a known region")
        if code not in out:
            out.append(code)
    return tuple(out)


def _check_value(spec: KeySpec, value: Any, from_argument: bool) -> Any:
    """The typed value of ``value`` for ``spec``, or :class:`_Invalid`."""
    if value is None:
        if spec.nullable:
            return None
        if spec.kind in ("regions", "split", "weights", "assumptions", "residency"):
            return {} if spec.kind in ("split", "assumptions") else ()
        raise _Invalid("a value is required (null is not allowed here)")
    kind = spec.kind
    if kind in ("number", "integer"):
        number = _number(value, spec, from_argument)
        return int(number) if kind == "integer" else number
    if kind == "text":
        if not isinstance(value, str):
            raise _Invalid(f"wrong type: expected text, got {_type_name(value)}")
        return value
    if kind == "boolean":
        if from_argument and isinstance(value, str) and value.lower() in ("true", "false", "on", "off"):
            return value.lower() in ("true", "on")
        if not isinstance(value, bool):
            raise _Invalid(f"wrong type: expected true or false, got {_type_name(value)}")
        return value
    if kind == "choice":
        if value not in spec.choices:
            raise _Invalid(f"{_type_name(value)} is not allowed")
        return value
    if kind == "region":
        return _region(value)
    if kind == "regions":
        items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise _Invalid(f"wrong type: expected a list of regions, got {_type_name(value)}")
        regions = tuple(_region(v) for v in items)
        if len(set(regions)) != len(regions):
            raise _Invalid("a region is listed twice")
        return regions
    if kind == "split":
        if not isinstance(value, dict):
            raise _Invalid(f"wrong type: expected a mapping region: fraction, got {_type_name(value)}")
        split = {
            _region(r): _number(v, KeySpec("", "number", "", "", minimum=0, maximum=1), from_argument)
            for r, v in value.items()
        }
        if split and abs(sum(split.values()) - 1.0) > 1e-6:
            raise _Invalid(f"fractions sum to {sum(split.values()):g}, not 1")
        return split
    if kind == "weights":
        if not isinstance(value, list | tuple):
            raise _Invalid(f"wrong type: expected a list of 168 numbers, got {_type_name(value)}")
        if len(value) == 0:
            return ()
        if len(value) != 168:
            raise _Invalid(f"has {len(value)} values; a week has 168 hours")
        weight = KeySpec("", "number", "", "", minimum=0)
        out = tuple(_number(v, weight, from_argument) for v in value)
        if not any(out):
            raise _Invalid("every weight is 0: nothing would ever run")
        return out
    if kind == "assumptions":
        return _check_assumptions(value)
    if kind == "duration":
        return _duration(value)
    if kind == "residency":
        return _residency(value)
    raise AssertionError(kind)  # pragma: no cover


def _check_assumptions(value: Any) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _Invalid(f"wrong type: expected a mapping key: value, got {_type_name(value)}")
    specs = defaults()
    out: dict[str, object] = {}
    for key, item in value.items():
        spec = specs.get(str(key))
        if spec is None:
            close = difflib.get_close_matches(str(key), list(specs), n=1)
            raise _Invalid(
                f"unknown assumption {key!r}" + (f" (did you mean '{close[0]}'?)" if close else ""),
                sub=str(key),
            )
        default = spec.default
        if isinstance(default, bool):
            ok = isinstance(item, bool)
        elif isinstance(default, int | float):
            ok = isinstance(item, int | float) and not isinstance(item, bool)
        elif isinstance(default, str):
            ok = isinstance(item, str)
        else:
            ok = True
        if not ok:
            raise _Invalid(
                f"wrong type: expected a value like {default!r} ({spec.unit}), got {_type_name(item)}",
                sub=str(key),
            )
        out[str(key)] = item
    return out


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_scenario(name_or_path: str | None = None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a preset (by name) or a YAML file merged over the defaults, then ``overrides``.

    ``overrides`` is a nested dict in the scenario layout, e.g. from CLI flags
    ``{"regions": {"primary": "eu-west-1"}, "serverless_v2": {"min_acu": 1}}``; numbers given
    as text are accepted there. Raises :class:`ScenarioError` naming the key (dotted path), the
    file and line, and the allowed values.
    """
    layers = [_preset_layer("default")]
    presets = set(_preset_files())
    if name_or_path in (None, "", "default"):
        label = "preset default"
    elif name_or_path in presets:
        layers.append(_preset_layer(str(name_or_path)))
        label = f"preset {name_or_path}"
    else:
        user = _user_layer(str(name_or_path))
        base = user.data.get("extends")
        if base is not None:
            if not isinstance(base, str) or base not in presets:
                raise _error(
                    user,
                    "extends",
                    f"{_type_name(base)} is not a preset",
                    f"use one of {', '.join(list_presets())}",
                )
            if base != "default":
                layers.append(_preset_layer(base))
        layers.append(user)
        label = f"file {name_or_path}" + (f" (extends {base})" if base else "")
    if overrides:
        layers.append(_Layer("command-line options", overrides, None, {}, "argument"))
        label += " + command-line options"
    return _build(layers, label)


def _build(layers: list[_Layer], label: str) -> Scenario:
    values: dict[str, Any] = {}
    origin: dict[str, _Layer] = {}
    assumption_sources: dict[str, str] = {}
    assumptions: dict[str, object] = {}
    for layer in layers:
        flat = _flatten(_normalise(layer))
        kind = flat.get("time_profile.kind", ProfileKind.CUSTOM.value)
        if kind != ProfileKind.CUSTOM.value and "time_profile.hour_weights" not in flat:
            values["time_profile.hour_weights"] = ()  # a preset kind replaces earlier custom weights
        for path, raw in flat.items():
            spec = KEY_BY_PATH[path]
            try:
                value = _check_value(spec, raw, layer.source == "argument")
            except _Invalid as exc:
                where = f"{path}.{exc.sub}" if exc.sub else path
                raise _error(layer, where, str(exc), f"allowed: {spec.allowed} ({spec.unit})") from None
            if path == "assumptions":
                for key, item in value.items():
                    assumptions[key] = item
                    assumption_sources[key] = "argument" if layer.source == "argument" else "scenario"
                origin[path] = layer
                continue
            values[path] = value
            origin[path] = layer
    values.pop("extends", None)
    _cross_checks(values, origin)
    return _assemble(values, assumptions, assumption_sources, label)


def _cross_checks(values: dict[str, Any], origin: dict[str, _Layer]) -> None:
    """Rules that involve more than one key; the error names the key set last."""

    def fail(path: str, message: str, hint: str) -> ScenarioError:
        layer = origin.get(path) or _Layer("defaults", {}, None, {}, "preset")
        return _error(layer, path, message, hint)

    sv2 = "serverless_v2."
    if values[f"{sv2}min_acu"] > values[f"{sv2}max_acu"]:
        raise fail(
            f"{sv2}max_acu",
            f"max_acu {values[f'{sv2}max_acu']:g} is below min_acu {values[f'{sv2}min_acu']:g}",
            "raise max_acu or lower min_acu",
        )
    if values[f"{sv2}min_acu"] > 0 and values.get(f"{sv2}auto_pause_seconds") is not None:
        layer = origin.get(f"{sv2}auto_pause_seconds")
        if layer is not None and layer.source != "preset":
            raise fail(
                f"{sv2}auto_pause_seconds",
                f"auto-pause needs min_acu 0 (min_acu is {values[f'{sv2}min_acu']:g})",
                "set serverless_v2.min_acu: 0, or auto_pause_seconds: null",
            )
        values[f"{sv2}auto_pause_seconds"] = None  # inherited default: no effect above 0 ACU
    kind = values["time_profile.kind"]
    weights = values.get("time_profile.hour_weights", ())
    if kind == ProfileKind.CUSTOM.value and not weights:
        raise fail(
            "time_profile.kind",
            "kind custom needs time_profile.hour_weights",
            "add hour_weights: a list of 168 numbers (Monday 00:00 first)",
        )
    if kind != ProfileKind.CUSTOM.value and weights:
        raise fail(
            "time_profile.hour_weights",
            f"hour_weights only apply to kind custom (kind is {kind})",
            "set time_profile.kind: custom, or remove hour_weights",
        )
    primary = values["regions.primary"]
    peers = values["regions.dsql_peers"]
    if primary in peers:
        raise fail(
            "regions.dsql_peers",
            f"{primary} is the primary region, not a peer",
            "list only the other active regions",
        )
    witness = values.get("regions.dsql_witness")
    if witness is not None and (witness == primary or witness in peers):
        raise fail(
            "regions.dsql_witness",
            f"witness {witness} is also an active peer",
            "choose a third region of the same region set",
        )
    if primary in values["regions.global_secondaries"]:
        raise fail(
            "regions.global_secondaries",
            f"{primary} is the primary region",
            "list only the secondary regions",
        )
    named = [(primary, "regions.primary", EVERY_OPTION)]
    named += [(p, "regions.dsql_peers", DSQL_MULTI_REGION.name) for p in peers]
    named += [(witness, "regions.dsql_witness", DSQL_MULTI_REGION.name)] if witness else []
    named += [
        (s, "regions.global_secondaries", SV2_GLOBAL.name) for s in values["regions.global_secondaries"]
    ]
    named += [(b, "regions.backup_copies", EVERY_OPTION) for b in values["regions.backup_copies"]]
    outside = residency_violation(values["requirements.residency"], named)
    if outside is not None:
        raise fail("requirements.residency", *outside)
    split = values["regions.traffic_split"]
    stray = sorted(set(split) - {primary, *peers})
    if stray:
        raise fail(
            "regions.traffic_split",
            f"{', '.join(stray)} is not an active DSQL peer",
            f"use regions among {', '.join([primary, *peers])}",
        )


def _assemble(
    values: dict[str, Any], assumptions: dict[str, object], assumption_sources: dict[str, str], label: str
) -> Scenario:
    def section(prefix: str) -> dict[str, Any]:
        return {p[len(prefix) + 1 :]: v for p, v in values.items() if p.startswith(f"{prefix}.")}

    return Scenario(
        name=values["name"],
        description=values["description"],
        regions=RegionSet(**section("regions")),
        growth=values["growth"],
        time_profile=TimeProfile(**section("time_profile")),
        background=Background(**section("background")),
        statements_per_txn=values["statements_per_txn"],
        storage=Storage(**section("storage")),
        serverless_v2=ServerlessV2Settings(**section("serverless_v2")),
        dsql=DsqlSettings(**section("dsql")),
        savings_plan=SavingsPlan(**section("savings_plan")),
        requirements=Requirements(**section("requirements")),
        months=values["months"],
        assumptions=assumptions,
        source=label,
        assumption_sources=assumption_sources,
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain nested dict in the YAML layout (every key, lists not tuples)."""
    out: dict[str, Any] = {}
    for path in dataclass_paths():
        if path in INTERNAL_FIELDS:
            continue
        value: Any = scenario
        for part in path.split("."):
            value = getattr(value, part)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def scenario_to_yaml(scenario: Scenario) -> str:
    """Every key of ``scenario`` as YAML that :func:`load_scenario` reads back to an equal scenario."""
    header = f"# dsqlcost scenario (from {scenario.source}); keys: docs/scenario.md\n"
    return header + yaml.dump(
        scenario_to_dict(scenario), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110
    )


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists (168 weights stay on a few lines)."""


_Dumper.add_representer(
    list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def scenario_assumptions(scenario: Scenario) -> AssumptionSet:
    """A fresh :class:`AssumptionSet` with the scenario's overrides (source ``scenario`` or ``argument``)."""
    return AssumptionSet(scenario.assumption_overrides())
