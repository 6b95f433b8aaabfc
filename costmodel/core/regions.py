"""Region metadata and data-residency zones, read from ``costmodel/data/regions.yaml``.

Why here: the scenario checks a ``requirements.residency`` value against the known zones and
regions while loading, and the decision stage lists where each option keeps a copy of the data;
both read the same table, so it lives in the core (it imports no stage). DSQL region sets and
single-region-only regions stay in the DSQL price file; this module does not repeat them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from costmodel.core.yamlio import safe_load

REGIONS_FILE = "costmodel/data/regions.yaml"


@dataclass(frozen=True)
class RegionInfo:
    """One AWS region: name, country, its geographic zone and narrower zones, service availability."""

    code: str
    name: str
    country: str
    zone: str
    also: tuple[str, ...]
    dsql_since: str | None
    sv2: bool
    sources: tuple[str, ...]

    @property
    def zones(self) -> tuple[str, ...]:
        """Every zone the region belongs to (its geographic zone first)."""
        return (self.zone, *self.also)


@dataclass(frozen=True)
class Zone:
    """A residency zone: a name and, for narrow zones, the geographic zone it lies in."""

    code: str
    name: str
    within: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RegionTable:
    """Everything in regions.yaml, typed."""

    as_of: str
    regions: dict[str, RegionInfo]
    zones: dict[str, Zone]
    sources: dict[str, dict[str, str]]

    def zone_of(self, region: str) -> str:
        """The geographic zone of ``region`` ('unknown' for a region the table does not list)."""
        info = self.regions.get(region)
        return info.zone if info is not None else "unknown"

    def members(self, zone: str) -> tuple[str, ...]:
        """Regions of ``zone`` (geographic or narrow), in table order."""
        return tuple(code for code, info in self.regions.items() if zone in info.zones)

    def allowed(self, residency: Iterable[str]) -> frozenset[str]:
        """Regions a residency requirement permits: the union of its zones' members and its regions."""
        out: set[str] = set()
        for item in residency:
            out.update(self.members(item) if item in self.zones else (item,))
        return frozenset(out)


def _info(code: str, raw: dict[str, Any]) -> RegionInfo:
    since = raw.get("dsql_since")
    return RegionInfo(
        code=code,
        name=str(raw.get("name", code)),
        country=str(raw.get("country", "")),
        zone=str(raw["zone"]),
        also=tuple(str(z) for z in raw.get("also") or ()),
        dsql_since=None if since is None else str(since),
        sv2=bool(raw.get("sv2", False)),
        sources=tuple(str(s) for s in raw.get("source") or ()),
    )


@lru_cache(maxsize=1)
def region_table() -> RegionTable:
    """The parsed regions.yaml (package data, read once per process)."""
    text = (resources.files("costmodel") / "data" / "regions.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = safe_load(text)
    zones = {
        str(code): Zone(
            str(code),
            str(raw.get("name", code)),
            None if raw.get("within") is None else str(raw["within"]),
            tuple(str(s) for s in raw.get("source") or ()),
        )
        for code, raw in (data.get("zones") or {}).items()
    }
    regions = {str(code): _info(str(code), raw) for code, raw in (data.get("regions") or {}).items()}
    sources = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in (data.get("sources") or {}).items()}
    return RegionTable(str(data.get("as_of", "")), regions, zones, sources)


EVERY_OPTION = "every option"
_HOLDS = {
    "regions.dsql_witness": "the witness's transaction logs",
    "regions.backup_copies": "backup copies",
}


def residency_violation(
    residency: Iterable[str], named: Iterable[tuple[str, str, str]]
) -> tuple[str, str] | None:
    """The first named region outside ``residency`` as (message, hint), or None.

    ``named`` holds (region, scenario key, option it feeds) for every region a scenario names;
    the message names the region, its zone, what it would hold, the option and the key.
    """
    zones = tuple(residency)
    if not zones:
        return None
    table = region_table()
    allowed = table.allowed(zones)
    for region, key, option in named:
        if region in allowed:
            continue
        where = ", ".join(f"{z} ({table.zones[z].name})" if z in table.zones else z for z in zones)
        message = (
            f"residency {'/'.join(zones)}: region {region} (zone {table.zone_of(region)}) would hold "
            f"{_HOLDS.get(key, 'a full copy of the data')} for {option} ({key}), outside zone {where}"
        )
        hint = (
            f"choose {key} among {', '.join(sorted(allowed))}, or widen requirements.residency "
            f"(zones and regions: {REGIONS_FILE})"
        )
        return message, hint
    return None
