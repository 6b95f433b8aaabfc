"""OCC conflict model: how often DSQL transactions will abort with OC000, and what retries cost.

DSQL takes no locks: two transactions that write the same row both run, and the later committer
fails (``40001``/``OC000``) and must retry the whole transaction. The risk is therefore a number
we can estimate from the workload (full derivation and every assumption: ``docs/occ-model.md``):

1. **Write patterns.** Statements that write (UPDATE, DELETE, MERGE, INSERT … ON CONFLICT) or are
   adjudicated as writes (SELECT … FOR UPDATE) are grouped by *target table + key shape + key
   columns* (from :mod:`costmodel.classify`). Plain INSERTs of new rows conflict only on duplicate
   keys and are left out; FOR KEY SHARE (conflicts only with deletes and key changes) too.
2. **Key space K** — how many distinct rows (or row groups) the pattern spreads over: ``constant``
   and ``whole_table`` keys are one "row"; ``parameter`` and ``upsert`` keys spread over the key
   columns' space (the table's row estimate when they cover the primary key or a unique index, else
   the product of their ``n_distinct``, capped at the row estimate); ``tenant`` keys over tenants
   (``n_distinct`` of the tenant column) × keys per tenant; ``range`` writes over row estimate ÷
   rows per call disjoint spans. Missing catalog facts fall back to stated defaults.
3. **Rate at the peak.** Calls per second = calls per month ÷ seconds per month (growth included)
   × peak-to-mean: the busiest hour of the scenario's time profile over its mean hour
   (:func:`costmodel.activity.week_profile`: a preset, hour weights, or the measured series), or
   the ``occ_peak_to_mean`` assumption when no profile can be built.
4. **Transaction window T** = the pattern's execution time + (statements per transaction − 1) ×
   (mean statement time + client round trip) + the commit latency of the region set
   (``costmodel/data/commit_latency.yaml``).
5. **Conflict rate on the same rows.** For pattern *i*, λᵢ = Σⱼ rateⱼ × Pᵢⱼ over patterns *j* on the
   same table (including *i* itself): Pᵢⱼ = 1 when either is whole-table, 1/max(Kᵢ, Kⱼ) for the
   pattern itself or when both key the same columns, and min(1, N/(Kᵢ·Kⱼ)) otherwise (ranges,
   different key columns: random subsets of N/K rows each of a table of N rows). So pgbench's tellers and branches updates, or two statements
   updating one counter row, conflict with each other.
6. **Probability and retries.** pᵢ = 1 − exp(−λᵢ·Tᵢ) (Poisson arrivals of conflicting commits during
   the window); expected attempts 1/(1 − p), capped at ``occ_max_attempts`` and flagged
   *saturated* at the cap. A statement's retry factor is attempts − 1; inside multi-statement
   transactions a statement re-runs whenever its transaction does, so it gets at least the
   workload's transaction-level retry factor. ``predicted_conflict_rate`` = Σ calls × p over write
   statements ÷ transactions (capped at 1), read against 1 % and 5 % (low / elevated / high).

First-order on purpose: retries are not fed back into the rates, and transaction composition is
inferred from averages, not observed. The model ranks patterns and sizes the risk; CloudWatch
``OccConflicts`` on a trial cluster is the measurement to calibrate it against.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from costmodel.assumptions import AssumptionSet
from costmodel.errors import CostModelError
from costmodel.estimate import Assumption
from costmodel.profile import KeyShape, LockStrength, ParseStatus, StatementKind
from costmodel.scenario import Scenario
from costmodel.timebase import SECONDS_PER_MONTH
from costmodel.workload import CatalogFacts, TableFacts, Workload
from costmodel.yamlio import safe_load

COMMIT_LATENCY_FILE = "commit_latency.yaml"
ASSUMPTION_KEYS = (
    "occ_peak_to_mean", "occ_commit_latency_ms", "occ_statement_round_trip_ms", "occ_default_key_space",
    "occ_default_tenants", "occ_default_rows_per_tenant", "occ_max_attempts", "occ_risk_elevated",
    "occ_risk_high", "occ_hot_spot_probability", "occ_hot_key_space",
)  # fmt: skip
"""The assumptions this model reads (declared in costmodel/data/assumptions/contention.yaml)."""
MS_PER_SECOND = 1000.0
_WRITE_KINDS = frozenset({StatementKind.UPDATE.value, StatementKind.DELETE.value, StatementKind.MERGE.value})
_ONE_ROW = frozenset({KeyShape.CONSTANT.value, KeyShape.WHOLE_TABLE.value})
_KEYED = frozenset(
    {KeyShape.PARAMETER.value, KeyShape.UPSERT.value, KeyShape.TENANT.value, KeyShape.CONSTANT.value}
)


class Risk(StrEnum):
    """OCC risk level from the predicted conflict rate."""

    LOW = "low"
    """Below ``occ_risk_elevated`` (1 %) of transactions conflict."""
    ELEVATED = "elevated"
    """Between 1 % and 5 %: retries are visible in latency and DPU; fix the hot spots."""
    HIGH = "high"
    """5 % or more: throughput collapses into retries at the peak; redesign the hot spots first."""


@dataclass(frozen=True)
class CommitLatency:
    """Commit latency of a region set and how it was derived."""

    ms: float
    basis: str


@dataclass(frozen=True, eq=False)
class Contention:
    """The conflict model's result for one workload under one scenario.

    ``patterns``: one row per write pattern — ``table``, ``key_shape``, ``key_columns``,
    ``stmt_ids``, ``stmt_id`` (most-called), ``query``, ``calls_month``, ``rate_per_s`` (peak),
    ``key_space``, ``key_space_basis``, ``txn_ms``, ``conflict_rate_per_s`` (λ),
    ``conflict_probability``, ``conflicts_per_s``, ``attempts``, ``saturated``, ``extra_dpu_month``
    (NaN without DPU per call), ``extra_share`` (this pattern's retry work ÷ the workload's work
    including retries; DPU, or execution time as the proxy), ``hot``. In multi-statement
    transactions a retry re-runs every statement, so the retry work is split among patterns by the
    conflicts they cause.
    ``hot_spots`` is the subset flagged hot, worst first. ``retry_factors`` and
    ``conflict_probability`` are per statement, indexed like ``workload.statements``.
    """

    patterns: pd.DataFrame
    hot_spots: pd.DataFrame
    predicted_conflict_rate: float
    risk: Risk
    retry_factors: pd.Series
    conflict_probability: pd.Series
    commit_latency: CommitLatency
    peak_to_mean: float
    peak_basis: str
    statements_per_txn: float
    txns_per_s_peak: float
    residual_conflict_rate: float
    """The predicted conflict rate if the hot spots were fixed (their statements no longer conflict):
    how much of the risk the hot spots explain."""
    extra_dpu_share: float
    """Retry work ÷ (work + retry work): the share of the DSQL bill that is retries (DPU when known,
    else execution time as the proxy)."""
    thresholds: tuple[float, float] = (0.01, 0.05)
    assumptions: tuple[Assumption, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the report contract's ``contention`` section, plus details)."""
        return {
            "predicted_conflict_rate": self.predicted_conflict_rate,
            "risk": self.risk.value,
            "residual_conflict_rate": self.residual_conflict_rate,
            "thresholds": {"elevated": self.thresholds[0], "high": self.thresholds[1]},
            "commit_latency_ms": self.commit_latency.ms,
            "commit_latency_basis": self.commit_latency.basis,
            "peak_to_mean": self.peak_to_mean,
            "peak_basis": self.peak_basis,
            "statements_per_txn": self.statements_per_txn,
            "txns_per_s_peak": self.txns_per_s_peak,
            "extra_dpu_share": self.extra_dpu_share,
            "hot_spots": _records(self.hot_spots),
            "patterns": _records(self.patterns),
            "assumptions": [
                {
                    "key": a.key,
                    "value": a.value,
                    "unit": a.unit,
                    "source": a.source,
                    "description": a.description,
                }
                for a in self.assumptions
            ],
            "notes": list(self.notes),
        }


