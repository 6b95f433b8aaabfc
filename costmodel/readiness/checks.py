"""The readiness checks as data: load ``costmodel/data/checks.yaml`` and evaluate it on statements.

Why data: DSQL support changes month by month (foreign keys arrived 2026-08-26), so each check is a
dated record (since/until, source URL, message, remediation, effort) a reviewer can update without
reading Python. A check marks statements by *conditions* over one plain table, the **subjects**
(one row per statement text, workload or schema), with these columns:

``text`` (str), ``features`` (frozenset of :class:`~costmodel.core.profile.Feature` values),
``lock_strength``, ``lock_wait``, ``parse_status``, ``command`` (str or None), ``lint_rules``
(frozenset of dsql-lint rule ids), and one float column per metric in :data:`METRICS` (NaN when
unknown, e.g. for schema statements).

:func:`prepare` turns that table into plain arrays once; :func:`evaluate` returns, per check, a
boolean mask (numpy) per *source* (``dsql-lint`` for lint-rule
conditions, ``classification`` for features, locks, commands, patterns and parse status,
``workload`` for counter metrics), so a finding can say where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from costmodel.core.assumptions import AssumptionSet
from costmodel.core.errors import CostModelError
from costmodel.core.profile import Feature, LockStrength, LockWait, ParseStatus
from costmodel.core.yamlio import safe_load
from costmodel.readiness.textsearch import searcher

CHECKS_FILE = "checks.yaml"


class Severity(StrEnum):
    """How much a finding stands in the way of a migration (ordered: blocker is worst)."""

    BLOCKER = "blocker"
    """DSQL rejects the statement or the statement fails there."""
    WARNING = "warning"
    """Works, but behaves differently or close to a limit: verify before migrating."""
    INFO = "info"
    """Worth knowing; no change needed."""

    @property
    def rank(self) -> int:
        """0 for blocker, 1 for warning, 2 for info (sort key: worst first)."""
        return (Severity.BLOCKER, Severity.WARNING, Severity.INFO).index(self)


class FindingSource(StrEnum):
    """Where a finding comes from."""

    DSQL_LINT = "dsql-lint"
    """A dsql-lint diagnostic (syntax the AWS linter knows DSQL rejects)."""
    CLASSIFICATION = "classification"
    """The pglast classification of the statement text (features, locking, parse status)."""
    WORKLOAD = "workload"
    """pg_stat_statements counters against DSQL quotas."""
    TOOL = "readiness"
    """The readiness run itself (e.g. a check that could not run)."""


METRICS: tuple[str, ...] = (
    "rows_written_per_call",
    "write_bytes_per_call",
    "mean_exec_seconds",
    "max_exec_seconds",
    "temp_bytes_per_call",
    "local_blocks_per_call",
)
"""Per-statement metrics a ``metric`` condition can compare with a quota."""

MIB = 1024.0 * 1024.0


def format_metric(metric: str, value: float) -> str:
    """A metric value for people: ``21,599 rows``, ``5.3 MiB``, ``350 s``, ``5,109 blocks``."""
    if metric.endswith("bytes_per_call"):
        return f"{value / MIB:,.3g} MiB"
    if metric.endswith("seconds"):
        return f"{value:,.4g} s"
    if metric == "local_blocks_per_call":
        return f"{value:,.0f} blocks"
    return f"{value:,.0f} rows"


_CONDITION_KINDS = (
    "feature",
    "lint_rule",
    "lock_strength",
    "lock_wait",
    "parse_status",
    "command",
    "pattern",
)
_VALUES: dict[str, frozenset[str]] = {
    "feature": frozenset(f.value for f in Feature),
    "lock_strength": frozenset(v.value for v in LockStrength),
    "lock_wait": frozenset(v.value for v in LockWait),
    "parse_status": frozenset(v.value for v in ParseStatus),
}
_CHECK_KEYS = frozenset(
    {
        "id", "title", "severity", "since", "until", "source_url", "message", "remediation", "effort",
        "fixable", "escalate", "excludes", "when", "except_pattern", "computed",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Quota:
    """A DSQL quota a metric is compared with."""

    id: str
    value: float
    unit: str
    description: str
    source_url: str


@dataclass(frozen=True)
class Condition:
    """One way a check marks a statement (see the header of checks.yaml)."""

    kind: str
    value: str
    quota: str | None = None
    fraction_key: str | None = None
    threshold: float | None = None

    @property
    def source(self) -> FindingSource:
        """The finding source this condition stands for."""
        if self.kind == "lint_rule":
            return FindingSource.DSQL_LINT
        if self.kind == "metric":
            return FindingSource.WORKLOAD
        return FindingSource.CLASSIFICATION


@dataclass(frozen=True)
class Check:
    """One dated readiness check."""

    id: str
    title: str
    severity: Severity
    since: date
    until: date | None
    source_url: str
    message: str
    remediation: str
    effort: str
    fixable: bool | None
    """True/False as declared; None = fixable when dsql-lint can fix every touched statement."""
    when: tuple[Condition, ...] = ()
    excludes: tuple[str, ...] = ()
    escalate: tuple[str, Severity] | None = None
    """(assumption key of a share of calls, severity to raise to above it)."""
    except_pattern: re.Pattern[str] | None = None
    computed: bool = False

    def applies(self, as_of: date) -> bool:
        """True when the check is in force on ``as_of`` (since <= as_of < until)."""
        return self.since <= as_of and (self.until is None or as_of < self.until)

    @property
    def lint_rules(self) -> tuple[str, ...]:
        """The dsql-lint rule ids (or prefixes ending in ``*``) this check covers."""
        return tuple(c.value for c in self.when if c.kind == "lint_rule")

    def covers_rule(self, rule: str) -> bool:
        """True when dsql-lint rule ``rule`` belongs to this check."""
        return any(_rule_matches(pattern, rule) for pattern in self.lint_rules)


@dataclass(frozen=True)
class LintRuleSpec:
    """How a dsql-lint rule is treated beyond its check: superseded, or not applicable to pgss texts."""

    rule: str
    superseded_by: str | None = None
    workload: bool = True


@dataclass(frozen=True)
class CheckCatalog:
    """Everything checks.yaml declares."""

    dsql_as_of: date
    """Newest DSQL change these checks encode: the default "DSQL as of" date."""
    first_available: date
    quotas: dict[str, Quota]
    checks: tuple[Check, ...]
    lint_rules: dict[str, LintRuleSpec]

    def check(self, check_id: str) -> Check:
        """The check with this id (KeyError when unknown)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def check_for_rule(self, rule: str, as_of: date) -> Check | None:
        """The check in force on ``as_of`` that covers dsql-lint rule ``rule``, if any."""
        for check in self.checks:
            if check.applies(as_of) and check.covers_rule(rule):
                return check
        return None


