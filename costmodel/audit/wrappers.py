"""Retry wrappers the application defines itself, and every place that uses them.

A code base often has one retry helper for the whole data layer — gavel's
``gavel/models/__init__.py`` defines ``with_retries(tx_func)``: it calls ``tx_func()`` in a loop and
retries when ``err.orig`` is a ``psycopg2.errors.SerializationFailure``; its controllers then run
each unit of work as ``with_retries(tx)``. No rule can list such names in advance, so they are
found: a Python function that holds a serialization-failure handler (a ``retry`` rule with
``scope: function``, e.g. ``python_serialization_handler``) and calls one of its own parameters
is a retry wrapper. Wherever the wrapper's name is bound — defined in the same file, or imported
from its file (``from pkg.mod import W``, ``from pkg.mod import *``, ``import pkg.mod as m`` then
``m.W``) — a call to it covers its arguments (``scope: call``) and ``@W`` covers the function it
decorates, like the ``retry`` rules of ``data/code_rules.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from costmodel.audit.crossfile import Binding, imports
from costmodel.audit.model import RetryHandler
from costmodel.audit.scan import FileScan

RULE_ID = "python_retry_wrapper"
"""The handler id of a use of an application-defined retry wrapper."""


@dataclass(frozen=True)
class Wrapper:
    """A retry wrapper: where it is defined and its name."""

    path: str
    name: str


@dataclass(frozen=True)
class WrapperScope:
    """Code a wrapper use covers (byte range in its file) and the handler to report."""

    start: int
    end: int
    handler: RetryHandler


def find_wrappers(scans: Sequence[FileScan]) -> list[Wrapper]:
    """Python functions holding a serialization-failure handler that call one of their parameters."""
    found: list[Wrapper] = []
    for scan in scans:
        if scan.file.language != "python" or scan.tree is None:
            continue
        source = scan.file.text.encode("utf-8")
        for match in scan.matches:
            if match.rule.category != "retry" or match.rule.scope != "function":
                continue
            node = match.node.parent
            while node is not None:
                if node.type == "function_definition" and _calls_a_parameter(node, source):
                    wrapper = Wrapper(scan.file.path, _text(node.child_by_field_name("name"), source))
                    if wrapper not in found:
                        found.append(wrapper)
                node = node.parent
    return found


def _calls_a_parameter(node: Any, source: bytes) -> bool:
    params = node.child_by_field_name("parameters")
    body = node.child_by_field_name("body")
    if params is None or body is None:
        return False
    names = [_text(c, source) for c in params.named_children if c.type == "identifier"]
    body_text = _text(body, source)
    return any(re.search(rf"\b{re.escape(n)}\s*\(", body_text) for n in names if n not in ("self", "cls"))


def _text(node: Any, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace") if node is not None else ""


def wrapper_scopes(scans: Sequence[FileScan], wrappers: Sequence[Wrapper]) -> dict[str, list[WrapperScope]]:
    """Per file, the calls and decorators that use a wrapper bound in that file."""
    if not wrappers:
        return {}
    known = {s.file.path for s in scans}
    out: dict[str, list[WrapperScope]] = {}
    for scan in scans:
        if scan.file.language != "python" or scan.tree is None or scan.migration:
            continue
        names = _bound_names(scan, wrappers, known)
        if names:
            out[scan.file.path] = _uses(scan, names)
    return out


def _bound_names(scan: FileScan, wrappers: Sequence[Wrapper], known: set[str]) -> set[str]:
    """The spellings under which a wrapper can be called in this file (``W``, ``alias``, ``m.W``)."""
    names = {w.name for w in wrappers if w.path == scan.file.path}
    for alias, binding in imports(scan.file.path, "python", scan.file.text, known).items():
        for w in wrappers:
            if binding == Binding(w.path, w.name):
                names.add(alias)
            elif binding == Binding(w.path, ""):
                names.add(f"{alias}.{w.name}")
            elif binding == Binding(w.path, "*"):
                names.add(w.name)
    return names


def _uses(scan: FileScan, names: set[str]) -> list[WrapperScope]:
    source = scan.file.text.encode("utf-8")
    out: list[WrapperScope] = []
    stack = [scan.tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "call" and _callee(node, source) in names and node.parent.type != "decorator":
            out.append(_scope(node, node, "call", scan.file.path, source))
        elif node.type == "decorator":
            inner = node.named_children[0] if node.named_children else None
            target = (
                _callee(inner, source) if inner is not None and inner.type == "call" else _text(inner, source)
            )
            if target in names and node.parent is not None and node.parent.type == "decorated_definition":
                out.append(_scope(node.parent, node, "function", scan.file.path, source))
    return out


def _callee(call: Any, source: bytes) -> str:
    return _text(call.child_by_field_name("function"), source)


def _scope(covered: Any, at: Any, scope: str, path: str, source: bytes) -> WrapperScope:
    function = ""
    node = at.parent
    while node is not None and not function:
        if node.type == "function_definition":
            function = _text(node.child_by_field_name("name"), source)
        node = node.parent
    handler = RetryHandler(RULE_ID, path, at.start_point[0] + 1, scope, function or "<top level>")
    return WrapperScope(covered.start_byte, covered.end_byte, handler)
