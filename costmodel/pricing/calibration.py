"""Calibration factors: the type the DSQL pricer applies, and its file format.

A calibration scales the DPU components the official formulas produce (fitting lives in
:mod:`costmodel.calibrate.fit`; this module is only what pricing needs to *apply* one, so pricing does
not import the fitting code and the fitting code may import pricing without a cycle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from costmodel.core.errors import CalibrationError
from costmodel.core.safeio import read_text, write_output
from costmodel.core.yamlio import safe_load
from costmodel.pricing.class_terms import COMPONENTS, ClassTerm, warnings_of

FORMAT = "dsqlcost-calibration/1"
FACTOR_KEYS = ("compute", "read", "write", "multi_region_write")


@dataclass(frozen=True)
class Calibration:
    """Per-component factors applied to modelled DPU (1.0 = the formulas as they are)."""

    factors: dict[str, float]
    source: str = "in memory"
    basis: str = "explain"
    fitted_from: tuple[str, ...] = ()
    created: str = ""
    notes: tuple[str, ...] = ()
    statements: tuple[dict[str, Any], ...] = ()
    classes: dict[str, dict[str, ClassTerm]] = field(default_factory=dict)
    """Per statement class and component: additive + proportional terms (``class_terms``)."""
    validation: dict[str, Any] = field(default_factory=dict)
    """Leave-one-shape-out figures of the fit (median relative error per component)."""

    @property
    def warnings(self) -> list[str]:
        """Out-of-range factors: kept in the file and shown by every report that uses it."""
        return warnings_of(self.classes)

    def describe(self) -> str:
        """``compute 1.62, read 1.00, write 0.98, multi_region_write 1.00`` (+ per-class terms)."""
        text = ", ".join(f"{k} {self.factors.get(k, 1.0):.3g}" for k in FACTOR_KEYS)
        if self.classes:
            text += "; per class (additive DPU + factor x modelled): " + "; ".join(
                f"{cls} " + ", ".join(f"{c} {t.additive:.3g}+{t.factor:.3g}x" for c, t in comps.items())
                for cls, comps in self.classes.items()
            )
        return text

    def summary(self) -> dict[str, Any]:
        """What a report shows: file, factors, basis, inputs."""
        return {
            "file": self.source,
            "factors": {k: self.factors.get(k, 1.0) for k in FACTOR_KEYS},
            "basis": self.basis,
            "fitted_from": list(self.fitted_from),
            "created": self.created,
            "classes": {k: {c: t.to_dict() for c, t in v.items()} for k, v in self.classes.items()},
            "validation": dict(self.validation),
            "warnings": self.warnings,
        }

    def to_dict(self) -> dict[str, Any]:
        """The YAML document written by ``dsqlcost calibrate --out``."""
        return {
            "format": FORMAT,
            "created": self.created,
            "basis": self.basis,
            "factors": {k: round(float(self.factors.get(k, 1.0)), 6) for k in FACTOR_KEYS},
            "fitted_from": list(self.fitted_from),
            "classes": {k: {c: t.to_dict() for c, t in v.items()} for k, v in self.classes.items()},
            "validation": dict(self.validation),
            "warnings": self.warnings,
            "notes": list(self.notes),
            "statements": [dict(s) for s in self.statements],
        }


def save_calibration(calibration: Calibration, path: str | Path) -> None:
    """Write ``calibration`` as YAML (the shared output writer: regular files only, mode 0644)."""
    text = yaml.safe_dump(calibration.to_dict(), sort_keys=False, allow_unicode=True)
    write_output(Path(path), text, error=CalibrationError, example="calib.yaml")


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration file; factors must be positive numbers (missing ones default to 1.0)."""
    file = str(path)
    try:
        data = safe_load(read_text(path, CalibrationError, "calibration file"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CalibrationError(
            "calibration file is not valid YAML", file=file, row=mark.line + 1 if mark else None
        ) from None
    hint = "write it with `dsqlcost calibrate … --out FILE`"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CalibrationError(f"not a calibration file (format: {FORMAT} expected)", file=file, hint=hint)
    raw = data.get("factors")
    if not isinstance(raw, dict):
        raise CalibrationError("'factors' must be a mapping", file=file, column="factors", hint=hint)
    factors: dict[str, float] = {}
    for key, value in raw.items():
        if key not in FACTOR_KEYS:
            raise CalibrationError(
                f"unknown factor {key!r}", file=file, column="factors", hint=f"use {', '.join(FACTOR_KEYS)}"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number <= 0:
            raise CalibrationError(
                f"factor {key} = {value!r} must be a positive number",
                file=file,
                column=f"factors.{key}",
                hint=hint,
            )
        factors[key] = number
    return Calibration(
        factors={k: factors.get(k, 1.0) for k in FACTOR_KEYS},
        source=file,
        basis=str(data.get("basis", "")),
        fitted_from=tuple(str(f) for f in data.get("fitted_from") or ()),
        created=str(data.get("created", "")),
        notes=tuple(str(n) for n in data.get("notes") or ()),
        statements=tuple(s for s in data.get("statements") or () if isinstance(s, dict)),
        classes=_classes(data.get("classes"), file, hint),
        validation=dict(data.get("validation") or {}),
    )


def _classes(raw: Any, file: str, hint: str) -> dict[str, dict[str, ClassTerm]]:
    """The ``classes`` mapping: class → component → {additive, factor, cases[, warning]}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CalibrationError("'classes' must be a mapping", file=file, column="classes", hint=hint)
    out: dict[str, dict[str, ClassTerm]] = {}
    for cls, comps in raw.items():
        if not isinstance(comps, dict):
            raise CalibrationError(
                f"classes.{cls} must be a mapping", file=file, column=f"classes.{cls}", hint=hint
            )
        for comp, term in comps.items():
            where = f"classes.{cls}.{comp}"
            if comp not in COMPONENTS or not isinstance(term, dict):
                raise CalibrationError(
                    f"{where}: unknown component or not a mapping",
                    file=file,
                    column=where,
                    hint=f"components are {', '.join(COMPONENTS)}",
                )
            try:
                additive, factor = float(term["additive"]), float(term["factor"])
            except (KeyError, TypeError, ValueError):
                raise CalibrationError(
                    f"{where} needs numeric 'additive' and 'factor'", file=file, column=where, hint=hint
                ) from None
            if not (math.isfinite(additive) and math.isfinite(factor) and factor > 0):
                raise CalibrationError(
                    f"{where}: factor must be a positive number", file=file, column=where, hint=hint
                )
            out.setdefault(str(cls), {})[str(comp)] = ClassTerm(
                additive, factor, int(term.get("cases") or 0), str(term.get("warning") or "")
            )
    return out
