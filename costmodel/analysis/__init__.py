"""Analysis: the orchestration stage, the only package that knows every other stage.

:class:`.run.Analysis` prices one workload under scenarios (usage, DSQL and Serverless v2 options,
contention, readiness, verdict, break-even); :mod:`.fleet` does the same for many clusters;
:mod:`.statements` builds the per-statement table the reports share.
"""

from __future__ import annotations

from costmodel.analysis.run import Analysis, RunResult, analyse

__all__ = ["Analysis", "RunResult", "analyse"]
