"""Aurora DSQL: usage → DPU components → line items, with the official formulas.

The formulas (billing doc, ``reference/dsql-pricing.md`` §1.2) with their constants read from the
price catalog, never written here::

    ComputeDPU          = DSQL compute seconds (costmodel/usage/dsql_compute.py: per-class model)
    ReadDPU             = max(bytes read, 2 KiB) × rate      per transaction
    WriteDPU            = max(bytes written, 1 KiB) × rate   per write transaction (rows + index entries)
    MultiRegionWriteDPU = WriteDPU per active peer besides the originating region

The per-byte rates are the documented minimums over the minimum bytes (0.00375 DPU / 2,048 B and
0.05 DPU / 1,024 B); the published per-byte figures are their roundings, and only the exact ratio
reproduces AWS's worked examples and the measured CloudWatch figures.

**How a statement carries a per-transaction minimum.** Minimums apply to the sum of a
transaction's statements. With ``s`` statements per transaction each statement call is billed
``max(its bytes, minimum / s)``; likewise each write statement carries ``1 KiB / w`` of the write
minimum, ``w`` being write statements per write transaction. For any transaction
``Σ max(bᵢ, M/s) ≥ max(Σ bᵢ, M)``, with equality when all statements fall on the same side of
``M/s``: the estimate is exact for autocommit (``s = 1``) and never below the bill otherwise.

**Regions.** Compute, read and write (and the multi-region write) are billed in the region where
the transaction originates (``regions.traffic_split``, else the ``dsql_traffic_split`` assumption);
storage in every active peer; the witness costs nothing. The free tier (DPU and storage, once per
account) and the scenario discount are their own negative line items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.catalog import PRICE_DIR, Price, PriceCatalog, load_catalog
from costmodel.core.errors import PricingError, ScenarioError
from costmodel.core.estimate import LineItem, OptionEstimate, money
from costmodel.core.options import DSQL_MULTI_REGION, DSQL_SINGLE_REGION, OptionKind
from costmodel.pricing.calibration import Calibration
from costmodel.pricing.class_terms import ClassTerm, apply_terms
from costmodel.pricing.dsql_curve import dsql_cost_curve
from costmodel.pricing.registry import PricedOption, PricingInput
from costmodel.pricing.savings_plan import plan_terms, with_plan_variants
from costmodel.scenario.activity import week_profile
from costmodel.scenario.model import Scenario
from costmodel.usage.model import Usage

SERVICE = "aurora_dsql"
PRICE_FILE = f"{PRICE_DIR}/aurora_dsql.yaml"
DPU_PER_MILLION = Decimal(1_000_000)
COMPONENTS = ("ComputeDPU", "ReadDPU", "WriteDPU", "MultiRegionWriteDPU", "OCCRetryDPU")
RATE_TOLERANCE = Decimal("0.0001")
"""Relative difference allowed between the exact rate and the published rounded one."""


@dataclass(frozen=True)
class DpuConstants:
    """The DSQL formula constants from the catalog (Decimal, exact)."""

    compute_per_cpu_second: Decimal
    read_per_byte: Decimal
    write_per_byte: Decimal
    read_min_bytes: Decimal
    write_min_bytes: Decimal
    multi_region_write_per_peer: Decimal

    @classmethod
    def from_catalog(cls, catalog: PriceCatalog) -> DpuConstants:
        """Read the constants; the exact per-byte rate must agree with the published rounding."""

        def fact(name: str) -> Decimal:
            return catalog.decimal_fact(SERVICE, name)

        rates = {}
        for kind in ("read", "write"):
            exact = fact(f"{kind}_min_dpu_per_txn") / fact(f"{kind}_min_bytes_per_txn")
            published = fact(f"{kind}_dpu_per_byte")
            if abs(exact - published) > published * RATE_TOLERANCE:
                raise PricingError(
                    f"{kind} formula constants disagree: {kind}_min_dpu_per_txn / {kind}_min_bytes_per_txn = "
                    f"{exact} but {kind}_dpu_per_byte = {published}",
                    file=PRICE_FILE,
                    hint="fix the formulas section so the minimum in DPU equals the minimum bytes times the rate",
                )
            rates[kind] = exact
        return cls(
            compute_per_cpu_second=fact("compute_dpu_per_cpu_second"),
            read_per_byte=rates["read"],
            write_per_byte=rates["write"],
            read_min_bytes=fact("read_min_bytes_per_txn"),
            write_min_bytes=fact("write_min_bytes_per_txn"),
            multi_region_write_per_peer=fact("multi_region_write_dpu_per_active_peer"),
        )


@dataclass(frozen=True)
class DpuBreakdown:
    """DPU of one statement call by component; ``total`` is their plain sum."""

    compute: Decimal
    read: Decimal
    write: Decimal
    multi_region_write: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        """Compute + Read + Write + Multi-Region Write."""
        return self.compute + self.read + self.write + self.multi_region_write

    def rounded(self, places: int = 5) -> DpuBreakdown:
        """Each component rounded half-up to ``places`` decimals (AWS prints 5)."""
        q = Decimal(1).scaleb(-places)
        return DpuBreakdown(*(v.quantize(q, rounding=ROUND_HALF_UP) for v in self._values()))

    def _values(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.compute, self.read, self.write, self.multi_region_write)


def _dec(value: float | int | Decimal | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def statement_dpu(
    cpu_seconds: float | Decimal,
    read_bytes: float | Decimal,
    write_bytes: float | Decimal,
    *,
    in_own_transaction: bool = True,
    active_peers: int = 1,
    constants: DpuConstants | None = None,
) -> DpuBreakdown:
    """DPU of one statement call from its CPU time and bytes (scalar form of the formulas).

    ``read_bytes`` includes primary-key uniqueness checks; ``write_bytes`` every row and index
    entry (each already at least 128 B). With ``in_own_transaction`` the per-transaction minimums
    apply (2 KiB read always, 1 KiB write when it writes), as AWS's worked examples do; without,
    the raw values are returned, as ``EXPLAIN ANALYZE VERBOSE`` prints them. ``active_peers`` = 2
    adds the multi-region write.
    """
    c = constants or DpuConstants.from_catalog(load_catalog())
    read, write = _dec(read_bytes), _dec(write_bytes)
    if in_own_transaction:
        read = max(read, c.read_min_bytes)
        write = max(write, c.write_min_bytes) if write > 0 else write
    write_dpu = write * c.write_per_byte
    return DpuBreakdown(
        compute=_dec(cpu_seconds) * c.compute_per_cpu_second,
        read=read * c.read_per_byte,
        write=write_dpu,
        multi_region_write=write_dpu * c.multi_region_write_per_peer * max(active_peers - 1, 0),
    )


@dataclass(frozen=True)
class RegionPlan:
    """Where a DSQL option runs: active peers, witness, and the share of traffic per peer."""

    active: tuple[str, ...]
    witness: str | None
    split: dict[str, float]
    split_source: str
    notes: tuple[str, ...] = ()


def plan_regions(
    scenario: Scenario, catalog: PriceCatalog, *, multi_region: bool, split_mode: str
) -> RegionPlan:
    """Validate the scenario's regions for one DSQL option and settle the traffic split."""
    regions = scenario.regions
    primary = regions.primary
    notes: list[str] = []
    if not multi_region:
        catalog.price(SERVICE, primary, "dpu_per_million")  # unknown region: PricingError naming the file
        return RegionPlan((primary,), None, {primary: 1.0}, "single region: all traffic in the primary")
    peers = tuple(dict.fromkeys(p for p in regions.dsql_peers if p != primary))
    if not peers:
        raise PricingError(
            "a multi-region DSQL cluster needs one peer region besides the primary",
            column="regions.dsql_peers",
            hint="set regions.dsql_peers: [<region>] (and regions.dsql_witness) in the scenario",
        )
    active = (primary, *peers)
    if len(active) > 2:
        raise PricingError(
            f"DSQL multi-region clusters have at most 2 active peers; got {', '.join(active)}",
            column="regions.dsql_peers",
            hint="keep one peer besides the primary; the third region is the witness (regions.dsql_witness)",
        )
    sets: dict[str, str] = {}
    for region in active if regions.dsql_witness is None else (*active, regions.dsql_witness):
        if region in catalog.single_region_only:
            raise PricingError(
                f"region {region!r} supports single-region DSQL clusters only",
                file=PRICE_FILE,
                hint="pick peers and a witness from one region set: "
                + "; ".join(f"{k}: {', '.join(v)}" for k, v in catalog.region_sets.items()),
            )
        found = catalog.region_set_of(region)
        if found is None:
            raise PricingError(
                f"unknown DSQL multi-region region {region!r} (in no region set)",
                file=PRICE_FILE,
                hint=f"add it to region_sets in {PRICE_FILE} if AWS supports it, or use a region of "
                + ", ".join(f"{k} ({', '.join(v)})" for k, v in catalog.region_sets.items()),
            )
        sets[region] = found
    if len(set(sets.values())) > 1:
        raise PricingError(
            "DSQL peers and witness must share one region set; got "
            + ", ".join(f"{r} ({s})" for r, s in sets.items()),
            column="regions",
            hint="choose all three regions from one set: "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in catalog.region_sets.items()),
        )
    witness = regions.dsql_witness
    if witness is None:
        spare = [r for r in catalog.region_sets[sets[primary]] if r not in active]
        if not spare:
            raise PricingError(
                f"no witness region left in region set {sets[primary]}",
                column="regions.dsql_witness",
                hint="set regions.dsql_witness",
            )
        witness = spare[0]
        notes.append(f"no witness given: {witness} assumed (witness regions bill nothing)")
    elif witness in active:
        raise PricingError(
            f"the witness {witness!r} must differ from the active peers ({', '.join(active)})",
            column="regions.dsql_witness",
            hint="use the third region of the set as witness",
        )
    for region in active:
        catalog.price(SERVICE, region, "dpu_per_million")
    split, source = _traffic_split(regions.traffic_split, active, split_mode)
    return RegionPlan(active, witness, split, source, tuple(notes))


