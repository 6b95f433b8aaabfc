"""The whole pipeline for one workload, with scenario-independent work done once.

:class:`Analysis` holds what does not change when a what-if changes: the ingested and classified
workload, the price catalog, an optional calibration and the dsql-lint run inside readiness. Its
:meth:`Analysis.run` prices a :class:`~costmodel.scenario.model.Scenario`: usage → contention → DSQL and
Serverless v2 options → readiness weights → break-even sweep → verdict. The CLI runs it once; the
dashboard keeps one Analysis per upload and calls :meth:`run` on every control change, so parsing,
classification and linting never happen in a callback.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from costmodel.analysis.ranges import RANGE_SOURCE, Ranges, price_ranges, range_cases
from costmodel.classify.frame import classify
from costmodel.compare import BreakEven, Verdict, break_even, decide
from costmodel.contention.model import Contention, assess_contention
from costmodel.core.assumptions import AssumptionSet, merge_used
from costmodel.core.catalog import PriceCatalog
from costmodel.core.estimate import Assumption, CostCurve, OptionEstimate
from costmodel.core.executor import LocalExecutor, fork_context
from costmodel.core.memory import give_back
from costmodel.core.options import Footprint, OptionKind
from costmodel.core.workload import Workload
from costmodel.decision import Decision, TreeInputs, check_residency, walk
from costmodel.decision.model import Path as TreePath
from costmodel.ingest.meta import read_bundle
from costmodel.pricing import PricingInput, price_options
from costmodel.pricing.calibration import Calibration
from costmodel.pricing.dsql import attempt_dpu
from costmodel.pricing.registry import PricedOption
from costmodel.pricing.serverless_v2_capacity import resume_delay_text
from costmodel.readiness.assess import Readiness, assess_readiness, lint_plan
from costmodel.readiness.prelint import PreLint, PreLinted
from costmodel.scenario.activity import volume_factor
from costmodel.scenario.model import Scenario, scenario_assumptions
from costmodel.usage.compute import usage_from_head, usage_head, usage_start
from costmodel.usage.head import UsageHead, UsageStart
from costmodel.usage.model import Usage

DEFAULT_SWEEP_POINTS = 10_000
FRONT_CACHE_SIZE = 16
"""Usage + contention results kept per Analysis (one per distinct load/regions/time shape)."""
PARALLEL_RANGE_ROWS = 100_000
"""Statements from which range cases are priced in worker processes (below, a pool costs more)."""
LOAD_CACHE_SIZE = 2
"""Contention results kept by load (everything but storage) from :meth:`Analysis.run`, for what-ifs
and range cases that change only the stored GB (the OCC model does not read it)."""
FRONT_CACHE_ROWS = 2_500_000
"""Statement rows those caches hold at most, summed over entries: each entry keeps per-statement
frames (some 750 bytes a row), so a million-statement export keeps two entries, not sixteen
(its range cases would otherwise hold ~8 GB); a dashboard upload of 150k statements keeps all
sixteen, so a what-if reuses every range case."""


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything one scenario run produced, as objects (the report dict is built from this)."""

    workload: Workload
    scenario: Scenario
    usage: Usage
    options: tuple[OptionEstimate, ...]
    contention: Contention
    readiness: Readiness | None
    break_even: BreakEven
    verdict: Verdict
    catalog: PriceCatalog
    calibration: Calibration | None
    assumptions: tuple[Assumption, ...]
    curves: dict[str, CostCurve] = field(default_factory=dict)
    """Monthly USD per option as a function of a load multiplier (fleet totals add them up)."""
    decision: Decision | None = None
    """The architect's tree walked for this run, and where each option keeps the data."""

    def option(self, name: str) -> OptionEstimate | None:
        """The option called ``name``, if priced."""
        return next((o for o in self.options if o.name == name), None)


def verdict_caveats(usage: Usage, contention: Contention, ranges: Ranges | None = None) -> tuple[str, ...]:
    """The defaults that stand in for unknown inputs, for the line next to the verdict."""
    out: list[str] = []
    summary = ranges.summary() if ranges is not None else None
    if summary:
        out.append(summary)
    if usage.txn is not None and usage.txn.witness == "fallback":
        out.extend(usage.txn.warnings)
    if usage.storage_source.startswith("default"):
        out.append(
            f"storage assumed: {usage.storage_gb:g} GB (default storage_gb); give --storage-gb, or "
            "database_size_bytes in the export's .meta.yaml (SELECT pg_database_size(current_database())), or "
            "collect a bundle"
        )
    if contention.risk.value == "unknown":
        low, high = contention.conflict_rate_range
        out.append(
            f"OCC risk unknown: {contention.assumed_key_spaces} write pattern(s) have no row counts, so their key "
            f"spaces are assumed; {low:.2%}–{high:.2%} of transactions may conflict (point estimate "
            f"{contention.predicted_conflict_rate:.2%}); collect a bundle for catalog facts"
        )
    return tuple(out)


