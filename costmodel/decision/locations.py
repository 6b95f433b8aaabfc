"""Where each option keeps a copy of the data, and the residency rule applied to the plan.

Multi-region DSQL replicates every row to every active peer; its witness keeps a limited window
of encrypted transaction logs (no endpoint, no full copy); a Global Database copies the cluster
volume to every secondary; backups (and their cross-region copies) are copies too. A region the
scenario names (primary, peers, witness, secondaries, backup copies) outside the
``requirements.residency`` zone is refused before anything is priced; a region a pricer picked
on its own (the default witness) is flagged next to the verdict instead.
"""

from __future__ import annotations

from costmodel.core.errors import ScenarioError
from costmodel.core.estimate import OptionEstimate
from costmodel.core.options import DSQL_MULTI_REGION, SV2_GLOBAL, Footprint, OptionKind, option_specs
from costmodel.core.regions import EVERY_OPTION, region_table, residency_violation
from costmodel.decision.model import DataLocation, Residency
from costmodel.scenario.model import Scenario

DSQL_PEER = "full copy of the data (active DSQL peer, 3 AZs) and its AWS Backup backups"
DSQL_SINGLE = "full copy of the data (DSQL cluster, 3 AZs) and its AWS Backup backups"
DSQL_WITNESS = "a limited window of encrypted transaction logs (witness: no endpoint, no full copy)"
SV2_WRITER = "writer and cluster volume (6 copies in 3 AZs) and automated backups"
SV2_SECONDARY = "read-only copy of the cluster volume (Global Database secondary)"
BACKUP_COPY = "copies of the backups (cross-region backup copy; not priced)"


def option_locations(option: OptionEstimate, scenario: Scenario) -> tuple[DataLocation, ...]:
    """The regions holding ``option``'s data, with zone and what each holds."""
    table = region_table()
    regions = scenario.regions
    rows: list[tuple[str, str]] = []
    if option.kind == OptionKind.DSQL:
        active = [str(r) for r in option.details.get("active_regions") or (regions.primary,)]
        multi = option.footprint is Footprint.MULTI_REGION
        rows += [(r, DSQL_PEER if multi else DSQL_SINGLE) for r in active]
        witness = option.details.get("witness")
        if multi and witness:
            rows.append((str(witness), DSQL_WITNESS))
    else:
        rows.append((regions.primary, SV2_WRITER))
        if option.footprint is Footprint.MULTI_REGION:
            secondaries = option.details.get("global_secondaries") or regions.global_secondaries
            rows += [(str(r), SV2_SECONDARY) for r in secondaries]
    seen = {r for r, _ in rows}
    rows += [(r, BACKUP_COPY) for r in regions.backup_copies if r not in seen]
    return tuple(DataLocation(r, table.zone_of(r), holds) for r, holds in rows)


def _named_regions(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(region, scenario key, option it feeds) for every region the scenario names."""
    r = scenario.regions
    every = EVERY_OPTION
    out = [(r.primary, "regions.primary", every)]
    out += [(p, "regions.dsql_peers", DSQL_MULTI_REGION.name) for p in r.dsql_peers]
    if r.dsql_witness:
        out.append((r.dsql_witness, "regions.dsql_witness", DSQL_MULTI_REGION.name))
    out += [(s, "regions.global_secondaries", SV2_GLOBAL.name) for s in r.global_secondaries]
    out += [(b, "regions.backup_copies", every) for b in r.backup_copies]
    return out


def check_residency(scenario: Scenario) -> None:
    """Refuse a scenario that names a region outside ``requirements.residency`` (ScenarioError, exit 2).

    The scenario loader applies the same rule; this guards scenarios built in code (``replace``).
    """
    found = residency_violation(scenario.requirements.residency, _named_regions(scenario))
    if found is not None:
        raise ScenarioError(found[0], column="requirements.residency", hint=found[1])


def assess_residency(scenario: Scenario, locations: dict[str, tuple[DataLocation, ...]]) -> Residency:
    """Zones the plan keeps data in, and the flags for the verdict (no requirement, implicit regions)."""
    table = region_table()
    residency = scenario.requirements.residency
    allowed = table.allowed(residency) if residency else frozenset()
    order = {spec.name: i for i, spec in enumerate(option_specs())}
    zones: list[str] = []
    flags: list[str] = []
    for name in sorted(locations, key=lambda n: order.get(n, len(order))):
        for loc in locations[name]:
            if loc.zone not in zones:
                zones.append(loc.zone)
            if residency and loc.region not in allowed:
                flags.append(
                    f"{name} keeps {loc.holds.split(' (')[0]} in {loc.region} (zone {loc.zone}), a region the "
                    f"pricer chose, outside residency {'/'.join(residency)}: set it explicitly"
                )
    if not residency and len(zones) > 1:
        spans = ", ".join(
            f"{z}: "
            + ", ".join(sorted({loc.region for locs in locations.values() for loc in locs if loc.zone == z}))
            for z in zones
        )
        flags.insert(
            0,
            f"data would be kept in {len(zones)} zones ({spans}) and no residency requirement is set: "
            "state one with --residency (requirements.residency) if the data may not leave a zone",
        )
    return Residency(tuple(residency), tuple(sorted(allowed)), tuple(zones), tuple(dict.fromkeys(flags)))
