"""Decision stage: walk the architect's tree from the workload and the stated requirements.

Reads pricing results, the OCC model and readiness findings; the analysis calls it after the
verdict and cites its branch there; the report shows it. Public verbs: :func:`walk` (the tree
and every option's data locations) and :func:`check_residency` (refuse regions outside
``requirements.residency`` before anything is priced). See ``docs/decision.md``.
"""

from __future__ import annotations

from costmodel.decision.locations import check_residency
from costmodel.decision.model import Decision
from costmodel.decision.tree import TreeInputs
from costmodel.decision.walk import walk

__all__ = ["Decision", "TreeInputs", "check_residency", "walk"]
