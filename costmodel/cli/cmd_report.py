"""``dsqlcost report``: the cost report — every option side by side, the verdict, readiness and OCC risk."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from costmodel.cli.common import (
    ProgressBar,
    add_lint_cache_argument,
    add_workload_arguments,
    apply_lint_cache,
    load_workload_from_args,
)
from costmodel.cli.output import add_output_arguments, emit_report
from costmodel.cli.scenario_args import add_scenario_arguments, scenario_from_args
from costmodel.core.errors import ReportError
from costmodel.core.safeio import is_stdout

if TYPE_CHECKING:
    from costmodel.analysis.fleet import ClusterSource
    from costmodel.analysis.run import RunResult
    from costmodel.audit.plan import MigrationPlan
    from costmodel.core.catalog import PriceCatalog
    from costmodel.pricing.calibration import Calibration
    from costmodel.scenario.model import Scenario


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand."""
    parser = sub.add_parser(
        "report",
        help="price the workload on Aurora DSQL and Serverless v2 and compare them",
        description=(
            "Price a pg_stat_statements workload on Aurora DSQL (single- and multi-region) and Aurora "
            "Serverless v2 (Standard, I/O-Optimized, Global Database); print the options side by side with "
            "their line items, the verdict and its reasons, the break-even points as load grows, DSQL "
            "readiness (dated blockers weighted by the workload) and the OCC conflict risk. Every assumption "
            "used is listed with its source."
        ),
    )
    add_workload_arguments(parser)
    add_scenario_arguments(parser)
    inputs = parser.add_argument_group("prices and calibration")
    inputs.add_argument(
        "--prices",
        action="append",
        default=[],
        metavar="FILE",
        help="price overrides (negotiated rates), same layout as costmodel/data/prices; repeatable",
    )
    inputs.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration YAML from `dsqlcost calibrate` (scales DPU components)",
    )
    inputs.add_argument(
        "--measured",
        metavar="FILE",
        help="DSQL statement statistics export (JSON, JSON lines or CloudWatch Logs JSON): measured vs "
        "modelled DPU per statement, printed after the report (JSON: measured_vs_modelled)",
    )
    inputs.add_argument(
        "--schema",
        metavar="FILE",
        help="schema dump (pg_dump --schema-only) checked for DSQL blockers and remediated in the migration plan; "
        "a bundle's schema.sql is used by default",
    )
    add_lint_cache_argument(inputs)
    inputs.add_argument(
        "--code",
        metavar="DIR",
        help="application code to audit for the migration plan (ORM row locks, SERIAL in migrations, write paths "
        "without a 40001 retry, with file:line; see `dsqlcost audit-code`); one cluster only",
    )
    fleet = parser.add_argument_group("fleets (several exports in one run)")
    fleet.add_argument(
        "--merge",
        action="store_true",
        help="read all EXPORTs as one workload (files of one cluster) instead of one cluster each",
    )
    fleet.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes for reading, classifying and pricing many clusters, and for reading and classifying "
        "one large export and pricing its range cases (default: the number of cores)",
    )
    fleet.add_argument(
        "--executor",
        choices=("local", "dask"),
        help="where a fleet's classification batches and per-cluster pricing run: local processes (default) "
        "or Dask tasks (needs the optional extra dsqlcost[dask]; without --scheduler a local Dask cluster "
        "is started); exports are read on this machine either way",
    )
    fleet.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://HOST:8786) for --executor dask; implies it",
    )
    add_output_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, analyse one scenario, render."""
    from costmodel.analysis.fleet import expand_sources
    from costmodel.analysis.run import Analysis
    from costmodel.classify.frame import classify
    from costmodel.core.catalog import load_catalog
    from costmodel.core.memory import give_back
    from costmodel.pricing.calibration import load_calibration
    from costmodel.report.model import build_report

    apply_lint_cache(args)
    scenario = scenario_from_args(args)
    catalog = load_catalog(args.prices)
    calibration = load_calibration(args.calibration) if args.calibration else None
    schema = Path(args.schema) if args.schema else None
    if schema is not None and not schema.is_file():
        raise ReportError(f"schema file {args.schema!r} not found", hint="pass a pg_dump --schema-only file")
    sources = expand_sources(args.exports)
    executor = _executor_choice(args)
    if executor == "dask" and (len(sources) < 2 or args.merge):
        raise ReportError(
            "--executor dask runs fleets (several exports, one cluster each)",
            hint="give several exports or bundles without --merge, or drop --executor/--scheduler",
        )
    if len(sources) > 1 and not args.merge:
        report = _fleet_report(args, sources, scenario, catalog, calibration)
    else:
        # A large export is read in pieces and its distinct texts are classified over --jobs
        # processes (all cores by default; small exports stay in this process).
        jobs = args.jobs or os.cpu_count() or 1
        workload = classify(load_workload_from_args(args, jobs=jobs), jobs=jobs)
        give_back()  # what reading and classifying freed, before pricing allocates per-statement tables
        analysis = Analysis(
            workload,
            catalog,
            calibration=calibration,
            schema=schema,
            show_literals=args.show_literals,
            jobs=jobs,  # range cases of a large export are priced over --jobs processes too
        )
        result = analysis.run(scenario)
        report = build_report(
            result,
            show_literals=args.show_literals,
            plan=_plan(args, result, schema),
            statement_table=_json_file_only(args),  # no per-row dicts when only the JSON writer reads them
        )
    if args.measured:
        from costmodel.calibrate.statement_stats import compare_measured, measured_table, read_statement_stats

        rows = compare_measured(read_statement_stats(args.measured), list(report.get("statements") or []))
        report = {**report, "measured_vs_modelled": rows}
        emit_report(report, args, stream=sys.stdout)
        if args.format != "json":
            sys.stdout.write("\n" + measured_table(rows))
        return 0
    emit_report(report, args, stream=sys.stdout)
    return 0


def _fleet_report(
    args: argparse.Namespace,
    sources: list[ClusterSource],
    scenario: Scenario,
    catalog: PriceCatalog,
    calibration: Calibration | None,
) -> dict[str, Any]:
    """Each export or bundle is one cluster: price each, total the fleet."""
    from costmodel.analysis.fleet import FleetAnalysis, LoadOptions, load_fleet
    from costmodel.report.model import build_fleet_report

    if args.since:
        raise ReportError(
            "--since pairs two snapshots of one cluster",
            hint="give one export with --since, or bundles (which carry their own snapshots) for a fleet",
        )
    if args.schema:
        raise ReportError("--schema applies to one cluster", hint="bundles carry their own schema.sql")
    if args.code:
        raise ReportError(
            "--code applies to one cluster", hint="report the cluster the code belongs to on its own"
        )
    options = LoadOptions(
        window=args.window,
        databases=tuple(args.databases),
        users=tuple(args.users),
        include_nested=args.include_nested,
        group_by=args.group_by,
        include_monitoring=args.include_monitoring,
    )
    with contextlib.ExitStack() as stack:
        executor = None
        if _executor_choice(args) == "dask":
            from costmodel.analysis.dask_executor import DaskExecutor

            executor = stack.enter_context(DaskExecutor(args.scheduler, local_workers=args.jobs))
        with ProgressBar() as bar:
            loaded = load_fleet(sources, options, jobs=args.jobs, progress=bar.update, executor=executor)
        analysis = FleetAnalysis(loaded, catalog, calibration=calibration, jobs=args.jobs, executor=executor)
        fleet = analysis.run(scenario)
    return build_fleet_report(fleet, show_literals=args.show_literals)


def _plan(args: argparse.Namespace, result: RunResult, schema: Path | None) -> MigrationPlan:
    """The migration plan of a single cluster's run: its schema remediated, ``--code`` audited."""
    from costmodel.audit.planrun import code_audit, plan_for_run

    code = Path(args.code) if args.code else None
    if code is not None and not code.is_dir():
        raise ReportError(
            f"code directory {args.code!r} not found", hint="pass the application's source folder"
        )
    audit = code_audit(code, result) if code is not None else None
    plan, _ = plan_for_run(result, audit=audit, schema=schema)
    return plan


def _json_file_only(args: argparse.Namespace) -> bool:
    """True when the report goes to the JSON file writer alone (no renderer, no --measured)."""
    return args.format == "json" and bool(args.out) and not is_stdout(args.out) and not args.measured


def _executor_choice(args: argparse.Namespace) -> str:
    """``local`` or ``dask``: ``--scheduler`` implies Dask, and contradicts ``--executor local``."""
    if args.scheduler and args.executor == "local":
        raise ReportError(
            "--scheduler names a Dask scheduler, but --executor is local",
            column="--scheduler",
            hint="use --executor dask with --scheduler, or drop --scheduler",
        )
    return "dask" if args.scheduler else (args.executor or "local")