def _rule_matches(pattern: str, rule: str) -> bool:
    return rule.startswith(pattern[:-1]) if pattern.endswith("*") else rule == pattern


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CostModelError(f"{where}: {value!r} is not an ISO date", file=CHECKS_FILE) from exc


def _condition(raw: dict[str, Any], where: str, quotas: dict[str, Quota]) -> Condition:
    if "metric" in raw:
        metric = str(raw["metric"])
        above = raw.get("above") or {}
        if metric not in METRICS:
            raise CostModelError(
                f"{where}: unknown metric {metric!r}", file=CHECKS_FILE, hint=f"one of {METRICS}"
            )
        quota = above.get("quota")
        if quota is not None and quota not in quotas:
            raise CostModelError(f"{where}: unknown quota {quota!r}", file=CHECKS_FILE)
        if quota is None and "value" not in above:
            raise CostModelError(
                f"{where}: metric condition needs above.quota or above.value", file=CHECKS_FILE
            )
        return Condition(
            "metric",
            metric,
            quota=quota,
            fraction_key=above.get("fraction"),
            threshold=float(above["value"]) if "value" in above else None,
        )
    if len(raw) != 1 or next(iter(raw)) not in _CONDITION_KINDS:
        raise CostModelError(
            f"{where}: a condition is one of {', '.join(_CONDITION_KINDS)} or metric", file=CHECKS_FILE
        )
    kind, value = next(iter(raw.items()))
    value = str(value)
    if kind in _VALUES and value not in _VALUES[kind]:
        raise CostModelError(
            f"{where}: unknown {kind} {value!r}", file=CHECKS_FILE, hint="see costmodel/profile.py"
        )
    if kind == "pattern":
        re.compile(value)
    return Condition(kind, value)


def _check(raw: dict[str, Any], quotas: dict[str, Quota]) -> Check:
    check_id = str(raw.get("id", "?"))
    where = f"check {check_id!r}"
    unknown = set(raw) - _CHECK_KEYS
    if unknown:
        raise CostModelError(f"{where}: unknown keys {sorted(unknown)}", file=CHECKS_FILE)
    escalate = raw.get("escalate")
    return Check(
        id=check_id,
        title=str(raw["title"]),
        severity=Severity(raw["severity"]),
        since=_date(raw["since"], where),
        until=_date(raw["until"], where) if raw.get("until") else None,
        source_url=str(raw["source_url"]),
        message=" ".join(str(raw["message"]).split()),
        remediation=" ".join(str(raw["remediation"]).split()),
        effort=str(raw["effort"]),
        fixable=raw.get("fixable"),
        when=tuple(_condition(c, where, quotas) for c in raw.get("when") or ()),
        excludes=tuple(raw.get("excludes") or ()),
        escalate=(str(escalate["share_of_calls_above"]), Severity(escalate["severity"]))
        if escalate
        else None,
        except_pattern=re.compile(raw["except_pattern"], re.IGNORECASE)
        if raw.get("except_pattern")
        else None,
        computed=bool(raw.get("computed", False)),
    )


