"""Golden outputs of every renderer, for the hand-made fixture reports and the bundled samples.

Fixture reports live in ``tests/data/report/<case>.json``; outputs in ``tests/golden/<case>.*``:
``.txt`` (100 columns), ``.narrow.txt`` (60), ``.wide.txt`` (160), ``.json``, ``.md``, ``.html``
(with the 4.8 MB plotly.js bundle replaced by a marker) and ``.<table>.csv`` per CSV file.
``generated_at`` and the tool version are normalised first, so a release does not touch goldens.

Fixtures: ``saas_full`` (one cluster, every section, three databases), ``hostile`` (untrusted text
everywhere, as a fleet of two clusters), ``minimal`` (optional sections absent) and ``fleet``: the
fleet report of the bundled samples (``dsqlcost report sample_stats/ --format json``) with 25
break-even points and its 20 costliest statements, edited for coverage: the ``saas`` cluster's
database split in two (``saas_reporting``) and the ``legacy`` cluster read from an export with
``--window 90m`` (windows from two sources).

End to end, few and reviewed: one bundled sample, ``saas`` (``sample_stats/saas/``), in every format
(``sample-saas.*``), and all samples together as one fleet (``build_fleet_report``), whose JSON is
the golden ``samples-fleet.json`` (the other fleet formats are rendered and checked for shape, not
compared). The other samples' figures are asserted per stage, from stated inputs, in
``tests/analysis/test_sample_stages.py``: a modelling change then fails a named figure instead of
rewriting dozens of files. Every bundled sample is still rendered in every format here (no golden):
a sample that breaks a renderer fails.

Determinism: everything that changes between runs, machines or releases is normalised by
:func:`normalise` (time, tool version, the dsql-lint wall time, absolute paths under this
checkout), and the samples' floats are compared at 12 significant digits (:func:`stable_floats`);
the rest of the report is a pure function of the committed samples and prices. The
fleet golden runs the clusters in this process (``jobs=1``); the parallel path gives the same dict.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.report import render_html, render_json, render_markdown, render_text, write_csv
from costmodel.report.csvout import csv_files
from costmodel.report.html import PLOTLYJS_ID

ROOT = Path(__file__).resolve().parents[1].parent
CASES_DIR = ROOT / "tests" / "data" / "report"
SAMPLES_DIR = ROOT / "sample_stats"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.json"))
FIXED_TIME = "2000-01-01T00:00:00Z"
FIXED_VERSION = "0.0.0-golden"
TEXT_WIDTHS = {"txt": 100, "narrow.txt": 60, "wide.txt": 160}
_PLOTLYJS = re.compile(rf'(<script id="{PLOTLYJS_ID}">).*?(</script>)', re.DOTALL)


VOLATILE: tuple[tuple[str, ...], ...] = (("readiness", "dsql_lint", "seconds"),)
"""Measured durations inside the report: zeroed for goldens."""


def normalise(report: dict[str, Any]) -> dict[str, Any]:
    """The report with the fields that change on every run, machine or release fixed: the time and
    tool version, measured durations, and absolute paths under this checkout."""
    out = _relative_paths(copy.deepcopy(report))
    out["generated_at"] = FIXED_TIME
    out.setdefault("tool", {})["version"] = FIXED_VERSION
    for path in VOLATILE:
        node: Any = out
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            node[path[-1]] = 0
    return out


SIGNIFICANT_DIGITS = 12
"""Pipeline-built reports keep some floats unrounded (option ``details``, contention figures), whose
last bits depend on the order of float operations (numpy version, SIMD); their goldens compare
floats at this many significant digits."""


def stable_floats(value: Any) -> Any:
    """``value`` with every float rounded to :data:`SIGNIFICANT_DIGITS` significant digits
    (``3649.9999999999995`` → ``3650.0``), so float noise does not change a golden."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: stable_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stable_floats(v) for v in value]
    return value


def _relative_paths(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(str(ROOT) + "/", "")
    if isinstance(value, dict):
        return {k: _relative_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative_paths(v) for v in value]
    return value


def strip_plotlyjs(page: str) -> str:
    """The HTML page with the inline plotly.js bundle replaced by a marker (it is tested separately)."""
    stripped, count = _PLOTLYJS.subn(r"\1/* plotly.js bundle */\2", page, count=1)
    assert count == 1, "the page must embed plotly.js inline exactly once"
    return stripped


def load_case(case: str) -> dict[str, Any]:
    return normalise(json.loads((CASES_DIR / f"{case}.json").read_text(encoding="utf-8")))


def check_all_formats(golden: Any, prefix: str, report: dict[str, Any], tmp_path: Path) -> None:
    for suffix, width in TEXT_WIDTHS.items():
        golden.check(f"{prefix}.{suffix}", render_text(report, width=width, color=False))
    golden.check(f"{prefix}.json", render_json(report))
    golden.check(f"{prefix}.md", render_markdown(report))
    golden.check(f"{prefix}.html", strip_plotlyjs(render_html(report)))
    paths = write_csv(report, tmp_path / "csv")
    assert [p.name for p in paths] == list(csv_files(report))
    for path in paths:
        golden.check(f"{prefix}.{path.name}", path.read_bytes())


@pytest.mark.parametrize("case", CASES)
def test_fixture_goldens(case: str, golden: Any, tmp_path: Path) -> None:
    check_all_formats(golden, case, load_case(case), tmp_path)


def test_fixture_cases_exist() -> None:
    assert {"saas_full", "hostile", "minimal"} <= set(CASES)


# --- bundled samples ------------------------------------------------------------------------------


def _sample_dirs() -> list[Path]:
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))


