"""The floor plan stays as docs/architecture.md draws it: stages over a core, no import cycles.

`lint-imports` (make lint) checks the layer contract; these tests add what a layers contract cannot
say: no cycle between any two modules (function-local imports included, so a cycle cannot hide in
a function body) and function-local imports only where they buy start-up time.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = (
    "core",
    "ingest",
    "collect",
    "classify",
    "scenario",
    "usage",
    "pricing",
    "calibrate",
    "readiness",
    "contention",
    "analysis",
    "report",
    "cli",
    "data",
)
LAZY_ALLOWED = {
    # the CLI imports each command's stages only when that command runs (start-up time)
    "costmodel/cli/",
    # plotly is loaded only when an HTML report is asked for
    "costmodel/report/__init__.py",
}
MAX_FUNCTION_LINES = 80
"""Longest function in costmodel/ and dashboard/ (def line to last line): a longer one hides steps
that want names (CONVENTIONS: when a function grows banner comments, they name its parts)."""


def _cycles(adjacency: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, iter(adjacency[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adjacency.get(child, []))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph("costmodel", "dashboard")


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    modules = sorted(graph.modules)
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    assert _cycles(adjacency) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_top_level_reads_as_the_pipeline() -> None:
    entries = sorted(p.name for p in (ROOT / "costmodel").iterdir() if not p.name.startswith(("_", ".")))
    modules = [e for e in entries if e.endswith(".py")]
    assert modules == ["compare.py"], "new code goes into a stage package (docs/architecture.md)"
    assert set(STAGES) <= set(entries)


def test_function_local_imports_only_where_documented() -> None:
    offenders = []
    for path in sorted((ROOT / "costmodel").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(prefix) for prefix in LAZY_ALLOWED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("costmodel"):
                    offenders.append(f"{rel}:{inner.lineno} from {inner.module}")
                elif isinstance(inner, ast.Import) and any(
                    a.name.startswith("costmodel") for a in inner.names
                ):
                    offenders.append(f"{rel}:{inner.lineno}")
    assert offenders == [], "import at module level (a cycle is the design problem to fix instead)"


def _long_functions() -> dict[str, int]:
    """Every function (methods and nested ones included) longer than the limit."""
    found = {}
    for package in ("costmodel", "dashboard"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found[f"{rel}::{node.name}"] = length
    return found


def test_functions_stay_short() -> None:
    assert _long_functions() == {}, f"split these along their steps (at most {MAX_FUNCTION_LINES} lines each)"
