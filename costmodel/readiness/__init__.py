"""Readiness: DSQL compatibility (dsql-lint) and workload checks (``data/checks.yaml``), weighted.

:func:`assess_readiness` is the verb; :mod:`.checks` loads the dated checks, :mod:`.subjects` what
they look at, :mod:`.findings` builds weighted findings, :mod:`.model` holds the result types;
:mod:`.dsqllint` runs dsql-lint, :mod:`.lintcache` keeps its diagnostics per text across runs and
:mod:`.prelint` starts it early.
"""

from __future__ import annotations

from costmodel.readiness.assess import Readiness, assess_readiness

__all__ = ["Readiness", "assess_readiness"]