def _traffic_split(
    given: Mapping[str, float], active: tuple[str, ...], mode: str
) -> tuple[dict[str, float], str]:
    if given:
        unknown = [r for r in given if r not in active]
        if unknown:
            raise PricingError(
                f"traffic_split names {', '.join(unknown)}, not an active DSQL peer ({', '.join(active)})",
                column="regions.traffic_split",
                hint="give shares for the primary and dsql_peers only",
            )
        shares = {r: float(given.get(r, 0.0)) for r in active}
        if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1.0) > 1e-6:
            raise PricingError(
                f"traffic_split shares must be >= 0 and sum to 1; got {shares}",
                column="regions.traffic_split",
                hint="e.g. {us-east-1: 0.5, us-east-2: 0.5}",
            )
        return shares, "scenario regions.traffic_split"
    if mode == "primary":
        return {
            r: (1.0 if i == 0 else 0.0) for i, r in enumerate(active)
        }, "assumption dsql_traffic_split = primary"
    if mode == "even":
        return {r: 1.0 / len(active) for r in active}, "assumption dsql_traffic_split = even"
    raise ScenarioError(
        f"dsql_traffic_split {mode!r} is not a mode",
        column="dsql_traffic_split",
        hint="use 'primary' or 'even'",
    )


def attempt_dpu(usage: Usage, catalog: PriceCatalog, calibration: Calibration | None = None) -> pd.Series:
    """DPU one attempt of each statement bills: compute + reads (writes apply only at a commit).

    The OCC model turns retry factors into extra DPU with it. It needs the formula constants, not
    prices, so it works for any region set (no price lookup can fail here).
    """
    constants = DpuConstants.from_catalog(catalog)
    factors = calibration.factors if calibration is not None else None
    compute, read_billed = _compute_and_reads(
        usage,
        constants,
        float(usage.assumptions.get("dsql_compute_ratio")),
        _factors(factors),
        calibration.classes if calibration is not None else None,
    )
    return pd.Series(
        _retried(usage, compute) + read_billed * float(constants.read_per_byte), index=usage.statements.index
    )


