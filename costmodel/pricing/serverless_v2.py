"""Aurora Serverless v2: monthly line items from simulated capacity, I/O, storage and replication.

Prices come from ``costmodel/data/prices/aurora_serverless_v2.yaml`` (reference/dsql-pricing.md §3)
and ``transfer.yaml`` (§4); capacity from the week simulation in
:mod:`costmodel.pricing.serverless_v2_capacity`. Line items:

* ``ACU`` (writer) and ``ReaderACU``: simulated ACU-hours × the mode's ACU-hour price.
* ``ReadIO`` / ``WriteIO`` (Aurora Standard only): ``read_ios_month`` (8 KiB pages read) and
  ``write_ios_month`` (4 KiB log units) per million; included in I/O-Optimized, which pays a
  higher ACU and storage price instead.
* ``Storage``: GB-month at the mode's price for the first month; the monthly growth is exposed
  as a projection (``details['storage_gb_by_month']``).
* ``Backup``: continuous backup beyond the free allowance (the volume size):
  volume × (1 + daily change × (retention − 1)) − volume; 0 with the defaults, and said so.
* Global Database (per ``regions.global_secondaries`` region): ``SecondaryACU`` (reader
  instances idling at their floor, or none when headless), ``Storage`` in the secondary,
  ``GlobalReplicatedWriteIO`` per million write I/Os (also with I/O-Optimized), and ``Transfer``
  of the replicated log volume, billed at the primary (source) region.

``usage_based`` on a line means it scales with load (ACU, I/O, replication, transfer); storage,
backup and idle secondaries do not. :func:`serverless_v2_pricer` prices the same lines at any
load multiplier in microseconds, for break-even sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.catalog import Price, PriceCatalog
from costmodel.core.checkpoint import checkpoint
from costmodel.core.errors import PricingError, ScenarioError
from costmodel.core.estimate import LineItem, OptionEstimate, money
from costmodel.core.options import SV2_GLOBAL, SV2_IO_OPTIMIZED, SV2_STANDARD, OptionKind
from costmodel.core.timebase import HOURS_PER_MONTH
from costmodel.core.workload import ActivitySeries
from costmodel.pricing.registry import PricedOption, PricingInput
from costmodel.pricing.savings_plan import plan_terms, with_plan_variants
from costmodel.pricing.serverless_v2_capacity import (
    SERVICE,
    CapacityShape,
    CapacitySimulation,
    UsageLike,
    column_values,
    resume_delay_text,
    simulate_capacity,
)
from costmodel.scenario.model import IoMode, Scenario
from costmodel.usage.model import BYTES_PER_GB

OPTION_NAMES = {
    IoMode.STANDARD.value: SV2_STANDARD.name,
    IoMode.IO_OPTIMIZED.value: SV2_IO_OPTIMIZED.name,
}
GLOBAL_OPTION = SV2_GLOBAL.name
MODE_TITLES = {IoMode.STANDARD.value: "Standard", IoMode.IO_OPTIMIZED.value: "I/O-Optimized"}
IO_COMPONENTS = ("ReadIO", "WriteIO")
PER_MILLION = 1_000_000
_USAGE_COLUMNS = ("calls_month", "cpu_seconds_month", "read_ios_month", "write_ios_month", "wal_bytes_month")
_ITEMS = {
    IoMode.STANDARD.value: ("acu_hour_standard", "storage_gb_month_standard"),
    IoMode.IO_OPTIMIZED.value: ("acu_hour_io_optimized", "storage_gb_month_io_optimized"),
}


@dataclass(frozen=True)
class _Line:
    """A line item before rounding: float quantity, its price, and how it scales with load.

    ``scaling`` is ``acu`` (from the capacity shape), ``load`` (linear in the multiplier) or
    ``fixed``; ``basis`` names the usage column that spreads it over statements (None = not spread).
    """

    component: str
    region: str
    quantity: float
    unit: str
    price: Price | None
    scaling: str
    basis: str | None = None
    note: str = ""

    @property
    def usd(self) -> float:
        return self.quantity * float(self.price.value) if self.price is not None else 0.0


@dataclass(frozen=True)
class _Plan:
    name: str
    title: str
    io_mode: str
    lines: tuple[_Line, ...]
    simulation: CapacitySimulation
    details: dict[str, Any]
    warnings: tuple[str, ...]
    columns: dict[str, np.ndarray]
    """The usage columns read (float, NaN = unknown), reused for the per-statement table."""


def _mode(io_mode: str) -> str:
    if io_mode not in _ITEMS:
        raise ScenarioError(
            f"io_mode {io_mode!r} cannot be priced on its own",
            column="serverless_v2.io_mode",
            hint="price 'standard' and 'io-optimized' separately; "
            "'cheaper' is resolved by estimate_serverless_v2_options",
        )
    return io_mode


def storage_projection(gb: float, monthly_growth_pct: float, months: int) -> list[float]:
    """Stored GB in each of ``months`` months, compounding ``monthly_growth_pct`` (month 1 = ``gb``)."""
    factor = 1.0 + monthly_growth_pct / 100.0
    return [gb * factor**m for m in range(months)]


def _backup(usage: UsageLike, catalog: PriceCatalog, region: str) -> tuple[_Line, float]:
    a = usage.assumptions
    days = float(a.get("sv2_backup_retention_days"))
    change = float(a.get("sv2_backup_daily_change_pct"))
    if not 1 <= days <= 35 or change < 0:
        raise ScenarioError(
            f"backup assumptions out of range (retention {days:g} days, change {change:g}%/day)",
            column="assumptions.sv2_backup_retention_days",
            hint="retention is 1-35 days; the daily change is a percentage >= 0",
        )
    gb = float(usage.storage_gb)
    free = gb * float(catalog.decimal_fact(SERVICE, "backup_free_fraction_of_volume"))
    backup_gb = gb * (1.0 + change / 100.0 * (days - 1.0))
    billed = max(0.0, backup_gb - free)
    if billed > 0:
        price = catalog.price(SERVICE, region, "backup_gb_month")
        note = f"{backup_gb:,.1f} GB retained ({days:g} days, {change:g}%/day changed) - {free:,.1f} GB free"
    else:
        price = None
        note = f"0 billed: within the free allowance ({days:g}-day retention; free up to the volume size)"
    return _Line("Backup", region, billed, "GB-month", price, "fixed", note=note), backup_gb


def _compute_lines(sim: CapacitySimulation, acu_price: Price) -> list[_Line]:
    """Writer and reader ACU-hours of the primary cluster."""
    inputs, summary = sim.inputs, sim.summary()
    region = acu_price.region
    lines = [
        _Line("ACU", region, sim.writer_acu_hours_month, "ACU-hour", acu_price, "acu", "cpu_seconds_month",
              f"writer; peak {summary['peak_acu']:g} ACU, paused {summary['paused_hours']:,.1f} h/month"),
    ]  # fmt: skip
    if inputs.readers:
        follows = "follow the writer" if inputs.reader_tier <= 1 else "scale on their own reads"
        lines.append(
            _Line("ReaderACU", region, sim.reader_acu_hours_month, "ACU-hour", acu_price, "acu",
                  "cpu_seconds_month", f"{inputs.readers} reader(s), tier {inputs.reader_tier} ({follows}); "
                  f"{inputs.reader_cpu_share:.0%} of CPU on readers")
        )  # fmt: skip
    return lines


def _global_lines(
    usage: UsageLike,
    catalog: PriceCatalog,
    sim: CapacitySimulation,
    primary: str,
    secondaries: tuple[str, ...],
    mode: str,
    totals: dict[str, float],
) -> tuple[list[_Line], dict[str, Any]]:
    """Per secondary region: idle readers, a storage copy, replicated write I/O, transfer from the primary."""
    acu_item, storage_item = _ITEMS[mode]
    a = usage.assumptions
    per_region = int(a.get("sv2_global_secondary_readers"))
    transfer_gb = (
        totals["wal_bytes_month"] * float(a.get("sv2_replication_bytes_per_wal_byte")) / BYTES_PER_GB
    )
    idle = sim.inputs.idle_acu
    lines: list[_Line] = []
    for region in secondaries:
        if per_region > 0:
            lines.append(
                _Line("SecondaryACU", region, per_region * idle * HOURS_PER_MONTH, "ACU-hour",
                      catalog.price(SERVICE, region, acu_item), "fixed",
                      note=f"{per_region} reader(s) idling at {idle:g} ACU, never paused")
            )  # fmt: skip
        lines += [
            _Line("Storage", region, float(usage.storage_gb), "GB-month",
                  catalog.price(SERVICE, region, storage_item), "fixed",
                  note="Global Database secondary copy"),
            _Line("GlobalReplicatedWriteIO", region, totals["write_ios_month"] / PER_MILLION,
                  "1M I/O requests",
                  catalog.price(SERVICE, region, "global_db_replicated_write_io_per_million"),
                  "load", "write_ios_month",
                  "charged per secondary region (UNCONFIRMED, reference §3.6); also with I/O-Optimized"),
            _Line("Transfer", primary, transfer_gb, "GB", catalog.transfer(primary, region), "load",
                  "wal_bytes_month", f"replication {primary} -> {region}, billed at the source"),
        ]  # fmt: skip
    details = {
        "global_secondaries": list(secondaries),
        "secondary_readers_per_region": per_region,
        "replication_gb_month": transfer_gb,
    }
    return lines, details


def _plan(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    io_mode: str,
    series: ActivitySeries | None,
    global_database: bool,
) -> _Plan:
    """Simulate capacity, then the lines (compute, I/O, storage and backup, Global Database copies),
    details and warnings of one Serverless v2 option."""
    mode = _mode(io_mode)
    acu_item, storage_item = _ITEMS[mode]
    primary = scenario.regions.primary
    secondaries = scenario.regions.global_secondaries if global_database else ()
    if global_database and not secondaries:
        raise ScenarioError(
            "a Global Database estimate needs at least one secondary region",
            column="regions.global_secondaries",
            hint="add regions.global_secondaries, e.g. [us-west-2]",
        )
    sim = simulate_capacity(usage, scenario, catalog, series=series, global_database=global_database)
    lines = _compute_lines(sim, catalog.price(SERVICE, primary, acu_item))
    columns = {c: column_values(usage, c) for c in _USAGE_COLUMNS}
    totals = {c: float(np.nansum(v)) for c, v in columns.items()}
    lines += _io_lines(mode, catalog, primary, totals)
    storage_lines, storage_details = _storage_lines(usage, scenario, catalog, primary, storage_item)
    lines += storage_lines
    warnings = list(sim.warnings)
    if sim.profile.kind == "measured":
        warnings.extend(sim.profile.notes[1:])  # e.g. a short series repeated to fill the week
    details_global: dict[str, Any] = {}
    if secondaries:
        more, details_global = _global_lines(usage, catalog, sim, primary, secondaries, mode, totals)
        lines += more
        warnings.append("Global Database: the writer never auto-pauses")
    warnings += _unknown_column_warnings(usage, columns)
    summary = sim.summary()
    details = _plan_details(lines, mode, totals, sim, summary, storage_details, details_global)
    if summary["resumes"]:
        warnings.append(
            f"resumes {summary['resumes']:,.0f} times a month; the first statement after a pause waits "
            f"{resume_delay_text(summary)}"
        )
    where = primary + "".join(f" + {r}" for r in secondaries)
    if global_database:
        name, title = GLOBAL_OPTION, f"Aurora Serverless v2 Global Database, {MODE_TITLES[mode]} ({where})"
    else:
        name, title = OPTION_NAMES[mode], f"Aurora Serverless v2, {MODE_TITLES[mode]} ({where})"
    return _Plan(name, title, mode, tuple(lines), sim, details, tuple(warnings), columns)


def _io_lines(mode: str, catalog: PriceCatalog, primary: str, totals: Mapping[str, float]) -> list[_Line]:
    """Read and write I/O lines, billed only on Aurora Standard (I/O-Optimized includes them)."""
    if mode != IoMode.STANDARD:
        return []
    io_price = catalog.price(SERVICE, primary, "io_per_million")
    return [
        _Line("ReadIO", primary, totals["read_ios_month"] / PER_MILLION, "1M I/O requests", io_price,
              "load", "read_ios_month", "8 KiB pages read from storage (shared_blks_read)"),
        _Line("WriteIO", primary, totals["write_ios_month"] / PER_MILLION, "1M I/O requests", io_price,
              "load", "write_ios_month", "4 KiB log units (wal_bytes)"),
    ]  # fmt: skip


def _storage_lines(
    usage: UsageLike, scenario: Scenario, catalog: PriceCatalog, primary: str, storage_item: str
) -> tuple[list[_Line], dict[str, Any]]:
    """The first month's storage and backup lines, and the storage figures for the details (the
    month-by-month projection under the scenario's storage growth)."""
    gb = float(usage.storage_gb)
    growth_pct = float(scenario.storage.monthly_growth_pct)
    storage_price = catalog.price(SERVICE, primary, storage_item)
    storage_note = f"first month; grows {growth_pct:g}%/month" if growth_pct else "first month"
    backup_line, backup_gb = _backup(usage, catalog, primary)
    projection = storage_projection(gb, growth_pct, scenario.months)
    details = {
        "storage_gb": gb,
        "storage_monthly_growth_pct": growth_pct,
        "storage_gb_by_month": projection,
        "storage_usd_by_month": [g * float(storage_price.value) for g in projection],
        "backup_gb": backup_gb,
        "backup_billed_gb": backup_line.quantity,
    }
    lines = [
        _Line("Storage", primary, gb, "GB-month", storage_price, "fixed", note=storage_note),
        backup_line,
    ]
    return lines, details


