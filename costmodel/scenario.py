"""Scenarios: the what-if settings a report is computed under (regions, growth, time, SV2, DSQL).

A scenario is YAML (presets in ``costmodel/data/scenarios/``, selectable by name; user files
merged over the defaults). Loading, validation (unknown keys are errors naming the key), the
preset list and the documentation of every key live here; the dataclasses below are the typed
form every stage reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    traffic_split: dict[str, float] = field(default_factory=dict)
    """Share of transactions originating in each active DSQL peer (sums to 1); empty = all in primary."""


@dataclass(frozen=True)
class TimeProfile:
    """When the load happens.

    ``kind`` is a preset name (``always-on``, ``business-hours``, ``nightly-batch``,
    ``dev-sporadic``), ``custom`` (``hour_weights`` holds 168 relative weights, Monday 00:00
    first, UTC), or ``measured`` (use the workload's activity series from ``dsqlcost collect``).
    """

    kind: str = "always-on"
    hour_weights: tuple[float, ...] = ()


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
    readers: int = 0
    reader_promotion_tier: int = 1
    """Tiers 0–1 follow the writer's capacity; 2–15 scale on their own load."""
    io_mode: str = "cheaper"
    """``standard``, ``io-optimized`` or ``cheaper`` (compute both, recommend the cheaper)."""


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
    months: int = 12
    assumptions: dict[str, object] = field(default_factory=dict)
    """Overrides of named assumptions (keys from ``costmodel/data/assumptions``)."""
    source: str = "built-in defaults"