def _retried(usage: Usage, compute: np.ndarray) -> np.ndarray:
    """ComputeDPU of one more attempt: the statement and its transaction's overhead, not the session's.

    An aborted transaction fails at COMMIT after its statements ran, so a retry bills them again
    with the transaction's own overhead (commit, idle time inside it); it runs on the same
    connection, so the per-session set-up is not billed again.
    """
    ctl = usage.statements["is_txn_control"].to_numpy(dtype=bool)
    return np.where(ctl, compute, compute - session_overhead_dpu(usage) / usage.statements_per_txn)


def dpu_per_call(
    usage: Usage,
    constants: DpuConstants,
    *,
    active_peers: int,
    compute_ratio: float = 1.0,
    factors: Mapping[str, float] | None = None,
    retry_factor: np.ndarray | None = None,
    retry_write_share: float = 0.0,
    terms: Terms = None,
    frame: bool = True,
) -> pd.DataFrame:
    """Vectorised DPU per call for every statement: raw (no minimums) and billed components.

    ``frame=False`` (only totals wanted: a range case) gives the calls, the components and their
    total as columns of their own, without ``stmt_id`` and ``dpu_month``: the full table copies
    every component into one block, then the billed ones again to sum them."""
    s = usage.statements
    f = _factors(factors)
    k_r, k_w = float(constants.read_per_byte), float(constants.write_per_byte)
    ctl = s["is_txn_control"].to_numpy(dtype=bool)
    compute, read_billed = _compute_and_reads(usage, constants, compute_ratio, f, terms)
    read_raw = _read_raw(s, f, terms, k_r)
    frac = s["write_call_fraction"].to_numpy(dtype=float)
    write_raw = _calibrated(
        s, terms, "write", np.nan_to_num(s["write_bytes_per_call"].to_numpy(dtype=float)), f["write"], k_w
    )
    write_floor = float(constants.write_min_bytes) / usage.writes_per_write_txn
    per_writing_call = np.divide(write_raw, frac, out=np.zeros_like(write_raw), where=frac > 0)
    write_billed = frac * np.maximum(per_writing_call, write_floor)
    peers = max(active_peers - 1, 0)
    mr_factor = float(constants.multi_region_write_per_peer) * peers * f["multi_region_write"]
    read_dpu = read_billed * k_r
    write_dpu = write_billed * k_w
    mr_write_dpu = write_dpu * mr_factor
    retry = (
        s["retry_factor"].to_numpy(dtype=float) if retry_factor is None else np.asarray(retry_factor, float)
    )
    per_attempt = _retried(usage, compute) + read_dpu + retry_write_share * (write_dpu + mr_write_dpu)
    components = {
        "compute_dpu_per_call": compute,
        "read_dpu_raw_per_call": np.where(ctl, 0.0, read_raw * k_r),
        "write_dpu_raw_per_call": write_raw * k_w,
        "read_dpu_per_call": read_dpu,
        "write_dpu_per_call": write_dpu,
        "mr_write_dpu_per_call": mr_write_dpu,
        "occ_retry_dpu_per_call": np.nan_to_num(retry) * np.nan_to_num(per_attempt),
    }
    billed = [
        "compute_dpu_per_call",
        "read_dpu_per_call",
        "write_dpu_per_call",
        "mr_write_dpu_per_call",
        "occ_retry_dpu_per_call",
    ]
    if not frame:
        total = _billed_total([components[c] for c in billed])
        return pd.DataFrame(
            {"calls_month": s["calls_month"], **components, "total_dpu_per_call": total},
            index=s.index,
            copy=False,
        )
    # one constructor call instead of a column insert per component (each insert copies the index)
    out = pd.DataFrame(
        {"stmt_id": s["stmt_id"], "calls_month": s["calls_month"], **components}, index=s.index
    )
    out["total_dpu_per_call"] = out[billed].sum(axis=1, min_count=1)
    out["dpu_month"] = out["total_dpu_per_call"] * out["calls_month"]
    return out


