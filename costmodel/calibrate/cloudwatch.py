"""Read CloudWatch DPU metric exports of an Aurora DSQL cluster for calibration.

Accepted forms (``reference/dsql-pricing.md`` §1.5; namespace ``AWS/AuroraDSQL``, statistic Sum):

* ``aws cloudwatch get-metric-data`` JSON: ``{"MetricDataResults": [{"Id", "Label", "Timestamps",
  "Values", "StatusCode"}]}``, one result per metric;
* ``aws cloudwatch get-metric-statistics`` JSON: ``{"Label": "TotalDPU", "Datapoints":
  [{"Timestamp", "Sum"}]}``, one metric per file;
* CSV with a ``timestamp`` column and one column per metric (``TotalDPU``, ``ComputeDPU``, …).

Only the DPU usage metrics are accepted (``TotalDPU``, ``ComputeDPU``, ``ReadDPU``, ``WriteDPU``,
``MultiRegionWriteDPU``). CloudWatch leaves out periods without data, and a calibration over a
window with holes would compare different spans, so gaps are an error unless the caller allows
them (then they count as zero, which is what an idle period costs).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from costmodel.core.errors import CalibrationError
from costmodel.core.safeio import read_text

METRICS: dict[str, str] = {
    "multiregionwritedpu": "MultiRegionWriteDPU",
    "totaldpu": "TotalDPU",
    "computedpu": "ComputeDPU",
    "readdpu": "ReadDPU",
    "writedpu": "WriteDPU",
}
"""Normalised name → metric; longest first, because 'multiregionwritedpu' ends in 'writedpu'."""
TIMESTAMP_COLUMNS = ("timestamp", "time", "datetime", "date")
GAP_HINT = (
    "CloudWatch omits periods without data: export with metric math FILL(m1, 0) (get-metric-data) "
    "or fill the missing periods with 0, or pass --allow-gaps to count them as zero"
)


@dataclass(frozen=True)
class MetricSeries:
    """One metric's datapoints (Sum per period)."""

    metric: str
    points: dict[datetime, float]
    file: str


@dataclass(frozen=True)
class CloudWatchWindow:
    """DPU sums per metric over one window with its period and bounds."""

    sums: dict[str, float]
    start: datetime
    end: datetime
    period_seconds: float
    files: tuple[str, ...]
    gaps: int = 0

    @property
    def seconds(self) -> float:
        """Window length: last period start − first period start + one period."""
        return (self.end - self.start).total_seconds() + self.period_seconds


def metric_name(raw: str, file: str, row: int | None = None) -> str:
    """``TotalDPU`` from labels such as ``TotalDPU``, ``AWS/AuroraDSQL TotalDPU``, ``total_dpu``."""
    key = re.sub(r"[^a-z0-9]", "", raw.lower())
    for suffix, name in METRICS.items():
        if key.endswith(suffix):
            return name
    raise CalibrationError(
        f"metric {raw!r} is not a DSQL DPU metric",
        file=file,
        row=row,
        hint=f"export only {', '.join(sorted(set(METRICS.values())))} (namespace AWS/AuroraDSQL, statistic Sum)",
    )


