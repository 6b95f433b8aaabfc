"""Run a fuzz :class:`~benchmarks.data.fuzz_mutations.Case` and check every property of the outcome.

:func:`run_case` feeds the case to ``load_workload``, :func:`run_cli_case` to ``dsqlcost ingest``; both
return an :class:`Outcome` whose ``problems`` list the broken properties (empty when all hold):

* the outcome is a Workload or an ``IngestError`` (a ``CostModelError``), never another exception,
  and never the last-resort net (``unexpected …`` in the message);
* an error is one line and names the file; the CLI exits 2 with one ``error:`` line, no traceback;
* a Workload never loses a row: rows read = statements + excluded, and equals the rows the oracle
  counted; counters are finite and non-negative or NaN (unknown), ``calls`` is always known;
* where the oracle (or the unmutated base) says what the rows are, the statements are exactly those.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.data.fuzz_corpus import NUMERIC, Base, base_named
from benchmarks.data.fuzz_mutations import Case


@dataclass
class Outcome:
    """What happened to one case."""

    case: Case
    result: str  # "workload" or "error"
    problems: list[str]
    message: str = ""


_REFERENCE: dict[str, Any] = {}


def reference(base: Base, directory: Path) -> pd.DataFrame | None:
    """Ingest's own parse of the unmutated base (cached per process); ``None`` when it is refused."""
    from costmodel.core.errors import IngestError
    from costmodel.ingest.load import load_workload

    if base.name not in _REFERENCE:
        path = directory / ("reference" + (".gz" if base.data[:2] == b"\x1f\x8b" else ".data"))
        path.write_bytes(base.data)
        try:
            _REFERENCE[base.name] = load_workload(
                [path], window="1h", include_nested=True, include_monitoring=True
            ).statements
        except IngestError:  # a base that is refused on purpose (psql -A output with newlines)
            _REFERENCE[base.name] = None
    frame: pd.DataFrame | None = _REFERENCE[base.name]
    return frame


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _same(got: Any, want: Any) -> bool:
    if _missing(want) or _missing(got):
        return _missing(want) and _missing(got)
    if isinstance(want, float) or isinstance(got, float):
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=0.0)
    return bool(got == want)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _compare(
    frame: pd.DataFrame, rows: Sequence[dict[str, Any]], *, texts: bool, ignore_cr: bool
) -> list[str]:
    if len(frame) != len(rows):
        return [f"{len(frame)} statements, expected {len(rows)}"]
    problems: list[str] = []
    present = set().union(*(r.keys() for r in rows)) if rows else set()
    names = [c for c in frame.columns if c in present]
    records = [dict(zip(names, values)) for values in frame[names].to_numpy(dtype=object).tolist()]
    for index, (got, want) in enumerate(zip(records, rows)):
        for name, value in want.items():
            if name == "query":
                if not texts:
                    continue
                g = got.get("query")
                if ignore_cr and isinstance(g, str) and isinstance(value, str):
                    g, value = _lines(g), _lines(value)
                if g != value:
                    problems.append(f"row {index + 1}: query {g!r:.80} != expected {value!r:.80}")
            elif not _same(got.get(name), value):
                problems.append(f"row {index + 1}: {name} = {got.get(name)!r}, expected {value!r}")
        if len(problems) > 5:
            break
    absent = [c for c in frame.columns if c in NUMERIC and c not in present]
    if absent and frame[absent].notna().to_numpy().any():
        problems.append(f"a column the export lacks holds values instead of NaN: {absent}")
    return problems


_EXPECTED: dict[str, list[dict[str, Any]]] = {}


