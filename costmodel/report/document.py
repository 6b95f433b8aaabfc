"""The report as typed sections: what every human-facing format shows, in order.

The report dict (``docs/report-contract.md``) is the data and the published JSON; it stays as it
is. :func:`report_model` reads it into a :class:`ReportModel`: a title and a tuple of
:class:`Section` records, each with its sentences (plain text) and its tables
(:class:`~costmodel.report.sections.SectionTable`, columns named once in
:mod:`costmodel.report.tables`). A printer of this model is a complete report format: it walks the
sections and prints sentences and tables its own way (``docs/adding-a-format.md``). The terminal,
Markdown and HTML printers keep their hand-made layouts (panels, ``<details>``, charts) but print
the same tables; :func:`sections_for` says which report keys a section shows, so a test can check
that no key of the report is left out of every section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from costmodel.report.common import (
    conflict_rate_text,
    crossover_lines,
    is_fleet,
    items,
    option_list,
    section,
)
from costmodel.report.decisionview import has_decision, residency_line
from costmodel.report.fleetview import database_note, fleet_summary, fleet_total_note, show_databases
from costmodel.report.plan import items_left_text, items_table, phases_table, plan_lead
from costmodel.report.sections import SectionTable, findings_table, hot_spots_table
from costmodel.report.summary import driver_line, first_screen, option_line
from costmodel.report.tables import (
    assumptions_table,
    calibration_table,
    calibration_text,
    clusters_table,
    components_table,
    crossovers_table,
    databases_table,
    decision_table,
    drivers_table,
    line_items_table,
    one_time_table,
    options_table,
    ranges_table,
    warnings_table,
)

TOP_N = 10
"""Top cost drivers per option (the report keeps at most this many)."""
ALL_ROWS = 1_000_000
"""Clusters and databases in the model: every one (a printer with little room cuts them itself)."""


@dataclass(frozen=True)
class Captioned:
    """A table with the caption that tells it apart within its section (an option's name)."""

    caption: str
    table: SectionTable


@dataclass(frozen=True)
class Section:
    """One section of the report: an id, a title, sentences and tables."""

    id: str
    """Stable id (``options``, ``readiness`` …): HTML anchors, a format's file or sheet names."""
    title: str
    lines: tuple[str, ...] = ()
    """Sentences, plain text (each format escapes them)."""
    tables: tuple[Captioned, ...] = ()
    keys: tuple[str, ...] = field(default=(), compare=False)
    """Report keys the section shows."""


@dataclass(frozen=True)
class ReportModel:
    """The typed view of one report dict: its title and its sections in reading order."""

    title: str
    sections: tuple[Section, ...]
    report: Mapping[str, Any] = field(repr=False, compare=False)

    def to_dict(self) -> Mapping[str, Any]:
        """The report dict the model was read from: the JSON contract, unchanged."""
        return self.report

    def section(self, section_id: str) -> Section | None:
        """The section with ``section_id``, or None when the report has none."""
        return next((s for s in self.sections if s.id == section_id), None)


def _verdict(report: Mapping[str, Any]) -> Section:
    verdict = section(report, "verdict")
    summary = first_screen(report)
    readiness = verdict.get("readiness") or section(report, "readiness").get("verdict") or "—"
    drivers = [d for d in items(summary.get("drivers")) if isinstance(d, Mapping)]
    lines = [
        str(summary.get("headline") or "no verdict"),
        f"Recommended: {verdict.get('recommended') or '—'} · Cheapest: {verdict.get('cheapest') or '—'} · "
        f"Readiness: {readiness}",
        *(option_line(entry) for entry in items(summary.get("options"))),
        *(f"⚠ {w}" for w in items(summary.get("warnings"))),
        *([f"Cost drivers of {drivers[0].get('option')}:"] if drivers else []),
        *(driver_line(d) for d in drivers),
        str(summary.get("readiness") or ""),
        str(summary.get("occ") or ""),
        *(str(r) for r in items(verdict.get("reasons"))),
        *(f"Latency: {n}" for n in items(verdict.get("latency"))),
    ]
    return Section("verdict", "Verdict", tuple(lines), keys=("title", "summary", "verdict"))


def _decision(report: Mapping[str, Any]) -> Section | None:
    if not has_decision(report):
        return None
    outcome = section(section(report, "decision"), "outcome")
    lines = (f"Outcome: {outcome.get('summary')}", residency_line(report))
    return Section("decision", "Decision", lines, (Captioned("", decision_table(report)),), ("decision",))


def _options(report: Mapping[str, Any]) -> Section:
    tables = [Captioned("", options_table(report)), Captioned("Cost by component", components_table(report))]
    ranges = ranges_table(report)
    if ranges.rows:
        tables.append(Captioned("Range over the defaults", ranges))
    lines = () if option_list(report) else ("No options were priced.",)
    return Section("options", "Options (USD per month)", lines, tuple(tables), ("options", "prices"))


def _clusters(report: Mapping[str, Any]) -> Section | None:
    if not is_fleet(report):
        return None
    table, _ = clusters_table(report, ALL_ROWS)
    note = fleet_total_note(report)
    lines = (fleet_summary(report), *([note] if note else []))
    return Section("clusters", "Clusters (USD per month)", lines, (Captioned("", table),), ("fleet",))


def _databases(report: Mapping[str, Any]) -> Section | None:
    if not show_databases(report):
        return None
    table, _ = databases_table(report, ALL_ROWS)
    lines = (database_note(report),)
    return Section("databases", "Databases (USD per month)", lines, (Captioned("", table),), ("databases",))


def _line_items(report: Mapping[str, Any]) -> Section:
    tables = tuple(Captioned(str(o.get("name")), line_items_table(o)) for o in option_list(report))
    return Section("line-items", "Line items", (), tables, ("options",))


def _drivers(report: Mapping[str, Any]) -> Section:
    tables = tuple(Captioned(str(o.get("name")), drivers_table(o, TOP_N)) for o in option_list(report))
    return Section("drivers", "Top cost drivers", (), tuple(t for t in tables if t.table.rows), ("options",))


def _readiness(report: Mapping[str, Any]) -> Section:
    readiness = section(report, "readiness")
    meta = f"DSQL as of {readiness.get('as_of', '—')} · dsql-lint {readiness.get('dsql_lint_version', '—')}"
    if readiness.get("summary"):
        meta += f" · {readiness['summary']}"
    title = f"Readiness: {readiness.get('verdict') or '—'}"
    return Section("readiness", title, (meta,), (Captioned("", findings_table(report)),), ("readiness",))


def _contention(report: Mapping[str, Any]) -> Section:
    contention = section(report, "contention")
    if not contention:
        return Section("contention", "OCC contention", ("Not assessed.",), keys=("contention",))
    line = (
        f"Predicted conflict rate {conflict_rate_text(contention)} (risk: {contention.get('risk') or '—'})."
    )
    tables = (Captioned("Hot spots", hot_spots_table(report)),)
    return Section("contention", "OCC contention", (line,), tables, ("contention",))


def _plan(report: Mapping[str, Any]) -> Section | None:
    if not section(report, "plan"):
        return None
    more = items_left_text(report)
    lines = (plan_lead(report), *((more,) if more else ()))
    tables = (Captioned("", phases_table(report)), Captioned("Items", items_table(report)))
    return Section("plan", "Migration plan (five phases)", lines, tables, ("plan",))


def _break_even(report: Mapping[str, Any]) -> Section:
    lines = crossover_lines(report) or ["No crossover in the swept range."]
    tables = (Captioned("Crossovers", crossovers_table(report)),)
    return Section("break-even", "Break-even", tuple(lines), tables, ("break_even",))


def _one_time(report: Mapping[str, Any]) -> Section | None:
    work = section(report, "one_time_work")
    if not items(work.get("statements")):
        return None
    lines = (f"{work.get('statements_total')} statement(s) {work.get('note') or ''}".rstrip(),)
    return Section(
        "one-time", "One-time work", lines, (Captioned("", one_time_table(report)),), ("one_time_work",)
    )


def _warnings(report: Mapping[str, Any]) -> Section:
    return Section(
        "warnings", "Warnings", (), (Captioned("", warnings_table(report)),), ("warnings", "inputs", "window")
    )


def _assumptions(report: Mapping[str, Any]) -> Section:
    calibrated = calibration_text(report)
    tables = [Captioned("", assumptions_table(report))]
    if calibrated:
        tables.append(Captioned("Calibration", calibration_table(report)))
    lines = (calibrated,) if calibrated else ()
    keys = ("assumptions", "calibration", "scenario")
    return Section("assumptions", "Assumptions", lines, tuple(tables), keys)


SECTIONS: tuple[Callable[[Mapping[str, Any]], Section | None], ...] = (
    _verdict,
    _decision,
    _options,
    _clusters,
    _databases,
    _line_items,
    _drivers,
    _readiness,
    _contention,
    _plan,
    _break_even,
    _one_time,
    _warnings,
    _assumptions,
)
"""The section builders in reading order (a builder returns None when its report has no such section)."""

NOT_SHOWN: frozenset[str] = frozenset({"schema_version", "tool", "generated_at", "statements"})
"""Report keys no section prints: the format's footer (tool, time, version) and the per-statement rows
(the JSON and ``statements.csv`` carry them; sections show the top drivers)."""


def report_model(report: Mapping[str, Any]) -> ReportModel:
    """The typed sections of ``report`` (a schema-1 report dict)."""
    sections = tuple(s for build in SECTIONS if (s := build(report)) is not None)
    return ReportModel(str(report.get("title") or "dsqlcost report"), sections, report)


def readiness_model(doc: Mapping[str, Any]) -> ReportModel:
    """The readiness document (``dsqlcost readiness``: readiness at the top level, ``contention`` beside
    it) as the same typed sections a report has for them: Readiness and OCC contention."""
    report = {
        "readiness": {k: v for k, v in doc.items() if k != "contention"},
        "contention": doc.get("contention"),
    }
    sections = (_readiness(report), _contention(report))
    return ReportModel(f"DSQL readiness: {doc.get('verdict') or '—'}", sections, doc)


def sections_for(report: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Which sections show each report key (a key no section shows maps to ``()``)."""
    model = report_model(report)
    return {key: tuple(s.id for s in model.sections if key in s.keys) for key in report}


__all__ = [
    "NOT_SHOWN",
    "Captioned",
    "ReportModel",
    "Section",
    "readiness_model",
    "report_model",
    "sections_for",
]
