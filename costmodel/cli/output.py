"""Output options shared by the commands that print a report: format, destination, colour, literals.

``--out`` is checked before anything is written: a CSV export needs a directory (created when its
parent exists), every other format a file path whose parent exists and which is not a directory.
Files are written whole (to a temporary name, then renamed) so an interrupted run never leaves
half a report behind.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from costmodel.errors import ReportError

FORMATS = ("table", "json", "csv", "markdown", "html")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--format``, ``--out``, ``--show-literals``, ``--no-color`` and ``--width``."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (terminal; plain when piped), json (the report contract), csv (one spreadsheet-safe file "
        "per table, needs --out DIR), markdown (pull requests), html (one self-contained file)",
    )
    group.add_argument("--out", metavar="PATH", help="write to this file (a directory for --format csv)")
    group.add_argument(
        "--show-literals",
        action="store_true",
        help="keep literals in query texts (by default they are replaced by $n: utility statements can carry passwords)",
    )
    group.add_argument(
        "--no-color", action="store_true", help="no colour in the table output (NO_COLOR is honoured too)"
    )
    group.add_argument("--width", type=int, metavar="COLUMNS", help="table width (default: the terminal's)")


def _check_file_target(path: Path) -> None:
    if path.is_dir():
        raise ReportError(f"--out {str(path)!r} is a directory", hint="give a file name, e.g. report.html")
    if not path.parent.is_dir():
        raise ReportError(
            f"--out {str(path)!r}: folder {str(path.parent)!r} does not exist", hint="create it first"
        )


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    _check_file_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_target(out: str | None) -> Path:
    """The directory a CSV export goes to (created when its parent exists)."""
    if not out:
        raise ReportError("--format csv writes one file per table", hint="add --out DIR")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ReportError(
            f"--out {out!r} is a file, not a directory", hint="give a directory for --format csv"
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise ReportError(
                f"--out {out!r}: folder {str(path.parent)!r} does not exist", hint="create it first"
            )
        path.mkdir()
    return path


def emit_report(report: Mapping[str, Any], args: argparse.Namespace, *, stream: IO[str]) -> None:
    """Render ``report`` in ``args.format`` to ``args.out`` or ``stream``."""
    from costmodel.report import render, write_csv

    fmt = args.format
    if fmt == "csv":
        paths = write_csv(report, csv_target(args.out))
        stream.write("".join(f"{p}\n" for p in paths))
        return
    text = render(
        report,
        "text" if fmt == "table" else fmt,
        width=args.width,
        color=False if (args.no_color or args.out) else None,
    )
    if args.out:
        write_text_file(Path(args.out), text)
        stream.write(f"{args.out}\n")
    else:
        stream.write(text if text.endswith("\n") else text + "\n")