def _unknown_column_warnings(usage: UsageLike, columns: Mapping[str, np.ndarray]) -> list[str]:
    """One warning per usage column the workload has but some statements leave unknown (counted as 0)."""
    warnings = []
    for column in ("read_ios_month", "write_ios_month", "wal_bytes_month", "cpu_seconds_month"):
        unknown = int(np.isnan(columns[column]).sum())
        if unknown and column in usage.statements.columns:
            warnings.append(f"{column} unknown for {unknown} statement(s): counted as 0")
    return warnings


def _plan_details(
    lines: Sequence[_Line],
    mode: str,
    totals: Mapping[str, float],
    sim: CapacitySimulation,
    summary: Mapping[str, Any],
    storage_details: Mapping[str, Any],
    details_global: Mapping[str, Any],
) -> dict[str, Any]:
    """The option's details: the capacity simulation's summary, I/O share, HA, then storage and
    Global Database figures (in that order: the report prints details in key order)."""
    total = sum(line.usd for line in lines)
    io_usd = sum(line.usd for line in lines if line.component in IO_COMPONENTS)
    return {
        **summary,
        "io_mode": mode,
        "io_share": io_usd / total if total > 0 else 0.0,
        "io_included": mode == IoMode.IO_OPTIMIZED,
        "read_ios_month": totals["read_ios_month"],
        "write_ios_month": totals["write_ios_month"],
        "reader_cpu_share": sim.inputs.reader_cpu_share,
        "readers": sim.inputs.readers,
        "max_acu": sim.inputs.max_acu,
        "ha": ha_text(sim.inputs.readers),
        **storage_details,
        "profile_notes": list(sim.profile.notes),
        **details_global,
    }


