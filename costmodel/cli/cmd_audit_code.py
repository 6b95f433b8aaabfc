"""``dsqlcost audit-code``: read application code for Aurora DSQL readiness and retry coverage."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from costmodel.cli.common import add_lint_cache_argument, apply_lint_cache
from costmodel.core.errors import CostModelError

DESCRIPTION = """\
Audit application code for an Aurora DSQL migration:

  * SQL string literals (concatenations, f-strings and template strings included) found with
    tree-sitter in Python, JavaScript/TypeScript, Java and Go, and .sql files, checked by the same
    readiness checks and dsql-lint as a workload;
  * ORM and driver spellings of row locks, procedures and schema declarations, from the rules in
    costmodel/data/code_rules.yaml (select_for_update, with_for_update, @Lock(PESSIMISTIC_WRITE),
    Sequelize lock options, SERIAL ids in Alembic/Django/Prisma/Liquibase migrations …);
  * retry coverage: write calls and transaction scopes that no retry on SQLSTATE 40001 covers.

With --workload, code literals are matched to the workload's statements by pglast fingerprint:
each finding says its share of calls and DSQL cost, and the statements the code does not hold
(ORM-generated) are listed. Unreadable, binary, oversized and unsupported files are listed as
skipped; symlinks leaving DIR are not followed."""

EPILOG = """\
exit codes: 0 ok; 1 with --fail-on when such findings (or, for --fail-on no-retry, write paths
without retry) exist; 2 bad input.

examples:
  dsqlcost audit-code tests/audit/fixtures/gue
  dsqlcost audit-code src/ --format csv --out findings.csv
  dsqlcost audit-code src/ --workload pgss.csv --window 2h --fail-on blocker"""

FAIL_ON = ("blocker", "warning", "info", "no-retry")


def register(subparsers: Any) -> None:
    """Add the ``audit-code`` subcommand."""
    parser = subparsers.add_parser(
        "audit-code",
        help="SQL, ORM locks, migrations and 40001 retry coverage in application code",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="root of the application code")
    add_audit_arguments(parser)
    parser.add_argument(
        "--workload",
        metavar="EXPORT",
        help="a pg_stat_statements export or bundle: weight findings by its calls and DSQL cost",
    )
    parser.add_argument("--window", metavar="DURATION", help="window of the --workload export (e.g. 2h)")
    add_format_arguments(parser)
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a finding of this severity or worse exists (no-retry: a write path without retry)",
    )
    parser.set_defaults(func=run)


def add_format_arguments(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--out``, the same for ``audit-code`` and ``plan``."""
    parser.add_argument(
        "--format",
        choices=("table", "json", "markdown", "html", "csv"),
        default="table",
        help="output format",
    )
    parser.add_argument("--out", metavar="FILE", help="write to this file instead of standard output")


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``plan --code``."""
    parser.add_argument(
        "--max-file-bytes",
        type=int,
        default=None,
        metavar="N",
        help="skip files larger than this (default 1,000,000)",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="judge against DSQL as of this ISO date (default: the newest change known)",
    )
    add_lint_cache_argument(parser)


def audit_from_args(args: argparse.Namespace, directory: str) -> Any:
    """Run the audit the options describe."""
    from costmodel.audit import audit_code
    from costmodel.audit.discover import DEFAULT_MAX_BYTES

    if args.max_file_bytes is not None and args.max_file_bytes <= 0:
        raise CostModelError("--max-file-bytes must be positive", hint="e.g. --max-file-bytes 2000000")
    return audit_code(
        Path(directory),
        max_bytes=args.max_file_bytes or DEFAULT_MAX_BYTES,
        as_of=parse_as_of(args.as_of),
    )


def parse_as_of(text: str | None) -> date | None:
    """``--as-of`` as a date, or a typed error."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CostModelError(f"--as-of {text!r} is not an ISO date", hint="e.g. --as-of 2026-09-15") from None


def run(args: argparse.Namespace) -> int:
    """Audit, weight by the workload when given, render, and apply --fail-on."""
    from costmodel.audit.render import render_audit
    from costmodel.cli.output import write_text_file
    from costmodel.readiness.checks import Severity

    apply_lint_cache(args)
    audit = audit_from_args(args, args.directory)
    if args.workload:
        from costmodel.audit.weight import weigh

        audit = weigh(audit, [args.workload], window=args.window)
    text = render_audit(audit, args.format)
    if args.out:
        write_text_file(Path(args.out), text)
    else:
        sys.stdout.write(text)
    if args.fail_on == "no-retry":
        return 1 if audit.unretried else 0
    if args.fail_on:
        return 1 if audit.at_least(Severity(args.fail_on)) else 0
    return 0