def _time(value: Any, file: str, row: int | None) -> datetime:
    try:
        if isinstance(value, int | float):
            stamp = datetime.fromtimestamp(float(value), tz=UTC)
        else:
            stamp = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise CalibrationError(
            f"timestamp {value!r} is not ISO 8601", file=file, row=row, hint="use e.g. 2026-04-28T20:10:00Z"
        ) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _number(value: Any, file: str, row: int | None, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    if not math.isfinite(out) or out < 0:
        raise CalibrationError(
            f"{what} value {value!r} is not a non-negative number",
            file=file,
            row=row,
            hint="an empty cell is a gap: " + GAP_HINT,
        )
    return out


def _from_json(data: Any, file: str) -> list[MetricSeries]:
    if isinstance(data, dict) and "MetricDataResults" in data:
        out = []
        for n, result in enumerate(data["MetricDataResults"], start=1):
            name = metric_name(str(result.get("Label") or result.get("Id") or ""), file, n)
            if result.get("StatusCode", "Complete") != "Complete":
                raise CalibrationError(
                    f"{name}: StatusCode {result.get('StatusCode')!r}, the export is incomplete",
                    file=file,
                    row=n,
                    hint="follow NextToken until every result is Complete, then export again",
                )
            stamps, values = result.get("Timestamps") or [], result.get("Values") or []
            if len(stamps) != len(values):
                raise CalibrationError(
                    f"{name}: {len(stamps)} timestamps but {len(values)} values", file=file, row=n
                )
            out.append(
                MetricSeries(
                    name,
                    {_time(t, file, n): _number(v, file, n, name) for t, v in zip(stamps, values)},
                    file,
                )
            )
        return out
    if isinstance(data, dict) and "Datapoints" in data:
        name = metric_name(str(data.get("Label") or ""), file)
        points: dict[datetime, float] = {}
        for n, point in enumerate(data["Datapoints"], start=1):
            if "Sum" not in point:
                raise CalibrationError(
                    f"{name}: datapoint {n} has no Sum",
                    file=file,
                    row=n,
                    hint="export with --statistics Sum (DPU metrics add up per period)",
                )
            points[_time(point.get("Timestamp"), file, n)] = _number(point["Sum"], file, n, name)
        return [MetricSeries(name, points, file)]
    raise CalibrationError(
        "JSON is neither get-metric-data (MetricDataResults) nor get-metric-statistics (Datapoints) output",
        file=file,
        hint="export with `aws cloudwatch get-metric-data` or `get-metric-statistics --statistics Sum`",
    )


def _from_csv(text: str, file: str) -> list[MetricSeries]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise CalibrationError("empty CSV", file=file, hint="a header row: timestamp,TotalDPU,ComputeDPU,…")
    lowered = [h.strip().lower() for h in header]
    ts_col = next((i for i, h in enumerate(lowered) if h in TIMESTAMP_COLUMNS), None)
    if ts_col is None:
        raise CalibrationError(
            "no timestamp column", file=file, row=1, hint="name the first column 'timestamp'"
        )
    names = {i: metric_name(h, file, 1) for i, h in enumerate(header) if i != ts_col}
    series: dict[int, dict[datetime, float]] = {i: {} for i in names}
    for row, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise CalibrationError(f"{len(cells)} cells, header has {len(header)}", file=file, row=row)
        stamp = _time(cells[ts_col], file, row)
        for i, name in names.items():
            series[i][stamp] = _number(cells[i], file, row, name)
    return [MetricSeries(names[i], pts, file) for i, pts in series.items()]


def read_metric_file(path: str | Path) -> list[MetricSeries]:
    """The metric series in one export file."""
    file = str(path)
    text = read_text(path, CalibrationError, "CloudWatch export")
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CalibrationError(f"not valid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        return _from_json(data, file)
    return _from_csv(text, file)


def _period(stamps: Sequence[datetime]) -> float:
    diffs = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
    return min((d for d in diffs if d > 0), default=60.0)


def load_cloudwatch(paths: Iterable[str | Path], *, allow_gaps: bool = False) -> CloudWatchWindow:
    """Sum each DPU metric over the window the files cover; gaps are errors unless allowed."""
    by_metric: dict[str, MetricSeries] = {}
    files: list[str] = []
    for path in paths:
        files.append(str(path))
        for series in read_metric_file(path):
            if series.metric in by_metric:
                raise CalibrationError(
                    f"{series.metric} is given twice (also in {by_metric[series.metric].file})",
                    file=series.file,
                    hint="give each metric once",
                )
            by_metric[series.metric] = series
    if not by_metric or not any(s.points for s in by_metric.values()):
        raise CalibrationError(
            "no datapoints", file=", ".join(files), hint="export a window with DPU activity"
        )
    stamps = sorted({t for s in by_metric.values() for t in s.points})
    period = _period(stamps)
    gaps = 0
    for a, b in itertools.pairwise(stamps):
        missing = round((b - a).total_seconds() / period) - 1
        if missing > 0:
            if not allow_gaps:
                raise CalibrationError(
                    f"gap of {missing} period(s) of {period:g} s after {a.isoformat()}",
                    file=", ".join(files),
                    hint=GAP_HINT,
                )
            gaps += missing
    for series in by_metric.values():
        absent = [t for t in stamps if t not in series.points]
        if absent and not allow_gaps:
            raise CalibrationError(
                f"{series.metric} has no datapoint at {absent[0].isoformat()} while other metrics do",
                file=series.file,
                hint=GAP_HINT,
            )
    sums = {name: float(sum(s.points.values())) for name, s in by_metric.items()}
    return CloudWatchWindow(sums, stamps[0], stamps[-1], period, tuple(files), gaps)