def ha_text(readers: int) -> str:
    """The high-availability assumption in words (DSQL runs in three AZs)."""
    if readers <= 0:
        return "writer only (serverless_v2.readers: 0): no failover target, unlike DSQL's three AZs"
    return (
        f"{readers} reader(s) in another AZ as failover target (serverless_v2.readers: {readers}), "
        "against DSQL's three AZs"
    )


def _line_item(option: str, line: _Line) -> LineItem:
    quantity = Decimal(repr(line.quantity))
    price = line.price
    unit_price = price.value if price is not None else Decimal(0)
    return LineItem(
        option=option,
        component=line.component,
        region=line.region,
        quantity=money(quantity),
        unit=line.unit,
        unit_price=unit_price,
        monthly_usd=money(quantity * unit_price),
        price_ref=price.ref if price is not None else "no price needed (nothing billed)",
        usage_based=line.scaling != "fixed",
        confidence=price.confidence if price is not None else "confirmed",
        note=line.note,
    )


_TARGETS = {"ACU": "acu_usd", "ReaderACU": "acu_usd", "ReadIO": "io_usd", "WriteIO": "io_usd"}


def _statements(usage: UsageLike, plan: _Plan) -> pd.DataFrame:
    """Per-statement share of every load-driven line, spread by its basis column (numpy, one frame)."""
    df = usage.statements
    lines = plan.lines
    cols = {c: np.nan_to_num(v) for c, v in plan.columns.items()}
    money_cols = {t: np.zeros(len(df)) for t in ("acu_usd", "io_usd", "replication_usd")}
    for line in lines:
        if line.basis is None:
            continue
        basis = cols[line.basis]
        if line.basis == "cpu_seconds_month" and basis.sum() <= 0:
            basis = cols["calls_month"]
        total = basis.sum()
        if total > 0:
            money_cols[_TARGETS.get(line.component, "replication_usd")] += line.usd * basis / total
    stmt = df["stmt_id"].to_numpy(copy=True) if "stmt_id" in df.columns else df.index.astype(str).to_numpy()
    # every array here is this function's own: the frame keeps them as they are (copy=False) rather
    # than stacking them into one block, a copy of the whole table on each what-if
    return pd.DataFrame(
        {
            "stmt_id": stmt,
            **cols,
            **money_cols,
            "monthly_usd": money_cols["acu_usd"] + money_cols["io_usd"] + money_cols["replication_usd"],
        },
        index=df.index,
        copy=False,
    )


