"""Helpers the dashboard tests share (not tests themselves)."""

from __future__ import annotations

from typing import Any


def component_text(component: Any) -> str:
    """All text inside a Dash component tree, joined by spaces (what a reader of the page sees)."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(component_text(c) for c in component)
    return component_text(getattr(component, "children", None))
