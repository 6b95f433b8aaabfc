"""dsqlcost: turn a PostgreSQL workload into an Aurora DSQL and Aurora Serverless v2 bill.

The pipeline is one package per stage with plain data between them (``ls costmodel`` reads as the
pipeline)::

    ingest → Workload → classify → profiled Workload → usage (× scenario) → pricing → compare
           → readiness, contention → analysis → report

``core`` is the shared vocabulary and imports no stage. This package exposes the public verbs,
imported on first use so that ``import costmodel.core.errors`` stays cheap (classification's verb
is ``costmodel.classify.frame.classify``: the stage package holds the name ``classify`` here); the CLI
(:mod:`costmodel.cli`) and the dashboard (package ``dashboard``) are thin front ends over them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_VERBS = {
    "load_workload": "costmodel.ingest.load",
    "load_scenario": "costmodel.scenario.model",
    "analyse": "costmodel.analysis.run",
    "build_report": "costmodel.report.model",
    "render": "costmodel.report",
}

__all__ = ["__version__", *_VERBS]


def __getattr__(name: str) -> Any:
    module = _VERBS.get(name)
    if module is None:
        raise AttributeError(f"module 'costmodel' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
