"""Rewrite pre-stage import paths to the stage packages (issue #15's move).

The stage move renamed every flat module of ``costmodel/`` into a stage package (``ingest_read`` →
``ingest/read``); this script applies the same renames to files written against the old layout (a
branch that began before the move, a notebook, a plugin). It is idempotent: paths that are already
new are left alone, and it never rewrites itself.

    python scripts/restage_imports.py FILE_OR_DIR...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_OLD = "costmodel."  # spelled apart so running the script over scripts/ leaves this table alone

# old dotted module -> new dotted module
MOVES: dict[str, str] = {
    _OLD + "pricing.catalog": "costmodel.core.catalog",
    _OLD + "errors": "costmodel.core.errors",
    _OLD + "timebase": "costmodel.core.timebase",
    _OLD + "yamlio": "costmodel.core.yamlio",
    _OLD + "assumptions": "costmodel.core.assumptions",
    _OLD + "estimate": "costmodel.core.estimate",
    _OLD + "profile_table": "costmodel.classify.table",
    _OLD + "profile": "costmodel.core.profile",
    _OLD + "workload": "costmodel.core.workload",
    _OLD + "ingest_columns": "costmodel.ingest.columns",
    _OLD + "ingest_delta": "costmodel.ingest.delta",
    _OLD + "ingest_meta": "costmodel.ingest.meta",
    _OLD + "ingest_read": "costmodel.ingest.read",
    _OLD + "ingest_window": "costmodel.ingest.window",
    _OLD + "ingest": "costmodel.ingest.load",
    _OLD + "collect_bundle": "costmodel.collect.bundle",
    _OLD + "collect_catalog": "costmodel.collect.catalog",
    _OLD + "collect": "costmodel.collect.live",
    _OLD + "classify_keys": "costmodel.classify.keys",
    _OLD + "classify_names": "costmodel.classify.names",
    _OLD + "classify_nodes": "costmodel.classify.nodes",
    _OLD + "classify_statement": "costmodel.classify.statement",
    _OLD + "classify": "costmodel.classify.frame",
    _OLD + "activity": "costmodel.scenario.activity",
    _OLD + "scenario": "costmodel.scenario.model",
    _OLD + "usage": "costmodel.usage.compute",
    _OLD + "calibrate_cloudwatch": "costmodel.calibrate.cloudwatch",
    _OLD + "calibrate_explain": "costmodel.calibrate.explain",
    _OLD + "calibrate": "costmodel.calibrate.fit",
    _OLD + "readiness_checks": "costmodel.readiness.checks",
    _OLD + "readiness_findings": "costmodel.readiness.findings",
    _OLD + "readiness_model": "costmodel.readiness.model",
    _OLD + "readiness_render": "costmodel.report.readiness_doc",
    _OLD + "readiness_subjects": "costmodel.readiness.subjects",
    _OLD + "readiness": "costmodel.readiness.assess",
    _OLD + "dsqllint": "costmodel.readiness.dsqllint",
    _OLD + "contention": "costmodel.contention.model",
    _OLD + "fleet_cluster": "costmodel.analysis.fleet_cluster",
    _OLD + "fleet_statements": "costmodel.analysis.fleet_statements",
    _OLD + "fleet": "costmodel.analysis.fleet",
    _OLD + "analysis": "costmodel.analysis.run",
}

# modules that exist only after the move (besides the targets of MOVES)
_EXTRA_NEW = frozenset(
    {"costmodel.collect.options", "costmodel.pricing.calibration", "costmodel.analysis.statements"}
)
_NEW_MODULES = frozenset(MOVES.values()) | _EXTRA_NEW
_PATTERN = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(MOVES, key=len, reverse=True)) + r")(?!\w)"
)
_CHILD = re.compile(r"(?:\.| import )([A-Za-z_]\w*)")


def rewrite(text: str) -> str:
    """Apply :data:`MOVES` to every dotted path in *text* that is still old (idempotent)."""

    def repl(match: re.Match[str]) -> str:
        old = match.group(1)
        child = _CHILD.match(match.string, match.end())
        if child and f"{old}.{child.group(1)}" in _NEW_MODULES:
            return old  # already a new path such as costmodel.ingest.load
        return MOVES[old]

    text = text.replace("from costmodel import classify as", "from costmodel.classify import frame as")
    return _PATTERN.sub(repl, text)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    me = Path(__file__).resolve()
    suffixes = {".py", ".md", ".txt", ".toml", ".cfg", ".yaml"}
    for arg in argv:
        root = Path(arg)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in suffixes)
        for path in files:
            if path.resolve() == me:
                continue
            old = path.read_text(encoding="utf-8")
            new = rewrite(old)
            if new != old:
                path.write_text(new, encoding="utf-8")
                print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
