"""One hop across files: a write path whose caller, imported within the audited tree, retries.

The lexical analysis (:mod:`.retry`) sees a retry only in the same file. A common shape puts the
unit of work in one module and the retry at its call site in another — movr-flask's
``transactions.py`` holds ``start_ride_txn`` (``session.add``), ``movr.py`` imports it and runs it
through ``run_transaction(sessionmaker, lambda s: start_ride_txn(s, …))``. Here an uncovered site
is covered when its enclosing function ``F`` (in file A) is named inside a retry scope of file B,
and B binds that name by an import that resolves to A inside the tree:

``from pkg.mod import F [as G]`` (absolute, matched by path suffix, or relative ``from .mod``), or
``from pkg.mod import *``, or ``import pkg.mod as m`` then ``m.F``. Python only, the case a real fixture shows (movr-flask);
JavaScript, Go and Java callers in other files are not resolved yet (docs/code-audit.md).

One hop only (a caller's caller is not followed), by name: a function of the same name in another
module is not confused, because the import must resolve to A.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from costmodel.audit.model import RetryHandler, RetrySite

_PY_FROM = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)", re.MULTILINE)
_PY_IMPORT_AS = re.compile(r"^[ \t]*import[ \t]+([\w.]+)[ \t]+as[ \t]+(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class Binding:
    """A name an import binds in a file: the file it resolves to, and the function (empty: the module)."""

    path: str
    function: str


@dataclass(frozen=True)
class ScopeText:
    """The source text of one retry scope and the handler behind it."""

    text: str
    handler: RetryHandler


def cross_file(
    sites: Sequence[RetrySite],
    scopes: Mapping[str, Sequence[ScopeText]],
    texts: Mapping[str, tuple[str, str]],
) -> list[RetrySite]:
    """``sites`` with the uncovered ones covered by a retry scope in an importing file (see above).

    ``scopes`` maps a file to its retry scopes; ``texts`` a file to (language, source text)."""
    known = set(texts)
    bindings = {path: imports(path, language, text, known) for path, (language, text) in texts.items()}
    out = []
    for site in sites:
        via = "" if site.retried or site.function.startswith("<") else _caller_retry(site, scopes, bindings)
        out.append(replace(site, retried=True, via=via) if via else site)
    return out


def _caller_retry(
    site: RetrySite, scopes: Mapping[str, Sequence[ScopeText]], bindings: Mapping[str, dict[str, Binding]]
) -> str:
    for path, names in bindings.items():
        if path == site.path:
            continue
        patterns = [
            rf"\b{re.escape(name)}\b" for name, b in names.items() if b == Binding(site.path, site.function)
        ]
        patterns += [rf"\b{re.escape(name)}\.{re.escape(site.function)}\b" for name, b in names.items()
                     if b == Binding(site.path, "")]  # fmt: skip
        if Binding(site.path, "*") in names.values() and not site.function.startswith("_"):
            patterns.append(rf"\b{re.escape(site.function)}\b")  # from module import *
        for scope in scopes.get(path, ()) if patterns else ():
            if any(re.search(p, scope.text) for p in patterns):
                h = scope.handler
                return f"{h.rule} at {h.path}:{h.line} (calls {site.function} from another file)"
    return ""


def imports(path: str, language: str, text: str, known: set[str]) -> dict[str, Binding]:
    """The names ``text`` binds by imports that resolve to files in ``known``."""
    return _python(path, text, known) if language == "python" else {}


def _python(path: str, text: str, known: set[str]) -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    for module, names in _PY_FROM.findall(text):
        if names.strip() == "*":
            star = py_module(path, module, known)
            if star is not None:
                out[f"*{star}"] = Binding(star, "*")  # every public name of the module
            continue
        for name, alias in _names(names.strip("()")):
            target = py_module(path, module, known)
            sub = py_module(path, f"{module}.{name}" if not module.endswith(".") else module + name, known)
            if sub is not None:
                out[alias] = Binding(sub, "")
            elif target is not None:
                out[alias] = Binding(target, name)
    for module, alias in _PY_IMPORT_AS.findall(text):
        target = py_module(path, module, known)
        if target is not None:
            out[alias] = Binding(target, "")
    return out


def _names(text: str) -> Iterable[tuple[str, str]]:
    for part in text.replace("\n", " ").split(","):
        words = part.split()
        if len(words) == 1 and words[0].isidentifier():
            yield words[0], words[0]
        elif len(words) == 3 and words[1] == "as":
            yield words[0], words[2]


def py_module(path: str, module: str, known: set[str]) -> str | None:
    """The file of a Python module: relative to ``path`` for ``.mod``, else by path suffix."""
    dots = len(module) - len(module.lstrip("."))
    rest = module[dots:].replace(".", "/")
    if dots:
        base = posixpath.dirname(path)
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        stem = posixpath.join(base, rest) if rest else base
        return next((c for c in (f"{stem}.py", f"{stem}/__init__.py") if c in known), None)
    if not rest:
        return None
    found = [k for k in known for c in (f"{rest}.py", f"{rest}/__init__.py") if k == c or k.endswith("/" + c)]
    return min(found, key=lambda k: _distance(path, k)) if found else None


def _distance(a: str, b: str) -> int:
    """Directories between two files (a module next to the importer wins over a namesake elsewhere)."""
    common = (
        posixpath.commonpath([posixpath.dirname(a), posixpath.dirname(b)]) if "/" in a and "/" in b else ""
    )
    return a.count("/") + b.count("/") - 2 * (common.count("/") + 1 if common else 0)
