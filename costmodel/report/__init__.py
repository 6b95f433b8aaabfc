"""Reports: one report dict (``docs/report-contract.md``), many renderings.

The pipeline (``costmodel.report.model.build_report``) produces the dict; the renderers here read
only that dict, so each can be tested with a hand-made fixture and the dashboard can reuse the
figures. Formats:

- :func:`render_text` terminal (rich; width-aware, colour only on a terminal, ``NO_COLOR``)
- :func:`render_json` the contract itself, stable key order
- :func:`write_csv` one spreadsheet-safe CSV per table
- :func:`render_markdown` pull requests and tickets
- :func:`render_html` one self-contained file with plotly charts
- :func:`redact_query` replaces literals in query texts (applied by the builder)

``render_html`` is imported lazily: it pulls in plotly, which a terminal report does not need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costmodel.core.errors import ReportError
from costmodel.report.csvout import CSV_FILES, write_csv
from costmodel.report.jsonout import json_pieces, render_json
from costmodel.report.markdown import render_markdown
from costmodel.report.redact import redact_query
from costmodel.report.text import render_text

TEXT_FORMATS: tuple[str, ...] = ("text", "json", "markdown", "html")
"""Formats rendered to one string by :func:`render`; ``csv`` writes a directory (:func:`write_csv`)."""
FORMATS: tuple[str, ...] = (*TEXT_FORMATS, "csv")


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML file (see :mod:`costmodel.report.html`)."""
    from costmodel.report.html import render_html as _render_html

    return _render_html(report)


def render(
    report: Mapping[str, Any], fmt: str, *, width: int | None = None, color: bool | None = None
) -> str:
    """Render ``report`` in one of :data:`TEXT_FORMATS`; ``width`` and ``color`` apply to ``text``."""
    if fmt == "text":
        return render_text(report, width=width, color=color)
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    raise ReportError(
        f"unknown report format {fmt!r}",
        hint=f"use one of {', '.join(FORMATS)} (csv writes a directory: --format csv --out DIR)",
    )


__all__ = [
    "CSV_FILES",
    "FORMATS",
    "TEXT_FORMATS",
    "json_pieces",
    "redact_query",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "write_csv",
]
