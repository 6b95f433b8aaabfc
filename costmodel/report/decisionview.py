"""The decision section in every format: the walked tree, its outcome, where each option keeps data.

Why one module: the section's rows are named once (:func:`decision_rows`, also ``decision.csv``)
and the Markdown and HTML printers format those rows; the terminal printer lives in
:mod:`costmodel.report.textdecision`. A report without a ``decision`` (a fleet total) prints
nothing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from costmodel.report.common import fmt_usd, items, option_list, section

DECISION_COLUMNS: tuple[str, ...] = (
    "kind",
    "key",
    "question",
    "answer",
    "source",
    "branch",
    "option",
    "monthly_usd",
    "region",
    "zone",
    "holds",
)
"""Columns of ``decision.csv``: one row per question, branch, outcome, data location and flag."""


def has_decision(report: Mapping[str, Any]) -> bool:
    """True when the report carries a walked tree."""
    return bool(section(report, "decision").get("questions"))


def _blank(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(DECISION_COLUMNS, "")
    row.update(values)
    return row


def decision_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every fact of the section as flat rows (``kind`` = question, branch, outcome, location, flag)."""
    decision = section(report, "decision")
    rows: list[dict[str, Any]] = []
    for q in items(decision.get("questions")):
        rows.append(
            _blank(kind="question", key=q.get("key"), question=q.get("question"), answer=q.get("answer"),
                   source=q.get("source"), branch=q.get("branch"))
        )  # fmt: skip
        for b in items(q.get("alternatives")):
            rows.append(
                _blank(kind="branch", key=q.get("key"), answer=b.get("label"), branch=b.get("path"),
                       option=b.get("option") or "", monthly_usd=b.get("monthly_usd"))
            )  # fmt: skip
    outcome = section(decision, "outcome")
    if outcome:
        rows.append(
            _blank(kind="outcome", answer=outcome.get("summary"), branch=outcome.get("path"),
                   option=outcome.get("option") or "", monthly_usd=outcome.get("monthly_usd"),
                   source="; ".join(str(c) for c in items(outcome.get("conditional_on"))))
        )  # fmt: skip
        for text in items(outcome.get("conflicts")):
            rows.append(_blank(kind="conflict", answer=text))
    for option in option_list(report):
        for loc in items(option.get("data_locations")):
            rows.append(
                _blank(kind="data_location", option=option.get("name"), region=loc.get("region"),
                       zone=loc.get("zone"), holds=loc.get("holds"))
            )  # fmt: skip
    for flag in items(section(decision, "residency").get("flags")):
        rows.append(_blank(kind="residency_flag", answer=flag))
    return rows


def _cost(value: Any) -> str:
    return f"{fmt_usd(value, 2)}/month" if value not in (None, "") else "—"


def residency_line(report: Mapping[str, Any]) -> str:
    """``residency: eu (allowed: …); data in zones eu`` or ``not stated``."""
    residency = section(section(report, "decision"), "residency")
    zones = ", ".join(str(z) for z in items(residency.get("zones"))) or "—"
    stated = "/".join(str(r) for r in items(residency.get("requirement")))
    return f"residency: {stated or 'not stated'}; data kept in zone(s) {zones}"


def location_lines(option: Mapping[str, Any]) -> list[str]:
    """``eu-west-1 (eu): full copy …`` per data location of ``option``."""
    return [
        f"{loc.get('region')} ({loc.get('zone')}): {loc.get('holds')}"
        for loc in items(option.get("data_locations"))
    ]


def markdown_decision(report: Mapping[str, Any], md: Any) -> list[str]:
    """The section as Markdown; ``md`` escapes report text (markdown.md_text)."""
    if not has_decision(report):
        return []
    decision = section(report, "decision")
    outcome = section(decision, "outcome")
    out = ["## Decision", "", f"**Outcome**: {md(outcome.get('summary'))}", ""]
    out += ["| question | answer | source | branch |", "|---|---|---|---|"]
    for q in items(decision.get("questions")):
        branch = md(q.get("branch"))
        alts = "; ".join(
            f"{md(b.get('label'))} → {md(b.get('path'))} ({md(b.get('option') or '—')}, {md(_cost(b.get('monthly_usd')))})"
            for b in items(q.get("alternatives"))
        )
        out.append(
            f"| {md(q.get('question'))} | {md(q.get('answer'))} | {md(q.get('source'))} | "
            f"{branch}{'<br>' + alts if alts else ''} |"
        )
    out += [f"- {md(c)}" for c in items(outcome.get("conflicts"))]
    out += ["", f"Where the data lives ({md(residency_line(report))}):", ""]
    for option in option_list(report):
        out.append(f"- **{md(option.get('name'))}**: " + "; ".join(md(x) for x in location_lines(option)))
    out += [f"- ⚠ {md(flag)}" for flag in items(section(decision, "residency").get("flags"))]
    out.append("")
    return out


def html_decision(report: Mapping[str, Any]) -> str:
    """The section as an HTML ``<section id="decision">``."""
    if not has_decision(report):
        return ""
    esc = html.escape
    decision = section(report, "decision")
    outcome = section(decision, "outcome")
    rows = []
    for q in items(decision.get("questions")):
        alts = "".join(
            f"<br>{esc(str(b.get('label')))} → {esc(str(b.get('path')))} "
            f"({esc(str(b.get('option') or '—'))}, {esc(_cost(b.get('monthly_usd')))})"
            for b in items(q.get("alternatives"))
        )
        rows.append(
            f"<tr><td>{esc(str(q.get('question')))}</td><td>{esc(str(q.get('answer')))}</td>"
            f"<td>{esc(str(q.get('source')))}</td><td>{esc(str(q.get('branch')))}{alts}</td></tr>"
        )
    conflicts = "".join(f"<li>{esc(str(c))}</li>" for c in items(outcome.get("conflicts")))
    locations = "".join(
        f"<li><b>{esc(str(o.get('name')))}</b>: {esc('; '.join(location_lines(o)))}</li>"
        for o in option_list(report)
    )
    flags = "".join(f"<li>⚠ {esc(str(f))}</li>" for f in items(section(decision, "residency").get("flags")))
    return (
        '<section id="decision"><h2>Decision</h2>'
        f"<p><b>Outcome</b>: {esc(str(outcome.get('summary')))}</p>"
        "<table><thead><tr><th>question</th><th>answer</th><th>source</th><th>branch</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"{'<ul>' + conflicts + '</ul>' if conflicts else ''}"
        f"<p>Where the data lives ({esc(residency_line(report))}):</p><ul>{locations}{flags}</ul></section>"
    )