def _dict_rows(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Rows as dicts via column lists (``DataFrame.to_dict('records')`` is ~20× slower)."""
    names = [str(c) for c in frame.columns]
    for values in zip(*(frame[c].tolist() for c in frame.columns)):
        yield dict(zip(names, values))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in _dict_rows(frame):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, (np.floating, float)):
                value = None if math.isnan(float(value)) else float(value)
            elif isinstance(value, (np.integer,)):
                value = int(value)
            elif isinstance(value, np.bool_):
                value = bool(value)
            clean[str(key)] = value
        out.append(clean)
    return out


# --- commit latency --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _latency_table() -> dict[str, Any]:
    text = (resources.files("costmodel") / "data" / COMMIT_LATENCY_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = safe_load(text)
    return data


def round_trip_ms(a: str, b: str) -> float | None:
    """Assumed round trip between two regions from commit_latency.yaml (None when not listed)."""
    pairs = _latency_table()["round_trip_ms"]
    value = pairs.get(f"{a}|{b}", pairs.get(f"{b}|{a}"))
    return None if value is None else float(value)


def commit_latency(scenario: Scenario, assumptions: AssumptionSet) -> CommitLatency:
    """Commit latency of the scenario's DSQL region set (override: ``occ_commit_latency_ms``).

    Multi-region: single-region quorum + round trip to the nearest other member (peer or witness)
    from each originating region, weighted by ``regions.traffic_split`` (else all in the primary).
    """
    override = assumptions.get("occ_commit_latency_ms")
    if override is not None:
        return CommitLatency(float(override), f"occ_commit_latency_ms = {float(override):g} ms")
    table = _latency_table()
    base = float(table["single_region_ms"])
    regions = scenario.regions
    members = [regions.primary, *regions.dsql_peers] + (
        [regions.dsql_witness] if regions.dsql_witness else []
    )
    if not regions.dsql_peers:
        value, basis = base, f"single region {regions.primary}: {base:g} ms (commit_latency.yaml)"
    else:
        split = regions.traffic_split or {regions.primary: 1.0}
        value, parts = 0.0, []
        for origin, weight in split.items():
            others = [m for m in members if m != origin]
            rtts = [(round_trip_ms(origin, m), m) for m in others]
            known = [(r, m) for r, m in rtts if r is not None]
            rtt, nearest = min(known) if known else (float(table["unknown_pair_rtt_ms"]), "unlisted region")
            one = base + float(table["rtt_multiplier"]) * rtt
            value += float(weight) * one
            parts.append(f"{origin}→{nearest} {rtt:g} ms")
        value /= sum(float(w) for w in split.values()) or 1.0
        basis = f"multi-region {'+'.join(members)}: {base:g} ms quorum + round trip ({', '.join(parts)})"
    assumptions.record(
        "occ_commit_latency_ms", value, "ms", "default (commit_latency.yaml)", f"Commit latency: {basis}"
    )
    return CommitLatency(value, basis)


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rates:
    calls_month: pd.Series
    exec_ms: pd.Series
    spt: float
    txns_month: float
    is_control: pd.Series


def _rates(workload: Workload, usage: Any, scenario: Scenario) -> _Rates:
    """Monthly calls, ms per call, statements per transaction: from Usage when given, else counters."""
    df = workload.statements
    kinds = _col(df, "kind")
    control = kinds.eq(StatementKind.TRANSACTION.value) | _col(df, "transaction_control").notna()
    if usage is not None:
        st = usage.statements.reindex(df.index)
        calls = pd.to_numeric(st["calls_month"], errors="coerce").fillna(0.0)
        exec_ms = pd.to_numeric(st["exec_ms_per_call"], errors="coerce").fillna(0.0)
        return _Rates(calls, exec_ms, float(usage.statements_per_txn), float(usage.txns_month), control)
    raw_calls = pd.to_numeric(df["calls"], errors="coerce").fillna(0.0)
    calls = raw_calls * (SECONDS_PER_MONTH / float(workload.window.seconds)) * float(scenario.growth)
    total = pd.to_numeric(df.get("total_exec_time", pd.Series(np.nan, index=df.index)), errors="coerce")
    exec_ms = (total / raw_calls.where(raw_calls > 0)).fillna(0.0)
    tc = _col(df, "transaction_control")
    begins = float(calls[tc.eq("begin")].sum())
    work = float(calls[~control].sum())
    spt = float(scenario.statements_per_txn or (max(1.0, work / begins) if begins > 0 else 1.0))
    return _Rates(calls, exec_ms, spt, work / spt if spt > 0 else work, control)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype(object) if name in df.columns else pd.Series(None, index=df.index, dtype=object)


def peak_to_mean(workload: Workload, scenario: Scenario, assumptions: AssumptionSet) -> tuple[float, str]:
    """Peak-hour ÷ mean rate of the scenario's time profile (:func:`costmodel.activity.week_profile`).

    Falls back to the ``occ_peak_to_mean`` assumption when the profile cannot be built (e.g. a
    ``measured`` profile without an activity series) or has no activity.
    """
    from costmodel.activity import week_profile

    try:
        hourly = week_profile(scenario, series=workload.series, assumptions=assumptions).hourly()
    except CostModelError as exc:
        return float(assumptions.get("occ_peak_to_mean")), f"assumption occ_peak_to_mean ({exc.message})"
    mean = float(hourly.mean())
    if not mean > 0:
        return float(
            assumptions.get("occ_peak_to_mean")
        ), "assumption occ_peak_to_mean (profile without activity)"
    ratio = max(1.0, float(hourly.max()) / mean)
    kind = str(scenario.time_profile.kind)
    assumptions.record(
        "occ_peak_to_mean", ratio, "ratio", "scenario", f"Peak hour ÷ mean hour of the {kind} time profile"
    )
    return ratio, f"{kind} time profile"


# --- key spaces --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Defaults:
    keys: float
    tenants: float
    per_tenant: float


def _rows(facts: TableFacts | None) -> float | None:
    if facts is None or facts.row_estimate is None or not facts.row_estimate > 0:
        return None
    return float(facts.row_estimate)


def _unique(facts: TableFacts, columns: tuple[str, ...]) -> bool:
    cols = {c.lower() for c in columns}
    keys = [facts.primary_key] if facts.primary_key else []
    keys += [ix.columns for ix in facts.indexes if ix.unique or ix.primary]
    return any(key and {c.lower() for c in key} <= cols for key in keys)


def key_space(
    shape: str,
    columns: tuple[str, ...],
    tenant: str | None,
    facts: TableFacts | None,
    rows_per_call: float,
    d: _Defaults,
) -> tuple[float, str]:
    """Distinct keys (rows or row groups) a write pattern spreads over, and why that number."""
    if shape in _ONE_ROW:
        return 1.0, "one row" if shape == KeyShape.CONSTANT.value else "whole table (one unit)"
    rows = _rows(facts)
    if shape == KeyShape.RANGE.value:
        span = max(1.0, rows_per_call if rows_per_call > 0 else 1.0)
        base, why = (rows, "row estimate") if rows else (d.keys, "occ_default_key_space")
        return max(1.0, base / span), f"{why} ÷ {span:,.0f} rows per call"
    if shape not in _KEYED or not columns:
        return (
            (rows, "row estimate (key shape unknown)")
            if rows
            else (d.keys, "occ_default_key_space (key shape unknown)")
        )
    if facts is None:
        if shape == KeyShape.TENANT.value:
            extra = len(columns) > 1
            value = d.tenants * (d.per_tenant if extra else 1.0)
            return value, "occ_default_tenants" + (" × occ_default_rows_per_tenant" if extra else "")
        return d.keys, "occ_default_key_space (no catalog facts)"
    if rows and _unique(facts, columns):
        return rows, "unique key: row estimate"
    nd = {c: facts.column_n_distinct.get(c) for c in columns}
    known = {c: float(v) for c, v in nd.items() if v is not None and v > 0}
    value, parts = 1.0, []
    for col in columns:
        if col in known:
            value *= known[col]
            parts.append(f"n_distinct({col})")
        elif col == tenant:
            value *= d.tenants
            parts.append("occ_default_tenants")
    unknown = [c for c in columns if c not in known and c != tenant]
    if unknown:
        if rows:
            value = rows
            parts = ["row estimate (n_distinct unknown)"]
        else:
            value *= d.per_tenant if shape == KeyShape.TENANT.value else d.keys
            parts.append(
                "occ_default_rows_per_tenant" if shape == KeyShape.TENANT.value else "occ_default_key_space"
            )
    if rows:
        value = min(value, rows)
    return max(1.0, value), " × ".join(parts)


# --- the model ---------------------------------------------------------------------------------------


def _targets(row: dict[Any, Any]) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """(table, key shape, key columns, tenant column) this statement writes or locks; [] if none."""
    status = row.get("parse_status")
    if status is not None and status != ParseStatus.OK.value:
        return []
    kind = row.get("kind")
    shape = str(row.get("key_shape") or KeyShape.UNKNOWN.value)
    cols = tuple(row.get("key_columns") or ())
    tenant = row.get("tenant_column")
    if kind == StatementKind.SELECT.value and row.get("lock_strength") == LockStrength.FOR_UPDATE.value:
        tables = tuple(row.get("tables_read") or ())
    elif kind in _WRITE_KINDS or (kind == StatementKind.INSERT.value and shape == KeyShape.UPSERT.value):
        tables = tuple(row.get("tables_written") or ())
    else:
        return []
    if len(tables) == 1:
        return [(tables[0], shape, cols, tenant)]
    return [(t, KeyShape.UNKNOWN.value, (), None) for t in tables]


def _pair_probability(i: dict[str, Any], j: dict[str, Any], rows: float | None, *, same: bool) -> float:
    """Chance that a call of pattern j touches a row a call of pattern i touches (same table).

    Same pattern, or the same key columns: 1/K (calls pick one of K keys). Whole table: 1.
    Otherwise the calls touch random subsets of N/Kᵢ and N/Kⱼ rows of N: min(1, N/(Kᵢ·Kⱼ)).
    """
    if KeyShape.WHOLE_TABLE.value in (i["key_shape"], j["key_shape"]):
        return 1.0
    ki, kj = float(i["key_space"]), float(j["key_space"])
    if same or (i["key_columns"] and set(i["key_columns"]) == set(j["key_columns"])):
        return 1.0 / max(ki, kj)
    n = rows if rows else max(ki, kj)
    return min(1.0, n / (ki * kj))


def _conflict_rates(group: list[dict[str, Any]], rows: float | None) -> np.ndarray:
    """λ of every pattern of one table: Σ_b rate_b × :func:`_pair_probability` (a, b), as one matrix.

    The same rules as :func:`_pair_probability`, vectorised: a table can carry hundreds of write
    patterns, and the pairwise sum is quadratic in them.
    """
    m = len(group)
    rate = np.array([p["rate_per_s"] for p in group], dtype=float)
    if m == 1:
        return rate * _pair_probability(group[0], group[0], rows, same=True)
    k = np.array([float(p["key_space"]) for p in group], dtype=float)
    whole = np.array([p["key_shape"] == KeyShape.WHOLE_TABLE.value for p in group], dtype=bool)
    cols = [frozenset(p["key_columns"]) if p["key_columns"] else None for p in group]
    codes = {c: i for i, c in enumerate(dict.fromkeys(c for c in cols if c is not None))}
    col_id = np.array([codes[c] if c is not None else -1 - i for i, c in enumerate(cols)])
    same_key = (col_id[:, None] == col_id[None, :]) | np.eye(m, dtype=bool)
    kmax = np.maximum(k[:, None], k[None, :])
    n = rows if rows else None
    spread = np.minimum(1.0, (n if n is not None else kmax) / (k[:, None] * k[None, :]))
    prob = np.where(same_key, 1.0 / kmax, spread)
    prob = np.where(whole[:, None] | whole[None, :], 1.0, prob)
    return np.asarray(prob @ rate)


_TARGET_COLUMNS = (
    "parse_status", "kind", "key_shape", "key_columns", "tenant_column", "lock_strength", "tables_read",
    "tables_written",
)  # fmt: skip


def _groups(
    df: pd.DataFrame, calls: np.ndarray
) -> dict[tuple[str, str, tuple[str, ...], str | None], list[int]]:
    """Positions of the statements of each write pattern (table, shape, key columns, tenant column)."""
    members: dict[tuple[str, str, tuple[str, ...], str | None], list[int]] = {}
    if "key_shape" not in df.columns:
        return members
    present = [c for c in _TARGET_COLUMNS if c in df.columns]
    for pos, row in enumerate(_dict_rows(df[present])):
        if calls[pos] > 0:
            for table, shape, cols, tenant in _targets(row):
                members.setdefault((table, shape, cols, tenant), []).append(pos)
    return members


_GROUP_CACHE: dict[int, tuple[weakref.ref[pd.DataFrame], bytes, dict[Any, list[int]]]] = {}
_GROUP_CACHE_SIZE = 8


def _cached_groups(df: pd.DataFrame, calls: np.ndarray) -> dict[Any, list[int]]:
    """:func:`_groups`, remembered per statement table: the write patterns depend only on the
    classification and on which statements ran, not on the scenario, and the dashboard re-runs the
    model on every what-if (the table is held by a weak reference and checked by identity)."""
    ran = (calls > 0).tobytes()
    hit = _GROUP_CACHE.get(id(df))
    if hit is not None and hit[0]() is df and hit[1] == ran:
        return hit[2]
    members = _groups(df, calls)
    _GROUP_CACHE[id(df)] = (weakref.ref(df), ran, members)
    while len(_GROUP_CACHE) > _GROUP_CACHE_SIZE:
        _GROUP_CACHE.pop(next(iter(_GROUP_CACHE)))
    return members


def assess_contention(
    workload: Workload,
    usage: Any,
    scenario: Scenario,
    assumptions: AssumptionSet,
    *,
    statement_dpu: pd.Series | None = None,
) -> Contention:
    """The OCC conflict model (module docstring) for ``workload`` under ``scenario``.

    ``usage`` is a :class:`costmodel.usage.Usage` (calls per month with growth, ms per call,
    statements per transaction) or None to derive those from the counters. ``statement_dpu``
    (DPU billed per attempt, indexed like the statements) turns retry factors into extra DPU per
    month.
    """
    df = workload.statements
    notes: list[str] = []
    rates = _rates(workload, usage, scenario)
    ratio, peak_basis = peak_to_mean(workload, scenario, assumptions)
    latency = commit_latency(scenario, assumptions)
    rtt = float(assumptions.get("occ_statement_round_trip_ms"))
    d = _Defaults(
        float(assumptions.get("occ_default_key_space")),
        float(assumptions.get("occ_default_tenants")),
        float(assumptions.get("occ_default_rows_per_tenant")),
    )
    cap = float(assumptions.get("occ_max_attempts"))
    elevated, high = float(assumptions.get("occ_risk_elevated")), float(assumptions.get("occ_risk_high"))
    hot_p, hot_k = (
        float(assumptions.get("occ_hot_spot_probability")),
        float(assumptions.get("occ_hot_key_space")),
    )
    if "key_shape" not in df.columns:
        notes.append("workload not classified: no write patterns could be found")

    calls = rates.calls_month.to_numpy(dtype=float)
    exec_ms = rates.exec_ms.to_numpy(dtype=float)
    work = ~rates.is_control.to_numpy(dtype=bool)
    total_work = float(calls[work].sum())
    mean_exec = float((calls * exec_ms)[work].sum() / total_work) if total_work > 0 else 0.0
    extra_window = max(0.0, rates.spt - 1.0) * (mean_exec + rtt) + latency.ms
    raw_calls = pd.to_numeric(df["calls"], errors="coerce").to_numpy(dtype=float)
    raw_rows = (
        pd.to_numeric(df["rows"], errors="coerce").to_numpy(dtype=float) if "rows" in df.columns else None
    )
    per_call_rows = (
        np.divide(raw_rows, raw_calls, out=np.full(len(df), np.nan), where=raw_calls > 0)
        if raw_rows is not None
        else np.full(len(df), np.nan)
    )

    members = _cached_groups(df, calls)
    pats = _patterns(members, df, calls, exec_ms, per_call_rows, workload.catalog, d, ratio, extra_window)
    conflict_p = np.zeros(len(df))
    by_table: dict[str, list[int]] = {}
    for k, pat in enumerate(pats):
        by_table.setdefault(pat["table"], []).append(k)
    for ks in by_table.values():
        lams = _conflict_rates([pats[k] for k in ks], pats[ks[0]]["table_rows"])
        for a, lam in zip(ks, lams):
            pats[a]["conflict_rate_per_s"] = float(lam)
            pats[a]["conflict_probability"] = 1.0 - math.exp(-float(lam) * pats[a]["txn_ms"] / MS_PER_SECOND)
    for pat in pats:
        pos = pat["_members"]
        conflict_p[pos] = 1.0 - (1.0 - conflict_p[pos]) * (1.0 - pat["conflict_probability"])

    txns = rates.txns_month if rates.txns_month > 0 else total_work
    rate = min(1.0, float((calls * conflict_p).sum()) / txns) if txns > 0 else 0.0
    retry = _attempts(conflict_p, cap) - 1.0
    if rates.spt > 1.0:
        txn_retry = float(_attempts(np.array([rate]), cap)[0]) - 1.0
        retry = np.maximum(retry, txn_retry)
        notes.append(
            f"{rates.spt:.2g} statements per transaction: every statement re-runs when its transaction retries "
            f"(transaction-level retry factor {txn_retry:.3g})"
        )
    units = _work_units(rates, statement_dpu)
    extra_units = retry * units
    total_extra = float(extra_units.sum())
    billed = float(units.sum()) + total_extra
    caused = np.array([p["calls_month"] * p["conflict_probability"] for p in pats])
    hot_pos: set[int] = set()
    for k, pat in enumerate(pats):
        if rates.spt > 1.0:  # a retry re-runs the whole transaction: split retry work by conflicts caused
            extra = total_extra * caused[k] / float(caused.sum()) if float(caused.sum()) > 0 else 0.0
        else:
            extra = float(extra_units[pat["_members"]].sum())
        pat["attempts"] = float(_attempts(np.array([pat["conflict_probability"]]), cap)[0])
        pat["saturated"] = pat["attempts"] >= cap
        pat["extra_dpu_month"] = extra if statement_dpu is not None else math.nan
        pat["extra_share"] = extra / billed if billed > 0 else 0.0
        pat["hot"] = pat["conflict_probability"] >= hot_p or pat["key_space"] <= hot_k
        pat["conflicts_per_s"] = pat["rate_per_s"] * pat["conflict_probability"]
        if pat["hot"]:
            hot_pos.update(pat["_members"])
    frame = _pattern_table(pats)
    saturated = int(frame["saturated"].sum()) if not frame.empty else 0
    if saturated:
        notes.append(
            f"{saturated} pattern(s) saturated: conflicts are near certain at the peak, attempts capped at {cap:g}"
        )
    hot = frame[frame["hot"].astype(bool)].reset_index(drop=True) if not frame.empty else frame
    cold = np.ones(len(df), dtype=bool)
    cold[list(hot_pos)] = False
    residual = min(1.0, float((calls * conflict_p)[cold].sum()) / txns) if txns > 0 else 0.0
    risk = Risk.HIGH if rate >= high else Risk.ELEVATED if rate >= elevated else Risk.LOW
    if statement_dpu is None:
        notes.append("extra retry work measured in execution time (no DPU per call given)")
    return Contention(
        patterns=frame,
        hot_spots=hot,
        predicted_conflict_rate=rate,
        risk=risk,
        residual_conflict_rate=residual,
        retry_factors=pd.Series(retry, index=df.index, name="retry_factor"),
        conflict_probability=pd.Series(conflict_p, index=df.index, name="conflict_probability"),
        commit_latency=latency,
        peak_to_mean=ratio,
        peak_basis=peak_basis,
        statements_per_txn=rates.spt,
        txns_per_s_peak=txns / SECONDS_PER_MONTH * ratio,
        extra_dpu_share=total_extra / billed if billed > 0 else 0.0,
        thresholds=(elevated, high),
        assumptions=tuple(a for a in assumptions.used() if a.key in ASSUMPTION_KEYS),
        notes=tuple(notes),
    )


def _attempts(p: np.ndarray, cap: float) -> np.ndarray:
    """Expected attempts per commit, 1/(1 − p), capped."""
    return np.minimum(1.0 / np.maximum(1.0 - p, 1.0 / cap), cap)


def _work_units(rates: _Rates, dpu: pd.Series | None) -> np.ndarray:
    """Work per statement per month: DPU when known, else execution time (the proxy)."""
    calls = rates.calls_month.to_numpy(dtype=float)
    if dpu is not None:
        per = dpu.reindex(rates.calls_month.index).to_numpy(dtype=float)
    else:
        per = rates.exec_ms.to_numpy(dtype=float)
    return np.nan_to_num(calls * per, nan=0.0)


_PATTERN_COLUMNS = (
    "table", "key_shape", "key_columns", "tenant_column", "stmt_id", "stmt_ids", "query", "calls_month",
    "rate_per_s", "key_space", "key_space_basis", "txn_ms", "conflict_rate_per_s", "conflict_probability",
    "conflicts_per_s", "attempts", "saturated", "extra_dpu_month", "extra_share", "hot",
)  # fmt: skip


def _pattern_table(pats: list[dict[str, Any]]) -> pd.DataFrame:
    """The public patterns table, worst first (conflicts per second, then rate)."""
    if not pats:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _PATTERN_COLUMNS})
    frame = pd.DataFrame([{c: p[c] for c in _PATTERN_COLUMNS} for p in pats])
    return frame.sort_values(["conflicts_per_s", "rate_per_s"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def _patterns(
    members: dict[tuple[str, str, tuple[str, ...], str | None], list[int]],
    df: pd.DataFrame,
    calls: np.ndarray,
    exec_ms: np.ndarray,
    per_call_rows: np.ndarray,
    catalog: CatalogFacts | None,
    d: _Defaults,
    ratio: float,
    extra_window: float,
) -> list[dict[str, Any]]:
    """One record per write pattern with its rate, key space and transaction window."""
    ids = [str(v) for v in (df["stmt_id"] if "stmt_id" in df.columns else df.index)]
    queries = list(df["query"]) if "query" in df.columns else [None] * len(df)
    out = []
    for (table, shape, cols, tenant), positions in members.items():
        pos = np.array(positions)
        c = calls[pos]
        total = float(c.sum())
        facts = catalog.table(table) if catalog is not None else None
        rows = per_call_rows[pos]
        known = ~np.isnan(rows)
        rpc = (
            float((rows[known] * c[known]).sum() / c[known].sum())
            if known.any() and c[known].sum() > 0
            else 1.0
        )
        space, basis = key_space(shape, cols, tenant, facts, rpc, d)
        order = pos[np.argsort(-c, kind="stable")]
        out.append(
            {
                "table": table,
                "key_shape": shape,
                "key_columns": cols,
                "tenant_column": tenant,
                "stmt_id": ids[order[0]],
                "stmt_ids": tuple(ids[i] for i in order),
                "query": queries[order[0]],
                "calls_month": total,
                "rate_per_s": total / SECONDS_PER_MONTH * ratio,
                "key_space": space,
                "key_space_basis": basis,
                "txn_ms": float((exec_ms[pos] * c).sum() / total) + extra_window,
                "table_rows": _rows(facts),
                "_members": pos,
            }
        )
    return out


def contention_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a pattern or hot-spot table (what :meth:`Contention.to_dict` lists)."""
    return _records(frame)
