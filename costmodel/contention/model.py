"""OCC conflict model: how often DSQL transactions will abort with OC000, and what retries cost.

DSQL takes no locks: two transactions that write the same row both run, and the later committer
fails (``40001``/``OC000``) and must retry the whole transaction. The risk is therefore a number
we can estimate from the workload (full derivation and every assumption: ``docs/occ-model.md``):

1. **Write patterns.** Statements that write (UPDATE, DELETE, MERGE, INSERT … ON CONFLICT) or are
   adjudicated as writes (SELECT … FOR UPDATE) are grouped by *target table + key shape + key
   columns* (from :mod:`costmodel.classify.frame`). Plain INSERTs of new rows conflict only on duplicate
   keys and are left out; FOR KEY SHARE (conflicts only with deletes and key changes) too.
2. **Key space K** — how many distinct rows (or row groups) the pattern spreads over: ``constant``
   and ``whole_table`` keys are one "row"; ``parameter`` and ``upsert`` keys spread over the key
   columns' space (the table's row estimate when they cover the primary key or a unique index, else
   the product of their ``n_distinct``, capped at the row estimate); ``tenant`` keys over tenants
   (``n_distinct`` of the tenant column) × keys per tenant; ``range`` writes over row estimate ÷
   rows per call disjoint spans. Missing catalog facts fall back to stated defaults.
3. **Rate at the peak.** Calls per second = calls per month ÷ seconds per month (growth included)
   × peak-to-mean: the busiest hour of the scenario's time profile over its mean hour
   (:func:`costmodel.scenario.activity.week_profile`: a preset, hour weights, or the measured series), or
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
   *saturated* at the cap. A saturated pattern's retries per commit are also bounded by the
   transactions in flight (``occ_concurrent_transactions``, measured or given): the first committer
   wins and aborts only the transactions in flight with it, so with n clients a commit costs at
   most n − 1 aborted attempts, whatever the geometric count of an open arrival stream says. A statement's retry factor is attempts − 1; inside multi-statement
   transactions a statement re-runs whenever its transaction does, so it gets at least the
   workload's transaction-level retry factor. ``predicted_conflict_rate`` = Σ calls × p over write
   statements ÷ transactions (capped at 1), read against 1 % and 5 % (low / elevated / high).

First-order on purpose: retries are not fed back into the rates, and transaction composition is
inferred from averages, not observed. The model ranks patterns and sizes the risk; CloudWatch
``OccConflicts`` on a trial cluster is the measurement to calibrate it against.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from costmodel.contention.cache import TableCache
from costmodel.core.assumptions import AssumptionSet
from costmodel.core.checkpoint import checkpoint
from costmodel.core.errors import CostModelError
from costmodel.core.estimate import Assumption
from costmodel.core.profile import KeyShape, LockStrength, ParseStatus, StatementKind
from costmodel.core.timebase import SECONDS_PER_MONTH
from costmodel.core.workload import CatalogFacts, TableFacts, Workload
from costmodel.core.yamlio import safe_load
from costmodel.scenario.activity import week_profile
from costmodel.scenario.model import Scenario

COMMIT_LATENCY_FILE = "commit_latency.yaml"
ASSUMPTION_KEYS = (
    "occ_peak_to_mean", "occ_commit_latency_ms", "occ_statement_round_trip_ms", "occ_default_key_space",
    "occ_default_tenants", "occ_default_rows_per_tenant", "occ_max_attempts", "occ_risk_elevated",
    "occ_risk_high", "occ_hot_spot_probability", "occ_hot_key_space", "occ_lock_wait_ratio",
    "occ_concurrent_transactions",
)  # fmt: skip
"""The assumptions this model reads (declared in costmodel/data/assumptions/contention.yaml)."""
MS_PER_SECOND = 1000.0
SATURATED_GIVE_UP = 0.1
"""A pattern is *saturated* when this share of its commits exhausts every attempt of the retry policy."""
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
    UNKNOWN = "unknown"
    """Key spaces are assumed (no row counts) and the conflict-rate range spans more than one level."""


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
    conflict_rate_range: tuple[float, float] = (0.0, 0.0)
    """The predicted conflict rate with every assumed key space at its plausible size (low) and at
    one key (high); equal to the point estimate when no key space is assumed."""
    assumed_key_spaces: int = 0
    """Write patterns whose key space is a default, not a catalog fact or a signal of the export."""
    point_risk: Risk = Risk.LOW
    """The level of the point estimate (``risk`` is ``unknown`` when the range spans levels)."""
    used: tuple[Assumption, ...] = ()
    """Every assumption this stage read or recorded (``assumptions`` keeps the model's own keys,
    for the contention section); the run merges it into the report's list."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the report contract's ``contention`` section, plus details)."""
        return {
            "predicted_conflict_rate": self.predicted_conflict_rate,
            "risk": self.risk.value,
            "predicted_conflict_rate_range": list(self.conflict_rate_range),
            "risk_at_point_estimate": self.point_risk.value,
            "assumed_key_spaces": self.assumed_key_spaces,
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
    write_txns_month: float = 0.0


def _rates(workload: Workload, usage: Any, scenario: Scenario) -> _Rates:
    """Monthly calls, ms per call, statements per transaction: from Usage when given, else counters."""
    df = workload.statements
    control = _CACHE.get(df, "control", lambda: _control(df))
    if usage is not None:
        st = usage.statements  # reindex only the two columns read, not the whole usage table
        calls = pd.to_numeric(st["calls_month"].reindex(df.index), errors="coerce").fillna(0.0)
        exec_ms = pd.to_numeric(st["exec_ms_per_call"].reindex(df.index), errors="coerce").fillna(0.0)
        return _Rates(
            calls,
            exec_ms,
            float(usage.statements_per_txn),
            float(usage.txns_month),
            control,
            float(usage.write_txns_month),
        )
    raw_calls = pd.to_numeric(df["calls"], errors="coerce").fillna(0.0)
    calls = raw_calls * (SECONDS_PER_MONTH / float(workload.window.seconds)) * float(scenario.growth)
    total = pd.to_numeric(df.get("total_exec_time", pd.Series(np.nan, index=df.index)), errors="coerce")
    exec_ms = (total / raw_calls.where(raw_calls > 0)).fillna(0.0)
    tc = _col(df, "transaction_control")
    begins = float(calls[tc.eq("begin")].sum())
    work = float(calls[~control].sum())
    spt = float(scenario.statements_per_txn or (max(1.0, work / begins) if begins > 0 else 1.0))
    return _Rates(
        calls, exec_ms, spt, work / spt if spt > 0 else work, control, work / spt if spt > 0 else work
    )


def _control(df: pd.DataFrame) -> pd.Series:
    """Transaction-control statements (BEGIN, COMMIT, …): not work, and counted apart."""
    return _col(df, "kind").eq(StatementKind.TRANSACTION.value) | _col(df, "transaction_control").notna()


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype(object) if name in df.columns else pd.Series(None, index=df.index, dtype=object)


def peak_to_mean(workload: Workload, scenario: Scenario, assumptions: AssumptionSet) -> tuple[float, str]:
    """Peak-hour ÷ mean rate of the scenario's time profile (:func:`costmodel.scenario.activity.week_profile`).

    Falls back to the ``occ_peak_to_mean`` assumption when the profile cannot be built (e.g. a
    ``measured`` profile without an activity series) or has no activity.
    """

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


_TARGET_COLUMNS = (
    "parse_status", "kind", "key_shape", "key_columns", "tenant_column", "lock_strength", "tables_read",
    "tables_written",
)  # fmt: skip


_OK = ParseStatus.OK.value
_SELECT, _INSERT = StatementKind.SELECT.value, StatementKind.INSERT.value
_FOR_UPDATE = LockStrength.FOR_UPDATE.value
_UNKNOWN_SHAPE, _UPSERT = KeyShape.UNKNOWN.value, KeyShape.UPSERT.value
"""Enum values read once: the per-statement rules below run on every writing statement."""


def _targets(row: dict[Any, Any]) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """(table, key shape, key columns, tenant column) this statement writes or locks; [] if none."""
    return _row_targets(*(row.get(c) for c in _TARGET_COLUMNS))


def _row_targets(
    status: Any,
    kind: Any,
    key_shape: Any,
    key_columns: Any,
    tenant: Any,
    lock: Any,
    tables_read: Any,
    tables_written: Any,
) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """:func:`_targets` on the values of :data:`_TARGET_COLUMNS`, in that order."""
    if status is not None and status != _OK:
        return []
    shape = str(key_shape or _UNKNOWN_SHAPE)
    cols = tuple(key_columns or ())
    if kind == _SELECT and lock == _FOR_UPDATE:
        tables = tuple(tables_read or ())
    elif kind in _WRITE_KINDS or (kind == _INSERT and shape == _UPSERT):
        tables = tuple(tables_written or ())
    else:
        return []
    if len(tables) == 1:
        return [(tables[0], shape, cols, tenant)]
    return [(t, _UNKNOWN_SHAPE, (), None) for t in tables]


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
    return _table_rates(
        np.array([p["rate_per_s"] for p in group], dtype=float),
        np.array([float(p["key_space"]) for p in group], dtype=float),
        np.array([p["key_shape"] == KeyShape.WHOLE_TABLE.value for p in group], dtype=bool),
        [tuple(p["key_columns"]) for p in group],
        rows,
    )


def _table_rates(
    rate: np.ndarray, k: np.ndarray, whole: np.ndarray, columns: list[tuple[str, ...]], rows: float | None
) -> np.ndarray:
    """:func:`_conflict_rates` on columns (rate, key space, whole-table flag, key columns per pattern)."""
    if len(rate) == 1:
        return _single_rates(rate, k, whole)
    return _matrix_rates(rate, k, whole, _same_keys(columns), rows)


def _single_rates(rate: np.ndarray, k: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """λ of patterns alone on their table: their own rate × 1/K (× 1 when whole-table)."""
    with np.errstate(divide="ignore"):
        return np.asarray(rate * np.where(whole, 1.0, 1.0 / k))


def _same_keys(columns: list[tuple[str, ...]]) -> np.ndarray:
    """Which patterns of one table key the same columns (each pattern keys its own, even keyless)."""
    m = len(columns)
    cols = [frozenset(c) if c else None for c in columns]
    codes = {c: i for i, c in enumerate(dict.fromkeys(c for c in cols if c is not None))}
    col_id = np.array([codes[c] if c is not None else -1 - i for i, c in enumerate(cols)])
    return np.asarray((col_id[:, None] == col_id[None, :]) | np.eye(m, dtype=bool))


def _matrix_rates(
    rate: np.ndarray, k: np.ndarray, whole: np.ndarray, same_key: np.ndarray, rows: float | None
) -> np.ndarray:
    """λ of the patterns of one table: the pair probabilities as a matrix, times the rates."""
    kmax = np.maximum(k[:, None], k[None, :])
    n = rows if rows else None
    spread = np.minimum(1.0, (n if n is not None else kmax) / (k[:, None] * k[None, :]))
    prob = np.where(same_key, 1.0 / kmax, spread)
    prob = np.where(whole[:, None] | whole[None, :], 1.0, prob)
    return np.asarray(prob @ rate)


def _may_target(df: pd.DataFrame) -> np.ndarray:
    """Rows :func:`_targets` can give a target: writes, FOR UPDATE reads and upserts. A cheap
    superset test on whole columns, so the per-row rules only run on the few writing statements."""
    kind, lock, shape = _col(df, "kind"), _col(df, "lock_strength"), _col(df, "key_shape")
    reads = kind.eq(StatementKind.SELECT.value) & lock.eq(LockStrength.FOR_UPDATE.value)
    upserts = kind.eq(StatementKind.INSERT.value) & shape.eq(KeyShape.UPSERT.value)
    return np.asarray((kind.isin(list(_WRITE_KINDS)) | reads | upserts).to_numpy(dtype=bool))


def _groups(
    df: pd.DataFrame, calls: np.ndarray
) -> dict[tuple[str, str, tuple[str, ...], str | None], list[int]]:
    """Positions of the statements of each write pattern (table, shape, key columns, tenant column)."""
    members: dict[tuple[str, str, tuple[str, ...], str | None], list[int]] = {}
    if "key_shape" not in df.columns:
        return members
    candidates = np.flatnonzero((calls > 0) & _may_target(df)).tolist()
    if not candidates:
        return members
    absent = [None] * len(df)
    values = [df[c].tolist() if c in df.columns else absent for c in _TARGET_COLUMNS]
    for pos in candidates:
        for target in _row_targets(*(column[pos] for column in values)):
            members.setdefault(target, []).append(pos)
    return members


_CACHE = TableCache()
"""Scenario-free results per statement table (:class:`_Layout`, signals, the control mask)."""


@dataclass(frozen=True, eq=False)
class _Layout:
    """The write patterns of a statement table and everything about them no scenario changes: which
    statements each holds (``flat`` holds their positions pattern after pattern, ``gid`` the pattern
    of each entry), their tables' facts, the per-table groups of the conflict sums and the order in
    which a statement's patterns combine. Built once per table and set of statements that ran
    (:func:`_layout`), so a what-if or a range case only does the arithmetic."""

    keys: list[tuple[str, str, tuple[str, ...], str | None]]
    flat: np.ndarray
    gid: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    rows: np.ndarray
    """Rows per call of each entry of ``flat`` (NaN where unknown)."""
    known: np.ndarray
    known_rows: np.ndarray
    """``rows`` with 0 where unknown."""
    partial: list[int]
    """Patterns with some statements of unknown rows per call (averaged over the others)."""
    flat_ids: np.ndarray
    """The statement id of each entry of ``flat`` (object array of str)."""
    facts: list[TableFacts | None]
    table_rows: list[float | None]
    ranged: np.ndarray
    whole: np.ndarray
    tables: list[tuple[np.ndarray, np.ndarray, float | None]]
    """Per table of several patterns: their positions, :func:`_same_keys` of them, the row estimate."""
    singles: np.ndarray
    """Patterns alone on their table (their conflict rate needs no sum)."""
    levels: list[tuple[np.ndarray, np.ndarray]]
    """(statement positions, pattern) per round of :func:`_combine`."""
    memo: dict[Any, Any] = field(default_factory=dict)
    """Key spaces per set of defaults, signal flags per signal setting (small, bounded)."""


def _layout(df: pd.DataFrame, calls: np.ndarray, catalog: CatalogFacts | None) -> _Layout:
    """:class:`_Layout` of ``df``, remembered per table and set of statements that ran."""
    ran = (calls > 0).tobytes()
    return _CACHE.get(df, ("layout", ran), lambda: _build_layout(df, _groups(df, calls), catalog))


def _build_layout(
    df: pd.DataFrame,
    members: dict[tuple[str, str, tuple[str, ...], str | None], list[int]],
    catalog: CatalogFacts | None,
) -> _Layout:
    keys = list(members)
    sizes = np.fromiter((len(v) for v in members.values()), dtype=np.intp, count=len(keys))
    flat = np.fromiter(
        (p for v in members.values() for p in v), dtype=np.intp, count=int(sizes.sum()) if len(keys) else 0
    )
    starts = np.cumsum(sizes) - sizes
    gid = np.repeat(np.arange(len(keys)), sizes)
    rows = _per_call_rows(df)[flat]
    known = ~np.isnan(rows)
    ids = (df["stmt_id"] if "stmt_id" in df.columns else df.index).take(flat).tolist()
    flat_ids = np.empty(len(flat), dtype=object)
    flat_ids[:] = [str(i) for i in ids]
    facts_of: dict[str, TableFacts | None] = {}
    for table, _, _, _ in keys:
        if table not in facts_of:
            facts_of[table] = catalog.table(table) if catalog is not None else None
    facts = [facts_of[k[0]] for k in keys]
    by_table: dict[str, list[int]] = {}
    for k, key in enumerate(keys):
        by_table.setdefault(key[0], []).append(k)
    tables, singles = [], []
    for ks in by_table.values():
        if len(ks) == 1:
            singles.append(ks[0])
        else:
            tables.append((np.array(ks), _same_keys([keys[k][2] for k in ks]), _rows(facts[ks[0]])))
    return _Layout(
        keys=keys,
        flat=flat,
        gid=gid,
        starts=starts,
        sizes=sizes,
        rows=rows,
        known=known,
        known_rows=np.where(known, rows, 0.0),
        partial=np.flatnonzero(np.bincount(gid[~known], minlength=len(keys)) > 0).tolist(),
        flat_ids=flat_ids,
        facts=facts,
        table_rows=[_rows(f) for f in facts],
        ranged=np.array([k[1] == KeyShape.RANGE.value for k in keys], dtype=bool),
        whole=np.array([k[1] == KeyShape.WHOLE_TABLE.value for k in keys], dtype=bool),
        tables=tables,
        singles=np.array(singles, dtype=np.intp),
        levels=_combine_levels(len(df), gid, flat),
    )


_PW_UNROLL = 8
_PW_BLOCK = 128
"""numpy's float sum: sequential below 8 values, 8 interleaved partial sums up to 128, halves above."""


