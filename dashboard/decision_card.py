"""The overview's decision card: the architect's tree walked for this run, and where the data lives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from costmodel.report.common import fmt_usd, items, option_list, section
from costmodel.report.decisionview import has_decision, location_lines, residency_line


def decision_card(report: Mapping[str, Any], prefix: str) -> html.Div | None:
    """One card: the outcome, each question with answer, source and branch, then data locations."""
    if not has_decision(report):
        return None
    decision = section(report, "decision")
    outcome = section(decision, "outcome")
    questions = []
    for q in items(decision.get("questions")):
        alts = [
            html.Li(
                f"{b.get('label')} → {b.get('path')} ({b.get('option') or '—'}, "
                f"{fmt_usd(b.get('monthly_usd'), 2) if b.get('monthly_usd') is not None else '—'}/month)"
            )
            for b in items(q.get("alternatives"))
        ]
        questions.append(
            html.Li(
                [
                    html.Strong(str(q.get("question"))),
                    f" {q.get('answer')} → {q.get('branch')}",
                    html.Div(str(q.get("source")), className="explain"),
                    html.Ul(alts) if alts else None,
                ],
                id=f"{prefix}-question-{q.get('key')}",
            )
        )
    places = [
        html.Li([html.Strong(str(o.get("name"))), ": " + "; ".join(location_lines(o))])
        for o in option_list(report)
    ]
    flags = [html.Li(f"⚠ {f}") for f in items(section(decision, "residency").get("flags"))]
    return html.Div(
        [
            html.H3("Decision"),
            html.P(
                [html.Strong("Outcome: "), str(outcome.get("summary"))],
                id=f"{prefix}-outcome",
            ),
            html.Ol(questions),
            html.P(residency_line(report)),
            html.Ul(places + flags),
        ],
        id=f"{prefix}-decision",
        className="card decision",
    )