def _expected_rows(name: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    if name not in _EXPECTED:
        _EXPECTED[name] = _expected_from_frame(frame)
    return _EXPECTED[name]


def _expected_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["query", "queryid", "userid", "dbid", "toplevel", *sorted(NUMERIC)]
    keep = [k for k in keys if k in frame and not (k in NUMERIC and frame[k].isna().all())]
    columns = {k: frame[k].tolist() for k in keep}
    return [
        {k: (None if _missing(v) else v) for k, v in zip(columns, values)}
        for values in zip(*columns.values())
    ]


def check_workload(case: Case, workload: Any, directory: Path) -> list[str]:
    """The properties of a successful read."""
    problems: list[str] = []
    s = workload.statements
    excluded = sum(workload.excluded.values())
    if workload.rows_read != len(s) + excluded:
        problems.append(f"rows read {workload.rows_read} != {len(s)} statements + {excluded} excluded")
    if len(s):
        if s["stmt_id"].isna().any() or s["stmt_id"].duplicated().any():
            problems.append("statement ids are missing or repeat")
        if s["calls"].isna().any():
            problems.append("calls unknown for a statement")
        numeric = [name for name in s.columns if name in NUMERIC]
        values = s[numeric].to_numpy(dtype=float)
        known = values[~np.isnan(values)]
        if (known < 0).any() or np.isinf(known).any():
            problems.append("a counter holds a negative or infinite value")
    verdict = case.verdict
    if verdict is None:
        frame = reference(base_named(case.base), directory)
        if frame is None:
            return problems  # the base itself is refused; a mutation may make it readable
        want = _expected_rows(case.base, frame)
        texts = True
    elif verdict.kind == "valid":
        want = list(verdict.rows)
        texts = verdict.texts_exact
        if workload.rows_read != len(want):
            problems.append(f"rows read {workload.rows_read}, the table has {len(want)}")
    else:
        if verdict.kind == "invalid":
            problems.append(f"read as a workload although the oracle says invalid ({verdict.reason})")
        return problems
    if not case.include_nested:
        want = [r for r in want if r.get("toplevel") is not False]
    # statement order is the source order; only nested rows are removed
    problems += _compare(s, want, texts=texts, ignore_cr=case.ignore_cr)
    return problems


def check_error(case: Case, exc: BaseException, path: Path) -> list[str]:
    """The properties of a refusal."""
    from costmodel.core.errors import IngestError

    problems: list[str] = []
    if not isinstance(exc, IngestError):
        return [f"raised {type(exc).__name__}: {exc!r}"[:400]]
    text = str(exc)
    if "unexpected" in exc.message:
        problems.append(f"the last-resort net was hit: {text[:300]}")
    if "\n" in text or "\r" in text:
        problems.append(f"the error spans several lines: {text[:200]!r}")
    if path.name not in text:
        problems.append(f"the error does not name the file: {text[:200]}")
    verdict = case.verdict
    accept = verdict is None and (case.same_or_error or reference(base_named(case.base), path.parent) is None)
    if case.window is None and "window" in text:
        accept = True
    if not accept and (verdict is None or verdict.kind == "valid"):
        problems.append(f"refused although valid: {text[:300]}")
    return problems


def run_case(case: Case, directory: Path) -> Outcome:
    """Read ``case`` with ``load_workload`` and check every property."""
    from costmodel.ingest.load import load_workload

    path = directory / f"fuzz{case.suffix}"
    path.write_bytes(case.data)
    try:
        workload = load_workload(
            [path], window=case.window, include_nested=case.include_nested, include_monitoring=True
        )
    except Exception as exc:
        return Outcome(case, "error", check_error(case, exc, path), str(exc))
    return Outcome(case, "workload", check_workload(case, workload, directory))


def run_cli_case(case: Case, directory: Path) -> Outcome:
    """Read ``case`` through ``dsqlcost ingest`` and check exit code and output."""
    from costmodel.cli import main

    path = directory / f"fuzz{case.suffix}"
    path.write_bytes(case.data)
    argv = ["ingest", str(path)] + (["--window", case.window] if case.window else [])
    argv += ["--include-nested"] if case.include_nested else []
    out, err = io.StringIO(), io.StringIO()
    problems: list[str] = []
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:  # SystemExit included: the CLI must return, not raise
        return Outcome(case, "error", [f"the CLI raised {type(exc).__name__}: {exc!r}"[:300]])
    stderr = err.getvalue()
    if "Traceback" in stderr or "Traceback" in out.getvalue():
        problems.append("a traceback was printed")
    if code == 0:
        if not out.getvalue().startswith("Files:"):
            problems.append("exit 0 without the summary")
        if case.verdict is not None and case.verdict.kind == "invalid":
            problems.append(f"exit 0 although the oracle says invalid ({case.verdict.reason})")
        return Outcome(case, "workload", problems)
    if code != 2:
        problems.append(f"exit code {code}")
    lines = stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("dsqlcost ingest: error: "):
        problems.append(f"stderr is not one error line: {stderr[:300]!r}")
    elif "unexpected" in lines[0]:
        problems.append(f"the last-resort net was hit: {lines[0][:300]}")
    verdict = case.verdict
    if verdict is not None and verdict.kind == "valid" and not (case.window is None and "window" in stderr):
        problems.append(f"exit 2 although valid: {stderr[:300]}")
    return Outcome(case, "error", problems, stderr.strip())


__all__ = ["Outcome", "check_error", "check_workload", "run_case", "run_cli_case"]


@functools.lru_cache(maxsize=1)
def _pipeline_inputs() -> tuple[Any, Any]:
    """The price catalog and the default scenario, loaded once per process."""
    from costmodel.core.catalog import load_catalog
    from costmodel.scenario.model import load_scenario

    return load_catalog(), load_scenario(None)


def run_pipeline_case(case: Case, directory: Path) -> Outcome:
    """Read ``case`` and, when it reads, price it and render the report (JSON and table).

    The property: a result, or a :class:`~costmodel.core.errors.CostModelError` — never another
    exception (``decimal.InvalidOperation``, ``TypeError``, ``UnicodeEncodeError`` were found this way).
    """
    from costmodel.analysis.run import Analysis
    from costmodel.core.errors import CostModelError
    from costmodel.report import render
    from costmodel.report.model import build_report

    outcome = run_case(case, directory)
    if outcome.result != "workload" or outcome.problems:
        return outcome
    from costmodel.ingest.load import load_workload

    path = directory / f"fuzz{case.suffix}"
    catalog, scenario = _pipeline_inputs()
    try:
        workload = load_workload([path], window=case.window, include_nested=case.include_nested)
        report = build_report(Analysis(workload, catalog).run(scenario, sweep_points=50))
        for fmt in ("json", "text"):
            render(report, fmt, width=120, color=False)
    except CostModelError as exc:
        text = str(exc)
        problems = [f"the error spans several lines: {text[:200]!r}"] if "\n" in text else []
        return Outcome(case, "priced-error", problems, text)
    except Exception as exc:
        return Outcome(case, "priced-error", [f"pricing raised {type(exc).__name__}: {exc!r}"[:400]])
    return Outcome(case, "priced", [])