@dataclass(frozen=True, eq=False)
class ScaledPricer:
    """Monthly USD of one Serverless v2 option at any load multiplier (vectorised).

    ``fixed_usd`` does not move with load (storage, backup, idle secondaries); ``linear_usd`` is
    the load-driven part at multiplier 1 (I/O, replicated I/O, transfer); ACU-hours come from the
    capacity shape at ``acu_price`` per ACU-hour, keeping the simulated pause pattern. Pass a
    whole vector of multipliers: one call prices 10,000 of them in about a millisecond.
    """

    name: str
    fixed_usd: float
    linear_usd: float
    acu_price: float
    shape: CapacityShape
    capped_from: float | None = None
    """Load multiplier above which demand exceeds max ACU in some minute (throttled); None = never."""
    hourly_acu_hours: np.ndarray | None = None
    """ACU-hours of writer and readers in each hour of the week (168; paused hours 0), for Savings Plans."""

    def monthly_usd(self, scales: float | np.ndarray) -> np.ndarray:
        """Monthly USD for each load multiplier (1.0 = the usage as given)."""
        k = np.atleast_1d(np.asarray(scales, dtype=float))
        return self.fixed_usd + self.linear_usd * k + self.acu_price * self.shape.acu_hours_month(k)


def _estimate(plan: _Plan, usage: UsageLike, *, statements: bool = True) -> OptionEstimate:
    """The option's estimate; ``statements=False`` leaves out its per-statement frame (a range case
    reads only the total, and the frame is some 200 bytes a statement)."""
    items = tuple(_line_item(plan.name, line) for line in plan.lines)
    unconfirmed = sorted({item.price_ref for item in items if "UNCONFIRMED" in item.price_ref})
    warnings = list(plan.warnings) + [f"unconfirmed price used: {ref}" for ref in unconfirmed]
    return OptionEstimate(
        name=plan.name,
        kind=OptionKind.SERVERLESS_V2,
        title=plan.title,
        line_items=items,
        statements=_statements(usage, plan) if statements else None,
        details=plan.details,
        assumptions=usage.assumptions.used(),
        warnings=tuple(warnings),
    )