def _billed_total(parts: Sequence[np.ndarray]) -> np.ndarray:
    """The billed components summed per call as the full table sums them (``sum(axis=1,
    min_count=1)``: from 0, NaN counts as 0, left to right; NaN where every part is NaN), without
    copying them into one block first."""
    total = 0.0 + np.where(np.isnan(parts[0]), 0.0, parts[0])  # from +0: -0.0 parts sum to 0.0
    known = ~np.isnan(parts[0])
    for part in parts[1:]:
        total += np.where(np.isnan(part), 0.0, part)
        known |= ~np.isnan(part)
    return np.where(known, total, np.nan)


def _factors(factors: Mapping[str, float] | None) -> dict[str, float]:
    """Calibration factors per DPU component (1 where none is given)."""
    return {"compute": 1.0, "read": 1.0, "write": 1.0, "multi_region_write": 1.0, **(factors or {})}


def _read_raw(
    s: pd.DataFrame, f: Mapping[str, float], terms: Terms = None, per_byte: float = 1.0
) -> np.ndarray:
    """Bytes read per call (rows read plus the INSERT uniqueness check), calibrated."""
    read_raw = s["read_bytes_per_call"].to_numpy(dtype=float) + s["pk_check_bytes_per_call"].to_numpy(
        dtype=float
    )
    return _calibrated(s, terms, "read", read_raw, f["read"], per_byte)


