"""Per-statement-class calibration terms: measured ≈ additive + proportional × modelled.

One factor per component cannot repair a model whose error differs by statement class (a fixed
per-statement cost missing for point reads, a proportional one for scans), and an unbounded factor
fitted to a few outliers can move a bill by orders of magnitude. So a calibration holds, per
statement class and component, an additive term (DPU per call) and a proportional factor, fitted
robustly (Theil–Sen: the median of pairwise slopes, then the median intercept), and bounded: a
factor outside :data:`PLAUSIBLE` earns a warning that the file keeps and every report shows; one
outside :data:`HARD_BOUNDS` is clamped to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

COMPONENTS = ("compute", "read", "write")
PLAUSIBLE = (0.25, 4.0)
"""Proportional factors a model this close to DSQL should need at most; outside: a warning."""
HARD_BOUNDS = (0.05, 20.0)
"""Proportional factors are clamped to this range (with a warning): beyond it the model, not the
calibration, is wrong for the class, and a calibration would hide it."""


@dataclass(frozen=True)
class ClassTerm:
    """``measured ≈ additive + factor × modelled`` for one class and component (DPU per call)."""

    additive: float
    factor: float
    cases: int
    warning: str = ""

    def apply(self, modelled: np.ndarray) -> np.ndarray:
        """The calibrated values (never below zero)."""
        return np.maximum(self.additive + self.factor * modelled, 0.0)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "additive": round(self.additive, 8),
            "factor": round(self.factor, 6),
            "cases": self.cases,
        }
        if self.warning:
            out["warning"] = self.warning
        return out


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Median pairwise slope and median intercept; one point (or equal x): through the origin."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    ok = np.abs(dx) > 1e-12 * np.maximum(np.abs(x[i]) + np.abs(x[j]), 1e-300)
    if not ok.any():
        slope = float(np.median(y / x)) if np.all(x > 0) else 1.0
        return slope, 0.0
    slope = float(np.median((y[j] - y[i])[ok] / dx[ok]))
    return slope, float(np.median(y - slope * x))


def fit_term(cls: str, component: str, modelled: np.ndarray, measured: np.ndarray) -> ClassTerm | None:
    """The robust, bounded term of one class and component (None when nothing was modelled)."""
    keep = np.isfinite(modelled) & np.isfinite(measured) & (modelled > 0)
    x, y = modelled[keep], measured[keep]
    if len(x) == 0:
        return None
    slope, intercept = _theil_sen(x, y)
    warning = ""
    low, high = PLAUSIBLE
    if not low <= slope <= high:
        warning = (
            f"{cls} {component}: factor {slope:.3g} is outside the plausible {low:g}-{high:g}; "
            "the model misses this class by more than calibration should repair: check the inputs "
            "(row widths, catalog, statement text) before trusting it"
        )
    clamped = min(max(slope, HARD_BOUNDS[0]), HARD_BOUNDS[1])
    if clamped != slope:
        warning += f" (clamped to {clamped:g})"
        intercept = float(np.median(y - clamped * x))
    # an intercept may not turn the smallest case negative
    intercept = max(intercept, -clamped * float(x.min()))
    return ClassTerm(intercept, clamped, len(x), warning)


def fit_terms(
    classes: np.ndarray, modelled: Mapping[str, np.ndarray], measured: Mapping[str, np.ndarray]
) -> dict[str, dict[str, ClassTerm]]:
    """Terms for every class present and every component it models."""
    out: dict[str, dict[str, ClassTerm]] = {}
    for cls in dict.fromkeys(str(c) for c in classes):
        mask = classes == cls
        for comp in COMPONENTS:
            term = fit_term(cls, comp, np.asarray(modelled[comp])[mask], np.asarray(measured[comp])[mask])
            if term is not None:
                out.setdefault(cls, {})[comp] = term
    return out


def apply_terms(
    terms: Mapping[str, Mapping[str, ClassTerm]],
    classes: np.ndarray,
    component: str,
    modelled: np.ndarray,
    fallback: float = 1.0,
) -> np.ndarray:
    """``modelled`` calibrated class by class; classes without a term are scaled by ``fallback``."""
    out = np.asarray(modelled, dtype=float) * fallback
    for cls, comps in terms.items():
        term = comps.get(component)
        if term is not None:
            mask = classes == cls
            out = np.where(mask, term.apply(np.asarray(modelled, dtype=float)), out)
    return out


def warnings_of(terms: Mapping[str, Mapping[str, ClassTerm]]) -> list[str]:
    """Every out-of-range warning, for the file and for every report that uses it."""
    return [t.warning for comps in terms.values() for t in comps.values() if t.warning]