def hourly_acu_hours(sim: CapacitySimulation) -> np.ndarray:
    """ACU-hours per hour of the simulated week, writer and readers (paused minutes bill 0)."""
    minutes = sim.acu + sim.reader_acu * sim.inputs.readers
    return np.asarray(minutes.reshape(-1, 60).sum(axis=1) / 60.0)


def capped_from(sim: CapacitySimulation) -> float | None:
    """The load multiplier at which the busiest awake minute's demand reaches max ACU."""
    awake = ~sim.paused
    demand = np.concatenate([sim.demand_acu[awake], sim.reader_demand_acu[awake]])
    peak = float(demand.max()) if demand.size else 0.0
    return sim.inputs.max_acu / peak if peak > 0 else None


def _pricer(plan: _Plan) -> ScaledPricer:
    acu = [line for line in plan.lines if line.scaling == "acu"]
    return ScaledPricer(
        name=plan.name,
        fixed_usd=sum(line.usd for line in plan.lines if line.scaling == "fixed"),
        linear_usd=sum(line.usd for line in plan.lines if line.scaling == "load"),
        acu_price=float(acu[0].price.value) if acu and acu[0].price is not None else 0.0,
        shape=plan.simulation.shape(),
        capped_from=capped_from(plan.simulation),
        hourly_acu_hours=hourly_acu_hours(plan.simulation),
    )


def price_serverless_v2(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    io_mode: str,
    series: ActivitySeries | None = None,
    global_database: bool = False,
    statements: bool = True,
) -> tuple[OptionEstimate, ScaledPricer]:
    """The estimate and its :class:`ScaledPricer` from one simulation (for compare and sweeps);
    ``statements=False``: without the per-statement frame (:func:`_estimate`)."""
    plan = _plan(usage, scenario, catalog, io_mode, series, global_database)
    return _estimate(plan, usage, statements=statements), _pricer(plan)