@lru_cache(maxsize=1)
def load_checks() -> CheckCatalog:
    """Read and validate ``costmodel/data/checks.yaml`` (cached)."""
    text = (resources.files("costmodel") / "data" / CHECKS_FILE).read_text(encoding="utf-8")
    data = safe_load(text)
    quotas = {
        key: Quota(key, float(q["value"]), str(q["unit"]), str(q["description"]), str(q["source_url"]))
        for key, q in data["quotas"].items()
    }
    checks = tuple(_check(raw, quotas) for raw in data["checks"])
    ids = [c.id for c in checks]
    if len(ids) != len(set(ids)):
        raise CostModelError("duplicate check ids", file=CHECKS_FILE)
    for check in checks:
        for other in check.excludes:
            if other not in ids:
                raise CostModelError(f"check {check.id!r} excludes unknown check {other!r}", file=CHECKS_FILE)
    lint_rules = {
        rule: LintRuleSpec(rule, spec.get("superseded_by"), bool(spec.get("workload", True)))
        for rule, spec in (data.get("lint_rules") or {}).items()
    }
    return CheckCatalog(
        dsql_as_of=_date(data["dsql_as_of"], "dsql_as_of"),
        first_available=_date(data["dsql_first_available"], "dsql_first_available"),
        quotas=quotas,
        checks=checks,
        lint_rules=lint_rules,
    )


def threshold(condition: Condition, catalog: CheckCatalog, assumptions: AssumptionSet) -> float:
    """The value a metric must exceed: a quota (times a near-limit fraction) or a fixed value."""
    if condition.threshold is not None:
        return condition.threshold
    assert condition.quota is not None
    value = catalog.quotas[condition.quota].value
    if condition.fraction_key:
        value *= float(assumptions.get(condition.fraction_key))
    return value


_OBJECT_VALUES = ("lock_strength", "lock_wait", "parse_status", "command")
"""Subject columns of plain values (as opposed to sets or metrics)."""


@dataclass(frozen=True)
class Subjects:
    """A subject table prepared for fast evaluation (plain lists and numpy arrays, no pandas).

    Checks are many and subject tables often small, so per-condition pandas overhead would
    dominate; :func:`prepare` converts once and every condition is a numpy or list operation.
    """

    n: int
    text: list[str | None]
    features: list[frozenset[str]]
    lint_rules: list[frozenset[str]]
    values: dict[str, np.ndarray]
    """Object arrays for lock_strength, lock_wait, parse_status, command; float arrays for metrics."""
    all_rules: frozenset[str] = frozenset()
    """Every dsql-lint rule reported for any subject (most conditions match none: skip them fast)."""
    factors: dict[str, tuple[np.ndarray, list[Any]]] = field(default_factory=dict)
    """Per column (text, features, lint_rules, and the object values): codes and distinct values, so a
    condition on text or profile is evaluated once per distinct value, not once per statement (a fleet
    repeats the same texts across thousands of rows)."""
    rows: np.ndarray | None = None
    """Set by :func:`prepare_coded`: subject position of every row. Then ``text``, ``features``,
    ``lint_rules`` and the factor codes are per *subject* (one per distinct text) and row ``i`` reads
    subject ``rows[i]``; ``values`` stay per row. A million-row export has ~50,000 distinct texts, so
    the text and profile columns are never expanded to a million Python objects."""

    def lift(self, name: str, test: Callable[[Any], bool]) -> np.ndarray:
        """``test`` applied to every row of column ``name``, computed once per distinct value."""
        codes, uniques = self.factors[name]
        if not len(uniques):
            return np.zeros(self.n, dtype=bool)
        per_value = np.fromiter((bool(test(u)) for u in uniques), dtype=bool, count=len(uniques))
        per_subject = per_value[codes]
        return per_subject if self.rows is None else per_subject[self.rows]


