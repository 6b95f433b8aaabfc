"""``dsqlcost diff A.json B.json``: what changed between two JSON reports, per option and line item."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``diff`` subcommand."""
    parser = sub.add_parser(
        "diff",
        help="compare two JSON reports line item by line item",
        description=(
            "Show what changed between two reports written by `dsqlcost report --format json`: each option's "
            "monthly total before and after, every line item (option, component, region) whose cost moved, "
            "and changes of the recommendation and the readiness verdict."
        ),
    )
    parser.add_argument("before", metavar="A.json", help="the earlier report")
    parser.add_argument("after", metavar="B.json", help="the later report")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load both reports and print the differences."""
    from costmodel.report.diff import diff_reports, load_report, render_diff_text

    diff = diff_reports(load_report(args.before), load_report(args.after))
    if args.format == "json":
        sys.stdout.write(json.dumps(diff, indent=2) + "\n")
    else:
        sys.stdout.write(render_diff_text(diff))
    return 0