def estimate_serverless_v2(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    io_mode: str,
    series: ActivitySeries | None = None,
    global_database: bool = False,
) -> OptionEstimate:
    """One Serverless v2 option for a month: ``serverless-v2-standard``, ``-io-optimized`` or ``-global``.

    ``io_mode`` is ``standard`` or ``io-optimized``; ``series`` feeds ``time_profile.kind:
    measured``; ``global_database`` adds the ``regions.global_secondaries`` (and disables
    auto-pause). A missing price raises :class:`~costmodel.core.errors.PricingError` naming the region.
    """
    return _estimate(_plan(usage, scenario, catalog, io_mode, series, global_database), usage)


def serverless_v2_pricer(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    io_mode: str,
    series: ActivitySeries | None = None,
    global_database: bool = False,
) -> ScaledPricer:
    """A :class:`ScaledPricer` for the option :func:`estimate_serverless_v2` prices (same lines)."""
    return _pricer(_plan(usage, scenario, catalog, io_mode, series, global_database))


def cheaper_io_mode(std: OptionEstimate, opt: OptionEstimate) -> tuple[str, str]:
    """Which of the Standard and I/O-Optimized estimates is cheaper, and why, in one sentence."""
    std_total, opt_total = std.total_monthly_usd, opt.total_monthly_usd
    components = std.by_component()
    io = sum((components.get(c, Decimal(0)) for c in IO_COMPONENTS), Decimal(0))
    share = float(io / std_total) if std_total > 0 else 0.0
    premium = (opt_total - (std_total - io)).quantize(Decimal("0.01"))
    text = f"I/O is {share:.0%} of the Standard bill (${io:,.2f}/month)"
    if opt_total < std_total:
        return opt.name, f"{text}; I/O-Optimized saves ${std_total - opt_total:,.2f}/month"
    return std.name, (
        f"{text}; Standard is ${opt_total - std_total:,.2f}/month cheaper "
        f"(I/O-Optimized pays off above ${premium:,.2f}/month of I/O)"
    )


def serverless_v2_options(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    series: ActivitySeries | None = None,
    statements: bool = True,
) -> list[tuple[OptionEstimate, ScaledPricer]]:
    """The Serverless v2 options a scenario asks for, each with its pricer (``statements=False``:
    estimates without per-statement frames, :func:`_estimate`).

    ``io_mode: cheaper`` prices Standard and I/O-Optimized (a mode whose price is missing in the
    region is skipped with a warning) and records ``io_mode_recommendation`` in both; a Global
    Database option (in the recommended mode, else the other) is added when
    ``regions.global_secondaries`` is set.
    """
    wanted = scenario.serverless_v2.io_mode
    modes = list(_ITEMS) if wanted == IoMode.CHEAPER else [_mode(wanted)]
    priced: list[tuple[OptionEstimate, ScaledPricer]] = []
    skipped: list[str] = []
    for mode in modes:
        checkpoint()  # each mode re-simulates capacity: a background thread may pause between them
        try:
            priced.append(
                price_serverless_v2(
                    usage, scenario, catalog, io_mode=mode, series=series, statements=statements
                )
            )
        except PricingError as exc:
            if len(modes) == 1:
                raise
            skipped.append(f"{MODE_TITLES[mode]} not priced: {exc}")
    if not priced:
        raise PricingError(
            f"no Serverless v2 option can be priced in {scenario.regions.primary}: {'; '.join(skipped)}"
        )
    recommended = priced[0][0].details["io_mode"]
    note: dict[str, Any] = {}
    if len(priced) == 2:
        name, reason = cheaper_io_mode(priced[0][0], priced[1][0])
        recommended = next(o.details["io_mode"] for o, _ in priced if o.name == name)
        note = {"io_mode_recommendation": {"option": name, "reason": reason}}
    priced = [
        (replace(o, details={**o.details, **note}, warnings=(*o.warnings, *skipped)), p) for o, p in priced
    ]
    if scenario.regions.global_secondaries:
        order = [recommended] + [m for m in modes if m != recommended]
        errors: list[str] = []
        for mode in order:
            try:
                option, pricer = price_serverless_v2(
                    usage,
                    scenario,
                    catalog,
                    io_mode=mode,
                    series=series,
                    global_database=True,
                    statements=statements,
                )
            except PricingError as exc:
                if len(order) == 1:
                    raise
                errors.append(f"Global Database {MODE_TITLES[mode]} not priced: {exc}")
                continue
            priced.append((replace(option, warnings=(*option.warnings, *errors)), pricer))
            break
        else:
            raise PricingError("; ".join(errors), hint="add the missing prices or pass --prices FILE")
    return priced


