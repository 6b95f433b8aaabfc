"""Fleet reports: many exports in one run, priced per cluster and summed for the fleet.

A SaaS provider brings one export (or bundle) per database cluster. Each cluster is its own
deployment on either service, so each is priced on its own (its own DSQL cluster, its own
Serverless v2 cluster with its own capacity and pauses), and the fleet total of an option is
the sum over clusters — except what AWS grants once per account: the DSQL free tier and the
scenario's discount, applied once to the fleet's DSQL bill. Work that does not depend on the
cluster is done once for the whole fleet: statement texts are classified once however many
files repeat them (spread over the available cores for large inputs), dsql-lint runs once over
the distinct texts, and the statement table is deduplicated by pglast fingerprint.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis import Analysis, RunResult
from costmodel.calibrate import Calibration
from costmodel.classify import classify
from costmodel.compare import BreakEven, Verdict, break_even, decide, dsql_cost_curve
from costmodel.errors import IngestError
from costmodel.estimate import Assumption, LineItem, OptionEstimate
from costmodel.ingest import load_workload
from costmodel.pricing.catalog import PriceCatalog
from costmodel.pricing.dsql import SERVICE as DSQL_SERVICE
from costmodel.pricing.dsql import account_terms
from costmodel.pricing.serverless_v2 import cheaper_io_mode
from costmodel.readiness import Readiness, assess_readiness
from costmodel.scenario import DsqlSettings, Scenario
from costmodel.workload import Workload

EXPORT_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt")
"""File endings read as exports when a directory of exports is given (optionally ``.gz``)."""
PARALLEL_MIN_CLUSTERS = 4
"""Below this many clusters, loading and pricing run in this process (a pool costs more)."""
HOT_SPOTS_KEPT = 20


@dataclass(frozen=True)
class ClusterSource:
    """One cluster's input: an export file or a bundle directory, and the name reports use."""

    name: str
    path: Path


def _is_export(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return path.is_file() and name.endswith(EXPORT_SUFFIXES) and not name.endswith(".meta.yaml")


def expand_sources(args: Sequence[str | Path]) -> list[ClusterSource]:
    """The clusters named by ``args``: files, bundle directories, directories of those, globs.

    A bundle directory (with ``bundle.yaml``) is one cluster; another directory contributes every
    export file and bundle directly inside it; a pattern with ``*``/``?``/``[`` that is not an
    existing path is expanded. Names are the file or directory names, made unique.
    """
    paths: list[Path] = []
    for arg in args:
        text = str(arg)
        path = Path(text)
        if not path.exists() and any(c in text for c in "*?["):
            matches = sorted(glob.glob(text))
            if not matches:
                raise IngestError(
                    f"no file matches {text!r}", hint="check the pattern, or quote it for dsqlcost"
                )
            paths += [Path(m) for m in matches]
        else:
            paths.append(path)
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "bundle.yaml").is_file():
            inner = sorted(p for p in path.iterdir() if _is_export(p) or (p / "bundle.yaml").is_file())
            if not inner:
                raise IngestError(
                    "directory holds no export files or bundles",
                    file=str(path),
                    hint=f"give export files ({', '.join(EXPORT_SUFFIXES)}, optionally .gz) or bundle directories",
                )
            found += inner
        else:
            found.append(path)
    names: dict[str, int] = {}
    out = []
    for path in found:
        base = path.name.removesuffix(".gz")
        for suffix in EXPORT_SUFFIXES:
            base = base.removesuffix(suffix)
        names[base] = names.get(base, 0) + 1
        out.append(ClusterSource(base if names[base] == 1 else f"{base}#{names[base]}", path))
    return out


@dataclass(frozen=True)
class LoadOptions:
    """The ingest options every cluster is read with."""

    window: str | float | None = None
    databases: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    include_nested: bool = False
    group_by: str | None = None


def _load_one(source: ClusterSource, options: LoadOptions) -> Workload:
    return load_workload(
        [source.path],
        window=options.window,
        databases=options.databases,
        users=options.users,
        include_nested=options.include_nested,
        group_by=options.group_by,
    )


def _jobs(jobs: int | None) -> int:
    return max(1, jobs if jobs is not None else (os.cpu_count() or 1))