def _group_sums(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``values[s:s+n].sum()`` for every (start, size), bit for bit, without a call per group.

    Why not ``np.add.reduceat`` or ``bincount``: they add in another order than ``ndarray.sum``
    (numpy's pairwise summation), and the patterns' figures must not move in the last bit when
    computed at once. This replays that summation on all groups of a size class together.
    """
    out = np.zeros(len(sizes))
    if not len(values):
        return out
    last = len(values) - 1
    small = sizes < _PW_UNROLL
    if small.any():
        s, n = starts[small], sizes[small]
        acc = np.zeros(len(s))
        for j in range(int(n.max())):
            acc = np.where(j < n, acc + values[np.minimum(s + j, last)], acc)
        out[small] = acc
    mid = ~small & (sizes <= _PW_BLOCK)
    if mid.any():
        s, n = starts[mid], sizes[mid]
        lanes = s[:, None] + np.arange(_PW_UNROLL)
        r = values[lanes]
        full = n - n % _PW_UNROLL
        for b in range(_PW_UNROLL, int(full.max()), _PW_UNROLL):
            r = np.where((b < full)[:, None], r + values[np.minimum(lanes + b, last)], r)
        acc = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5]) + (r[:, 6] + r[:, 7]))
        for j in range(_PW_UNROLL - 1):
            acc = np.where(j < n - full, acc + values[np.minimum(s + full + j, last)], acc)
        out[mid] = acc
    for g in np.flatnonzero(sizes > _PW_BLOCK):
        out[g] = values[starts[g] : starts[g] + sizes[g]].sum()
    return out


@dataclass(frozen=True)
class _Settings:
    """The model's named assumptions, read once (every one is printed with the report)."""

    round_trip_ms: float
    defaults: _Defaults
    cap: float
    elevated: float
    high: float
    hot_probability: float
    hot_key_space: float
    lock_wait_ratio: float
    in_flight: float = 0.0
    """Transactions in flight at once (``occ_concurrent_transactions``; 0 = unknown): bounds the
    retries of a saturated pattern."""

    @classmethod
    def read(cls, assumptions: AssumptionSet) -> _Settings:
        """Read (and so record as used) the retry cap, risk thresholds, hot-spot limits and defaults."""
        return cls(
            round_trip_ms=float(assumptions.get("occ_statement_round_trip_ms")),
            defaults=_Defaults(
                float(assumptions.get("occ_default_key_space")),
                float(assumptions.get("occ_default_tenants")),
                float(assumptions.get("occ_default_rows_per_tenant")),
            ),
            cap=float(assumptions.get("occ_max_attempts")),
            elevated=float(assumptions.get("occ_risk_elevated")),
            high=float(assumptions.get("occ_risk_high")),
            hot_probability=float(assumptions.get("occ_hot_spot_probability")),
            hot_key_space=float(assumptions.get("occ_hot_key_space")),
            lock_wait_ratio=float(assumptions.get("occ_lock_wait_ratio")),
            in_flight=float(assumptions.get("occ_concurrent_transactions")),
        )

    def level(self, value: float) -> Risk:
        """A conflict rate read against the elevated and high thresholds."""
        return Risk.HIGH if value >= self.high else Risk.ELEVATED if value >= self.elevated else Risk.LOW


@dataclass(frozen=True)
class _Solution:
    """The model solved at the assumed key spaces, with the range over the unknown ones."""

    lam: np.ndarray
    probability: np.ndarray
    conflict_p: np.ndarray
    rate: float
    low_rate: float
    high_rate: float


@dataclass(frozen=True)
class _RetryWork:
    """Work re-done by retries: per pattern, in total, and the billed total it is a share of."""

    per_pattern: np.ndarray
    total_extra: float
    billed: float


def assess_contention(
    workload: Workload,
    usage: Any,
    scenario: Scenario,
    assumptions: AssumptionSet,
    *,
    statement_dpu: pd.Series | None = None,
) -> Contention:
    """The OCC conflict model (module docstring) for ``workload`` under ``scenario``.

    ``usage`` is a :class:`costmodel.usage.model.Usage` (calls per month with growth, ms per call,
    statements per transaction) or None to derive those from the counters. ``statement_dpu``
    (DPU billed per attempt, indexed like the statements) turns retry factors into extra DPU per
    month.
    """
    checkpoint()  # a background thread may pause here (costmodel.core.checkpoint)
    df = workload.statements
    notes: list[str] = []
    scope = assumptions.scoped()  # what this stage reads and records, returned as Contention.used
    rates = _rates(workload, usage, scenario)
    ratio, peak_basis = peak_to_mean(workload, scenario, scope)
    latency = commit_latency(scenario, scope)
    settings = _Settings.read(scope)
    if "key_shape" not in df.columns:
        notes.append("workload not classified: no write patterns could be found")
    calls = rates.calls_month.to_numpy(dtype=float)
    exec_ms = rates.exec_ms.to_numpy(dtype=float)
    total_work, extra_window = _transaction_window(rates, calls, exec_ms, settings.round_trip_ms, latency)
    layout = _layout(df, calls, workload.catalog)
    signals = _signals(df, settings.hot_key_space, settings.lock_wait_ratio)
    pats = _patterns(layout, df, calls, exec_ms, settings.defaults, ratio, extra_window, signals)
    txns = rates.txns_month if rates.txns_month > 0 else total_work
    solved = _solve_range(pats, len(df), calls, txns)
    retry = _retry_factors(df, usage, rates, solved, txns, settings, notes)
    work = _retry_work(rates, statement_dpu, retry, pats, solved.probability)
    hot_flags = (solved.probability >= settings.hot_probability) | (pats.key_space <= settings.hot_key_space)
    frame = _results_table(pats, solved, work, hot_flags, settings, with_dpu=statement_dpu is not None)
    hot = frame[frame["hot"].astype(bool)].reset_index(drop=True) if not frame.empty else frame
    point = settings.level(solved.rate)
    same = settings.level(solved.low_rate) == settings.level(solved.high_rate)
    assumed_n = int(pats.assumed.sum())
    notes += _closing_notes(frame, assumed_n, solved, settings.cap, with_dpu=statement_dpu is not None)
    return Contention(
        patterns=frame,
        hot_spots=hot,
        predicted_conflict_rate=solved.rate,
        risk=point if same else Risk.UNKNOWN,
        residual_conflict_rate=_residual(df, pats, hot_flags, calls, solved.conflict_p, txns),
        retry_factors=pd.Series(retry, index=df.index, name="retry_factor"),
        conflict_probability=pd.Series(solved.conflict_p, index=df.index, name="conflict_probability"),
        commit_latency=latency,
        peak_to_mean=ratio,
        peak_basis=peak_basis,
        statements_per_txn=rates.spt,
        txns_per_s_peak=txns / SECONDS_PER_MONTH * ratio,
        extra_dpu_share=work.total_extra / work.billed if work.billed > 0 else 0.0,
        thresholds=(settings.elevated, settings.high),
        assumptions=tuple(a for a in scope.used() if a.key in ASSUMPTION_KEYS),
        used=scope.used(),
        notes=tuple(notes),
        conflict_rate_range=(solved.low_rate, solved.high_rate),
        assumed_key_spaces=assumed_n,
        point_risk=point,
    )


def _transaction_window(
    rates: _Rates, calls: np.ndarray, exec_ms: np.ndarray, round_trip_ms: float, latency: CommitLatency
) -> tuple[float, float]:
    """Monthly calls of work statements, and the window a transaction adds beyond one statement.

    The extra window is (statements per transaction − 1) × (mean statement time + round trip)
    plus the commit latency of the region set (module docstring, step 4).
    """
    work = ~rates.is_control.to_numpy(dtype=bool)
    total_work = float(calls[work].sum())
    mean_exec = float((calls * exec_ms)[work].sum() / total_work) if total_work > 0 else 0.0
    extra_window = max(0.0, rates.spt - 1.0) * (mean_exec + round_trip_ms) + latency.ms
    return total_work, extra_window


def _per_call_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows per call from the counters; NaN where unknown (no ``rows`` column, or no calls)."""
    raw_calls = pd.to_numeric(df["calls"], errors="coerce").to_numpy(dtype=float)
    if "rows" not in df.columns:
        return np.full(len(df), np.nan)
    raw_rows = pd.to_numeric(df["rows"], errors="coerce").to_numpy(dtype=float)
    return np.divide(raw_rows, raw_calls, out=np.full(len(df), np.nan), where=raw_calls > 0)


def _solve_range(pats: _Patterns, n: int, calls: np.ndarray, txns: float) -> _Solution:
    """Solve at the key spaces found; where any is assumed, again with each assumed one at one key."""
    lam, probability, conflict_p, rate = _solve(pats, pats.key_space, n, calls, txns)
    rates_at = [rate]
    if pats.assumed.any():  # the same model with every assumed key space at one key
        fewest = np.where(pats.assumed, pats.key_space_low, pats.key_space)
        rates_at.append(_solve(pats, fewest, n, calls, txns)[3])
    return _Solution(lam, probability, conflict_p, rate, min(rates_at), max(rates_at))


def _retry_factors(
    df: pd.DataFrame,
    usage: Any,
    rates: _Rates,
    solved: _Solution,
    txns: float,
    settings: _Settings,
    notes: list[str],
) -> np.ndarray:
    """Expected extra attempts per call of every statement.

    Inside multi-statement transactions a statement re-runs whenever its transaction does, so it
    gets at least the transaction-level factor (reads only in the share of transactions that write).
    """
    cap, in_flight = settings.cap, settings.in_flight
    retry = _retries(solved.conflict_p, cap, in_flight)
    if rates.spt <= 1.0:
        return retry
    txn_retry = float(_retries(np.array([solved.rate]), cap, in_flight)[0])
    # a read-only transaction never conflicts: reads re-run only inside write transactions
    writes = _writes(df, usage)
    write_share = min(1.0, rates.write_txns_month / txns) if txns > 0 else 1.0
    notes.append(
        f"{rates.spt:.2g} statements per transaction: every statement re-runs when its transaction retries "
        f"(transaction-level retry factor {txn_retry:.3g}; reads only in the {write_share:.0%} of "
        "transactions that write: read-only transactions never conflict)"
    )
    return np.maximum(retry, np.where(writes, txn_retry, txn_retry * write_share))


def _retry_work(
    rates: _Rates,
    statement_dpu: pd.Series | None,
    retry: np.ndarray,
    pats: _Patterns,
    probability: np.ndarray,
) -> _RetryWork:
    """Extra work from retries (DPU when known, else execution time), attributed to patterns.

    A retry re-runs the whole transaction, so with several statements per transaction the work is
    split by conflicts caused; otherwise each pattern carries its own statements' retries.
    """
    units = _work_units(rates, statement_dpu)
    extra_units = retry * units
    total_extra = float(extra_units.sum())
    billed = float(units.sum()) + total_extra
    caused = pats.calls * probability
    if rates.spt > 1.0:
        caused_total = float(caused.sum())
        extra = total_extra * caused / caused_total if caused_total > 0 else np.zeros(len(caused))
    else:
        extra = _group_sums(extra_units[pats.flat], pats.starts, pats.sizes)
    return _RetryWork(extra, total_extra, billed)


def _results_table(
    pats: _Patterns,
    solved: _Solution,
    work: _RetryWork,
    hot_flags: np.ndarray,
    settings: _Settings,
    *,
    with_dpu: bool,
) -> pd.DataFrame:
    """The patterns table with the solved figures: conflicts, attempts, saturation, retry work, hot."""
    probability, extra, cap = solved.probability, work.per_pattern, settings.cap
    return _pattern_table(
        pats,
        {
            "conflict_rate_per_s": solved.lam,
            "conflict_probability": probability,
            "conflicts_per_s": pats.rate * probability,
            "attempts": 1.0 + _retries(probability, cap, settings.in_flight),
            # the retry loop gives up on at least 10 % of commits (p^cap): throughput collapses
            "saturated": probability**cap >= SATURATED_GIVE_UP,
            "extra_dpu_month": extra if with_dpu else np.full(len(extra), math.nan),
            "extra_share": extra / work.billed if work.billed > 0 else np.zeros(len(extra)),
            "hot": hot_flags,
        },
    )


def _residual(
    df: pd.DataFrame,
    pats: _Patterns,
    hot_flags: np.ndarray,
    calls: np.ndarray,
    conflict_p: np.ndarray,
    txns: float,
) -> float:
    """The conflict rate left once the hot spots are fixed: statements in no hot pattern."""
    cold = np.ones(len(df), dtype=bool)
    cold[pats.flat[hot_flags[pats.gid]]] = False
    return min(1.0, float((calls * conflict_p)[cold].sum()) / txns) if txns > 0 else 0.0


def _closing_notes(
    frame: pd.DataFrame, assumed_n: int, solved: _Solution, cap: float, *, with_dpu: bool
) -> list[str]:
    """Notes on saturated patterns, on what widened the range (assumed key spaces) and on what the
    retry work is measured in."""
    notes = []
    saturated = int(frame["saturated"].sum()) if not frame.empty else 0
    if saturated:
        notes.append(
            f"{saturated} pattern(s) saturated: conflicts are near certain at the peak; at least "
            f"{SATURATED_GIVE_UP:.0%} of their commits fail all {cap:g} attempts of the retry policy"
        )
    if assumed_n:
        notes.append(
            f"{assumed_n} write pattern(s) have no row counts for their table: their key space is assumed, so the "
            f"conflict rate is {solved.low_rate:.2%}–{solved.high_rate:.2%} (plausible size … one key); a bundle "
            "from dsqlcost collect (catalog facts) narrows it"
        )
    if not with_dpu:
        notes.append("extra retry work measured in execution time (no DPU per call given)")
    return notes


def _solve(
    pats: _Patterns, key_space: np.ndarray, n: int, calls: np.ndarray, txns: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per-pattern conflict rate λ and probability, per-statement probability and the workload's conflict rate
    for the given key spaces (the model of the module docstring, steps 5-6)."""
    layout = pats.layout
    lam = np.zeros(len(pats.keys))
    lone = layout.singles
    lam[lone] = _single_rates(pats.rate[lone], key_space[lone], pats.whole[lone])
    for ks, same_key, rows in layout.tables:
        lam[ks] = _matrix_rates(pats.rate[ks], key_space[ks], pats.whole[ks], same_key, rows)
    probability = np.array(
        [1.0 - math.exp(-x * t / MS_PER_SECOND) for x, t in zip(lam.tolist(), pats.txn_ms.tolist())],
        dtype=float,
    )
    conflict_p = _combine(n, layout, probability)
    rate = min(1.0, float((calls * conflict_p).sum()) / txns) if txns > 0 else 0.0
    return lam, probability, conflict_p, rate


def _writes(df: pd.DataFrame, usage: Any) -> np.ndarray:
    """Statements that write (from usage when given, else the classification)."""
    if usage is not None and "is_write" in usage.statements:
        return usage.statements["is_write"].reindex(df.index).fillna(True).to_numpy(dtype=bool)
    if "is_write" in df.columns:
        return df["is_write"].astype(object).fillna(True).to_numpy(dtype=bool)
    return np.ones(len(df), dtype=bool)


def _combine(n: int, layout: _Layout, probability: np.ndarray) -> np.ndarray:
    """Per statement, the chance that any of its patterns conflicts: 1 − Π(1 − pᵢ) over its patterns,
    multiplied in pattern order (a statement writing several tables is in several patterns)."""
    conflict_p = np.zeros(n)
    for p, k in layout.levels:
        conflict_p[p] = 1.0 - (1.0 - conflict_p[p]) * (1.0 - probability[k])
    return conflict_p


def _combine_levels(n: int, gid: np.ndarray, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The rounds of :func:`_combine`: round r multiplies in each statement's r-th pattern (in
    pattern order); one entry per (pattern, statement), a statement listed twice in one pattern
    counting once."""
    if not len(flat):
        return []
    pairs = np.unique(gid * n + flat)
    pattern, pos = pairs // n, pairs % n
    order = np.argsort(pos, kind="stable")
    first = np.r_[True, pos[order][1:] != pos[order][:-1]]
    starts = np.flatnonzero(first)
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    levels = []
    for level in range(int(rank.max()) + 1):
        sel = order[rank == level]
        levels.append((pos[sel], pattern[sel]))
    return levels


def _attempts(p: np.ndarray, cap: float) -> np.ndarray:
    """Expected attempts per commit under a retry loop of at most ``cap`` attempts (the scenario's
    retry policy): 1 + p + … + p^(cap−1) = (1 − p^cap)/(1 − p); ``cap`` as p reaches 1."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    m = max(1.0, float(cap))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p < 1.0 - 1e-12, (1.0 - p**m) / (1.0 - p), m)
    return np.asarray(np.minimum(out, m), dtype=float)


def _retries(p: np.ndarray, cap: float, in_flight: float) -> np.ndarray:
    """Extra attempts per commit: the retry loop's geometric count, and for a saturated pattern
    (``p^cap`` ≥ :data:`SATURATED_GIVE_UP`) at most the other transactions in flight
    (``in_flight`` − 1; 0 = unknown, no bound): the first committer wins and aborts only those."""
    extra = _attempts(p, cap) - 1.0
    if in_flight <= 0:
        return extra
    saturated = np.clip(np.asarray(p, dtype=float), 0.0, 1.0) ** max(1.0, cap) >= SATURATED_GIVE_UP
    return np.where(saturated, np.minimum(extra, max(in_flight - 1.0, 0.0)), extra)


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
    "rate_per_s", "key_space", "key_space_basis", "key_space_assumed", "txn_ms", "conflict_rate_per_s",
    "conflict_probability",
    "conflicts_per_s", "attempts", "saturated", "extra_dpu_month", "extra_share", "hot",
)  # fmt: skip


def _pattern_table(pats: _Patterns, results: dict[str, np.ndarray]) -> pd.DataFrame:
    """The public patterns table, worst first (conflicts per second, then rate)."""
    if not pats.keys:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _PATTERN_COLUMNS})
    columns: dict[str, Any] = {
        "table": [k[0] for k in pats.keys],
        "key_shape": [k[1] for k in pats.keys],
        "key_columns": [k[2] for k in pats.keys],
        "tenant_column": [k[3] for k in pats.keys],
        "stmt_id": pats.stmt_id,
        "stmt_ids": pats.stmt_ids,
        "query": pats.query,
        "calls_month": pats.calls,
        "rate_per_s": pats.rate,
        "key_space": pats.key_space,
        "key_space_basis": pats.key_space_basis,
        "key_space_assumed": pats.assumed,
        "txn_ms": pats.txn_ms,
        **results,
    }
    frame = pd.DataFrame({c: columns[c] for c in _PATTERN_COLUMNS})
    return frame.sort_values(["conflicts_per_s", "rate_per_s"], ascending=False, kind="stable").reset_index(
        drop=True
    )