def estimate_serverless_v2_options(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    series: ActivitySeries | None = None,
) -> list[OptionEstimate]:
    """The estimates of :func:`serverless_v2_options` (without the pricers)."""
    return [option for option, _ in serverless_v2_options(usage, scenario, catalog, series=series)]


def like_with_like(scenario: Scenario) -> Scenario:
    """The scenario the Serverless v2 side is priced under: with DSQL peers and no Global Database
    secondaries given, a Global Database in the peers' regions is priced automatically, so the
    multi-region verdict compares DSQL multi-region with its Serverless v2 counterpart."""
    regions = scenario.regions
    if regions.dsql_peers and not regions.global_secondaries:
        return replace(scenario, regions=replace(regions, global_secondaries=tuple(regions.dsql_peers)))
    return scenario


AUTO_GLOBAL_NOTE = (
    "priced automatically in the DSQL peers' regions to compare like with like "
    "(give --global-secondary to choose other regions)"
)


def like_with_like_options(
    usage: UsageLike,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    series: ActivitySeries | None = None,
    statements: bool = True,
) -> list[tuple[OptionEstimate, ScaledPricer]]:
    """:func:`serverless_v2_options` under :func:`like_with_like`; a Global Database that cannot be
    priced in the peers' regions leaves a warning instead of failing the report."""
    matched = like_with_like(scenario)
    if matched is scenario:
        return serverless_v2_options(usage, scenario, catalog, series=series, statements=statements)
    try:
        options = serverless_v2_options(usage, matched, catalog, series=series, statements=statements)
    except PricingError as exc:
        missing = f"no Serverless v2 Global Database in the DSQL peers' regions could be priced: {exc}"
        return [
            (replace(o, warnings=(*o.warnings, missing)), p)
            for o, p in serverless_v2_options(usage, scenario, catalog, series=series, statements=statements)
        ]
    return [
        (
            replace(o, details={**o.details, "auto_priced": AUTO_GLOBAL_NOTE},
                    warnings=(*o.warnings, f"Global Database {AUTO_GLOBAL_NOTE}")),
            p,
        )
        if o.name == GLOBAL_OPTION
        else (o, p)
        for o, p in options
    ]  # fmt: skip


PLAN_COMPONENTS = ("ACU", "ReaderACU", "SecondaryACU")
"""ACU lines a Database Savings Plan covers; storage and I/O stay on demand."""


PLAN_COMPONENTS = ("ACU", "ReaderACU", "SecondaryACU")
"""ACU lines a Database Savings Plan covers; storage and I/O stay on demand."""


class ServerlessV2Pricer:
    """Serverless v2 in the scenario's I/O mode(s), plus a Global Database when the scenario names
    secondaries, or automatically in the DSQL peers' regions (like with like)."""

    name = "serverless-v2"

    def price(self, inputs: PricingInput) -> list[PricedOption]:
        """Each option with the pricer that re-simulates capacity at other loads as its curve; the
        load above which max ACU caps it is in ``details['capped_from']``."""
        options = like_with_like_options(
            inputs.usage, inputs.scenario, inputs.catalog, series=inputs.series, statements=inputs.statements
        )
        priced = [
            PricedOption(
                replace(option, details={**option.details, "capped_from": pricer.capped_from}),
                pricer.monthly_usd,
            )
            for option, pricer in options
        ]
        plan = inputs.scenario.savings_plan
        if not plan.enabled:
            return priced
        hourly = {}
        for option, pricer in options:
            acu = pricer.hourly_acu_hours if pricer.hourly_acu_hours is not None else np.zeros(168)
            secondary = sum(float(i.quantity) for i in option.line_items if i.component == "SecondaryACU")
            hourly[option.name] = acu + secondary / HOURS_PER_MONTH  # idle secondaries bill every hour
        terms = plan_terms(inputs.catalog, SERVICE, plan.sv2_rate)
        return with_plan_variants(priced, hourly, PLAN_COMPONENTS, terms)
