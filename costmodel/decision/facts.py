"""Documented facts the tree cites (``costmodel/data/decision_facts.yaml``), with their sources."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from costmodel.core.yamlio import safe_load

FACTS_FILE = "costmodel/data/decision_facts.yaml"


@dataclass(frozen=True)
class DocumentedFact:
    """One published figure: value, unit, what it means, how firm it is and where it is written."""

    key: str
    value: float
    unit: str
    meaning: str
    confidence: str
    sources: tuple[str, ...]
    urls: tuple[str, ...]

    def cite(self) -> str:
        """``1 seconds (typical; F1, F6)``: the figure with its confidence and source ids."""
        unit = "s" if self.unit == "seconds" else f" {self.unit}"
        return f"{self.value:g}{unit} ({self.confidence}; {', '.join(self.sources)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``decision.facts[]``)."""
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "meaning": self.meaning,
            "confidence": self.confidence,
            "sources": list(self.sources),
            "urls": list(self.urls),
        }


@lru_cache(maxsize=1)
def documented_facts() -> dict[str, DocumentedFact]:
    """Every fact in decision_facts.yaml, by key (package data, read once per process)."""
    text = (resources.files("costmodel") / "data" / "decision_facts.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = safe_load(text)
    sources = data.get("sources") or {}
    out: dict[str, DocumentedFact] = {}
    for key, raw in (data.get("facts") or {}).items():
        ids = tuple(str(s) for s in raw.get("source") or ())
        out[str(key)] = DocumentedFact(
            key=str(key),
            value=float(raw["value"]),
            unit=str(raw.get("unit", "")),
            meaning=str(raw.get("meaning", "")),
            confidence=str(raw.get("confidence", "")),
            sources=ids,
            urls=tuple(str(sources.get(i, {}).get("url", "")) for i in ids),
        )
    return out