@dataclass(frozen=True)
class _Signals:
    """What the export itself says about a pattern's key space, per statement.

    ``queue``: ``SELECT … LIMIT n FOR UPDATE [SKIP LOCKED]``: on PostgreSQL workers skip each
    other's locked rows; DSQL takes no locks, so every worker reads the same head row and all but
    one conflict (key space 1). ``lock_wait``: a single-row write whose mean execution time is far
    above its minimum (``occ_lock_wait_ratio``): on PostgreSQL it waited for a row lock, i.e. other
    transactions wrote the same row: a hot row (key space 1 … ``occ_hot_key_space``).
    """

    queue: np.ndarray
    lock_wait: np.ndarray
    hot_keys: float
    mean_ms: np.ndarray
    min_ms: np.ndarray
    ratio: float = 0.0
    """``occ_lock_wait_ratio`` the lock waits were read with."""


_QUEUE_BASIS = "queue head (LIMIT … FOR UPDATE [SKIP LOCKED]): every worker takes the same first row"


def _signal_flags(layout: _Layout, signals: _Signals) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern: whether any statement is a queue head, and the ``flat`` position of its first
    statement with lock waits (−1 if none); remembered per layout and signal setting."""
    key = ("signals", signals.hot_keys, signals.ratio)
    found = layout.memo.get(key)
    if found is None:
        m = len(layout.keys)
        queue_any = np.bincount(layout.gid[signals.queue[layout.flat]], minlength=m) > 0
        waits = np.flatnonzero(signals.lock_wait[layout.flat])
        first = np.full(m, -1, dtype=np.intp)
        groups, at = np.unique(layout.gid[waits], return_index=True)
        first[groups] = waits[at]
        found = layout.memo[key] = (queue_any, first)
    return found


def _apply_signals(
    layout: _Layout, signals: _Signals, value: np.ndarray, why: list[str]
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(key space, basis, fewest keys, assumed) of every pattern once the export's signals are read:
    a queue head is one key; a hot row seen in lock waits is at most ``occ_hot_key_space`` keys
    (assumed); a default key space is assumed (fewest keys 1); else the key space is a fact."""
    queue_any, first_wait = _signal_flags(layout, signals)
    value, why = value.copy(), list(why)
    assumed = np.array(["occ_default" in w for w in why], dtype=bool)
    low = np.where(assumed, 1.0, value)
    hot = ~queue_any & (first_wait >= 0) & (value > signals.hot_keys)
    for g in np.flatnonzero(hot).tolist():
        i = int(layout.flat[first_wait[g]])
        why[g] = (
            f"lock waits on PostgreSQL (mean {signals.mean_ms[i]:.3g} ms ≫ min {signals.min_ms[i]:.3g} ms per row): "
            "a hot row; occ_hot_key_space"
        )
    value[hot], low[hot], assumed[hot] = signals.hot_keys, 1.0, True
    for g in np.flatnonzero(queue_any).tolist():
        why[g] = _QUEUE_BASIS
    value[queue_any], low[queue_any], assumed[queue_any] = 1.0, 1.0, False
    return value, why, low, assumed