class Analysis:
    """A classified workload plus the cached, scenario-independent parts of the pipeline."""

    def __init__(
        self,
        workload: Workload,
        catalog: PriceCatalog,
        *,
        calibration: Calibration | None = None,
        schema: Path | None = None,
        with_readiness: bool = True,
        show_literals: bool = False,
        jobs: int = 1,
    ) -> None:
        """``workload`` is classified here if it is not yet (its profile columns are added once).

        ``show_literals`` lets dsql-lint see the texts as exported; by default it sees them with
        every string literal replaced (:func:`costmodel.core.redact.lint_text`), so no finding
        message can quote a password or a command line. ``jobs`` > 1 prices the range cases of a
        large workload in that many worker processes.
        """
        self.workload = workload if "parse_status" in workload.statements else classify(workload)
        self.catalog = catalog
        self.calibration = calibration
        self.schema = schema if schema is not None else bundle_schema(self.workload)
        self.with_readiness = with_readiness
        self.show_literals = show_literals
        self.jobs = jobs
        self._readiness: dict[tuple[tuple[str, str], ...], Readiness] = {}
        self._front: OrderedDict[str, tuple[Usage, Contention, AssumptionSet]] = OrderedDict()
        self._base_usage: OrderedDict[str, tuple[Usage, AssumptionSet]] = OrderedDict()
        self._head: UsageHead | None = None
        """The usage steps before transactions last computed without a range case's default: a
        range case or what-if they fit (same growth, same assumptions read) runs only the steps
        after them; :attr:`_start` likewise for the context and CPU steps."""
        self._start: UsageStart | None = None
        self._by_load: OrderedDict[str, Contention] = OrderedDict()
        self._keep_results = True
        """False in a range-case worker: what it computes is used once, then the worker ends."""
        self._prelint = self._start_lint()

    def _start_lint(self) -> PreLint | None:
        """dsql-lint started now, on a thread, over the texts readiness will lint — for a large
        export priced over several processes (the CLI's ``--jobs``): the linter (a native process,
        ≈0.25 ms a text, ≈12 s of CPU over 50,000 texts) then runs while the point run prices the
        options on the main thread, as a fleet's does while its clusters are priced. Readiness takes
        its diagnostics by text (same findings: :mod:`costmodel.readiness.prelint`); a schema is
        linted with the texts, so with one readiness lints itself as before."""
        if not self.with_readiness or self.schema is not None or self.jobs <= 1:
            return None
        if len(self.workload.statements) < PARALLEL_RANGE_ROWS:
            return None
        plan = lint_plan(self.workload.statements)  # readiness reuses it for the same frame
        return PreLint(plan.texts, lint_literals=self.show_literals, plan=plan)

    def _prelinted(self) -> PreLinted | None:
        """The early dsql-lint run, waited for (None without one, or when it failed)."""
        return self._prelint.result() if self._prelint is not None else None

    def cache_bytes(self) -> int:
        """Bytes held by this analysis's reuse caches (usage tables and contention results kept for
        later what-ifs): a 150,000-statement workload keeps hundreds of MB here, which a server
        holding several analyses must count against its memory budget."""
        tables = [u.statements for u, _, _ in self._front.values()]
        tables += [u.statements for u, _ in self._base_usage.values()]
        contentions = {id(c): c for _, c, _ in self._front.values()}
        contentions.update((id(c), c) for c in self._by_load.values())
        series = [c.retry_factors for c in contentions.values()]
        series += [c.conflict_probability for c in contentions.values()]
        head = self._head.nbytes if self._head is not None else 0
        head += self._start.nbytes if self._start is not None and self._head is None else 0
        return (
            head
            + sum(int(t.memory_usage(index=True, deep=False).sum()) for t in tables)
            + sum(int(s.memory_usage(index=True, deep=False)) for s in series)
        )

    def _price(
        self, scenario: Scenario, usage: Usage, contention: Contention, *, statements: bool = True
    ) -> list[PricedOption]:
        """Every option priced; ``statements=False`` when only the totals are read (a range case:
        the estimates then carry no per-statement frames, :attr:`PricingInput.statements`)."""
        retry = contention.retry_factors.reindex(usage.statements.index).fillna(0.0)
        return price_options(
            PricingInput(
                usage=usage,
                scenario=scenario,
                catalog=self.catalog,
                calibration=self.calibration,
                retry_factor=retry,
                series=self.workload.series,
                conflict_rate=contention.predicted_conflict_rate,
                statements=statements,
            )
        )

    def _totals(self, scenario: Scenario) -> dict[str, float]:
        """Every option's monthly total under ``scenario`` (no readiness, no sweep): a range case."""
        usage, contention = self._usage_and_contention(scenario, case=True)
        return {
            p.estimate.name: float(p.estimate.total_monthly_usd)
            for p in self._price(scenario, usage, contention, statements=False)
        }

    def _case_pricer(self, variants: Sequence[Scenario]) -> Callable[[Scenario], dict[str, float]]:
        """How range cases are priced: here one by one (their usage cached for later what-ifs), or,
        for a large workload with ``jobs`` > 1, all at once in forked workers that inherit this
        Analysis (with the run's usage head and contention, so the cases stay incremental there).
        A case re-runs only what its default reaches (:meth:`_usage`): seven of a typical export's
        eleven cases cost its tail of usage, the OCC model and pricing; the row-width and
        secondary-index cases recompute most of the usage. The totals are the same either way."""
        rows = len(self.workload.statements)
        if self.jobs <= 1 or len(variants) < 2 or rows < PARALLEL_RANGE_ROWS or fork_context() is None:
            return self._totals
        self._prelinted()  # no fork while the early dsql-lint thread still runs
        give_back()  # forked workers share the resident pages: free ones need not be among them
        found = LocalExecutor(self.jobs).map_shared(_case_totals, self, variants)
        by_case = {id(variant): totals for variant, totals in zip(variants, found, strict=True)}
        return lambda variant: by_case[id(variant)]

    def _readiness_for(self, scenario: Scenario, usage: Usage, cost: pd.Series) -> Readiness:
        """Readiness is linted once per assumption set: the cost shares barely move between
        what-ifs (DSQL cost per statement scales uniformly with growth and region price), so the
        first run's weights stand for later ones with the same assumptions."""
        key = tuple(sorted((k, repr(v)) for k, v in scenario.assumptions.items()))
        if key not in self._readiness:
            self._readiness[key] = assess_readiness(
                self.workload,
                statement_cost=cost,
                schema=self.schema,
                assumptions=usage.assumptions,
                rows_written_per_call=usage.statements["rows_written_per_call"],
                write_bytes_per_call=usage.statements["write_bytes_per_call"],
                lint_literals=self.show_literals,
                prelinted=self._prelinted(),
            )
        return self._readiness[key]

    def run(
        self, scenario: Scenario, *, sweep_points: int = DEFAULT_SWEEP_POINTS, ranges: bool = True
    ) -> RunResult:
        """Price ``scenario``: all options, contention, readiness, break-even, the verdict and the tree.

        ``ranges=False`` leaves the verdict's ranges out (:meth:`with_ranges` adds them later, giving
        the same result as ``ranges=True``): they re-price every option once per end of every
        default used (about 11 runs of usage, contention and pricing), which the dashboard does
        off the request so a what-if answers with the scenario's own figures first.
        """
        check_residency(scenario)  # a region outside requirements.residency is refused before pricing
        usage, contention = self._usage_and_contention(scenario, case=False)
        factor = volume_factor(scenario)
        if factor != 1.0:
            usage = replace(
                usage,
                warnings=(
                    *usage.warnings,
                    f"time_profile.volume observed-rate: the {scenario.time_profile.kind} profile's busiest minutes "
                    f"run at the observed rate, so a month carries {factor:.1%} of an always-on month's calls",
                ),
            )
        multi = bool(scenario.regions.dsql_peers)
        priced = self._price(scenario, usage, contention)
        options = [p.estimate for p in priced]
        # Savings Plan variants are a billing choice, not a different load response: not swept
        curves: dict[str, CostCurve] = {
            p.estimate.name: p.curve for p in priced if "savings_plan" not in p.estimate.details
        }

        readiness = None
        dsql = next((o for o in options if o.kind == OptionKind.DSQL), None)
        if self.with_readiness and dsql is not None and dsql.statements is not None:
            cost = dsql.statements["monthly_usd"].reindex(self.workload.statements.index)
            readiness = self._readiness_for(scenario, usage, cost)

        capped = {o.name: o.details.get("capped_from") for o in options}
        sweep = break_even(curves, points=sweep_points, notes=self._sweep_notes(), capped_from=capped)
        sv2_pick = next(
            (
                o.details["io_mode_recommendation"]["option"]
                for o in options
                if o.kind == OptionKind.SERVERLESS_V2 and "io_mode_recommendation" in o.details
            ),
            None,
        )
        verdict = decide(
            options,
            multi_region=multi or bool(scenario.regions.global_secondaries),
            readiness_verdict=readiness.verdict.value if readiness else None,
            readiness_summary=readiness.summary if readiness else None,
            contention_risk=contention.risk.value,
            conflict_rate=contention.predicted_conflict_rate,
            sv2_recommended_mode=sv2_pick,
            latency=self._latency(options, contention),
            crossovers=sweep.crossovers,
        )
        assumptions = run_assumptions(usage, contention, options, readiness)
        verdict = replace(verdict, caveats=verdict_caveats(usage, contention), ranges=None)
        decision = walk(TreeInputs(scenario, options, contention, readiness, sv2_pick))
        verdict = cite_decision(verdict, decision)
        point = RunResult(
            workload=self.workload,
            scenario=scenario,
            usage=usage,
            options=tuple(options),
            contention=contention,
            readiness=readiness,
            break_even=sweep,
            verdict=verdict,
            catalog=self.catalog,
            calibration=self.calibration,
            assumptions=assumptions,
            curves=curves,
            decision=decision,
        )
        # per-cluster runs of a fleet skip the ranges (no sweep, no verdict shown)
        return self.with_ranges(point) if ranges and sweep_points > 0 else point

    def with_ranges(
        self, result: RunResult, price: Callable[[Scenario], Mapping[str, float]] | None = None
    ) -> RunResult:
        """``result`` with its verdict's ranges and their sentence first among the caveats (what
        :meth:`run` gives with ``ranges=True``). ``price`` re-prices one case (default: one by one or
        in forked workers, :meth:`_case_pricer`); the dashboard passes :meth:`case_totals` wrapped
        to take its upload's lock per case."""
        cases = range_cases(result.scenario, result.usage, result.contention, result.assumptions)
        ranges = price_ranges(
            {o.name: float(o.total_monthly_usd) for o in result.options},
            result.verdict.comparable,
            cases,
            price or self._case_pricer([variant for _, _, _, variant in cases]),
        )
        summary = ranges.summary()
        caveats = (
            tuple(dict.fromkeys([summary, *result.verdict.caveats])) if summary else result.verdict.caveats
        )
        return replace(result, verdict=replace(result.verdict, caveats=caveats, ranges=ranges))

    def case_totals(self, scenario: Scenario) -> dict[str, float]:
        """One range case's option totals, priced here (its usage cached for later what-ifs)."""
        return self._totals(scenario)

    def _usage_and_contention(self, scenario: Scenario, *, case: bool) -> tuple[Usage, Contention]:
        """Usage and the OCC model, reused across what-ifs that change none of their inputs.

        They read the load (growth, statements per transaction, stored GB, assumption overrides),
        the region set (commit latency) and the time shape (peak rate); Serverless v2 capacity,
        I/O mode, free tier or discount changes reuse them. The OCC model does not read the stored
        GB: a scenario that changes only storage (a what-if, or two of the range cases) reuses the
        contention of a run with the same load. The usage's assumptions are copied for each run, so
        nothing read from them later (the report reads one) leaks into another run. ``case`` is True
        for a range case: its contention is kept by load only in a free slot, never in place of the
        run's that the storage cases reuse.
        """
        load = (
            scenario.growth,
            scenario.statements_per_txn,
            sorted(scenario.assumption_overrides().items()),
            scenario.regions,
            scenario.time_profile,
            scenario.background,
        )
        key = repr((*load[:2], scenario.storage, *load[2:]))
        cached = self._front.get(key)
        if cached is not None:
            self._front.move_to_end(key)
            usage, contention, recorded = cached
            return replace(usage, assumptions=recorded.copy()), contention
        usage = self._usage(at_profile_volume(scenario))
        load_key = repr(load)
        known = self._by_load.get(load_key)
        if known is not None:
            contention = known
        else:
            contention = self._contention(scenario, usage)
            if self._keep_results and not (case and len(self._by_load) >= LOAD_CACHE_SIZE):
                self._by_load[load_key] = contention
                while len(self._by_load) > LOAD_CACHE_SIZE:
                    self._by_load.popitem(last=False)
        if self._keep_results:
            self._front[key] = (usage, contention, usage.assumptions.copy())
            while len(self._front) > self._cache_entries():
                self._front.popitem(last=False)
        return replace(usage, assumptions=usage.assumptions.copy()), contention

    def _contention(self, scenario: Scenario, usage: Usage) -> Contention:
        # Retries bill what an aborted attempt bills; DSQL is priced with the retry factors in run().
        # Its own scope: the constants it reads are the DSQL pricer's, listed with that option.
        attempt_usage = replace(usage, assumptions=usage.assumptions.scoped())
        dpu_per_call = attempt_dpu(attempt_usage, self.catalog, self.calibration)
        return assess_contention(
            self.workload, usage, scenario, usage.assumptions, statement_dpu=dpu_per_call
        )

    def _usage(self, scenario: Scenario) -> Usage:
        """Usage at the scenario's growth: computed once per load shape, then rescaled (it is linear).

        A computation reuses the kept :class:`~costmodel.usage.head.UsageHead` when it fits (a
        range case varying statements per transaction, storage, or a default usage does not read:
        the OCC key spaces, the DSQL compute ratio), else the kept start when that fits (row width,
        secondary indexes): :meth:`_head_for`.
        """
        key = repr(
            (scenario.statements_per_txn, scenario.storage, sorted(scenario.assumption_overrides().items()))
        )
        cached = self._base_usage.get(key)
        if cached is None or cached[0].growth <= 0:
            assumptions = scenario_assumptions(scenario)
            usage = usage_from_head(self._head_for(scenario, assumptions), scenario, assumptions)
            if self._keep_results:
                self._base_usage[key] = (usage, usage.assumptions.copy())
                while len(self._base_usage) > self._cache_entries():
                    self._base_usage.popitem(last=False)
            return usage
        base, recorded = cached
        return replace(base.scaled(scenario.growth), assumptions=recorded.copy())

    def _head_for(self, scenario: Scenario, assumptions: AssumptionSet) -> UsageHead:
        """The kept head if it fits, else one computed here (on the kept start if that fits).

        A head or start is kept unless it read an assumption a range case set
        (:data:`~costmodel.analysis.ranges.RANGE_SOURCE`): it then fits the run the case varies,
        and the case's siblings, not only this case. (The dashboard prices cases on an analysis of
        their own: its first case keeps the head its siblings use.)
        """
        head = self._head
        if head is not None and head.fits(scenario, assumptions):
            return head
        start = self._start
        if start is None or not start.fits(scenario, assumptions):
            start = usage_start(self.workload, scenario, assumptions)
            if self._keep_results and _unvaried(start.recorded):
                self._start = start
        head = usage_head(self.workload, scenario, assumptions, start=start)
        if self._keep_results and _unvaried(head.recorded):
            self._head, self._start = head, head.start
        return head

    def _cache_entries(self) -> int:
        """How many usage/contention results to keep: :data:`FRONT_CACHE_SIZE` within the row budget."""
        rows = max(1, len(self.workload.statements))
        return max(1, min(FRONT_CACHE_SIZE, FRONT_CACHE_ROWS // rows))

    @staticmethod
    def _sweep_notes() -> tuple[str, ...]:
        return (
            "multipliers scale the scenario's load (1 = the scenario as given, growth included)",
            "DSQL OCC retry DPU grows faster than load: k times the commits conflict in the same window, and "
            "the retry loop (occ_max_attempts) bounds the attempts",
            "Serverless v2 capacity is re-simulated at each multiplier (0.5-ACU steps, min/max, pauses)",
        )

    @staticmethod
    def _latency(options: Sequence[OptionEstimate], contention: Contention) -> tuple[str, ...]:
        lines: list[str] = []
        for option in options:
            if option.kind == OptionKind.DSQL and option.footprint is Footprint.MULTI_REGION:
                lines.append(
                    f"DSQL multi-region commits take ~{contention.commit_latency.ms:.0f} ms "
                    f"({contention.commit_latency.basis})"
                )
            if option.kind == OptionKind.SERVERLESS_V2 and option.details.get("resumes"):
                lines.append(
                    f"{option.title}: {float(option.details['resumes']):,.0f} resumes/month; the first request "
                    f"after a pause waits {resume_delay_text(option.details)}"
                )
        if not lines:
            lines.append(
                f"DSQL commits take ~{contention.commit_latency.ms:.0f} ms ({contention.commit_latency.basis}); "
                "Serverless v2 stays awake (no resume delay)"
            )
        return tuple(dict.fromkeys(lines))


def run_assumptions(
    usage: Usage, contention: Contention, options: Sequence[OptionEstimate], readiness: Readiness | None
) -> tuple[Assumption, ...]:
    """The run's assumptions: what each stage returned, merged in the order the stages ran (usage,
    contention, each option's pricer, readiness), so a later stage's entry wins on a shared key."""
    return merge_used(
        usage.assumptions.used(),
        contention.used,
        *(o.assumptions for o in options),
        readiness.assumptions if readiness is not None else (),
    )


def _unvaried(recorded: AssumptionSet) -> bool:
    """True when none of the assumptions ``recorded`` read was set by a range case."""
    return all(recorded.peek(key)[1] != RANGE_SOURCE for key in recorded.read_keys())


def _case_totals(analysis: Analysis, variant: Scenario) -> dict[str, float]:
    """One range case's option totals (a task of :meth:`Analysis._case_pricer`), nothing cached:
    a worker's cache would only hold a million-row usage until the pool ends."""
    keep, analysis._keep_results = analysis._keep_results, False
    try:
        return analysis._totals(variant)
    finally:
        analysis._keep_results = keep


def cite_decision(verdict: Verdict, decision: Decision) -> Verdict:
    """The verdict citing the tree's branch; unmet requirements and residency flags as its caveats.

    The verdict compares costs like with like; the tree says which path the requirements and the
    workload lead to. Both stay visible: when they disagree the reader sees why.
    """
    reasons = [*verdict.reasons, decision.verdict_reason()]
    option, usd = decision.outcome.option, decision.outcome.monthly_usd
    if (
        option
        and usd is not None
        and option != verdict.recommended
        and decision.outcome.path != TreePath.DEPENDS.value
    ):
        reasons.append(
            f"the tree's path ({option}, ${usd:,.2f}/month) is not the cheapest comparable option "
            f"({verdict.recommended}): the stated requirements, not the price, decide between them"
        )
    caveats = [*verdict.caveats, *decision.outcome.conflicts, *decision.residency.flags]
    return replace(verdict, reasons=tuple(dict.fromkeys(reasons)), caveats=tuple(dict.fromkeys(caveats)))


def bundle_schema(workload: Workload) -> Path | None:
    """The schema dump of a single bundle (``schema:`` in its bundle.yaml, normally ``schema.sql``).

    A bundle records its database's schema, so readiness checks it by default; with several
    bundles the schema is only used when given explicitly (``--schema``).
    """
    bundles = [Path(s) for s in workload.sources if Path(s).name == "bundle.yaml"]
    if len(bundles) != 1:
        return None
    root = bundles[0].parent
    return read_bundle(root, str(root)).schema  # contained and checked in one place


def analyse(
    workload: Workload,
    scenario: Scenario,
    catalog: PriceCatalog,
    *,
    calibration: Calibration | None = None,
    schema: Path | None = None,
    sweep_points: int = DEFAULT_SWEEP_POINTS,
) -> RunResult:
    """One-shot convenience: classify (if needed) and run one scenario."""
    return Analysis(workload, catalog, calibration=calibration, schema=schema).run(
        scenario, sweep_points=sweep_points
    )


def at_profile_volume(scenario: Scenario) -> Scenario:
    """``scenario`` with its growth times the share of a month its time profile carries
    (:func:`costmodel.scenario.activity.volume_factor`; 1 unless ``time_profile.volume`` is
    ``observed-rate``), so usage, DSQL and Serverless v2 all see the same monthly volume."""
    factor = volume_factor(scenario)
    return scenario if factor == 1.0 else replace(scenario, growth=scenario.growth * factor)


def with_growth(scenario: Scenario, growth: float) -> Scenario:
    """A copy of ``scenario`` at another load multiplier."""
    return replace(scenario, growth=growth)
