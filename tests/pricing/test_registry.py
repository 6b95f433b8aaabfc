"""The one door for options: a throw-away option registered in a test reaches every output.

This is the proof `docs/adding-an-option.md` promises: an option spec (core/options.py), a pricer
(pricing/…), one register line, and nothing else — the analysis, verdict, break-even sweep, every
report format and the CSV export pick it up from the registries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from costmodel.analysis.run import Analysis
from costmodel.core.catalog import load_catalog
from costmodel.core.estimate import LineItem, OptionEstimate
from costmodel.core.options import (
    Footprint,
    OptionKind,
    OptionSpec,
    is_multi_region,
    option_order,
    option_spec,
    register_option,
    unregister_option,
)
from costmodel.ingest.load import load_workload
from costmodel.pricing.registry import PricedOption, PricingInput, pricers, register_pricer, unregister_pricer
from costmodel.report import render, write_csv
from costmodel.report.model import build_report
from costmodel.scenario.model import load_scenario

DATA = Path(__file__).parents[1] / "data" / "pipeline"
FLAT = OptionSpec(
    "test-flat-rate", OptionKind.SERVERLESS_V2, Footprint.SINGLE_REGION, "Flat-rate test option"
)


class FlatRatePricer:
    """Bills a fixed monthly fee plus a price per million calls (no price file needed)."""

    name = "test-flat-rate"

    def price(self, inputs: PricingInput) -> list[PricedOption]:
        calls = float(inputs.usage.statements["calls_month"].sum())
        fee, per_million = 12.5, 0.25
        items = (
            LineItem(FLAT.name, "Fee", inputs.scenario.regions.primary, Decimal(1), "month",
                     Decimal("12.5"), Decimal("12.5"), "test fee", usage_based=False),
            LineItem(FLAT.name, "Requests", inputs.scenario.regions.primary, Decimal(str(round(calls / 1e6, 6))),
                     "million calls", Decimal("0.25"), Decimal(str(round(calls / 1e6 * per_million, 4))), "test rate"),
        )  # fmt: skip
        estimate = OptionEstimate(FLAT.name, FLAT.kind, FLAT.title, items)
        return [
            PricedOption(estimate, lambda k: fee + np.asarray(k, dtype=float) * calls / 1e6 * per_million)
        ]


@pytest.fixture
def flat_option() -> Iterator[None]:
    register_option(FLAT)
    register_pricer(FlatRatePricer())
    yield
    unregister_pricer(FlatRatePricer.name)
    unregister_option(FLAT.name)


def test_builtin_options_are_registered_in_report_order() -> None:
    assert [p.name for p in pricers()][:2] == ["dsql", "serverless-v2"]
    assert option_order("dsql-single-region") < option_order("serverless-v2-standard")
    assert is_multi_region("dsql-multi-region") and not is_multi_region("dsql-single-region")
    assert option_spec("serverless-v2-global") is not None
    assert option_spec("no-such-option") is None and not is_multi_region("no-such-option")


def test_registering_a_different_spec_under_a_known_name_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_option(OptionSpec("dsql-single-region", OptionKind.DSQL, Footprint.MULTI_REGION, "x"))


def test_a_new_option_reaches_every_output(flat_option: None, tmp_path: Path) -> None:
    analysis = Analysis(load_workload([DATA / "saas_small.csv"]), load_catalog())
    result = analysis.run(load_scenario("default"), sweep_points=200)
    names = [o.name for o in result.options]
    assert names[-1] == FLAT.name and names[0] == "dsql-single-region"
    calls = float(result.usage.statements["calls_month"].sum())
    flat = result.option(FLAT.name)
    assert flat is not None
    assert float(flat.total_monthly_usd) == pytest.approx(12.5 + calls / 1e6 * 0.25, abs=0.01)
    # single-region, so it competes in the verdict and the sweep
    assert FLAT.name in result.verdict.comparable
    assert FLAT.name in result.break_even.costs
    report = build_report(result)
    entry = next(o for o in report["options"] if o["name"] == FLAT.name)
    assert entry["total_monthly_usd"] == pytest.approx(float(flat.total_monthly_usd))
    for fmt in ("text", "markdown", "html"):
        assert FLAT.title in render(report, fmt, width=200), fmt
    assert FLAT.name in json.loads(render(report, "json"))["break_even"]["costs"]
    write_csv(report, tmp_path)
    assert FLAT.name in (tmp_path / "line_items.csv").read_text(encoding="utf-8")
