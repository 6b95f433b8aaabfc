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
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis.fleet_cluster import HOT_SPOTS_KEPT, ClusterRun, run_cluster
from costmodel.analysis.fleet_statements import (
    deduplicate,
    fleet_rows,
    readiness_metrics,
    report_columns,
    representative_texts,
)
from costmodel.classify.table import ProfileTable
from costmodel.compare import BreakEven, Verdict, break_even, decide
from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import IngestError
from costmodel.core.estimate import Assumption, LineItem, OptionEstimate
from costmodel.core.executor import Executor, LocalExecutor
from costmodel.core.options import SV2_IO_OPTIMIZED, SV2_STANDARD, OptionKind
from costmodel.core.profile import ParseStatus
from costmodel.core.workload import Workload
from costmodel.ingest.guards import refuse_repeated
from costmodel.ingest.load import load_workload, matched_filter_values
from costmodel.pricing.calibration import Calibration
from costmodel.pricing.dsql import SERVICE as DSQL_SERVICE
from costmodel.pricing.dsql import account_terms
from costmodel.pricing.dsql_curve import dsql_cost_curve
from costmodel.pricing.serverless_v2 import cheaper_io_mode
from costmodel.readiness.assess import LINT_MAX_CHARS, Readiness, assess_readiness
from costmodel.readiness.prelint import PreLint, PreLinted
from costmodel.scenario.model import DsqlSettings, Scenario

EXPORT_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt")
"""File endings read as exports when a directory of exports is given (optionally ``.gz``)."""
PARALLEL_MIN_CLUSTERS = 4
"""Below this many clusters, loading and pricing run in this process (a pool costs more)."""


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
    refuse_repeated(found, what="cluster export", content=False)
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
    include_monitoring: bool = False


def _load_one(source: ClusterSource, options: LoadOptions) -> Workload:
    return load_workload(
        [source.path],
        window=options.window,
        databases=options.databases,
        users=options.users,
        include_nested=options.include_nested,
        group_by=options.group_by,
        include_monitoring=options.include_monitoring,
        strict_filters=False,  # checked over the fleet: a database may live in some clusters only
    )


def _filtered(
    names: list[str], loaded: list[Workload], options: LoadOptions
) -> tuple[list[str], list[Workload], tuple[str, ...]]:
    """With ``--database``/``--user``, the clusters that have matching statements, and a note naming
    the others; a value no cluster has is an error (as it is for one export)."""
    if not (options.databases or options.users):
        return names, loaded, ()
    for what, wanted in (("database", options.databases), ("user", options.users)):
        found: set[str] = set()
        for workload in loaded:
            found |= matched_filter_values(workload.statements, wanted, what)
        missing = [v for v in wanted if str(v) not in found]
        if missing:
            raise IngestError(
                f"{what} {missing[0]!r} matches no statements in any of the {len(loaded)} exports",
                column=f"--{what}",
                hint=f"check the {what} name (or oid) against the per-database table of a report without the filter",
            )
    kept = [i for i, w in enumerate(loaded) if len(w.statements)]
    left_out = [names[i] for i in range(len(names)) if i not in set(kept)]
    notes: tuple[str, ...] = ()
    if left_out:
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        notes = (
            f"{len(left_out)} cluster(s) have no statements for the selected database(s)/user(s) and are left "
            f"out: {', '.join(left_out[:5])}{more}",
        )
    return [names[i] for i in kept], [loaded[i] for i in kept], notes


def _jobs(jobs: int | None) -> int:
    return max(1, jobs if jobs is not None else (os.cpu_count() or 1))


@dataclass(frozen=True, eq=False)
class Fleet:
    """Clusters as read (not yet classified) and the profile of every distinct text they hold."""

    clusters: tuple[tuple[str, Workload], ...]
    profiles: ProfileTable
    notes: tuple[str, ...] = ()
    """Clusters left out by the ``--database``/``--user`` filters, for the report's warnings."""


def load_fleet(
    sources: Sequence[ClusterSource],
    options: LoadOptions = LoadOptions(),
    *,
    jobs: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    executor: Executor | None = None,
) -> Fleet:
    """Read every cluster (in parallel local processes when there are many) and classify their
    distinct texts once, together: a text repeated across clusters is parsed once. Classification
    batches run on ``executor`` (default: ``jobs`` local processes); reading stays on this machine."""
    workers = _jobs(jobs)
    if workers > 1 and len(sources) >= PARALLEL_MIN_CLUSTERS:
        loaded = []
        with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context()) as pool:
            for done, workload in enumerate(
                pool.map(_load_one, sources, [options] * len(sources), chunksize=4), start=1
            ):
                loaded.append(workload)
                if progress is not None:
                    progress("reading exports", done, len(sources))
    else:
        loaded = []
        for done, source in enumerate(sources, start=1):
            loaded.append(_load_one(source, options))
            if progress is not None:
                progress("reading exports", done, len(sources))
    names, loaded, notes = _filtered([s.name for s in sources], loaded, options)
    table = ProfileTable.for_workloads(loaded, jobs=workers, executor=executor)
    return Fleet(tuple(zip(names, loaded)), table, notes)


