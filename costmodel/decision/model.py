"""The decision section's plain data: questions walked, the outcome, where each option keeps data.

Frozen dataclasses with a ``to_dict`` each, so the report model turns them into the JSON contract
(``decision.questions``, ``decision.outcome``, ``options[].data_locations``) without knowing how
the tree was walked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    """Where a question's answer came from."""

    REQUIREMENT = "stated requirement"
    """A ``requirements.*`` scenario key the user set."""
    NOT_STATED = "not stated"
    """The requirement is unknown: both branches are shown with their costs."""
    MODEL = "model figure"
    """A number the tool computed from the workload (OCC model, commit latency)."""
    FINDING = "finding"
    """Readiness findings weighted by the workload."""
    FACT = "documented fact"
    """A published figure from ``costmodel/data/decision_facts.yaml``."""


class Path(StrEnum):
    """The leaves of the tree ("When DSQL outperforms Global Database")."""

    DSQL = "Aurora DSQL"
    """Active-active, low conflicts, standard SQL: DSQL is strongly recommended."""
    SV2_GLOBAL = "Aurora Serverless v2 + Global Database"
    """One writer region is enough (or minutes of RPO are acceptable): simpler, lower risk."""
    REDESIGN = "Redesign the hot spots, or Global Database with async replication"
    """Active-active needed but the workload conflicts: OCC would retry too often."""
    REFACTOR = "Refactor the application or wait for the DSQL roadmap"
    """Active-active needed but the workload relies on features DSQL lacks."""
    DEPENDS = "Depends on unstated requirements"
    """A requirement that decides the path is unknown: both branches are listed with their costs."""


@dataclass(frozen=True)
class Branch:
    """One way a question can go, with the option it leads to and that option's monthly cost."""

    label: str
    path: str
    option: str | None
    monthly_usd: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "label": self.label,
            "path": self.path,
            "option": self.option,
            "monthly_usd": self.monthly_usd,
        }


@dataclass(frozen=True)
class Question:
    """One node of the tree: the answer, where it came from, and the branch it leads to."""

    key: str
    question: str
    answer: str
    source: Source
    basis: str
    """What exactly the answer rests on (the key, the model figure with its range, fact sources)."""
    branch: str
    alternatives: tuple[Branch, ...] = ()
    """Both branches with their costs, when the answer is not stated."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``decision.questions[]``)."""
        return {
            "key": self.key,
            "question": self.question,
            "answer": self.answer,
            "source": f"{self.source.value}: {self.basis}",
            "source_kind": self.source.value,
            "branch": self.branch,
            "alternatives": [b.to_dict() for b in self.alternatives],
        }


@dataclass(frozen=True)
class Outcome:
    """Where the walk ends: a path, the option that implements it, its cost, and what it hinges on."""

    path: str
    option: str | None
    monthly_usd: float | None
    summary: str
    conditional_on: tuple[str, ...] = ()
    """Unstated requirement keys the outcome depends on."""
    alternatives: tuple[Branch, ...] = ()
    conflicts: tuple[str, ...] = ()
    """Stated requirements the path cannot meet (e.g. RPO 0 without active-active)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``decision.outcome``)."""
        return {
            "path": self.path,
            "option": self.option,
            "monthly_usd": self.monthly_usd,
            "summary": self.summary,
            "conditional_on": list(self.conditional_on),
            "alternatives": [b.to_dict() for b in self.alternatives],
            "conflicts": list(self.conflicts),
        }


@dataclass(frozen=True)
class DataLocation:
    """A region that holds a copy of (part of) the data for one option."""

    region: str
    zone: str
    holds: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``options[].data_locations[]``)."""
        return {"region": self.region, "zone": self.zone, "holds": self.holds}


@dataclass(frozen=True)
class Residency:
    """The residency requirement against the plan's regions."""

    requirement: tuple[str, ...]
    allowed: tuple[str, ...]
    zones: tuple[str, ...]
    """Geographic zones the priced options keep data in."""
    flags: tuple[str, ...] = ()
    """Warnings shown next to the verdict (plan spans zones with no requirement; implicit regions outside)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``decision.residency``)."""
        return {
            "requirement": list(self.requirement),
            "allowed_regions": list(self.allowed),
            "zones": list(self.zones),
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class Decision:
    """The walked tree, its outcome and every option's data locations."""

    questions: tuple[Question, ...]
    outcome: Outcome
    data_locations: dict[str, tuple[DataLocation, ...]]
    residency: Residency
    facts: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def chain(self) -> str:
        """The walk in one line: ``question → branch`` joined by ``;``."""
        return "; ".join(f"{q.question} {q.answer} → {q.branch}" for q in self.questions)

    def verdict_reason(self) -> str:
        """The sentence the verdict cites: the outcome (with costs) and the answers that led there."""
        answers = "; ".join(f"{q.key.replace('_', ' ')}: {q.answer.split(' (')[0]}" for q in self.questions)
        return f"decision tree → {self.outcome.summary} [{answers}]"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (report contract ``decision``)."""
        return {
            "questions": [q.to_dict() for q in self.questions],
            "outcome": self.outcome.to_dict(),
            "residency": self.residency.to_dict(),
            "facts": list(self.facts),
            "notes": list(self.notes),
        }