def _signals(df: pd.DataFrame, hot_keys: float, ratio: float) -> _Signals:
    """The statements' signals, read once per statement table and setting."""
    return _CACHE.get(df, ("signals", hot_keys, ratio), lambda: _read_signals(df, hot_keys, ratio))


def _read_signals(df: pd.DataFrame, hot_keys: float, ratio: float) -> _Signals:
    n = len(df)
    per_call_rows = _per_call_rows(df)

    def col(name: str) -> np.ndarray:
        return df[name].to_numpy(dtype=object) if name in df.columns else np.full(n, None, dtype=object)

    def num(name: str) -> np.ndarray:
        return (
            pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
            if name in df.columns
            else np.full(n, np.nan)
        )

    locking = col("lock_strength") == _FOR_UPDATE
    if "has_limit" in df.columns and df["has_limit"].dtype == bool:
        limited = df["has_limit"].to_numpy(dtype=bool)
    else:
        limited = np.array([bool(v) if v is not None and v is not pd.NA else False for v in col("has_limit")])
    queue = locking & (limited | (col("lock_wait") == "skip_locked"))
    mean_ms, min_ms = num("mean_exec_time"), num("min_exec_time")
    single = (per_call_rows > 0) & (per_call_rows <= 1.5)
    writes = np.isin(col("kind"), list(_WRITE_KINDS))
    waited = (mean_ms > ratio * np.maximum(min_ms, 0.001)) & (mean_ms - min_ms > 1.0)
    return _Signals(
        queue, writes & single & np.nan_to_num(waited, nan=0.0).astype(bool), hot_keys, mean_ms, min_ms, ratio
    )