def sample_report(bundle: Path) -> dict[str, Any]:
    """The report of a bundled sample with the default scenario and the built-in prices, with its
    migration plan (as ``dsqlcost report`` builds it: the bundle's schema remediated, no code).

    The lead engineer owns this pipeline; adapt this function when its entry points change.
    """
    from costmodel import load_workload
    from costmodel.analysis.run import analyse
    from costmodel.audit.planrun import plan_for_run
    from costmodel.core.catalog import load_catalog
    from costmodel.report.model import build_report
    from costmodel.scenario.model import load_scenario

    result = analyse(load_workload(bundle), load_scenario(), load_catalog())
    plan, _ = plan_for_run(result)
    return build_report(result, plan=plan)


def sample_fleet_report(samples_dir: Path) -> dict[str, Any]:
    """The fleet report of every bundled sample (each one cluster), default scenario and prices."""
    from costmodel.analysis.fleet import FleetAnalysis, expand_sources, load_fleet
    from costmodel.core.catalog import load_catalog
    from costmodel.report.model import build_fleet_report
    from costmodel.scenario.model import load_scenario

    loaded = load_fleet(expand_sources([samples_dir]), jobs=1)
    fleet = FleetAnalysis(loaded, load_catalog(), jobs=1).run(load_scenario())
    return build_fleet_report(fleet)


SAMPLES = _sample_dirs()
FLEET_PREFIX = "samples-fleet"
GOLDEN_SAMPLE = "saas"
"""The one bundled sample with end-to-end goldens in every format."""


def render_all_formats(report: dict[str, Any], tmp_path: Path) -> None:
    """Every format renders (no golden): text at each width, JSON, Markdown, HTML and the CSV set."""
    for width in TEXT_WIDTHS.values():
        assert render_text(report, width=width, color=False).strip()
    assert json.loads(render_json(report))["schema_version"] == report["schema_version"]
    assert render_markdown(report).startswith("#")
    assert "</html>" in strip_plotlyjs(render_html(report))
    paths = write_csv(report, tmp_path / "csv")
    assert [p.name for p in paths] == list(csv_files(report))


@pytest.mark.parametrize(
    "bundle",
    SAMPLES or [pytest.param(None, marks=pytest.mark.skip(reason="sample_stats/ holds no bundles yet"))],
    ids=[p.name for p in SAMPLES] or ["no-samples"],
)
def test_sample_reports(bundle: Path | None, golden: Any, tmp_path: Path) -> None:
    """Every bundled sample renders in every format; the golden sample matches its goldens."""
    assert bundle is not None
    report = stable_floats(normalise(sample_report(bundle)))
    if bundle.name != GOLDEN_SAMPLE:
        render_all_formats(report, tmp_path)
        return
    prefix = f"sample-{bundle.name}"
    if not golden.update and not any(golden.directory.glob(f"{prefix}.*")):
        pytest.fail(
            f"no goldens recorded for sample_stats/{bundle.name}: "
            "run `pytest tests/report/test_report_golden.py --update-golden` and review them"
        )
    check_all_formats(golden, prefix, report, tmp_path)


def test_no_stray_goldens() -> None:
    """Goldens are few on purpose: the fixture cases and the golden sample in every format, the
    samples fleet's JSON. A file nothing checks any more is deleted, not left to rot."""
    prefixes = {*CASES, f"sample-{GOLDEN_SAMPLE}"}
    stray = [
        p.name
        for p in sorted((ROOT / "tests" / "golden").iterdir())
        if not p.name.startswith(".")
        and p.name.split(".")[0] not in prefixes
        and p.name != f"{FLEET_PREFIX}.json"
    ]
    assert stray == []


def test_golden_sample_is_bundled() -> None:
    assert GOLDEN_SAMPLE in [p.name for p in SAMPLES], "the end-to-end goldens need sample_stats/saas"


def test_sample_fleet_golden(golden: Any, tmp_path: Path) -> None:
    """All bundled samples as one fleet report: its JSON is a golden, every format renders."""
    assert len(SAMPLES) >= 2, "the samples fleet needs at least two bundled samples (make samples)"
    report = stable_floats(normalise(sample_fleet_report(SAMPLES_DIR)))
    assert [c["name"] for c in report["fleet"]["clusters"]] == [p.name for p in SAMPLES]
    golden.check(f"{FLEET_PREFIX}.json", render_json(report))
    render_all_formats(report, tmp_path)