Terms = Mapping[str, Mapping[str, ClassTerm]] | None
"""Per-class calibration terms (``Calibration.classes``), or None."""


def _calibrated(
    s: pd.DataFrame, terms: Terms, component: str, raw: np.ndarray, factor: float, per_unit: float
) -> np.ndarray:
    """``raw`` (bytes or DPU) scaled by ``factor``, or by its class's term where the calibration has one.

    Terms are fitted on DPU, so bytes are turned into DPU (``per_unit``) and back.
    """
    if not terms or "statement_class" not in s:
        return np.asarray(raw * factor)
    classes = s["statement_class"].to_numpy(dtype=object)
    dpu = apply_terms(terms, classes, component, np.nan_to_num(raw) * per_unit, fallback=factor)
    return np.asarray(dpu / per_unit)


def _compute_and_reads(
    usage: Usage, constants: DpuConstants, compute_ratio: float, f: Mapping[str, float], terms: Terms = None
) -> tuple[np.ndarray, np.ndarray]:
    """ComputeDPU per call and billed read bytes per call (the per-transaction read minimum shared
    by its statements; none for transaction control): what every attempt of a statement bills."""
    s = usage.statements
    ctl = s["is_txn_control"].to_numpy(dtype=bool)
    column = "dsql_compute_ms_per_call" if "dsql_compute_ms_per_call" in s else "cpu_ms_per_call"
    compute = s[column].to_numpy(dtype=float) / 1000.0 * float(constants.compute_per_cpu_second)
    compute = _calibrated(s, terms, "compute", np.nan_to_num(compute) * compute_ratio, f["compute"], 1.0)
    compute = np.where(ctl, compute, compute + transaction_overhead_dpu(usage) / usage.statements_per_txn)
    read_floor = float(constants.read_min_bytes) / usage.statements_per_txn
    read_billed = np.where(
        ctl, 0.0, np.maximum(_read_raw(s, f, terms, float(constants.read_per_byte)), read_floor)
    )
    return compute, read_billed


def transaction_overhead_dpu(usage: Usage) -> float:
    """ComputeDPU per transaction beyond its statements: commit, idle open time, session set-up.

    Three named assumptions (``dsql_txn_overhead_ms``, ``dsql_idle_in_txn_seconds_per_txn``,
    ``dsql_session_overhead_dpu`` over ``dsql_transactions_per_session``) so every report shows
    them; DSQL meters compute as wall-clock query-processor time, so a transaction left open idle
    bills for the time it stays open.
    """
    a = usage.assumptions
    return (
        float(a.get("dsql_txn_overhead_ms")) / 1000.0
        + float(a.get("dsql_idle_in_txn_seconds_per_txn"))
        + session_overhead_dpu(usage)
    )


def session_overhead_dpu(usage: Usage) -> float:
    """The per-session set-up spread over a session's transactions (``dsql_transactions_per_session``,
    measured from pg_stat_database when ``collect`` saw PostgreSQL 14+)."""
    a = usage.assumptions
    return float(a.get("dsql_session_overhead_dpu")) / max(float(a.get("dsql_transactions_per_session")), 1.0)


def _line(
    option: str,
    component: str,
    region: str,
    qty: float,
    unit: str,
    price: Price,
    per: Decimal,
    note: str = "",
    usage_based: bool = True,
) -> LineItem:
    unit_price = price.value / per
    quantity = money(qty, "0.0001")
    return LineItem(
        option=option,
        component=component,
        region=region,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        monthly_usd=money(Decimal(repr(float(qty))) * unit_price),
        price_ref=price.ref,
        usage_based=usage_based,
        confidence=price.confidence,
        note=note,
    )


