"""Monitoring and exporter statements: the observer's own work, set apart from the workload.

An export of pg_stat_statements also records the statements that watched the server: the export
itself (``SELECT … FROM pg_stat_statements``, a ``CREATE TEMP TABLE … AS SELECT … FROM
pg_stat_statements`` followed by ``COPY`` of that table), statistics resets
(``pg_stat_statements_reset()``, ``pg_stat_reset()``) and monitoring agents reading the catalog
(``pg_stat_activity``, ``pg_locks``, ``information_schema``). They would not move to DSQL with the
application, yet priced and linted they add cost and readiness "blockers" (DSQL has no
pg_stat_statements). They are recognised from the text alone (cheap, and before classification)
and left out by default; ``--include-monitoring`` keeps them.

Rules, on the text with comments removed and lower-cased:

1. it names ``pg_stat_statements`` (the view, ``_info`` or ``_reset``) or calls a
   ``pg_stat_reset*`` function;
2. it reads only catalog relations: every relation after ``FROM``/``JOIN`` is ``pg_*``,
   ``pg_catalog.*`` or ``information_schema.*`` (a statement without ``FROM`` is not counted:
   ``SELECT 1`` is often the application's own health check);
3. it creates a table from rule 1 or 2 (the exporter's temp table), or reads, copies or drops a
   table that such a statement created in the same export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from costmodel.core.workload import Workload

_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_PGSS = re.compile(r"\bpg_stat_statements(_info|_reset)?\b|\bpg_stat_reset\w*\s*\(")
_RELATION = r'((?:"?[a-z_][\w$]*"?\s*\.\s*)?"?[a-z_][\w$]*"?)'
_FROM = re.compile(r"\b(?:from|join)\s+(?!\()" + _RELATION)
_CATALOG = re.compile(r'^"?(pg_catalog"?\s*\.|information_schema"?\s*\.|pg_)')
_READS = re.compile(r"^\s*(select|with|table|show)\b")
_CREATE_AS = re.compile(
    r"^\s*create\s+(?:(?:global|local)\s+)?(?:temp|temporary|unlogged)?\s*table\s+"
    r"(?:if\s+not\s+exists\s+)?" + _RELATION + r".*?\bas\b",
    re.S,
)
_USES = re.compile(r"^\s*(?:copy|drop\s+table(?:\s+if\s+exists)?|truncate|select|table|insert\s+into)\b")


def _clean(text: str) -> str:
    return _COMMENTS.sub(" ", text).lower()


def _bare(name: str) -> str:
    return re.sub(r'[\s"]', "", name)


def _catalog_only(text: str) -> bool:
    if not _READS.match(text):
        return False
    relations = [_bare(m) for m in _FROM.findall(text)]
    relations = [r for r in relations if r not in ("lateral", "only")]
    return bool(relations) and all(_CATALOG.match(r) for r in relations)


def _is_monitoring(text: str) -> bool:
    return bool(_PGSS.search(text)) or _catalog_only(text)


def _mentions(text: str, tables: set[str]) -> bool:
    if not _USES.match(text):
        return False
    words = {
        _bare(w).split(".")[-1] for w in re.findall(r'"?[a-z_][\w$]*"?(?:\s*\.\s*"?[a-z_][\w$]*"?)?', text)
    }
    return bool(words & tables)


def monitoring_mask(queries: Iterable[str | None]) -> np.ndarray:
    """True for each text that is a monitoring or exporter statement (rules in the module doc)."""
    texts = pd.Series(list(queries), dtype=object)
    # one verdict per distinct value, taken for every row (a million rows repeat ~50,000 texts)
    codes, uniques = pd.factorize(texts.to_numpy(dtype=object), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=object).astype(str).unique()
    # Rules 1 and 2 need "pg_" or "information_schema" in the text (every pattern they match holds
    # one, and removing comments cannot make one): most texts are settled without the regexes.
    cleaned = {t: _clean(t) for t in distinct if "pg_" in (low := t.lower()) or "information_schema" in low}
    verdict = dict.fromkeys(distinct, False)
    verdict.update((t, _is_monitoring(c)) for t, c in cleaned.items())
    exporter_tables: set[str] = set()
    for text, clean in cleaned.items():
        created = _CREATE_AS.match(clean) if verdict[text] else None
        if created:
            exporter_tables.add(_bare(created.group(1)).split(".")[-1])
    if exporter_tables:  # rule 3 reads every text
        for text in distinct:
            if not verdict[text] and _mentions(cleaned.get(text) or _clean(text), exporter_tables):
                verdict[text] = True
    per_value = [bool(verdict.get(t, False)) if isinstance(t, str) else False for t in uniques]
    return np.array([*per_value, False], dtype=bool)[codes]  # code -1 (NULL) takes the last slot


def describe(queries: Iterable[str], limit: int = 3) -> str:
    """The first few monitoring texts, shortened, for the warning that names them."""
    shown = []
    for text in queries:
        one = " ".join(str(text).split())
        shown.append(one if len(one) <= 60 else one[:57] + "…")
        if len(shown) == limit:
            break
    return "; ".join(shown)


EXCLUDED_MONITORING = "monitoring and exporter statements (--include-monitoring keeps them)"


def set_apart_monitoring(workload: Workload) -> Workload:
    """``workload`` without its monitoring statements, counted in ``excluded`` and named in a warning."""
    frame = workload.statements
    if frame.empty:
        return workload
    mask = monitoring_mask(frame["query"])
    if not mask.any():
        return workload
    gone = frame[mask]
    calls = float(gone["calls"].fillna(0).sum())
    share = calls / float(frame["calls"].fillna(0).sum() or 1.0)
    warning = (
        f"{int(mask.sum())} monitoring/exporter statements ({calls:,.0f} calls, {share:.1%} of calls) are set "
        f"apart and not priced: {describe(gone['query'])}; --include-monitoring keeps them"
    )
    excluded = dict(workload.excluded)
    excluded[EXCLUDED_MONITORING] = excluded.get(EXCLUDED_MONITORING, 0) + int(mask.sum())
    return replace(
        workload,
        statements=frame[~mask].reset_index(drop=True),
        excluded=excluded,
        warnings=(*workload.warnings, warning),
    )
