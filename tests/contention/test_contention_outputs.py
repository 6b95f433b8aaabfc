"""Every output of the OCC model stays bit for bit what it was before its loops were vectorised.

``tests/data/contention/outputs/<workload>.txt`` hold, per workload × scenario × range case,
digests of every field of :class:`costmodel.contention.model.Contention` (the patterns and
hot-spot tables, the per-statement series, every figure, note and assumption; floats by their
exact bits). They were recorded with the per-pattern Python loops the model had before (commit
459130f) and must not move when the model is made faster; a modelling change regenerates them with
``pytest --update-golden`` and says so.

Workloads: the four bundled samples (catalog facts from ``dsqlcost collect``), the small pipeline
export, and a synthetic 3,000-statement export (the dashboard benchmark's generator) with seeded
catalog facts on half its tables, so unique keys, ``n_distinct`` products, range spans and
assumed key spaces all occur. Scenarios: every preset; for each, the point run and every range
case the run would price (they vary the contention defaults), plus the model without usage (the
readiness command's path).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from benchmarks.bench_dashboard import synthetic_rows
from costmodel.analysis.ranges import range_cases
from costmodel.analysis.run import Analysis
from costmodel.classify.frame import classify
from costmodel.contention.model import Contention, assess_contention
from costmodel.core.catalog import load_catalog
from costmodel.core.workload import CatalogFacts, IndexFacts, TableFacts, Window, Workload
from costmodel.ingest.load import load_workload
from costmodel.scenario.model import load_scenario, scenario_assumptions

ROOT = Path(__file__).parents[2]
SAMPLES = ("pgbench", "saas", "legacy", "batch")
PRESETS = sorted(p.stem for p in (ROOT / "costmodel" / "data" / "scenarios").glob("*.yaml"))
SYNTHETIC = 3_000
RECORDED = ROOT / "tests" / "data" / "contention" / "outputs"


def _value(value: Any) -> Any:
    """A JSON-stable form that keeps a float's every bit."""
    if isinstance(value, (float, np.floating)):
        return "nan" if math.isnan(float(value)) else float(value).hex()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (tuple, list)):
        return [_value(v) for v in value]
    if value is None or value is pd.NA:
        return None
    return str(value)


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _frame(frame: pd.DataFrame) -> list[Any]:
    return [[str(c), str(frame[c].dtype), [_value(v) for v in frame[c].tolist()]] for c in frame.columns]


def _series(series: pd.Series) -> list[Any]:
    return [str(series.name), str(series.dtype), [str(i) for i in series.index], [_value(v) for v in series]]


FIELDS = ("patterns", "hot_spots", "retry_factors", "conflict_probability", "scalars", "texts")


def fingerprint(c: Contention) -> str:
    """A digest of each group of fields of ``c`` (:data:`FIELDS`, in that order), so a failure
    names what moved: the tables, the per-statement series, the figures, the words."""
    scalars = [
        _value(getattr(c, name))
        for name in (
            "predicted_conflict_rate", "peak_to_mean", "statements_per_txn", "txns_per_s_peak",
            "residual_conflict_rate", "extra_dpu_share", "thresholds", "conflict_rate_range", "assumed_key_spaces",
        )
    ]  # fmt: skip
    texts = [
        c.peak_basis, c.risk.value, c.point_risk.value, _value(c.commit_latency.ms), c.commit_latency.basis,
        list(c.notes), *([[a.key, _value(a.value), a.unit, a.source, a.description] for a in c.assumptions]),
        *([[a.key, _value(a.value), a.unit, a.source, a.description] for a in c.used]),
    ]  # fmt: skip
    parts = (
        _frame(c.patterns),
        _frame(c.hot_spots),
        _series(c.retry_factors),
        _series(c.conflict_probability),
    )
    return " ".join(_digest(p) for p in (*parts, scalars, texts))


def _synthetic() -> Workload:
    """The dashboard benchmark's export, classified, with seeded catalog facts on half its tables."""
    frame = pd.DataFrame(synthetic_rows(SYNTHETIC, seed=20261207))
    frame.insert(0, "stmt_id", [f"s{i + 1}" for i in range(len(frame))])
    for column in frame.columns:
        if column not in ("stmt_id", "query", "toplevel"):
            frame[column] = pd.to_numeric(frame[column])
    bare = classify(Workload(frame, Window(3600.0, "argument", "test"), ("synthetic",), "1.10"))
    rng = random.Random(7)
    tables: dict[str, TableFacts] = {}
    names = sorted({t for ts in bare.statements["tables_written"] for t in (ts or ())})
    for name in names[::2]:
        schema, _, table = name.rpartition(".")
        cols = ("id", "tenant_id", "account_id", "status")
        tables[f"{schema or 'public'}.{table}"] = TableFacts(
            schema=schema or "public",
            name=table,
            row_estimate=rng.choice((None, 0.0, 50.0, 20_000.0, 3e6)),
            primary_key=rng.choice(((), ("id",), ("tenant_id", "id"))),
            indexes=(IndexFacts("ix", (rng.choice(cols),), unique=rng.random() < 0.3),),
            column_n_distinct={c: rng.choice((3.0, 40.0, 900.0)) for c in cols if rng.random() < 0.5},
        )
    return replace(bare, catalog=CatalogFacts(tables))


def _workload(name: str) -> Workload:
    if name == "synthetic":
        return _synthetic()
    if name == "saas_small":
        return classify(load_workload([ROOT / "tests" / "data" / "pipeline" / "saas_small.csv"]))
    return classify(load_workload([ROOT / "sample_stats" / name]))


def _outputs(name: str) -> dict[str, str]:
    """Fingerprints of the model on ``name`` under every preset: point, range cases, without usage."""
    workload = _workload(name)
    analysis = Analysis(workload, load_catalog(), with_readiness=False)
    out: dict[str, str] = {}
    for preset in PRESETS:
        scenario = load_scenario(preset)
        result = analysis.run(scenario, sweep_points=11, ranges=False)
        out[f"{preset}/point"] = fingerprint(result.contention)
        for key, value, _, variant in range_cases(
            scenario, result.usage, result.contention, result.assumptions
        ):
            out[f"{preset}/{key}={value}"] = fingerprint(
                analysis._usage_and_contention(variant, case=True)[1]
            )
        bare = assess_contention(workload, None, scenario, scenario_assumptions(scenario))
        out[f"{preset}/no-usage"] = fingerprint(bare)
    return out


@pytest.mark.parametrize("name", [*SAMPLES, "saas_small", "synthetic"])
def test_contention_outputs_equal_the_recorded_ones(name: str, request: pytest.FixtureRequest) -> None:
    """Each line: case, then one digest per group of :data:`FIELDS` (a failing diff shows which moved)."""
    lines = [f"{case} {digests}" for case, digests in _outputs(name).items()]
    actual = "# case " + " ".join(FIELDS) + "\n" + "\n".join(lines) + "\n"
    path = RECORDED / f"{name}.txt"
    if request.config.getoption("--update-golden"):
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    moved = sorted(set(actual.splitlines()) ^ set(expected.splitlines()))
    assert actual == expected, (
        f"contention outputs moved on {name} (regenerate with --update-golden only for a modelling change):\n"
        + "\n".join(moved[:20])
    )
