"""The dashboard's pages, in tab order. Each module exposes ``PREFIX`` (the prefix of all its
component ids and its tab value), ``LABEL``, ``layout()``, ``render(cache, session, scenario, …)``
(a plain function the tests and the benchmark call) and ``register(app, cache)`` (the callbacks)."""

from __future__ import annotations

from types import ModuleType

from dashboard.pages import breakeven, cost, overview, plan, readiness, statements, timing

PAGES: tuple[ModuleType, ...] = (overview, cost, timing, breakeven, statements, readiness, plan)
"""Tab order."""

__all__ = ["PAGES"]
