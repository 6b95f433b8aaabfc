"""Which statements are one-time work: DDL, maintenance and session utility seen a few times.

pg_stat_statements cannot say whether a statement recurs; a ``CREATE EXTENSION`` run once in a
one-hour window is not 730 of them a month, and pgbench's start-up ``VACUUM``/``TRUNCATE`` are not
monthly work. Statements of those kinds seen at most ``one_off_max_calls`` times in the window are
read as one-time work: priced once (their own report section), never scaled to a month, and their
readiness findings are one-time fixes. The same kinds called more often (``SET`` per request, a
per-connection temp table) stay recurring work. Stored procedures, ``DO`` blocks, ``COPY`` and
``REFRESH`` are application work however rarely they run (a nightly job seen once in a day).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from costmodel.core.profile import StatementKind

ONE_OFF_UTILITY: frozenset[str] = frozenset(
    {
        "VacuumStmt",
        "TruncateStmt",
        "VariableSetStmt",
        "VariableShowStmt",
        "DiscardStmt",
        "ClusterStmt",
        "ReindexStmt",
        "CheckPointStmt",
        "LoadStmt",
        "AlterSystemStmt",
        "ListenStmt",
        "UnlistenStmt",
    }
)
"""Utility commands that are maintenance or session set-up (besides every DDL statement)."""


def one_off_mask(statements: pd.DataFrame, max_calls: float) -> np.ndarray:
    """True for DDL and maintenance/session utility called at most ``max_calls`` times."""
    n = len(statements)
    if "kind" not in statements or not n:
        return np.zeros(n, dtype=bool)
    kind = statements["kind"].astype(object).to_numpy()
    calls = statements["calls"].to_numpy(dtype=float)
    utility = (kind == StatementKind.UTILITY.value) & _one_off_command(statements, n)
    role = (kind == StatementKind.DDL.value) | utility
    return role & (np.nan_to_num(calls) > 0) & (np.nan_to_num(calls) <= max_calls)


def _one_off_command(statements: pd.DataFrame, n: int) -> np.ndarray:
    """True where the ``command`` label (``VacuumStmt:…``) names a one-off utility.

    Judged once per distinct label and mapped back to the rows: a million-row export holds a few
    hundred labels, and this runs for every usage computation (each range case is one).
    """
    if "command" not in statements:
        return np.zeros(n, dtype=bool)
    codes, labels = pd.factorize(statements["command"].to_numpy(dtype=object))
    hits = [str(label).split(":")[0] in ONE_OFF_UTILITY for label in labels]
    return np.append(np.asarray(hits, dtype=bool), False)[codes]  # code -1 (no command) → last: False