def prepare(subjects: pd.DataFrame) -> Subjects:
    """Convert a subject table (see the module docstring) for :func:`evaluate`."""
    values: dict[str, np.ndarray] = {}
    for name in _OBJECT_VALUES:
        values[name] = (
            subjects[name].astype(object).to_numpy()
            if name in subjects.columns
            else np.full(len(subjects), None)
        )
    for name in METRICS:
        if name in subjects.columns:
            values[name] = pd.to_numeric(subjects[name], errors="coerce").to_numpy(dtype=float)
        else:
            values[name] = np.full(len(subjects), np.nan)
    lint_rules = list(subjects["lint_rules"])
    text = [t if isinstance(t, str) else None for t in subjects["text"]]
    features = list(subjects["features"])
    columns: dict[str, Sequence[Any] | np.ndarray] = {
        "text": text,
        "features": features,
        "lint_rules": lint_rules,
    }
    columns.update({name: values[name] for name in _OBJECT_VALUES})
    factors = {}
    for name, column in columns.items():
        codes, uniques = pd.factorize(pd.Series(list(column), dtype=object), use_na_sentinel=False)
        factors[name] = (np.asarray(codes), list(uniques))
    return Subjects(
        n=len(subjects),
        text=text,
        features=features,
        lint_rules=lint_rules,
        values=values,
        all_rules=frozenset().union(*lint_rules),
        factors=factors,
    )


def prepare_coded(distinct: pd.DataFrame, rows: np.ndarray, metrics: pd.DataFrame | None) -> Subjects:
    """Subjects for many rows that share few texts: ``distinct`` is the subject table of the distinct
    texts (without metrics), ``rows`` the subject position of each row and ``metrics`` the per-row
    metric columns (:data:`METRICS`, aligned with ``rows``; None: all unknown).

    Evaluates exactly like :func:`prepare` on the expanded table ``distinct.iloc[rows]`` joined with
    ``metrics``, without building it.
    """
    base = prepare(distinct)
    n = len(rows)
    used = np.bincount(rows, minlength=base.n) > 0 if n else np.zeros(base.n, dtype=bool)
    values = {name: base.values[name][rows] for name in _OBJECT_VALUES}
    for name in METRICS:
        if metrics is not None and name in metrics.columns:
            values[name] = pd.to_numeric(metrics[name], errors="coerce").to_numpy(dtype=float)
        else:
            values[name] = np.full(n, np.nan)
    return Subjects(
        n=n,
        text=base.text,
        features=base.features,
        lint_rules=base.lint_rules,
        values=values,
        all_rules=frozenset().union(*(base.lint_rules[i] for i in np.flatnonzero(used))),
        factors=base.factors,
        rows=np.asarray(rows, dtype=np.intp),
    )


def evaluate(
    check: Check, subjects: Subjects, catalog: CheckCatalog, assumptions: AssumptionSet
) -> dict[FindingSource, np.ndarray]:
    """Boolean masks over ``subjects``, one per source that marked at least one statement."""
    masks: dict[FindingSource, np.ndarray] = {}
    if subjects.n == 0:
        return masks
    excluded = _search(subjects, check.except_pattern) if check.except_pattern is not None else None
    for cond in check.when:
        mask = _mask(cond, subjects, catalog, assumptions)
        if excluded is not None:
            mask &= ~excluded
        if mask.any():
            source = cond.source
            masks[source] = masks[source] | mask if source in masks else mask
    return masks


def _mask(
    cond: Condition, subjects: Subjects, catalog: CheckCatalog, assumptions: AssumptionSet
) -> np.ndarray:
    kind, value, n = cond.kind, cond.value, subjects.n
    if kind == "feature":
        return subjects.lift("features", lambda fs: value in fs)
    if kind == "lint_rule":
        if not any(_rule_matches(value, r) for r in subjects.all_rules):
            return np.zeros(n, dtype=bool)
        if not value.endswith("*"):
            return subjects.lift("lint_rules", lambda rules: value in rules)
        return subjects.lift(
            "lint_rules", lambda rules: bool(rules) and any(_rule_matches(value, r) for r in rules)
        )
    if kind in ("lock_strength", "lock_wait", "parse_status"):
        return subjects.lift(kind, lambda v: v == value)
    if kind == "command":
        return subjects.lift("command", lambda c: isinstance(c, str) and c.split(":")[0] == value)
    if kind == "pattern":
        return _search(subjects, re.compile(value, re.IGNORECASE))
    limit = threshold(cond, catalog, assumptions)
    metric = subjects.values[value]
    return np.nan_to_num(metric, nan=-np.inf) > limit


def _search(subjects: Subjects, pattern: re.Pattern[str]) -> np.ndarray:
    return subjects.lift("text", searcher(pattern))  # words every match holds are looked for first
