"""Output options shared by the commands that print a report: format, destination, colour, literals.

``--out`` is checked before anything is written: a CSV export needs a directory (created when its
parent exists; not a symbolic link), every other format a new path or an existing regular file
(a directory, symlink, device or FIFO is refused; ``-`` is standard output), see
:mod:`costmodel.core.safeio`.
Files are written whole (to a temporary name, then renamed) so an interrupted run never leaves
half a report behind; a CSV export is written into a temporary sibling directory and its files
moved into ``--out`` only when all of them were written. A file-system refusal (name too long,
read-only folder, disk full) is a one-line :class:`ReportError`, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from costmodel.core.errors import ReportError
from costmodel.core.safeio import check_output_dir, check_output_file, is_stdout, open_output, write_output

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
    group.add_argument(
        "--out",
        metavar="PATH",
        help="write to this file, a new path or a regular file (a directory for --format csv; - for standard "
        "output); mode 0644, 0600 with --show-literals",
    )
    group.add_argument(
        "--show-literals",
        action="store_true",
        help="keep literals in query texts (by default they are replaced by $n: utility statements can carry passwords)",
    )
    group.add_argument(
        "--no-color", action="store_true", help="no colour in the table output (NO_COLOR is honoured too)"
    )
    group.add_argument("--width", type=int, metavar="COLUMNS", help="table width (default: the terminal's)")


def _os_error(out: Path, exc: OSError) -> ReportError:
    return ReportError(
        f"cannot write --out {str(out)!r}: {exc.strerror or exc}",
        hint="give --out a path you can write to (an existing folder, a name of a sane length)",
    )


def write_text_file(path: Path, text: str | Iterable[str], *, sensitive: bool = False) -> None:
    """Write ``text`` to ``path`` by the rules of :func:`costmodel.core.safeio.write_output`; given
    pieces (a big JSON report), each is encoded and written in turn, never joined into one string."""
    if isinstance(text, str):
        write_output(path, text, sensitive=sensitive)
        return
    with open_output(path, sensitive=sensitive) as handle:
        for piece in text:
            handle.write(piece.encode("utf-8", "surrogateescape"))


def csv_target(out: str | None) -> Path:
    """The directory a CSV export goes to (checked, not created: :func:`write_csv_dir` creates it)."""
    if not out:
        raise ReportError("--format csv writes one file per table", hint="add --out DIR")
    path = Path(out)
    check_output_dir(path)
    return path


def write_csv_dir(report: Mapping[str, Any], out: Path, *, sensitive: bool = False) -> list[Path]:
    """Write the CSV tables into ``out`` all or nothing.

    Every file is first written into a temporary directory beside ``out``; only when all were
    written are they moved in (a file of the same name is replaced, a directory in the way is an
    error before anything moves). On failure nothing new is left: neither files, nor ``out`` itself
    when this call created it.
    """
    from costmodel.report import write_csv

    created = not out.exists()
    staging: Path | None = None
    moved: list[Path] = []
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name[:64]}.", dir=out.parent))
        written = write_csv(report, staging, sensitive=sensitive)
        if created:
            out.mkdir()
        targets = [out / p.name for p in written]
        for target in targets:
            if target.is_dir() and not target.is_symlink():
                raise ReportError(
                    f"cannot write {target.name}: a directory of that name is in the way",
                    file=str(target),
                    hint="give --out a directory you can write to",
                )
            check_output_file(target, example="a new directory")
        for source, target in zip(written, targets):
            os.replace(source, target)
            moved.append(target)
        return targets
    except OSError as exc:
        _undo(moved, out, created)
        raise _os_error(out, exc) from None
    except BaseException:
        _undo(moved, out, created)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _undo(moved: list[Path], out: Path, created: bool) -> None:
    for path in moved:
        path.unlink(missing_ok=True)
    if created:
        shutil.rmtree(out, ignore_errors=True)


def emit_report(report: Mapping[str, Any], args: argparse.Namespace, *, stream: IO[str]) -> None:
    """Render ``report`` in ``args.format`` to ``args.out`` or ``stream``."""
    from costmodel.report import json_pieces, render

    fmt = args.format
    if fmt == "csv":
        paths = write_csv_dir(
            report, csv_target(args.out), sensitive=bool(getattr(args, "show_literals", False))
        )
        stream.write("".join(f"{p}\n" for p in paths))
        return
    sensitive = bool(getattr(args, "show_literals", False))
    if fmt == "json" and args.out and not is_stdout(args.out):
        # a million statements: written piece by piece, never one string
        write_text_file(Path(args.out), json_pieces(report), sensitive=sensitive)
        stream.write(f"{args.out}\n")
        return
    text = render(
        report,
        "text" if fmt == "table" else fmt,
        width=args.width,
        color=False if (args.no_color or (args.out and not is_stdout(args.out))) else None,
    )
    if args.out and not is_stdout(args.out):
        write_text_file(Path(args.out), text, sensitive=sensitive)
        stream.write(f"{args.out}\n")
    else:
        stream.write(text if text.endswith("\n") else text + "\n")