def account_terms(
    name: str,
    items: Sequence[LineItem],
    *,
    active: Sequence[str],
    dpu_by_region: Mapping[str, float],
    storage_gb: float,
    scenario: Scenario,
    catalog: PriceCatalog,
) -> tuple[list[LineItem], float, float]:
    """The account-level lines of a DSQL bill: the free tier (once per account: DPU spent region by
    region in ``active`` order, then 1 GB-month of storage) and the scenario discount applied to the
    bill after the free tier. Returns the new lines, the free DPU and the free GB-months used.

    Shared by single estimates and fleet totals, where the free tier applies once to the whole
    fleet rather than once per cluster.
    """
    prices = {r: catalog.price(SERVICE, r, "dpu_per_million") for r in active}
    storage_prices = {r: catalog.price(SERVICE, r, "storage_gb_month") for r in active}
    plan_active = tuple(active)
    by_region = dpu_by_region
    new: list[LineItem] = []
    free_dpu = free_storage = 0.0
    if scenario.dsql.free_tier:
        allowance = float(catalog.fact(SERVICE, "free_tier.dpu_per_month").value)
        for region in plan_active:  # primary first: one allowance per account, spent where the DPU is
            take = min(allowance - free_dpu, by_region[region])
            if take > 0:
                free_dpu += take
                new.append(
                    _line(
                        name,
                        "FreeTierDPU",
                        region,
                        -take,
                        "DPU",
                        prices[region],
                        DPU_PER_MILLION,
                        note=f"free tier: {allowance:,.0f} DPU per month, once per account (scope unconfirmed)",
                    )
                )
        storage_allowance = float(catalog.fact(SERVICE, "free_tier.storage_gb_month").value)
        free_storage = min(storage_allowance, storage_gb)
        if free_storage > 0:
            new.append(
                _line(
                    name,
                    "FreeTierStorage",
                    plan_active[0],
                    -free_storage,
                    "GB-month",
                    storage_prices[plan_active[0]],
                    Decimal(1),
                    note=f"free tier: {storage_allowance:g} GB-month per month, once per account",
                    usage_based=False,
                )
            )
    if scenario.dsql.discount_pct:
        subtotal = sum((i.monthly_usd for i in [*items, *new]), Decimal(0))
        rate = -_dec(scenario.dsql.discount_pct) / Decimal(100)
        new.append(
            LineItem(
                name,
                "Discount",
                plan_active[0],
                subtotal,
                "USD",
                rate,
                money(subtotal * rate),
                f"scenario dsql.discount_pct = {scenario.dsql.discount_pct:g}",
                True,
                "scenario",
                "applied to the DSQL bill after the free tier",
            )
        )
    return new, free_dpu, free_storage


def _one_time(usage: Usage, per_call: pd.DataFrame, usd_per_dpu: float) -> dict[str, Any]:
    """One-time work (DDL, maintenance seen a few times), priced once at the blended DPU price."""
    s = usage.statements
    if "one_off_calls" not in s:
        return {"statements": 0, "calls": 0.0, "dpu": 0.0, "usd": 0.0}
    calls = s["one_off_calls"].to_numpy(dtype=float)
    dpu = float(np.nansum(per_call["total_dpu_per_call"].to_numpy(dtype=float) * calls))
    return {
        "statements": int((calls > 0).sum()),
        "calls": float(calls.sum()),
        "dpu": dpu,
        "usd": dpu * usd_per_dpu,
    }


DPU_COLUMNS = {
    "ComputeDPU": "compute_dpu_per_call",
    "ReadDPU": "read_dpu_per_call",
    "WriteDPU": "write_dpu_per_call",
    "MultiRegionWriteDPU": "mr_write_dpu_per_call",
    "OCCRetryDPU": "occ_retry_dpu_per_call",
}
"""Line-item component → the per-call DPU column of :func:`dpu_per_call` it sums."""


