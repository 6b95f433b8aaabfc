"""Literal redaction of report sections (the text-level redaction lives in :mod:`costmodel.redact`)."""

from __future__ import annotations

from typing import Any

from costmodel.core.redact import redact_query, scrub_literals

__all__ = ["redact_query", "redact_section", "scrub_literals"]


def redact_section(section: Any) -> Any:
    """A copy of a nested dict/list section with every ``query`` and ``sample_query`` text redacted.

    Stages other than the report builder (readiness, contention) put query texts in their own
    sections; this is the one place that walks them.
    """
    if isinstance(section, dict):
        return {
            key: redact_query(value)
            if key in ("query", "sample_query") and isinstance(value, str)
            else redact_section(value)
            for key, value in section.items()
        }
    if isinstance(section, list):
        return [redact_section(value) for value in section]
    return section
