"""Named assumptions: every number that is not measured has a key, a unit, a default and a meaning.

Defaults live in ``costmodel/data/assumptions/*.yaml`` (one file per stage, so stages can add
keys independently). Each entry::

    row_width_bytes:
      default: 100
      unit: bytes
      description: Average row width when the bundle has no catalog facts for a table.
      source_url: https://…   # optional: where the default comes from

:func:`defaults` loads them (``yaml.safe_load``); :class:`AssumptionSet` resolves a key against
overrides (scenario, CLI, calibration, measured) and records which source won, so reports can
print every assumption used with its origin.

Stages return what they used rather than writing into one shared set: a stage resolves through
its own :meth:`AssumptionSet.scoped` set (same overrides, nothing recorded yet) and puts
``scope.used()`` in its result; :mod:`costmodel.analysis` joins the stages' lists with
:func:`merge_used` in the order the stages ran.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from costmodel.core.errors import ScenarioError
from costmodel.core.estimate import Assumption
from costmodel.core.yamlio import safe_load


@dataclass(frozen=True)
class AssumptionSpec:
    """The declared form of an assumption: key, default, unit, meaning."""

    key: str
    default: Any
    unit: str
    description: str
    source_url: str = ""


@lru_cache(maxsize=1)
def defaults() -> dict[str, AssumptionSpec]:
    """All declared assumptions from ``costmodel/data/assumptions/*.yaml``, by key."""
    specs: dict[str, AssumptionSpec] = {}
    folder = resources.files("costmodel") / "data" / "assumptions"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = safe_load(entry.read_text(encoding="utf-8")) or {}
        for key, spec in data.items():
            if key in specs:
                raise ScenarioError(f"assumption {key!r} is declared twice", file=entry.name)
            specs[key] = AssumptionSpec(
                key=key,
                default=spec["default"],
                unit=str(spec["unit"]),
                description=str(spec["description"]),
                source_url=str(spec.get("source_url", "")),
            )
    return specs


class AssumptionSet:
    """Resolves assumption values and remembers which were used and where they came from."""

    def __init__(self, overrides: dict[str, tuple[Any, str]] | None = None) -> None:
        """``overrides`` maps key → (value, source); unknown keys are an error."""
        self._specs = defaults()
        self._overrides: dict[str, tuple[Any, str]] = {}
        self._used: dict[str, Assumption] = {}
        for key, (value, source) in (overrides or {}).items():
            self.set(key, value, source)

    def set(self, key: str, value: Any, source: str) -> None:
        """Override ``key`` with ``value`` from ``source`` (scenario, argument, measured, calibration)."""
        if key not in self._specs:
            raise ScenarioError(
                f"unknown assumption {key!r}", hint="see `dsqlcost report --help-assumptions`"
            )
        self._overrides[key] = (value, source)

    def get(self, key: str) -> Any:
        """The value of ``key`` (override or default), recorded as used."""
        spec = self._specs[key]
        value, source = self._overrides.get(key, (spec.default, "default"))
        self._used[key] = Assumption(key, value, spec.unit, source, spec.description)
        return value

    def peek(self, key: str) -> tuple[Any, str]:
        """``(value, source)`` that :meth:`get` would give, without recording it as used."""
        return self._overrides.get(key, (self._specs[key].default, "default"))

    def read_keys(self) -> tuple[str, ...]:
        """The declared keys read (or recorded) so far: what the steps that ran depend on."""
        return tuple(k for k in sorted(self._used) if k in self._specs)

    def adopt_records(self, other: AssumptionSet) -> None:
        """Take ``other``'s records in place of this set's: what steps that ran on ``other`` read
        and recorded, when they would read and record the same here (the caller checked that
        every key in ``other.read_keys()`` resolves here as it does there)."""
        self._used = dict(other._used)

    def record(self, key: str, value: Any, unit: str, source: str, description: str) -> None:
        """Record an assumption that is not a declared key (e.g. a per-table measured row width)."""
        self._used[key] = Assumption(key, value, unit, source, description)

    def copy(self) -> AssumptionSet:
        """An independent copy (overrides and records), sharing the immutable declarations."""
        clone = AssumptionSet.__new__(AssumptionSet)
        clone._specs = self._specs
        clone._overrides = dict(self._overrides)
        clone._used = dict(self._used)
        return clone

    def scoped(self) -> AssumptionSet:
        """A set with the same overrides that has recorded nothing yet: one stage's own record.

        What the stage reads or records lands here, not in this set; the stage returns
        ``scope.used()`` with its result.
        """
        clone = AssumptionSet.__new__(AssumptionSet)
        clone._specs = self._specs
        clone._overrides = dict(self._overrides)
        clone._used = {}
        return clone

    def used(self) -> tuple[Assumption, ...]:
        """Every assumption read so far, sorted by key."""
        return tuple(self._used[k] for k in sorted(self._used))


def merge_used(*groups: Iterable[Assumption]) -> tuple[Assumption, ...]:
    """Several stages' assumptions as one list sorted by key.

    Give the groups in the order the stages ran: where two used the same key, the later entry
    wins, as it would have in one shared set (a measured value recorded over a default read).
    """
    merged: dict[str, Assumption] = {}
    for group in groups:
        for assumption in group:
            merged[assumption.key] = assumption
    return tuple(merged[k] for k in sorted(merged))