@dataclass(frozen=True)
class _Patterns:
    """The write patterns as columns: one entry per pattern, plus the statements of each
    (``flat`` holds their positions pattern after pattern; ``gid`` the pattern of each entry)."""

    keys: list[tuple[str, str, tuple[str, ...], str | None]]
    flat: np.ndarray
    gid: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    calls: np.ndarray
    rate: np.ndarray
    key_space: np.ndarray
    key_space_basis: list[str]
    key_space_low: np.ndarray
    """Fewest keys the pattern may really have (1 when its key space is assumed)."""
    assumed: np.ndarray
    """True where the key space is a default, not a fact of the catalog or a signal of the export."""
    whole: np.ndarray
    txn_ms: np.ndarray
    table_rows: list[float | None]
    stmt_id: list[str]
    stmt_ids: list[tuple[str, ...]]
    query: list[Any]
    layout: _Layout


def _patterns(
    layout: _Layout,
    df: pd.DataFrame,
    calls: np.ndarray,
    exec_ms: np.ndarray,
    d: _Defaults,
    ratio: float,
    extra_window: float,
    signals: _Signals,
) -> _Patterns:
    """Every write pattern's rate, key space and transaction window, computed for all patterns at
    once (sums per pattern replay ``ndarray.sum`` exactly: see :func:`_group_sums`)."""
    keys, flat, gid, starts, sizes = layout.keys, layout.flat, layout.gid, layout.starts, layout.sizes
    c = calls[flat]
    total = _group_sums(c, starts, sizes)
    row_calls = _group_sums(layout.known_rows * c, starts, sizes)
    rpc = np.divide(row_calls, total, out=np.ones(len(keys)), where=total > 0)
    for g in layout.partial:  # some statements without a rows count: average over the others
        part = slice(int(starts[g]), int(starts[g] + sizes[g]))
        cg, rg, kg = c[part], layout.rows[part], layout.known[part]
        rpc[g] = float((rg[kg] * cg[kg]).sum() / cg[kg].sum()) if kg.any() and cg[kg].sum() > 0 else 1.0
    txn = _group_sums(exec_ms[flat] * c, starts, sizes) / np.where(total > 0, total, np.nan) + extra_window
    perm = np.lexsort((-c, gid))
    order = flat[perm]
    ordered_ids = layout.flat_ids[perm].tolist()  # only the writing statements' ids
    bounds = zip(starts.tolist(), (starts + sizes).tolist())
    stmt_ids = [tuple(ordered_ids[a:b]) for a, b in bounds]
    top = order[starts] if len(keys) else np.empty(0, dtype=np.intp)
    query = df["query"].take(top).tolist() if "query" in df.columns else [None] * len(keys)
    value, why = _key_spaces(layout, d, rpc)
    space, basis, lows, assumed = _apply_signals(layout, signals, value, why)
    return _Patterns(
        keys=keys,
        flat=flat,
        gid=gid,
        starts=starts,
        sizes=sizes,
        calls=total,
        rate=total / SECONDS_PER_MONTH * ratio,
        key_space=space,
        key_space_basis=basis,
        key_space_low=lows,
        assumed=assumed,
        whole=layout.whole,
        txn_ms=txn,
        table_rows=layout.table_rows,
        stmt_id=[ids[0] for ids in stmt_ids],
        stmt_ids=stmt_ids,
        query=query,
        layout=layout,
    )


