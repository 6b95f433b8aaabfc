"""The source database's measured CPU (CloudWatch ``CPUUtilization``) for Serverless v2 sizing.

Why: the best witness of the CPU a workload needs is the CPU it uses today. An RDS/Aurora
instance publishes ``CPUUtilization`` (namespace ``AWS/RDS``, percent of the instance's vCPUs);
its mean over a representative window, times the vCPU count, is the server CPU the workload burns,
background work included. When given, it wins over the model from pg_stat_statements (the report
says so). Accepted exports, like :mod:`costmodel.calibrate.cloudwatch`:

* ``aws cloudwatch get-metric-data`` JSON (``MetricDataResults`` with one ``CPUUtilization`` result);
* ``aws cloudwatch get-metric-statistics --statistics Average`` JSON (``Datapoints``);
* CSV with a ``timestamp`` column and a ``CPUUtilization`` column.

Another metric, a value outside 0-100 % or a gap between periods is an error naming the file and
the field (a mean over a window with holes is not the window's mean).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from costmodel.calibrate.cloudwatch import _time
from costmodel.core.errors import CalibrationError
from costmodel.core.safeio import read_text

METRIC = "CPUUtilization"
HINT = (
    "export CPUUtilization of the source instance (namespace AWS/RDS, statistic Average) without gaps, "
    "e.g. `aws cloudwatch get-metric-data` with FILL(m1, REPEAT)"
)


@dataclass(frozen=True)
class SourceCpu:
    """Mean and peak CPU utilisation (%) over a gap-free window."""

    mean_pct: float
    max_pct: float
    points: int
    period_seconds: float
    start: datetime
    end: datetime
    file: str

    def describe(self) -> str:
        """Where the figure came from, for the report."""
        return (
            f"CloudWatch {METRIC} export {Path(self.file).name}: {self.points} points every "
            f"{self.period_seconds:g} s from {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC, "
            f"mean {self.mean_pct:.1f}%, max {self.max_pct:.1f}%"
        )


def _check_metric(raw: str, file: str, row: int | None) -> None:
    if re.sub(r"[^a-z0-9]", "", raw.lower()).endswith(METRIC.lower()):
        return
    raise CalibrationError(f"metric {raw!r} is not {METRIC}", file=file, row=row, column="metric", hint=HINT)


def _pct(value: Any, file: str, row: int | None) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = -1.0
    if not 0.0 <= out <= 100.0:
        raise CalibrationError(
            f"{METRIC} value {value!r} is not a percentage 0-100", file=file, row=row, column=METRIC,
            hint="an empty cell is a gap: " + HINT,
        )  # fmt: skip
    return out


def _from_json(data: Any, file: str) -> dict[datetime, float]:
    if isinstance(data, dict) and "MetricDataResults" in data:
        results = data["MetricDataResults"]
        if len(results) != 1:
            raise CalibrationError(
                f"{len(results)} metric results; expected one {METRIC}", file=file, column="MetricDataResults",
                hint=HINT,
            )  # fmt: skip
        result = results[0]
        _check_metric(str(result.get("Label") or result.get("Id") or ""), file, 1)
        stamps, values = result.get("Timestamps") or [], result.get("Values") or []
        if len(stamps) != len(values):
            raise CalibrationError(
                f"{len(stamps)} timestamps but {len(values)} values", file=file, column="Values", hint=HINT
            )
        return {_time(t, file, n): _pct(v, file, n) for n, (t, v) in enumerate(zip(stamps, values), start=1)}
    if isinstance(data, dict) and "Datapoints" in data:
        _check_metric(str(data.get("Label") or ""), file, None)
        points = {}
        for n, point in enumerate(data["Datapoints"], start=1):
            if "Average" not in point:
                raise CalibrationError(
                    f"datapoint {n} has no Average", file=file, row=n, column="Average",
                    hint="export with --statistics Average",
                )  # fmt: skip
            points[_time(point.get("Timestamp"), file, n)] = _pct(point["Average"], file, n)
        return points
    raise CalibrationError(
        "JSON is neither get-metric-data (MetricDataResults) nor get-metric-statistics (Datapoints) output",
        file=file,
        hint=HINT,
    )


def _from_csv(text: str, file: str) -> dict[datetime, float]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or len(rows[0]) != 2:
        raise CalibrationError("expected a header 'timestamp,CPUUtilization'", file=file, row=1, hint=HINT)
    header = rows[0]
    ts = 0 if header[0].strip().lower() in ("timestamp", "time", "datetime", "date") else 1
    _check_metric(header[1 - ts], file, 1)
    points = {}
    for row, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 2:
            raise CalibrationError(f"{len(cells)} cells, header has 2", file=file, row=row, hint=HINT)
        points[_time(cells[ts], file, row)] = _pct(cells[1 - ts], file, row)
    return points


def load_source_cpu(path: str | Path) -> SourceCpu:
    """Read one export; raise :class:`CalibrationError` on another metric, a bad value or a gap."""
    file = str(path)
    text = read_text(path, CalibrationError, "CloudWatch CPUUtilization export")
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CalibrationError(f"not valid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        points = _from_json(data, file)
    else:
        points = _from_csv(text, file)
    if len(points) < 2:
        raise CalibrationError("fewer than two datapoints", file=file, column=METRIC, hint=HINT)
    stamps = sorted(points)
    diffs = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
    period = min(diffs)
    for a, diff in zip(stamps, diffs):
        if round(diff / period) > 1:
            raise CalibrationError(
                f"gap of {round(diff / period) - 1} period(s) of {period:g} s after {a.isoformat()}",
                file=file, column="Timestamps", hint=HINT,
            )  # fmt: skip
    values = [points[t] for t in stamps]
    return SourceCpu(sum(values) / len(values), max(values), len(values), period, stamps[0], stamps[-1], file)
