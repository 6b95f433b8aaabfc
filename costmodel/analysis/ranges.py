"""Low–high monthly totals from the defaults that stand in for unknown inputs, and whether the
ranking holds across them.

A point estimate built on defaults (statements per transaction when every witness was implausible,
key spaces without row counts, row widths and index counts without catalog facts, storage, the
uncalibrated DSQL compute ratio) is false precision. Each default the run actually used is set to
each end of its plausible range (``costmodel/data/ranges.yaml``, or the model's own range), one at
a time, and every option re-priced (usage → contention → pricing; no readiness, no sweep), each
step re-run only where the varied default reaches it (:meth:`costmodel.analysis.run.Analysis._usage`:
the usage steps that read none of the varied keys, and the OCC model when only storage moves, are
the point run's; the totals equal a full re-run's, bit for bit). An
option's range is the lowest and highest total over those cases and the point estimate; the
cheapest comparable option at each end tells whether the ranking holds, or which assumption at
which end would flip it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from costmodel.contention.model import Contention
from costmodel.core.estimate import Assumption
from costmodel.core.yamlio import safe_load
from costmodel.scenario.model import Scenario
from costmodel.usage.model import Usage

RANGES_FILE = "ranges.yaml"
ONE_KEY = {
    "occ_default_key_space": 1,
    "occ_default_tenants": 1,
    "occ_default_rows_per_tenant": 1,
    "occ_hot_key_space": 1,
}
"""The high-risk end of assumed key spaces: every assumed key space is one key."""
RANGE_SOURCE = "range"
"""The source of an assumption a range case set to one end of its range."""


@dataclass(frozen=True)
class Case:
    """One default at one end of its range, and the totals it gives."""

    key: str
    value: Any
    label: str
    totals: dict[str, float]
    cheapest: str


@dataclass(frozen=True)
class Ranges:
    """Every option's low–high monthly total and what the ends do to the ranking."""

    totals: dict[str, tuple[float, float]]
    cases: tuple[Case, ...]
    cheapest: str
    flips: tuple[Case, ...]

    @property
    def holds(self) -> bool:
        """True when the cheapest comparable option is the same at every end."""
        return not self.flips

    def summary(self) -> str | None:
        """The sentence next to the verdict (None when no default was varied)."""
        if not self.cases:
            return None
        varied = ", ".join(dict.fromkeys(c.key for c in self.cases))
        if self.holds:
            return f"the ranking holds across the range of every default used ({varied}): {self.cheapest} stays cheapest"
        flips = "; ".join(f"{c.label} makes {c.cheapest} cheapest" for c in self.flips[:4])
        return f"the ranking is not settled by the measurements: {flips} (defaults varied: {varied})"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``verdict.ranges`` in the report contract)."""
        return {
            "holds": self.holds,
            "cases": [
                {"key": c.key, "value": c.value, "label": c.label, "cheapest": c.cheapest, "totals": c.totals}
                for c in self.cases
            ],
        }


def _spec() -> dict[str, Any]:
    text = (resources.files("costmodel") / "data" / RANGES_FILE).read_text(encoding="utf-8")
    data = safe_load(text)
    return data if isinstance(data, dict) else {}


def _defaults_used(assumptions: Sequence[Assumption]) -> set[str]:
    return {a.key for a in assumptions if a.source == "default"}


def range_cases(
    scenario: Scenario, usage: Usage, contention: Contention, assumptions: Sequence[Assumption]
) -> list[tuple[str, Any, str, Scenario]]:
    """(key, value, label, scenario variant) for each end of each default the run used."""
    used = _defaults_used(assumptions)
    out: list[tuple[str, Any, str, Scenario]] = []

    def assume(key: str, values: Mapping[str, Any], label: str, value: Any) -> None:
        merged = {**scenario.assumptions, **values}
        sources = {**scenario.assumption_sources, **{k: RANGE_SOURCE for k in values}}
        out.append((key, value, label, replace(scenario, assumptions=merged, assumption_sources=sources)))

    txn = usage.txn
    if scenario.statements_per_txn is None and txn is not None and txn.witness == "fallback":
        for end in sorted({txn.low, txn.high}):
            label = f"statements_per_txn = {end:g}"
            out.append(("statements_per_txn", end, label, replace(scenario, statements_per_txn=end)))
    if contention.assumed_key_spaces:
        assume("occ key spaces", ONE_KEY, "every assumed OCC key space at one key", 1)
    for key, spec in _spec().items():
        if key == "storage_gb":
            if scenario.storage.gb is None and usage.storage_source.startswith("default"):
                for end in (spec["low"], spec["high"]):
                    variant = replace(scenario, storage=replace(scenario.storage, gb=float(end)))
                    out.append((key, end, f"storage_gb = {end:g}", variant))
            continue
        if key in used and key not in scenario.assumptions:
            for end in (spec["low"], spec["high"]):
                assume(key, {key: end}, f"{key} = {end:g}", end)
    return out


def price_ranges(
    point: Mapping[str, float],
    comparable: Sequence[str],
    cases: Sequence[tuple[str, Any, str, Scenario]],
    price: Callable[[Scenario], Mapping[str, float]],
) -> Ranges:
    """Re-price every case with ``price`` (scenario → option totals) and collect the ranges."""
    pool = [n for n in comparable if n in point] or list(point)

    def cheapest(totals: Mapping[str, float]) -> str:
        return min(pool, key=lambda n: totals.get(n, float("inf")))

    base = cheapest(point)
    lows, highs = dict(point), dict(point)
    done: list[Case] = []
    for key, value, label, variant in cases:
        totals = {n: float(v) for n, v in price(variant).items()}
        for name, total in totals.items():
            if name in lows:
                lows[name] = min(lows[name], total)
                highs[name] = max(highs[name], total)
        done.append(Case(key, value, label, totals, cheapest(totals)))
    return Ranges(
        totals={n: (lows[n], highs[n]) for n in point},
        cases=tuple(done),
        cheapest=base,
        flips=tuple(c for c in done if c.cheapest != base),
    )
