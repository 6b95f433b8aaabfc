"""One file at a time: parse with tree-sitter, run the code rules, extract the SQL literals.

SQL files are split into statements by PostgreSQL's own parser (the splitter readiness uses for
schema dumps), so a Flyway ``V1__init.sql`` is checked statement by statement with line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from costmodel.audit.discover import Skipped, SourceFile
from costmodel.audit.languages import TEXT_LANGUAGES, grammar_missing, parser
from costmodel.audit.literals import Literal, extract, looks_like_sql, number_placeholders
from costmodel.audit.rules import CodeRule, Match, is_migration, run_rules
from costmodel.core.errors import CostModelError
from costmodel.readiness.subjects import split_schema


@dataclass
class FileScan:
    """What one file yielded (the tree is kept for the retry analysis)."""

    file: SourceFile
    tree: Any
    matches: list[Match] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)

    @property
    def migration(self) -> bool:
        """True when the file is a schema migration."""
        return is_migration(self.file.path)


def scan_file(file: SourceFile, rules: tuple[CodeRule, ...]) -> FileScan | Skipped:
    """Rules and literals of ``file``; a :class:`Skipped` when it cannot be read as its language."""
    origin = "migration" if is_migration(file.path) else "code"
    if file.language == "sql":
        try:
            literals = sql_file_literals(file, "migration" if origin == "migration" else "sql-file")
        except CostModelError as exc:
            return Skipped(file.path, f"SQL file does not split into statements ({exc.message})")
        return FileScan(file, None, run_rules(rules, file.language, file.path, file.text), literals)
    if file.language in TEXT_LANGUAGES:
        return FileScan(file, None, run_rules(rules, file.language, file.path, file.text))
    missing = grammar_missing(file.language)
    if missing is not None:
        return Skipped(file.path, f"{file.language}: {missing}")
    source = file.text.encode("utf-8")
    tree = parser(file.language).parse(source)
    scan = FileScan(file, tree)
    scan.matches = run_rules(rules, file.language, file.path, file.text, tree)
    scan.literals = extract(tree, source, file.path, file.language, origin)
    return scan


_PSQL_VARIABLE = re.compile(r"(?<![:\w]):'?([A-Za-z_]\w*)'?")
"""A psql variable (``:SCHEMA``, ``:'name'``) as migration tools interpolate it (not ``::cast``)."""


def sql_file_literals(file: SourceFile, origin: str) -> list[Literal]:
    """The statements of a SQL file, each a literal at its first line (psql variables as plain names)."""
    out = []
    for stmt in split_schema(_PSQL_VARIABLE.sub(r"\1", file.text)):
        text = stmt.text.strip().rstrip(";").strip()
        if not looks_like_sql(text):
            continue
        out.append(
            Literal(
                path=file.path,
                line=stmt.first_line,
                column=1,
                language="sql",
                sql=number_placeholders(text),
                origin=origin,
            )
        )
    return out