def _fork_context() -> Any:
    """Fork where the platform can (workers start at once with the parent's modules), else spawn."""
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


_Shared = tuple[ProfileTable, PriceCatalog, "Calibration | None", Scenario]


def _run_item(shared: _Shared, cluster: tuple[str, Workload]) -> ClusterRun:
    """One cluster priced with the fleet's shared tables: a task of :meth:`Executor.map_shared`."""
    table, catalog, calibration, scenario = shared
    name, workload = cluster
    return run_cluster(name, workload, table, catalog, calibration, scenario)


@dataclass(frozen=True, eq=False)
class FleetResult:
    """Per-cluster runs and the fleet totals built from them."""

    clusters: tuple[ClusterRun, ...]
    options: tuple[OptionEstimate, ...]
    readiness: Readiness | None
    break_even: BreakEven
    verdict: Verdict
    contention: dict[str, Any]
    statements: pd.DataFrame
    """One row per statement across clusters (deduplicated by fingerprint), with ``findings``."""
    statement_rows: int
    """Statement rows over all clusters before deduplication."""
    status_counts: dict[str, int]
    """Statement rows per ``parse_status`` over all clusters."""
    scenario: Scenario
    catalog: PriceCatalog
    calibration: Calibration | None
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def cluster(self, name: str) -> ClusterRun:
        """The cluster called ``name``."""
        return next(c for c in self.clusters if c.name == name)


