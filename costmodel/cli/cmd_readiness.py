"""``dsqlcost readiness``: what stands between a workload and Aurora DSQL, weighted by the workload.

Runs the whole chain a readiness answer needs: ingest → classify → usage → DSQL pricing (for the
cost share of each finding) → the OCC conflict model → dsql-lint and the workload checks. Pricing
problems (e.g. a region without a price) do not stop it: findings are then weighted by calls and
execution time only, and the output says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from costmodel.cli.common import (
    add_lint_cache_argument,
    add_workload_arguments,
    apply_lint_cache,
    load_workload_from_args,
)
from costmodel.core.errors import CostModelError
from costmodel.core.safeio import is_stdout, write_output
from costmodel.readiness.checks import Severity

DESCRIPTION = """\
Check a pg_stat_statements workload (and optionally its schema dump) for Aurora DSQL:

  * syntax: AWS's dsql-lint over every distinct statement text and the schema;
  * what dsql-lint cannot see: rows and bytes written per call against DSQL's 3,000-row and
    10 MiB transaction limits, calls near the 5-minute limit, temp spills beyond 128 MiB,
    temporary tables, isolation levels, savepoints, FOR SHARE, advisory locks, SKIP LOCKED
    queues, unparsable and truncated texts;
  * OCC contention: the predicted share of transactions that conflict at the peak hour and the
    hot rows behind it (pgbench branches, counters).

Each finding carries its share of calls, execution time and monthly DSQL cost. Verdict: blocked
(something that runs or is declared needs redesign), changes needed (only mechanical fixes such
as CREATE INDEX ASYNC, or warnings to verify), ready. Every output says "DSQL as of <date>"."""

EPILOG = """\
exit codes: 0 ok; 1 with --fail-on when such findings exist; 2 bad input.

examples:
  dsqlcost readiness sample_stats/legacy
  dsqlcost readiness pgss.csv --window 2h --schema schema.sql --format markdown > readiness.md
  dsqlcost readiness app-bundle/ --scenario multi-region-us --format json --fail-on blocker"""


def register(subparsers: Any) -> None:
    """Add the ``readiness`` subcommand."""
    parser = subparsers.add_parser(
        "readiness",
        help="DSQL migration blockers and OCC conflict risk, weighted by the workload",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_arguments(parser)
    parser.add_argument(
        "--schema",
        metavar="FILE",
        help="a pg_dump --schema-only file to check too (default: schema.sql of a bundle, when present)",
    )
    parser.add_argument("--no-schema", action="store_true", help="do not check a bundle's schema.sql")
    parser.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="scenario preset or YAML file (regions, growth, time profile) for cost shares and OCC risk",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="judge against DSQL as of this ISO date (default: the newest change the checks know)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "markdown"),
        default="table",
        help="output format (default table)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("blocker", "warning"),
        help="exit 1 when a finding of this severity or worse touches the workload or the schema",
    )
    parser.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    parser.add_argument(
        "--show-literals",
        action="store_true",
        help="keep literals in query texts (by default they are replaced by $n: utility statements can carry passwords)",
    )
    add_lint_cache_argument(parser)
    parser.set_defaults(func=run)


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CostModelError(
            f"--as-of {text!r} is not a date", hint="write an ISO date such as 2026-09-15"
        ) from exc


def _schema_path(args: argparse.Namespace) -> Path | None:
    """``--schema FILE`` checked to exist; None when not given (a bundle's own schema is found later)."""
    if not args.schema:
        return None
    path = Path(args.schema)
    if not path.is_file():
        raise CostModelError(
            "schema file not found", file=str(path), hint="pass a pg_dump --schema-only file"
        )
    return path


def run(args: argparse.Namespace) -> int:
    """Load, classify, price, assess; print; exit 1 when ``--fail-on`` findings exist."""
    from costmodel.analysis.run import bundle_schema
    from costmodel.classify.frame import classify
    from costmodel.contention.model import assess_contention
    from costmodel.core.catalog import load_catalog
    from costmodel.pricing.dsql import attempt_dpu
    from costmodel.readiness.assess import assess_readiness
    from costmodel.report.readiness_doc import readiness_document, render_markdown, render_text
    from costmodel.report.redact import redact_section
    from costmodel.scenario.model import load_scenario, scenario_assumptions, scenario_to_dict
    from costmodel.usage.compute import compute_usage

    apply_lint_cache(args)
    as_of = _as_of(args.as_of)
    schema = _schema_path(args)
    scenario = load_scenario(args.scenario)
    assumptions = scenario_assumptions(scenario)
    workload = classify(load_workload_from_args(args))
    if schema is None and not args.no_schema:
        schema = bundle_schema(workload)  # a single bundle's schema.sql, as the report checks it
    usage = compute_usage(workload, scenario, assumptions)
    notes: list[str] = []
    per_attempt = attempt_dpu(usage, load_catalog())
    contention = assess_contention(workload, usage, scenario, assumptions, statement_dpu=per_attempt)
    cost = _dsql_cost(usage, scenario, contention.retry_factors, notes)
    readiness = assess_readiness(
        workload,
        statement_cost=cost,
        schema=schema,
        as_of=as_of,
        assumptions=assumptions,
        rows_written_per_call=usage.statements["rows_written_per_call"],
        write_bytes_per_call=usage.statements["write_bytes_per_call"],
        lint_literals=args.show_literals,
    )
    regions = scenario_to_dict(scenario).get("regions", {})
    doc = readiness_document(
        readiness,
        contention,
        workload,
        scenario={
            "name": scenario.name,
            "source": scenario.source,
            "regions": regions,
            "growth": scenario.growth,
        },
        notes=notes,
    )
    if not args.show_literals:
        doc = redact_section(doc)
    if args.format == "json":
        text = json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
    elif args.format == "markdown":
        text = render_markdown(doc)
    else:
        text = render_text(doc)
    if args.out and not is_stdout(args.out):
        write_output(Path(args.out), text, sensitive=bool(args.show_literals), example="readiness.md")
    else:
        sys.stdout.write(text)
    if args.fail_on and readiness.at_least(Severity(args.fail_on)):
        return 1
    return 0


def _dsql_cost(usage: Any, scenario: Any, retry: pd.Series, notes: list[str]) -> pd.Series | None:
    """Monthly USD per statement on DSQL, retries included, for the cost shares.

    Returns None with a note when DSQL cannot be priced for the scenario's regions (readiness still
    works then, weighted by calls and execution time).
    """
    from costmodel.core.catalog import load_catalog
    from costmodel.pricing.dsql import estimate_dsql

    try:
        option = estimate_dsql(
            usage,
            scenario,
            load_catalog(),
            multi_region=bool(scenario.regions.dsql_peers),
            retry_factor=retry,
        )
    except CostModelError as exc:
        notes.append(f"cost shares unavailable, DSQL could not be priced: {exc}")
        return None
    return None if option.statements is None else option.statements["monthly_usd"].astype(float)