def estimate_dsql(
    usage: Usage,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    multi_region: bool,
    calibration: Calibration | None = None,
    retry_factor: pd.Series | np.ndarray | float | None = None,
    statements: bool = True,
) -> OptionEstimate:
    """Price ``usage`` on Aurora DSQL (single- or multi-region) as line items for one month.

    ``retry_factor`` (expected extra OCC attempts per call, per statement or one number) overrides
    the usage's ``retry_factor`` column; a non-zero one adds ``OCCRetryDPU`` lines.
    ``statements=False`` leaves the per-statement frame out of the estimate (a range case reads
    only the total).
    """
    name = (DSQL_MULTI_REGION if multi_region else DSQL_SINGLE_REGION).name
    assumptions = usage.assumptions
    constants = DpuConstants.from_catalog(catalog)
    plan = _plan_and_record_split(usage, scenario, catalog, multi_region=multi_region)
    per_call = _per_call_dpu(usage, constants, plan, calibration, retry_factor, frame=statements)
    calls = per_call["calls_month"].to_numpy(dtype=float)
    dpu_month = {
        c: float(np.nansum(per_call[col].to_numpy(dtype=float) * calls)) for c, col in DPU_COLUMNS.items()
    }
    prices = {r: catalog.price(SERVICE, r, "dpu_per_million") for r in plan.active}
    storage_prices = {r: catalog.price(SERVICE, r, "storage_gb_month") for r in plan.active}
    items, by_region = _dpu_lines(name, plan, dpu_month, prices, multi_region=multi_region)
    items += _storage_lines(name, plan, usage.storage_gb, storage_prices, multi_region=multi_region)
    extra, free_dpu, free_storage = account_terms(
        name,
        items,
        active=plan.active,
        dpu_by_region=by_region,
        storage_gb=usage.storage_gb,
        scenario=scenario,
        catalog=catalog,
    )
    items += extra
    blended = sum(float(prices[r].value / DPU_PER_MILLION) * plan.split[r] for r in plan.active)
    used = [prices[r] for r in plan.active if plan.split[r] > 0] + list(storage_prices.values())
    details: dict[str, Any] = {
        "one_time": _one_time(usage, per_call, blended),
        "dpu_month": dpu_month,
        "dpu_month_total": sum(dpu_month.values()),
        "dpu_month_by_region": by_region,
        **_usage_details(usage),
        "free_tier_dpu_used": free_dpu,
        "free_tier_storage_gb_used": free_storage,
        "storage_gb": usage.storage_gb,
        **_plan_details(plan),
        "calibration": None if calibration is None else calibration.summary(),
        "transaction_overhead_dpu": transaction_overhead_dpu(usage),
        "estimators": dict(usage.estimators),
    }
    return OptionEstimate(
        name=name,
        kind=OptionKind.DSQL,
        title=_title(plan, multi_region=multi_region),
        line_items=tuple(items),
        statements=per_call.assign(monthly_usd=per_call["dpu_month"] * blended) if statements else None,
        details=details,
        assumptions=assumptions.used(),
        warnings=tuple(_warnings(usage, plan, used, calibration)),
    )


def _plan_and_record_split(
    usage: Usage, scenario: Scenario, catalog: PriceCatalog, *, multi_region: bool
) -> RegionPlan:
    """The region plan; a multi-region one records the traffic split it used as an assumption."""
    assumptions = usage.assumptions
    split_mode = str(assumptions.get("dsql_traffic_split")) if multi_region else "primary"
    plan = plan_regions(scenario, catalog, multi_region=multi_region, split_mode=split_mode)
    if multi_region:
        assumptions.record(
            "dsql_traffic_split_used",
            plan.split,
            "share of transactions per region",
            "scenario" if plan.split_source.startswith("scenario") else "default",
            plan.split_source,
        )
    return plan


def _per_call_dpu(
    usage: Usage,
    constants: DpuConstants,
    plan: RegionPlan,
    calibration: Calibration | None,
    retry_factor: pd.Series | np.ndarray | float | None,
    *,
    frame: bool = True,
) -> pd.DataFrame:
    """DPU per call by component for every statement, with the plan's peer count and calibration
    (``frame``: :func:`dpu_per_call`)."""
    assumptions = usage.assumptions
    retry = None
    if retry_factor is not None:
        retry = np.broadcast_to(np.asarray(retry_factor, dtype=float), (len(usage.statements),))
    return dpu_per_call(
        usage,
        constants,
        active_peers=len(plan.active),
        compute_ratio=float(assumptions.get("dsql_compute_ratio")),
        factors=calibration.factors if calibration is not None else None,
        terms=calibration.classes if calibration is not None else None,
        retry_factor=retry,
        retry_write_share=float(assumptions.get("occ_retry_write_share")),
        frame=frame,
    )


def _dpu_lines(
    name: str,
    plan: RegionPlan,
    dpu_month: Mapping[str, float],
    prices: Mapping[str, Price],
    *,
    multi_region: bool,
) -> tuple[list[LineItem], dict[str, float]]:
    """DPU line items per originating region (its traffic share), and the DPU billed per region.

    The multi-region write line appears only for a multi-region option, the OCC retry line only
    when retries cost something; a region with no traffic share has no DPU lines.
    """
    items: list[LineItem] = []
    by_region: dict[str, float] = {}
    for region in plan.active:
        share = plan.split[region]
        by_region[region] = sum(dpu_month.values()) * share
        if share == 0:
            continue
        for comp in COMPONENTS:
            if comp == "MultiRegionWriteDPU" and not multi_region:
                continue
            if comp == "OCCRetryDPU" and dpu_month[comp] == 0:
                continue
            items.append(
                _line(
                    name,
                    comp,
                    region,
                    dpu_month[comp] * share,
                    "DPU",
                    prices[region],
                    DPU_PER_MILLION,
                    note=f"{share:.0%} of transactions originate here" if multi_region else "",
                )
            )
    return items, by_region