class FleetAnalysis:
    """A loaded fleet plus the pipeline run per cluster and summed for the fleet."""

    def __init__(
        self,
        fleet: Fleet,
        catalog: PriceCatalog,
        *,
        calibration: Calibration | None = None,
        jobs: int | None = None,
        with_readiness: bool = True,
        executor: Executor | None = None,
    ) -> None:
        """``fleet`` comes from :func:`load_fleet`; clusters are priced on ``executor`` (default:
        ``jobs`` local processes, in this process below :data:`PARALLEL_MIN_CLUSTERS` clusters)."""
        self.fleet = fleet
        self.catalog = catalog
        self.calibration = calibration
        self.jobs = _jobs(jobs)
        self.with_readiness = with_readiness
        self.executor = executor

    def _run_clusters(self, scenario: Scenario) -> list[ClusterRun]:
        clusters = self.fleet.clusters
        executor = self.executor
        if executor is None:
            executor = LocalExecutor(self.jobs if len(clusters) >= PARALLEL_MIN_CLUSTERS else 1)
        shared: _Shared = (self.fleet.profiles, self.catalog, self.calibration, scenario)
        return executor.map_shared(_run_item, shared, clusters)

    def run(self, scenario: Scenario, *, sweep_points: int = 10_000) -> FleetResult:
        """Price every cluster (free tier and discount off), then total them for the fleet."""
        per_cluster = replace(scenario, dsql=DsqlSettings(free_tier=False, discount_pct=0.0))
        prelint = self._start_lint() if self.with_readiness else None
        runs = self._run_clusters(per_cluster)
        options, curves, warnings = self._totals(runs, scenario)
        deduped = deduplicate(fleet_rows(runs), self.fleet.profiles)
        runs = [replace(r, statements=r.statements.iloc[0:0]) for r in runs]
        prelinted = prelint.result() if prelint is not None else None
        readiness = self._readiness(runs, deduped.table, prelinted) if self.with_readiness and runs else None
        statements = report_columns(deduped.table)
        if readiness is not None:
            statements["findings"] = readiness.statements["findings"].to_numpy()
        else:
            statements["findings"] = [()] * len(statements)
        contention = self._contention(runs)
        sweep = break_even(curves, points=sweep_points, notes=_sweep_notes())
        verdict = decide(
            options,
            multi_region=bool(scenario.regions.dsql_peers or scenario.regions.global_secondaries),
            readiness_verdict=readiness.verdict.value if readiness else None,
            readiness_summary=readiness.summary if readiness else None,
            contention_risk=contention["risk"],
            conflict_rate=contention["predicted_conflict_rate"],
            sv2_recommended_mode=_sv2_pick(options),
            latency=runs[0].latency if runs else (),
            crossovers=sweep.crossovers,
        )
        return FleetResult(
            clusters=tuple(runs),
            options=tuple(options),
            readiness=readiness,
            break_even=sweep,
            verdict=verdict,
            contention=contention,
            statements=statements,
            statement_rows=deduped.rows,
            status_counts=deduped.status_counts,
            scenario=scenario,
            catalog=self.catalog,
            calibration=self.calibration,
            assumptions=_merge_assumptions(runs),
            warnings=(*self.fleet.notes, *warnings),
        )

    def _totals(
        self, runs: Sequence[ClusterRun], scenario: Scenario
    ) -> tuple[list[OptionEstimate], dict[str, Any], list[str]]:
        """Sum each option's line items over clusters; add the account-level DSQL lines once."""
        names = list(dict.fromkeys(o.name for r in runs for o in r.options))
        options: list[OptionEstimate] = []
        curves: dict[str, Any] = {}
        warnings: list[str] = []
        for name in names:
            parts = [(r.name, r.option(name)) for r in runs]
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
            if first.kind == OptionKind.DSQL:
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
            if first.kind == OptionKind.DSQL:
                allowance = (
                    float(self.catalog.fact(DSQL_SERVICE, "free_tier.dpu_per_month").value)
                    if scenario.dsql.free_tier
                    else 0.0
                )
                curves[name] = dsql_cost_curve(option, free_tier_dpu=allowance)
            else:
                parts_curves = [r.curves[name] for r in runs if name in r.curves]
                curves[name] = _sum_curve(parts_curves)
        return options, curves, warnings

    def _start_lint(self) -> PreLint:
        """dsql-lint over the texts readiness will lint, started now on a background thread so it
        runs while the clusters are priced (readiness comes last; see :mod:`costmodel.readiness.prelint`)."""
        table = self.fleet.profiles
        status = table.frame["parse_status"].to_numpy()
        ok = ParseStatus.OK.value
        texts = [
            t
            for t in representative_texts(table)
            if status[table.code_of[t]] == ok and t.strip() and len(t) <= LINT_MAX_CHARS
        ]
        return PreLint(texts)

    @staticmethod
    def _readiness(
        runs: Sequence[ClusterRun], statements: pd.DataFrame, prelinted: PreLinted | None = None
    ) -> Readiness:
        """One readiness pass over the deduplicated statements (dsql-lint runs once per distinct
        text, or was run early; quotas are checked on each statement's worst cluster)."""
        base = runs[0].workload
        combined = replace(base, statements=statements, notes=(), catalog=None, series=None)
        return assess_readiness(
            combined,
            statement_cost=statements.get("dsql_monthly_usd"),
            assumptions=runs[0].usage_assumptions,
            metrics=readiness_metrics(statements),
            prelinted=prelinted,
        )

    @staticmethod
    def _contention(runs: Sequence[ClusterRun]) -> dict[str, Any]:
        """Conflicts happen inside a cluster: the fleet rate weights each cluster by its transactions."""
        txns = np.array([r.txns_month for r in runs], dtype=float)
        rates = np.array([r.predicted_conflict_rate for r in runs], dtype=float)
        total = float(txns.sum())
        rate = float((txns * rates).sum() / total) if total > 0 else 0.0
        low, high = runs[0].thresholds if runs else (0.01, 0.05)
        risk = "high" if rate >= high else "elevated" if rate >= low else "low"
        hot = [{"cluster": r.name, **spot} for r in runs for spot in r.hot_spots]
        # each cluster sent its worst HOT_SPOTS_KEPT (see worst_hot_spots), so these are the fleet's worst
        hot.sort(key=lambda h: -(h.get("conflict_probability") or 0.0))
        count = sum(r.hot_spot_count for r in runs)
        return {
            "predicted_conflict_rate": rate,
            "risk": risk,
            "thresholds": {"elevated": low, "high": high},
            "clusters": [
                {"cluster": r.name, "predicted_conflict_rate": r.predicted_conflict_rate, "risk": r.risk}
                for r in runs
            ],
            "hot_spots": hot[:HOT_SPOTS_KEPT],
            "notes": [
                f"{count} hot spot(s) across {len(runs)} cluster(s); the {min(count, HOT_SPOTS_KEPT)} worst are listed"
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
    std = next((o for o in options if o.name == SV2_STANDARD.name), None)
    opt = next((o for o in options if o.name == SV2_IO_OPTIMIZED.name), None)
    if std is not None and opt is not None:
        return cheaper_io_mode(std, opt)[0]
    return None


def _merge_assumptions(results: Sequence[ClusterRun]) -> tuple[Assumption, ...]:
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
