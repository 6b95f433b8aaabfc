"""``dsqlcost calibrate``: fit DPU factors from EXPLAIN output or CloudWatch sums of a DSQL cluster.

Reads ``Statement DPU Estimate`` blocks (``EXPLAIN ANALYZE VERBOSE`` on DSQL) and/or CloudWatch
DPU metric exports, models the same statements from a pg_stat_statements export (``--workload``),
and writes a calibration file whose factors ``dsqlcost report --calibration FILE`` applies to the
formulas. Without ``--workload`` it only checks the EXPLAIN blocks (parse, Total = sum of parts).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from costmodel.core.errors import CalibrationError

DESCRIPTION = """\
Fit per-component DSQL DPU factors (compute, read, write, multi-region write) from measurements
on a real DSQL cluster, against the model of the same statements from a pg_stat_statements export.

  --explain FILE…      EXPLAIN ANALYZE VERBOSE output: text with any number of 'Statement DPU
                       Estimate:' blocks, each preceded by '-- query: <SQL>' (or the echoed EXPLAIN
                       command), or JSON / JSON lines of {"query": …, "explain_output": …}.
                       Blocks are matched to workload statements by SQL text, then by pglast
                       fingerprint; unmatched blocks are listed with the reason.
  --statement-stats FILE…
                       DSQL statement statistics (per normalised statement: query, calls,
                       total_time_ms, rows, dpu, compute_dpu, read_dpu, write_dpu) as JSON, JSON
                       lines or a CloudWatch Logs export; fitted like EXPLAIN blocks.
  --cloudwatch FILE…   CloudWatch exports (get-metric-data or get-metric-statistics JSON, or CSV
                       timestamp,TotalDPU,ComputeDPU,…) of the window the workload covers; when
                       given, the factors come from these sums (EXPLAIN matches are kept as detail).

Per statement class (point read, scan read, single/multi-row write …) an additive + proportional
term is fitted robustly; a factor outside 0.25-4 is kept with a warning that the file stores and
every report using it shows. The leave-one-shape-out error of the fit is printed and stored.
Factors scale the modelled components; the formulas and minimums stay as AWS documents them."""

EPILOG = """\
examples:
  dsqlcost calibrate --explain explain.txt                       # check the blocks only
  dsqlcost calibrate --explain explain.txt --workload pgss.csv --window 1h --out calib.yaml
  dsqlcost calibrate --cloudwatch dpu.json --workload bundle/ --out calib.yaml"""


def register(subparsers: Any) -> None:
    """Add the ``calibrate`` subcommand."""
    parser = subparsers.add_parser(
        "calibrate",
        help="fit DSQL DPU factors from EXPLAIN ANALYZE VERBOSE output or CloudWatch metrics",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--explain", nargs="+", default=[], metavar="FILE", help="EXPLAIN ANALYZE VERBOSE output"
    )
    parser.add_argument(
        "--cloudwatch", nargs="+", default=[], metavar="FILE", help="CloudWatch DPU metric exports"
    )
    parser.add_argument(
        "--statement-stats",
        nargs="+",
        default=[],
        metavar="FILE",
        help="DSQL statement statistics export (JSON, JSON lines or CloudWatch Logs JSON)",
    )
    parser.add_argument(
        "--workload", nargs="+", default=[], metavar="EXPORT", help="pg_stat_statements export(s) or a bundle"
    )
    parser.add_argument("--window", metavar="DURATION", help="window of the workload export (e.g. 1h)")
    parser.add_argument("--allow-gaps", action="store_true", help="count missing CloudWatch periods as zero")
    parser.add_argument(
        "--peers",
        type=int,
        default=1,
        metavar="N",
        help="active peers of the measured cluster (2 = multi-region)",
    )
    parser.add_argument("--prices", action="append", default=[], metavar="FILE", help="price override file")
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="calibration YAML to write (needs --workload)"
    )
    parser.set_defaults(func=run)


def _print_blocks(blocks: list[Any]) -> None:
    out = sys.stdout
    out.write(f"{len(blocks)} DPU estimate block(s); Total = sum of parts in every one\n")
    out.write(
        f"{'label':<34} {'compute':>10} {'read':>10} {'write':>10} {'mr write':>10} {'total':>11}  query\n"
    )
    for b in blocks:
        mrw = "" if b.multi_region_write is None else str(b.multi_region_write)
        query = (b.query or "-").replace("\n", " ")[:60]
        out.write(
            f"{b.label[:34]:<34} {b.compute!s:>10} {b.read!s:>10} {b.write!s:>10} {mrw:>10} {b.total!s:>11}  {query}\n"
        )


def run(args: argparse.Namespace) -> int:
    """Parse, validate, fit, write."""
    from costmodel.calibrate.cloudwatch import load_cloudwatch
    from costmodel.calibrate.explain import parse_explain_file
    from costmodel.calibrate.fit import fit_cloudwatch, fit_explain
    from costmodel.calibrate.statement_stats import as_blocks, read_statement_stats
    from costmodel.core.catalog import load_catalog
    from costmodel.pricing.calibration import save_calibration

    if not args.explain and not args.cloudwatch and not args.statement_stats:
        raise CalibrationError(
            "nothing to calibrate from",
            hint="give --explain FILE…, --statement-stats FILE… and/or --cloudwatch FILE…",
        )
    if args.out is not None and not args.workload:
        raise CalibrationError(
            "fitting factors needs the workload the measurements belong to",
            hint="pass --workload EXPORT (the pg_stat_statements export of the same statements)",
        )
    blocks = [b for f in args.explain for b in parse_explain_file(f)]
    blocks += [b for f in args.statement_stats for b in as_blocks(read_statement_stats(f))]
    window = load_cloudwatch(args.cloudwatch, allow_gaps=args.allow_gaps) if args.cloudwatch else None
    if blocks:
        _print_blocks(blocks)
    if window is not None:
        sys.stdout.write(
            f"CloudWatch: {window.seconds:g} s from {window.start.isoformat()}; "
            + ", ".join(f"{k} {v:.5f}" for k, v in sorted(window.sums.items()))
            + "\n"
        )
    if not args.workload:
        return 0
    from costmodel.classify.frame import classify
    from costmodel.ingest.load import load_workload

    workload = classify(load_workload(args.workload, window=args.window))
    catalog = load_catalog(args.prices)
    if window is not None:
        calibration = fit_cloudwatch(window, workload, catalog, active_peers=args.peers)
        if blocks:
            explain = fit_explain(blocks, workload, catalog, files=args.explain)
            calibration = replace(
                calibration,
                fitted_from=(*calibration.fitted_from, *explain.fitted_from),
                notes=(*calibration.notes, f"EXPLAIN factors for comparison: {explain.describe()}"),
                statements=(*calibration.statements, *explain.statements),
            )
    else:
        calibration = fit_explain(blocks, workload, catalog, files=[*args.explain, *args.statement_stats])
    sys.stdout.write(f"factors: {calibration.describe()}\n")
    for note in calibration.notes:
        sys.stdout.write(f"  note: {note}\n")
    for warning in calibration.warnings:
        sys.stdout.write(f"  warning: {warning}\n")
    for record in calibration.statements:
        if "unmatched" in record:
            sys.stdout.write(f"  unmatched: {record['file']} {record['label']}: {record['unmatched']}\n")
    if args.out is not None:
        save_calibration(calibration, args.out)
        sys.stdout.write(f"calibration written to {args.out}\n")
    return 0
