"""Every generated sentence states what its numbers say (issue 17): each test parses the sentence
back and compares it with the figure it came from."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from costmodel.compare import break_even, decide
from costmodel.core.estimate import LineItem, OptionEstimate
from costmodel.core.numbers import honest_percent
from costmodel.report.common import conflict_rate_text, crossover_lines

PERCENT = re.compile(r"([<>]?)(\d+(?:\.\d+)?)%")
ROOT = Path(__file__).parents[2]


def _parse_percent(text: str) -> tuple[str, float, int]:
    match = PERCENT.search(text)
    assert match, text
    digits = len(match[2].split(".")[1]) if "." in match[2] else 0
    return match[1], float(match[2]), digits


@pytest.mark.parametrize(
    "fraction", [0.996, 0.9996, 0.99999, 0.004, 0.0004, 1e-7, 0.5, 0.945, 0.0099, 0.01, 1.0, 0.0, 0.123456]
)
def test_percentages_never_round_to_a_claim_the_number_does_not_make(fraction: float) -> None:
    sign, shown, digits = _parse_percent(honest_percent(fraction))
    if sign == "<":
        assert 0 < fraction * 100 < shown
    elif sign == ">":
        assert shown < fraction * 100 < 100
    else:
        assert abs(shown - fraction * 100) <= 0.5 * 10**-digits + 1e-9
        assert (shown == 100) == (fraction == 1) and (shown == 0) == (fraction == 0)


@pytest.mark.parametrize("rate", [0.0099, 0.00999, 0.01, 0.0101, 0.0499, 0.05, 0.001])
def test_conflict_rate_never_reads_as_a_threshold_it_is_below(rate: float) -> None:
    thresholds = {"elevated": 0.01, "high": 0.05}
    _, shown, _ = _parse_percent(
        conflict_rate_text({"predicted_conflict_rate": rate, "thresholds": thresholds})
    )
    for limit in thresholds.values():
        assert (shown / 100 < limit) == (rate < limit), (rate, shown)
        assert (shown / 100 >= limit) == (rate >= limit), (rate, shown)


def _option(name: str, kind: str, usd: str) -> OptionEstimate:
    item = LineItem(name, "X", "us-east-1", Decimal(1), "u", Decimal(usd), Decimal(usd), "test")
    return OptionEstimate(name=name, kind=kind, title=name.upper(), line_items=(item,))


def _decide(options: list[OptionEstimate], crossovers=()):  # type: ignore[no-untyped-def]
    return decide(
        options,
        multi_region=False,
        readiness_verdict="ready",
        readiness_summary="no findings",
        contention_risk="low",
        conflict_rate=0.001,
        sv2_recommended_mode=None,
        crossovers=crossovers,
    )


def test_percent_below_is_the_ratio_of_the_two_totals_stated() -> None:
    verdict = _decide(
        [
            _option("dsql-single-region", "dsql", "1094.56"),
            _option("serverless-v2-standard", "serverless-v2", "4.40"),
        ]
    )
    reason = next(r for r in verdict.reasons if " below " in r)
    cheap, dear = (float(v.replace(",", "")) for v in re.findall(r"\$([\d,]+\.\d\d)/month", reason))
    _, shown, digits = _parse_percent(reason)
    assert shown != 100  # 99.6%, not "100% below"
    assert abs(shown - (dear - cheap) / dear * 100) <= 0.5 * 10**-digits


@pytest.mark.parametrize(
    "dsql, sv2",
    [((1.0, 10.0), (100.0, 2.0)), ((50.0, 0.1), (5.0, 100.0)), ((5.0, 100.0), (50.0, 0.1))],
)
def test_crossover_direction_is_read_from_the_curves(
    dsql: tuple[float, float], sv2: tuple[float, float]
) -> None:
    # straight lines fixed + slope·k: the crossing is above today's load in the first case, below it
    # in the others; the sentence must say on which side the other option wins, as the curves do.
    curves = {
        "dsql-single-region": lambda k: dsql[0] + dsql[1] * np.asarray(k),
        "serverless-v2-standard": lambda k: sv2[0] + sv2[1] * np.asarray(k),
    }
    sweep = break_even(curves, points=4000)
    at_one = {name: float(curve(1.0)) for name, curve in curves.items()}
    options = [
        _option(name, "dsql" if name.startswith("dsql") else "serverless-v2", f"{usd:.2f}")
        for name, usd in at_one.items()
    ]
    verdict = _decide(options, sweep.crossovers)
    sentence = next(r for r in verdict.reasons if "today's load" in r)
    match = re.search(r"^(\S+) is cheaper below ([\d.]+)× today's load, (\S+) above it", sentence)
    assert match, sentence
    titles = {name.upper(): name for name in curves}
    below, k, above = titles[match[1]], float(match[2]), titles[match[3]]
    assert curves[below](k / 1.5) < curves[above](k / 1.5), sentence
    assert curves[above](k * 1.5) < curves[below](k * 1.5), sentence
    for line in crossover_lines({"break_even": sweep.to_dict()}):
        cheaper, k_text = re.match(r"(\S+) is cheaper below ([\d.]+)×", line).group(1, 2)  # type: ignore[union-attr]
        k = float(k_text)
        loser = next(name for name in curves if name != cheaper)
        assert curves[cheaper](k / 1.5) < curves[loser](k / 1.5), line


def test_a_pair_crossing_several_times_is_one_sentence() -> None:
    wave = {
        "a": lambda k: 10 + np.sin(np.log(np.asarray(k)) * 2),
        "b": lambda k: np.full_like(np.asarray(k), 10.0),
    }
    sweep = break_even(wave, points=4000)
    assert len(sweep.crossovers) >= 3
    lines = crossover_lines({"break_even": sweep.to_dict()})
    assert len(lines) == 1
    assert f"cross {len(sweep.crossovers)} times" in lines[0]
    assert len(re.findall(r"[\d.]+×", lines[0])) == len(sweep.crossovers)


def test_sqlstates_are_named_as_such_in_every_check_message() -> None:
    checks = yaml.safe_load((ROOT / "costmodel/data/checks.yaml").read_text(encoding="utf-8"))
    entries = checks if isinstance(checks, list) else checks.get("checks", [])
    messages = [str(c.get("message", "")) for c in entries if isinstance(c, dict)]
    assert messages
    code = re.compile(r"\((\w{5})\b")
    for message in messages:
        for match in code.finditer(message):
            if re.fullmatch(r"[0-9][0-9A-Z]{4}", match[1]):
                pytest.fail(f"SQLSTATE {match[1]} not named as such: {message}")
    assert any('(SQLSTATE 54000, "transaction row limit exceeded")' in m for m in messages)
