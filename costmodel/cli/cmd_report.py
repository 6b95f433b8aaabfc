"""``dsqlcost report``: the cost report — every option side by side, the verdict, readiness and OCC risk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costmodel.cli.common import add_workload_arguments, load_workload_from_args
from costmodel.cli.output import add_output_arguments, emit_report
from costmodel.cli.scenario_args import add_scenario_arguments, scenario_from_args
from costmodel.errors import ReportError


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
        "--schema",
        metavar="FILE",
        help="schema dump (pg_dump --schema-only) checked for DSQL blockers; a bundle's schema.sql is used by default",
    )
    add_output_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, analyse one scenario, render."""
    from costmodel.analysis import Analysis
    from costmodel.calibrate import load_calibration
    from costmodel.pricing.catalog import load_catalog
    from costmodel.report.model import build_report

    scenario = scenario_from_args(args)
    catalog = load_catalog(args.prices)
    calibration = load_calibration(args.calibration) if args.calibration else None
    schema = Path(args.schema) if args.schema else None
    if schema is not None and not schema.is_file():
        raise ReportError(f"schema file {args.schema!r} not found", hint="pass a pg_dump --schema-only file")
    workload = load_workload_from_args(args)
    analysis = Analysis(workload, catalog, calibration=calibration, schema=schema)
    result = analysis.run(scenario)
    report = build_report(result, show_literals=args.show_literals)
    emit_report(report, args, stream=sys.stdout)
    return 0
