"""ORM and driver patterns as data: load ``costmodel/data/code_rules.yaml`` and run it on files.

Why data: the spellings of a row lock or a retry handler differ per ORM and driver
(``select_for_update()``, ``with_for_update()``, ``@Lock(PESSIMISTIC_WRITE)``,
``lock: Transaction.LOCK.UPDATE``, ``crdb.ExecuteTx``) and new ones appear; a reviewer adds one
as a YAML record with a tree-sitter query (or, for files without a grammar, a regular
expression) and a case file, without reading Python. Each rule says what it finds, the fix, the
effort, and its *category*:

* ``locking``, ``schema``, ``procedure`` … — a finding shown in the inventory;
* ``write`` / ``transaction`` — a write call or transaction scope, checked for retry coverage;
* ``retry`` — a retry handler; its ``scope`` (``function`` or ``call``) is the code it covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from costmodel.audit.languages import RULE_LANGUAGES, TEXT_LANGUAGES, ts_language
from costmodel.core.errors import CostModelError
from costmodel.core.yamlio import safe_load
from costmodel.readiness.checks import Severity

RULES_FILE = "code_rules.yaml"
CATEGORIES = frozenset(
    {"locking", "schema", "procedure", "isolation", "write", "transaction", "retry", "config"}
)
COVERAGE = frozenset({"write", "transaction"})
EFFORTS = ("low", "medium", "high")
REQUIRED = ("id", "title", "languages", "category", "severity", "finding", "fix", "effort")
_KEYS = frozenset(REQUIRED) | {
    "query",
    "pattern",
    "paths",
    "scope",
    "fixable",
    "capture",
    "check",
    "requires",
}
MIGRATION_PATH = re.compile(
    r"(^|/)(migrations?|alembic|versions|db/migrate|changelogs?|flyway|liquibase|schema)(/|$)"
    r"|(^|/)V\d+(_\d+)*__[^/]*\.sql$|(^|/)R__[^/]*\.sql$|schema\.(sql|prisma)$|\.prisma$",
    re.IGNORECASE,
)
"""Paths of migration files: Alembic/Django ``migrations/``, Flyway ``V1__x.sql``, Liquibase changelogs, Prisma schemas."""


def is_migration(path: str) -> bool:
    """True when ``path`` looks like a schema migration (see :data:`MIGRATION_PATH`)."""
    return bool(MIGRATION_PATH.search(path))


@dataclass(frozen=True)
class CodeRule:
    """One code rule (fields documented at the top of code_rules.yaml)."""

    id: str
    title: str
    languages: tuple[str, ...]
    category: str
    severity: Severity
    finding: str
    fix: str
    effort: str
    query: str | None = None
    pattern: re.Pattern[str] | None = None
    paths: str = "any"
    """``any`` | ``migration`` (only migration files) | ``code`` (only non-migration files)."""
    scope: str = "function"
    fixable: bool = False
    capture: str = "match"
    check: str | None = None
    """The readiness check (data/checks.yaml) this rule stands for, when there is one."""
    requires: str | None = None
    """A ``config`` rule that must match somewhere in the tree for this retry rule to take effect
    (``@Retryable`` needs ``@EnableRetry``); without a match the audit notes it."""

    def applies_to(self, language: str, path: str) -> bool:
        """True when the rule runs on a file of ``language`` at ``path``."""
        if language not in self.languages:
            return False
        if self.paths == "migration":
            return is_migration(path)
        if self.paths == "code":
            return not is_migration(path)
        return True


@dataclass(frozen=True)
class Match:
    """Where a rule matched: the node's (or text span's) position."""

    rule: CodeRule
    line: int
    column: int
    start_byte: int
    end_byte: int
    text: str
    node: Any = None


def _rule(raw: dict[str, Any]) -> CodeRule:
    rule_id = str(raw.get("id", "?"))
    where = f"code rule {rule_id!r}"
    missing = [k for k in REQUIRED if not raw.get(k)]
    if missing:
        raise CostModelError(f"{where}: missing {', '.join(missing)}", file=RULES_FILE)
    unknown = set(raw) - _KEYS
    if unknown:
        raise CostModelError(f"{where}: unknown keys {sorted(unknown)}", file=RULES_FILE)
    if bool(raw.get("query")) == bool(raw.get("pattern")):
        raise CostModelError(f"{where}: give exactly one of query or pattern", file=RULES_FILE)
    languages = tuple(str(x) for x in raw["languages"])
    bad = [x for x in languages if x not in RULE_LANGUAGES]
    if bad:
        raise CostModelError(f"{where}: unknown languages {bad}", file=RULES_FILE)
    if raw.get("query") and any(x in TEXT_LANGUAGES for x in languages):
        raise CostModelError(f"{where}: sql and prisma files take pattern rules", file=RULES_FILE)
    if raw["category"] not in CATEGORIES or raw["effort"] not in EFFORTS:
        raise CostModelError(
            f"{where}: category is one of {sorted(CATEGORIES)}, effort one of {EFFORTS}", file=RULES_FILE
        )
    return CodeRule(
        id=rule_id,
        title=str(raw["title"]),
        languages=languages,
        category=str(raw["category"]),
        severity=Severity(raw["severity"]),
        finding=" ".join(str(raw["finding"]).split()),
        fix=" ".join(str(raw["fix"]).split()),
        effort=str(raw["effort"]),
        query=str(raw["query"]) if raw.get("query") else None,
        pattern=re.compile(raw["pattern"], re.IGNORECASE | re.MULTILINE) if raw.get("pattern") else None,
        paths=str(raw.get("paths", "any")),
        scope=str(raw.get("scope", "function")),
        fixable=bool(raw.get("fixable", False)),
        capture=str(raw.get("capture", "match")),
        check=str(raw["check"]) if raw.get("check") else None,
        requires=str(raw["requires"]) if raw.get("requires") else None,
    )


@lru_cache(maxsize=1)
def load_rules() -> tuple[CodeRule, ...]:
    """Read and validate ``costmodel/data/code_rules.yaml`` (cached)."""
    text = (resources.files("costmodel") / "data" / RULES_FILE).read_text(encoding="utf-8")
    rules = tuple(_rule(raw) for raw in safe_load(text)["rules"])
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise CostModelError("duplicate code rule ids", file=RULES_FILE)
    configs = {r.id for r in rules if r.category == "config"}
    bad = [r.id for r in rules if r.requires and r.requires not in configs]
    if bad:
        raise CostModelError(f"code rules {bad}: requires names no config rule", file=RULES_FILE)
    return rules


@cache
def _query(rule_id: str, language: str, source: str) -> Any:
    import tree_sitter

    try:
        return tree_sitter.Query(ts_language(language), source)
    except (tree_sitter.QueryError, ValueError) as exc:
        raise CostModelError(f"code rule {rule_id!r}: bad {language} query: {exc}", file=RULES_FILE) from exc


def run_rules(
    rules: tuple[CodeRule, ...], language: str, path: str, text: str, tree: Any = None
) -> list[Match]:
    """Matches of every rule that applies to this file, in file order (one per rule and node)."""
    out: list[Match] = []
    for rule in rules:
        if not rule.applies_to(language, path):
            continue
        if rule.pattern is not None:
            out += _pattern_matches(rule, text)
        elif tree is not None and rule.query is not None:
            out += _query_matches(rule, language, tree, text.encode("utf-8"))
    out.sort(key=lambda m: (m.start_byte, m.rule.id))
    return out


def _pattern_matches(rule: CodeRule, text: str) -> list[Match]:
    assert rule.pattern is not None
    out = []
    for m in rule.pattern.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        out.append(Match(rule, line, column, m.start(), m.end(), m.group(0)))
    return out


def _query_matches(rule: CodeRule, language: str, tree: Any, source: bytes) -> list[Match]:
    import tree_sitter

    assert rule.query is not None
    cursor = tree_sitter.QueryCursor(_query(rule.id, language, rule.query))
    seen: set[int] = set()
    out = []
    for _index, captures in cursor.matches(tree.root_node):
        nodes = captures.get(rule.capture) or next(iter(captures.values()), [])
        for node in nodes:
            if node.start_byte in seen:
                continue
            seen.add(node.start_byte)
            text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
            out.append(
                Match(
                    rule,
                    node.start_point[0] + 1,
                    node.start_point[1] + 1,
                    node.start_byte,
                    node.end_byte,
                    text,
                    node,
                )
            )
    return out
