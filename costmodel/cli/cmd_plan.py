"""``dsqlcost plan``: the phased DSQL migration plan for a workload (and its code and schema)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from costmodel.cli.cmd_audit_code import add_audit_arguments, add_format_arguments, parse_as_of
from costmodel.cli.common import apply_lint_cache
from costmodel.core.errors import CostModelError

DESCRIPTION = """\
The five phases of a move to Aurora DSQL, with the inventory and figures of this workload:

  1. schema audit: readiness findings (workload and schema) and, with --code, the code audit;
  2. schema refactoring: the remediated DDL (SERIAL -> UUID gen_random_uuid(), CREATE INDEX ASYNC,
     triggers and PL/pgSQL listed for the data access layer, then dsql-lint --fix), written to
     --ddl-out, and the DSQL / Serverless v2 costs before and after (UUID keys widen rows);
  3. retry logic: write statements and, with --code, write paths without a retry on 40001;
  4. load testing: per hot write pattern, the peak rate to test at and the predicted conflict
     rate against the <1% good / >5% bad targets;
  5. cutover: data to copy and the change stream replication must carry.

Effort per item comes from the effort field of its readiness check or code rule."""

EPILOG = """\
exit codes: 0 ok; 1 with --fail-on when the readiness verdict or a code finding reaches it; 2 bad input.

examples:
  dsqlcost plan sample_stats/legacy --ddl-out legacy-dsql.sql
  dsqlcost plan pgss.csv --window 2h --schema schema.sql --code src/ --format markdown"""


def register(subparsers: Any) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser(
        "plan",
        help="the phased DSQL migration plan: audit, refactoring, retries, load test, cutover",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "exports", nargs="+", metavar="EXPORT", help="pg_stat_statements export(s) or a bundle directory"
    )
    parser.add_argument("--window", metavar="DURATION", help="how long the counters ran (e.g. 2h)")
    parser.add_argument("--code", metavar="DIR", help="application code to audit (see `dsqlcost audit-code`)")
    parser.add_argument(
        "--schema", metavar="FILE", help="pg_dump --schema-only file (default: a bundle's schema.sql)"
    )
    parser.add_argument(
        "--scenario", metavar="NAME|FILE", help="scenario preset or YAML file (default: the defaults)"
    )
    parser.add_argument("--ddl-out", metavar="FILE", help="write the remediated DDL to this file")
    add_audit_arguments(parser)
    add_format_arguments(parser)
    parser.add_argument(
        "--fail-on",
        choices=("blocked", "changes-needed"),
        help="exit 1 when the readiness verdict is this or worse (CI gate)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the plan, write the DDL, render."""
    from costmodel.audit.plan_render import render_plan
    from costmodel.audit.planrun import make_plan
    from costmodel.cli.output import write_text_file

    apply_lint_cache(args)
    schema = Path(args.schema) if args.schema else None
    if schema is not None and not schema.is_file():
        raise CostModelError(
            "schema file not found", file=str(schema), hint="pass a pg_dump --schema-only file"
        )
    code = Path(args.code) if args.code else None
    plan, _ = make_plan(
        args.exports,
        window=args.window,
        code=code,
        schema=schema,
        scenario=args.scenario,
        ddl_out=Path(args.ddl_out) if args.ddl_out else None,
        as_of=parse_as_of(args.as_of),
        max_file_bytes=args.max_file_bytes,
    )
    text = render_plan(plan, args.format)
    if args.out:
        write_text_file(Path(args.out), text)
    else:
        sys.stdout.write(text)
    worst = {"blocked": ("blocked",), "changes-needed": ("blocked", "changes needed")}
    if args.fail_on and plan.verdict in worst[args.fail_on]:
        return 1
    return 0