def _storage_lines(
    name: str, plan: RegionPlan, storage_gb: float, prices: Mapping[str, Price], *, multi_region: bool
) -> list[LineItem]:
    """One storage line per active peer: every peer holds a full copy."""
    return [
        _line(
            name,
            "Storage",
            region,
            storage_gb,
            "GB-month",
            prices[region],
            Decimal(1),
            note="storage is billed in every peered region" if multi_region else "",
            usage_based=False,
        )
        for region in plan.active
    ]


def _warnings(
    usage: Usage, plan: RegionPlan, used: Sequence[Price], calibration: Calibration | None
) -> list[str]:
    """The usage's and the plan's warnings, statements without time, unconfirmed prices, calibration."""
    warnings = list(usage.warnings) + list(plan.notes)
    no_time = int(usage.statements["cpu_ms_per_call"].isna().sum())
    if no_time:
        warnings.append(f"{no_time} statement(s) without execution time: their ComputeDPU is not counted")
    warnings += [f"unconfirmed price used: {p.ref}" for p in used if not p.confirmed]
    if calibration is not None:
        warnings.append(f"calibration applied from {calibration.source}: factors {calibration.describe()}")
        warnings += [f"calibration {calibration.source}: {w}" for w in calibration.warnings]
    return warnings


def _title(plan: RegionPlan, *, multi_region: bool) -> str:
    """The option's heading: its regions, and the witness of a multi-region cluster."""
    if multi_region:
        return f"Aurora DSQL, multi-region ({' + '.join(plan.active)}, witness {plan.witness})"
    return f"Aurora DSQL, single region ({plan.active[0]})"


def _usage_details(usage: Usage) -> dict[str, Any]:
    """The transaction figures the report prints beside the DPU."""
    return {
        "txns_month": usage.txns_month,
        "write_txns_month": usage.write_txns_month,
        "statements_per_txn": usage.statements_per_txn,
        "writes_per_write_txn": usage.writes_per_write_txn,
    }


def _plan_details(plan: RegionPlan) -> dict[str, Any]:
    """Where the option runs and how its traffic is split."""
    return {
        "active_regions": list(plan.active),
        "witness": plan.witness,
        "traffic_split": plan.split,
        "traffic_split_source": plan.split_source,
    }


PLAN_COMPONENTS = ("ComputeDPU", "ReadDPU", "WriteDPU", "MultiRegionWriteDPU", "OCCRetryDPU", "FreeTierDPU")
"""DPU lines a Database Savings Plan covers (net of the free tier); storage stays on demand."""


class DsqlPricer:
    """DSQL single-region always; multi-region too when the scenario names peers."""

    name = "dsql"

    def price(self, inputs: PricingInput) -> list[PricedOption]:
        """Both DSQL options the scenario asks for, each with its exact cost curve."""
        scenario, catalog = inputs.scenario, inputs.catalog
        free = (
            float(catalog.fact(SERVICE, "free_tier.dpu_per_month").value) if scenario.dsql.free_tier else 0.0
        )
        shapes = (False, True) if scenario.regions.dsql_peers else (False,)
        priced = []
        for multi_region in shapes:
            estimate = estimate_dsql(
                inputs.usage,
                scenario,
                catalog,
                multi_region=multi_region,
                calibration=inputs.calibration,
                retry_factor=inputs.retry_factor,
                statements=inputs.statements,
            )
            curve = dsql_cost_curve(
                estimate,
                free_tier_dpu=free,
                conflict_rate=inputs.conflict_rate,
                max_attempts=float(inputs.usage.assumptions.get("occ_max_attempts")),
            )
            priced.append(PricedOption(estimate, curve))
        plan = scenario.savings_plan
        if not plan.enabled:
            return priced
        # DPU follows the load: the plan's hourly spend has the shape of the scenario's week
        load = week_profile(scenario, series=inputs.series).hourly()
        terms = plan_terms(catalog, SERVICE, plan.dsql_rate)
        return with_plan_variants(priced, {p.estimate.name: load for p in priced}, PLAN_COMPONENTS, terms)