def _key_spaces(layout: _Layout, d: _Defaults, rpc: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """:func:`key_space` of every pattern: remembered per set of defaults, except range writes,
    whose spans follow the rows per call of the moment."""
    found = layout.memo.get(("keys", d))
    if found is None:
        pairs = [
            key_space(shape, cols, tenant, facts, 1.0, d) if not ranged else (math.nan, "")
            for (_, shape, cols, tenant), facts, ranged in zip(
                layout.keys, layout.facts, layout.ranged.tolist()
            )
        ]
        found = (np.array([p[0] for p in pairs], dtype=float), [p[1] for p in pairs])
        layout.memo[("keys", d)] = found
        while len(layout.memo) > _MEMO_SIZE:  # another thread may trim it at the same time
            with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                layout.memo.pop(next(iter(layout.memo)))
    value, why = found[0].copy(), list(found[1])
    for g in np.flatnonzero(layout.ranged).tolist():
        _, shape, cols, tenant = layout.keys[g]
        value[g], why[g] = key_space(shape, cols, tenant, layout.facts[g], float(rpc[g]), d)
    return value, why


_MEMO_SIZE = 16
"""Key-space and signal results kept per layout (one per set of defaults or signal setting)."""


def contention_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a pattern or hot-spot table (what :meth:`Contention.to_dict` lists)."""
    return _records(frame)
