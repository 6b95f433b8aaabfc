"""dsqlcost: turn a PostgreSQL workload into an Aurora DSQL and Aurora Serverless v2 bill.

The pipeline is one module per stage with plain data between them::

    ingest → Workload → classify → profiled Workload → usage (× Scenario) → pricing → compare → report

This package exposes the few public verbs; the CLI (:mod:`costmodel.cli`) and the dashboard
(package ``dashboard``) are thin front ends over them.
"""

from __future__ import annotations

__version__ = "0.1.0"

from costmodel.ingest import load_workload

__all__ = ["__version__", "load_workload"]
