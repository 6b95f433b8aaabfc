"""Command-line interface: ``dsqlcost <command> …`` (also ``python -m costmodel``).

Thin by design: each command module parses its options, calls the verbs in :mod:`costmodel`, and
renders. Commands register themselves in :data:`COMMANDS`; a command module exposes
``register(subparsers)`` which adds its parser and sets ``func`` to a callable
``(args) -> int`` returning the exit code.

Exit codes: 0 ok; 1 findings or blockers when asked to fail on them; 2 bad input (a
:class:`costmodel.core.errors.CostModelError`, printed as one line, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from costmodel.core.errors import CostModelError
from costmodel.core.safeio import byte_cap, max_bytes, parse_size

COMMANDS: tuple[str, ...] = (
    "ingest",
    "classify",
    "collect",
    "report",
    "readiness",
    "audit-code",
    "plan",
    "prices",
    "calibrate",
    "diff",
    "dashboard",
)
"""Command modules ``costmodel.cli.cmd_<name>``, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered."""
    from costmodel import __version__

    parser = argparse.ArgumentParser(
        prog="dsqlcost",
        description=(
            "Price a PostgreSQL workload (pg_stat_statements) on Aurora DSQL and Aurora Serverless v2, "
            "compare them, and list what stands in the way of a migration."
        ),
    )
    parser.add_argument("--version", action="version", version=f"dsqlcost {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"costmodel.cli.cmd_{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name == f"costmodel.cli.cmd_{name.replace('-', '_')}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dsqlcost`` console script.

    Ctrl-C is caught from the first line on (building the parser imports every command module,
    which takes a moment): one line and exit 130, never a traceback.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("dsqlcost: interrupted", file=sys.stderr)
        return 130
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        cap = parse_size(args.max_bytes) if getattr(args, "max_bytes", None) else max_bytes()
        with byte_cap(cap):
            return int(args.func(args))
    except CostModelError as exc:
        print(f"dsqlcost {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"dsqlcost {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
