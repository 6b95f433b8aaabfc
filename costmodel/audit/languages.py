"""Languages by file extension, and their tree-sitter grammars.

The grammars are the per-language wheels from PyPI (``tree-sitter-python``, ``-javascript``,
``-typescript``, ``-java``, ``-go``: the ``audit`` extra), compiled ahead, so nothing is downloaded at
run time. A language whose grammar wheel is not installed is reported as skipped with the package
to install; SQL files and Prisma schemas need no grammar (SQL is split by PostgreSQL's own parser,
Prisma by the ``pattern`` rules).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from costmodel.core.errors import CostModelError


@dataclass(frozen=True)
class Grammar:
    """Where a language's grammar lives: module, the function returning the language pointer, wheel."""

    module: str
    function: str
    package: str


EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".go": "go",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".cs": "csharp",
    ".php": "php",
    ".sql": "sql",
    ".prisma": "prisma",
    ".xml": "xml",
}
"""File extension → language."""

GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python", "language", "tree-sitter-python"),
    "javascript": Grammar("tree_sitter_javascript", "language", "tree-sitter-javascript"),
    "typescript": Grammar("tree_sitter_typescript", "language_typescript", "tree-sitter-typescript"),
    "tsx": Grammar("tree_sitter_typescript", "language_tsx", "tree-sitter-typescript"),
    "java": Grammar("tree_sitter_java", "language", "tree-sitter-java"),
    "go": Grammar("tree_sitter_go", "language", "tree-sitter-go"),
    "kotlin": Grammar("tree_sitter_kotlin", "language", "tree-sitter-kotlin"),
    "ruby": Grammar("tree_sitter_ruby", "language", "tree-sitter-ruby"),
    "csharp": Grammar("tree_sitter_c_sharp", "language", "tree-sitter-c-sharp"),
    "php": Grammar("tree_sitter_php", "language_php", "tree-sitter-php"),
}
"""Languages parsed with tree-sitter; the others of :data:`EXTENSIONS` are read as text."""

TEXT_LANGUAGES = frozenset({"sql", "prisma", "xml"})

RULE_LANGUAGES = frozenset(GRAMMARS) | TEXT_LANGUAGES


def language_for(path: str) -> str | None:
    """The language of ``path`` by extension, or None."""
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def grammar_missing(language: str) -> str | None:
    """Why ``language`` cannot be parsed here (the wheel to install), or None when it can."""
    if language in TEXT_LANGUAGES:
        return None
    try:
        _language(language)
    except CostModelError as exc:
        return exc.message
    return None


@cache
def _language(language: str) -> Any:
    grammar = GRAMMARS.get(language)
    if grammar is None:
        raise CostModelError(f"no tree-sitter grammar for {language}")
    try:
        import tree_sitter

        module = importlib.import_module(grammar.module)
    except ImportError:
        raise CostModelError(
            f"grammar not installed (pip install {grammar.package}, or dsqlcost[audit])"
        ) from None
    return tree_sitter.Language(getattr(module, grammar.function)())


def ts_language(language: str) -> Any:
    """The ``tree_sitter.Language`` of ``language`` (cached)."""
    return _language(language)


@cache
def parser(language: str) -> Any:
    """A ``tree_sitter.Parser`` for ``language`` (cached; parsers are reused, not shared across threads)."""
    import tree_sitter

    return tree_sitter.Parser(_language(language))