def load_fleet(
    sources: Sequence[ClusterSource],
    options: LoadOptions = LoadOptions(),
    *,
    jobs: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[tuple[str, Workload]]:
    """Read every cluster (in parallel processes when there are many) and classify them together."""
    workers = _jobs(jobs)
    if workers > 1 and len(sources) >= PARALLEL_MIN_CLUSTERS:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            loaded = list(pool.map(_load_one, sources, [options] * len(sources), chunksize=4))
    else:
        loaded = []
        for done, source in enumerate(sources, start=1):
            loaded.append(_load_one(source, options))
            if progress is not None:
                progress("reading exports", done, len(sources))
    return list(zip([s.name for s in sources], classify_together(loaded, jobs=workers)))


def classify_together(workloads: Sequence[Workload], *, jobs: int = 1) -> list[Workload]:
    """Classify all statement tables in one pass: a text repeated across clusters is parsed once."""
    if not workloads:
        return []
    frames = [w.statements.assign(_cluster=i) for i, w in enumerate(workloads)]
    combined = pd.concat(frames, ignore_index=True)
    merged = classify(replace(workloads[0], statements=combined, notes=()), jobs=jobs)
    out = []
    for i, workload in enumerate(workloads):
        part = merged.statements[merged.statements["_cluster"] == i].drop(columns="_cluster")
        part.index = workload.statements.index
        notes = tuple(n for n in merged.notes if n not in workload.notes)
        out.append(workload.with_statements(part, notes=workload.notes + _cluster_notes(part, notes)))
    return out


def _cluster_notes(part: pd.DataFrame, notes: tuple[str, ...]) -> tuple[str, ...]:
    """Classification notes count texts; recount them for one cluster's share."""
    status = part["parse_status"].value_counts()
    kept = []
    for note in notes:
        if "did not parse" in note and not status.get("parse_error", 0):
            continue
        if "truncated" in note and not status.get("truncated", 0):
            continue
        kept.append(note)
    return tuple(kept)


def _run_one(
    args: tuple[Workload, PriceCatalog, Calibration | None, Scenario],
) -> RunResult:
    workload, catalog, calibration, scenario = args
    return Analysis(workload, catalog, calibration=calibration, with_readiness=False).run(
        scenario, sweep_points=0
    )


@dataclass(frozen=True, eq=False)
class FleetResult:
    """Per-cluster runs and the fleet totals built from them."""

    clusters: tuple[tuple[str, RunResult], ...]
    options: tuple[OptionEstimate, ...]
    readiness: Readiness | None
    break_even: BreakEven
    verdict: Verdict
    contention: dict[str, Any]
    statements: pd.DataFrame
    """All clusters' statements (unique index) with ``cluster``, usage and DSQL per-statement columns."""
    scenario: Scenario
    catalog: PriceCatalog
    calibration: Calibration | None
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


class FleetAnalysis:
    """Classified clusters plus the pipeline run per cluster and summed for the fleet."""

    def __init__(
        self,
        clusters: Sequence[tuple[str, Workload]],
        catalog: PriceCatalog,
        *,
        calibration: Calibration | None = None,
        jobs: int | None = None,
        with_readiness: bool = True,
    ) -> None:
        """``clusters`` are (name, classified workload) pairs, e.g. from :func:`load_fleet`."""
        self.clusters = list(clusters)
        self.catalog = catalog
        self.calibration = calibration
        self.jobs = _jobs(jobs)
        self.with_readiness = with_readiness

    def run(self, scenario: Scenario, *, sweep_points: int = 10_000) -> FleetResult:
        """Price every cluster (free tier and discount off), then total them for the fleet."""
        per_cluster = replace(scenario, dsql=DsqlSettings(free_tier=False, discount_pct=0.0))
        tasks = [(w, self.catalog, self.calibration, per_cluster) for _n, w in self.clusters]
        if self.jobs > 1 and len(tasks) >= PARALLEL_MIN_CLUSTERS:
            with ProcessPoolExecutor(max_workers=self.jobs) as pool:
                results = list(pool.map(_run_one, tasks, chunksize=2))
        else:
            results = [_run_one(t) for t in tasks]
        named = tuple(zip([n for n, _w in self.clusters], results))
        options, curves, warnings = self._totals(named, scenario)
        statements = self._statements(named)
        readiness = self._readiness(named, statements) if self.with_readiness else None
        contention = self._contention(named)
        sweep = break_even(curves, points=sweep_points, notes=_sweep_notes())
        verdict = decide(
            options,
            multi_region=bool(scenario.regions.dsql_peers or scenario.regions.global_secondaries),
            readiness_verdict=readiness.verdict.value if readiness else None,
            readiness_summary=readiness.summary if readiness else None,
            contention_risk=contention["risk"],
            conflict_rate=contention["predicted_conflict_rate"],
            sv2_recommended_mode=_sv2_pick(options),
            latency=results[0].verdict.latency if results else (),
            crossovers=sweep.crossovers,
        )
        assumptions = _merge_assumptions(results)
        return FleetResult(
            clusters=named,
            options=tuple(options),
            readiness=readiness,
            break_even=sweep,
            verdict=verdict,
            contention=contention,
            statements=statements,
            scenario=scenario,
            catalog=self.catalog,
            calibration=self.calibration,
            assumptions=assumptions,
            warnings=tuple(warnings),
        )

    def _totals(
        self, named: Sequence[tuple[str, RunResult]], scenario: Scenario
    ) -> tuple[list[OptionEstimate], dict[str, Any], list[str]]:
        """Sum each option's line items over clusters; add the account-level DSQL lines once."""
        names = list(dict.fromkeys(o.name for _n, r in named for o in r.options))
        options: list[OptionEstimate] = []
        curves: dict[str, Any] = {}
        warnings: list[str] = []
        for name in names:
            parts = [(cluster, r.option(name)) for cluster, r in named]
            missing = [cluster for cluster, o in parts if o is None]
            present = [o for _c, o in parts if o is not None]
            if missing:
                warnings.append(
                    f"{name} could not be priced for {len(missing)} cluster(s) ({', '.join(missing[:5])}): "
                    "its fleet total leaves them out"
                )
            first = present[0]
            items = _sum_items(name, [o.line_items for o in present])
            details: dict[str, Any] = {"clusters": len(present), **_sum_details([o.details for o in present])}
            if first.kind == "dsql":
                active = list(first.details.get("active_regions", []))
                by_region = {r: 0.0 for r in active}
                for item in items:
                    if item.usage_based and item.unit == "DPU":
                        by_region[item.region] = by_region.get(item.region, 0.0) + float(item.quantity)
                storage = sum(float(o.details.get("storage_gb", 0.0)) for o in present)
                extra, free_dpu, free_gb = account_terms(
                    name, items, active=active, dpu_by_region=by_region, storage_gb=storage,
                    scenario=scenario, catalog=self.catalog,
                )  # fmt: skip
                items += extra
                details.update(
                    {
                        "active_regions": active,
                        "free_tier_dpu_used": free_dpu,
                        "free_tier_storage_gb_used": free_gb,
                    }
                )
            option = OptionEstimate(
                name=name,
                kind=first.kind,
                title=f"{first.title}, fleet of {len(present)}",
                line_items=tuple(items),
                details=details,
                warnings=tuple(dict.fromkeys(w for o in present for w in o.warnings)),
            )
            options.append(option)
            if first.kind == "dsql":
                allowance = (
                    float(self.catalog.fact(DSQL_SERVICE, "free_tier.dpu_per_month").value)
                    if scenario.dsql.free_tier
                    else 0.0
                )
                curves[name] = dsql_cost_curve(option, free_tier_dpu=allowance)
            else:
                parts_curves = [r.curves[name] for _c, r in named if name in r.curves]
                curves[name] = _sum_curve(parts_curves)
        return options, curves, warnings

    @staticmethod
    def _statements(named: Sequence[tuple[str, RunResult]]) -> pd.DataFrame:
        frames = []
        for cluster, r in named:
            frame = r.workload.statements.copy()
            frame["cluster"] = cluster
            u = r.usage.statements
            frame["calls_month"] = u["calls_month"]
            for col in ("rows_per_call", "read_bytes_per_call", "write_bytes_per_call", "cpu_seconds_month"):
                frame[col] = u[col]
            frame["rows_written_per_call"] = u["rows_written_per_call"]
            dsql = r.options[0].statements if r.options and r.options[0].kind == "dsql" else None
            if dsql is not None:
                frame["dsql_dpu_per_call"] = dsql["total_dpu_per_call"]
                frame["dsql_dpu_month"] = dsql["dpu_month"]
                frame["dsql_monthly_usd"] = dsql["monthly_usd"]
            frame["conflict_probability"] = r.contention.conflict_probability.reindex(frame.index)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _readiness(self, named: Sequence[tuple[str, RunResult]], statements: pd.DataFrame) -> Readiness:
        """One readiness pass over the whole fleet (dsql-lint runs once over the distinct texts)."""
        base = named[0][1].workload
        combined = replace(base, statements=statements, notes=(), catalog=None, series=None)
        cost = statements.get("dsql_monthly_usd")
        return assess_readiness(
            combined,
            statement_cost=cost,
            assumptions=named[0][1].usage.assumptions,
            rows_written_per_call=statements["rows_written_per_call"],
            write_bytes_per_call=statements["write_bytes_per_call"],
        )

    @staticmethod
    def _contention(named: Sequence[tuple[str, RunResult]]) -> dict[str, Any]:
        """Conflicts happen inside a cluster: the fleet rate weights each cluster by its transactions."""
        txns = np.array([r.usage.txns_month for _c, r in named], dtype=float)
        rates = np.array([r.contention.predicted_conflict_rate for _c, r in named], dtype=float)
        total = float(txns.sum())
        rate = float((txns * rates).sum() / total) if total > 0 else 0.0
        low, high = named[0][1].contention.thresholds if named else (0.01, 0.05)
        risk = "high" if rate >= high else "elevated" if rate >= low else "low"
        hot = []
        for cluster, r in named:
            for spot in r.contention.to_dict()["hot_spots"]:
                hot.append({"cluster": cluster, **spot})
        hot.sort(key=lambda h: -(h.get("conflict_probability") or 0.0))
        return {
            "predicted_conflict_rate": rate,
            "risk": risk,
            "thresholds": {"elevated": low, "high": high},
            "clusters": [
                {
                    "cluster": c,
                    "predicted_conflict_rate": r.contention.predicted_conflict_rate,
                    "risk": r.contention.risk.value,
                }
                for c, r in named
            ],
            "hot_spots": hot[:HOT_SPOTS_KEPT],
            "notes": [
                f"{len(hot)} hot spot(s) across {len(named)} cluster(s); the {min(len(hot), HOT_SPOTS_KEPT)} worst are listed"
            ],
        }


def _sum_items(name: str, groups: Sequence[Sequence[LineItem]]) -> list[LineItem]:
    """Line items summed per (component, region, unit, unit price, reference) across clusters."""
    acc: dict[tuple[Any, ...], list[Any]] = {}
    for items in groups:
        for item in items:
            key = (item.component, item.region, item.unit, item.unit_price, item.price_ref, item.usage_based)
            slot = acc.setdefault(key, [Decimal(0), Decimal(0), item])
            slot[0] += item.quantity
            slot[1] += item.monthly_usd
    return [
        replace(first, option=name, quantity=qty, monthly_usd=usd, note=first.note)
        for (qty, usd, first) in acc.values()
    ]


_SUMMED_DETAILS = (
    "acu_hours",
    "paused_hours",
    "resumes",
    "dpu_month_total",
    "txns_month",
    "storage_gb",
    "capped_minutes",
)


def _sum_details(details: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _SUMMED_DETAILS:
        values = [float(d[key]) for d in details if isinstance(d.get(key), int | float)]
        if values:
            out[key] = sum(values)
    modes = {d.get("io_mode") for d in details if d.get("io_mode")}
    if len(modes) == 1:
        out["io_mode"] = modes.pop()
    return out


@dataclass(frozen=True)
class _SumCurve:
    parts: tuple[Any, ...]

    def __call__(self, k: np.ndarray) -> np.ndarray:
        total = np.zeros_like(np.asarray(k, dtype=float))
        for part in self.parts:
            total = total + np.asarray(part(k), dtype=float)
        return total


def _sum_curve(parts: Sequence[Any]) -> _SumCurve:
    return _SumCurve(tuple(parts))


def _sv2_pick(options: Sequence[OptionEstimate]) -> str | None:
    std = next((o for o in options if o.name == "serverless-v2-standard"), None)
    opt = next((o for o in options if o.name == "serverless-v2-io-optimized"), None)
    if std is not None and opt is not None:
        return cheaper_io_mode(std, opt)[0]
    return None


def _merge_assumptions(results: Sequence[RunResult]) -> tuple[Assumption, ...]:
    """Assumptions of every cluster; a key whose value differs between clusters is shown once per value."""
    seen: dict[tuple[str, str], Assumption] = {}
    for r in results:
        for a in r.assumptions:
            seen.setdefault((a.key, repr(a.value)), a)
    counts: dict[str, int] = {}
    for key, _v in seen:
        counts[key] = counts.get(key, 0) + 1
    out = []
    for (key, _v), a in seen.items():
        if counts[key] > 1 and a.source == "measured":
            continue  # per-cluster measurements (storage, statements per transaction) are in the cluster table
        out.append(a)
    return tuple(sorted(out, key=lambda a: a.key))


def _sweep_notes() -> tuple[str, ...]:
    return (
        "multipliers scale every cluster's load together (1 = the scenario as given)",
        "the DSQL free tier applies once to the fleet; Serverless v2 capacity is simulated per cluster",
    )
