"""The code audit in every format: table (terminal), JSON, Markdown, HTML, CSV (one finding per row).

Columns are named once (:data:`FINDING_COLUMNS`, :data:`SITE_COLUMNS`) and shared by the formats.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from costmodel.audit.model import CodeAudit, CodeFinding, RetrySite
from costmodel.audit.rules import load_rules

FORMATS = ("table", "json", "markdown", "html", "csv")

FINDING_COLUMNS: tuple[tuple[str, Callable[[CodeFinding], Any]], ...] = (
    ("severity", lambda f: f.severity.value),
    ("id", lambda f: f.id),
    ("file:line", lambda f: f.where),
    ("category", lambda f: f.category),
    ("source", lambda f: f.source),
    ("effort", lambda f: f.effort),
    ("fixable", lambda f: "yes" if f.fixable else "no"),
    ("share of calls", lambda f: _pct(f.share_calls)),
    ("share of DSQL cost", lambda f: _pct(f.share_cost)),
    ("code", lambda f: f.snippet),
    ("fix", lambda f: f.fix),
)
SITE_COLUMNS: tuple[tuple[str, Callable[[RetrySite], Any]], ...] = (
    ("file:line", lambda s: s.where),
    ("kind", lambda s: s.kind),
    ("function", lambda s: s.function),
    ("retry on 40001", lambda s: "yes" if s.retried else "NO"),
    ("via", lambda s: s.via),
    ("code", lambda s: s.what),
)


def _pct(value: float | None) -> str:
    if value is None:
        return ""
    if 0 < value < 0.001:
        return "<0.1%"
    return f"{value:.1%}"


def summary_lines(audit: CodeAudit) -> list[str]:
    """The headline figures, one per line."""
    counts = audit.counts()
    files = ", ".join(f"{n} {lang}" for lang, n in audit.files.items()) or "none"
    lines = [
        f"Code audit of {audit.root} (DSQL as of {audit.as_of.isoformat()})",
        f"files audited: {sum(audit.files.values())} ({files}); skipped: {len(audit.skipped)}",
        f"SQL literals: {len(audit.literals)}; findings: {counts['blocker']} blocker, "
        f"{counts['warning']} warning, {counts['info']} info",
        f"write paths and transaction scopes: {len(audit.sites)}, without a retry on 40001: {len(audit.unretried)}; "
        f"retry handlers found: {len(audit.handlers)}",
        "dsql-lint " + (audit.lint_version or f"not run ({audit.lint_error})"),
    ]
    match = audit.workload
    if match is not None:
        cost = (
            f", {_pct(match.share_cost_matched)} of DSQL cost" if match.share_cost_matched is not None else ""
        )
        lines.append(
            f"workload {match.source}: {match.matched_statements} of {match.statements} statements found in the code "
            f"({_pct(match.share_calls_matched)} of calls{cost}); {len(match.unmatched)} not found (ORM-generated or "
            "other programs)"
        )
    return lines


def finding_columns(audit: CodeAudit) -> tuple[tuple[str, Callable[[CodeFinding], Any]], ...]:
    """The finding columns, without the workload shares when no workload was given."""
    if audit.workload is not None:
        return FINDING_COLUMNS
    return tuple(c for c in FINDING_COLUMNS if not c[0].startswith("share"))


def _rows(items: Sequence[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]]) -> list[list[str]]:
    return [[str(get(item)) for _, get in columns] for item in items]


def _text_table(headers: Sequence[str], rows: list[list[str]], width: int = 60) -> str:
    cut = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in rows]
    sizes = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(sizes[i]) for i, h in enumerate(headers))
    out = [line, "  ".join("-" * s for s in sizes)]
    out += ["  ".join(c.ljust(sizes[i]) for i, c in enumerate(row)) for row in cut]
    return "\n".join(out)


def render_audit(audit: CodeAudit, fmt: str) -> str:
    """``audit`` as ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps(audit.to_dict(), indent=2, default=str) + "\n"
    if fmt == "csv":
        return findings_csv(audit)
    if fmt == "markdown":
        return _markdown(audit)
    if fmt == "html":
        return _html(audit)
    return _table(audit)


def findings_csv(audit: CodeAudit) -> str:
    """Findings, then retry paths without retry, one row each with file and line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["kind", "severity", "id", "file", "line", "category", "source", "effort", "fixable",
                     "share_calls", "share_cost", "code", "fix"])  # fmt: skip
    for f in audit.findings:
        writer.writerow(["finding", f.severity.value, f.id, f.path, f.line, f.category, f.source, f.effort,
                         f.fixable, f.share_calls, f.share_cost, f.snippet, f.fix])  # fmt: skip
    efforts = {r.id: r.effort for r in load_rules()}
    for s in audit.unretried:
        writer.writerow(["no-retry", "warning", s.rule, s.path, s.line, s.kind, "retry coverage", efforts.get(s.rule, "low"),
                         False, None, None, s.what, "retry the transaction on SQLSTATE 40001 with backoff"])  # fmt: skip

    return buf.getvalue()


def _table(audit: CodeAudit) -> str:
    parts = ["\n".join(summary_lines(audit)), ""]
    if audit.findings:
        cols = finding_columns(audit)[:-2]
        parts += ["Findings", _text_table([c for c, _ in cols], _rows(audit.findings, cols)), ""]
    if audit.unretried:
        parts += ["Write paths without a retry on 40001",
                  _text_table([c for c, _ in SITE_COLUMNS], _rows(audit.unretried, SITE_COLUMNS)), ""]  # fmt: skip
    covered = [s for s in audit.sites if s.retried]
    if covered:
        parts += [
            "Write paths with a retry",
            _text_table([c for c, _ in SITE_COLUMNS], _rows(covered, SITE_COLUMNS)),
            "",
        ]
    parts += _unmatched_text(audit) + _skipped_text(audit)
    return "\n".join(parts).rstrip() + "\n"


def _unmatched_text(audit: CodeAudit) -> list[str]:
    if audit.workload is None or not audit.workload.unmatched:
        return []
    rows = [
        [u.stmt_id, _pct(u.share_calls), _pct(u.share_cost), " ".join(u.query.split())]
        for u in audit.workload.unmatched
    ]
    return [
        "Workload statements not found in the code",
        _text_table(["statement", "calls", "DSQL cost", "query"], rows),
        "",
    ]


def _skipped_text(audit: CodeAudit) -> list[str]:
    if not audit.skipped:
        return []
    return [
        "Skipped",
        _text_table(["file", "reason"], [[s.path, s.reason] for s in audit.skipped], width=90),
        "",
    ]


def _md_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _markdown(audit: CodeAudit) -> str:
    head = summary_lines(audit)
    parts = [f"# {head[0]}", ""] + [f"- {line}" for line in head[1:]] + [""]
    if audit.findings:
        cols = finding_columns(audit)
        parts += ["## Findings", "", _md_table([c for c, _ in cols], _rows(audit.findings, cols)), ""]
    parts += [
        "## Retry coverage",
        "",
        _md_table([c for c, _ in SITE_COLUMNS], _rows(audit.sites, SITE_COLUMNS)),
        "",
    ]
    if audit.workload is not None and audit.workload.unmatched:
        rows = [
            [u.stmt_id, _pct(u.share_calls), _pct(u.share_cost), " ".join(u.query.split())]
            for u in audit.workload.unmatched
        ]
        parts += ["## Workload statements not found in the code", "",
                  _md_table(["statement", "calls", "DSQL cost", "query"], rows), ""]  # fmt: skip
    if audit.skipped:
        parts += [
            "## Skipped",
            "",
            _md_table(["file", "reason"], [[s.path, s.reason] for s in audit.skipped]),
            "",
        ]
    return "\n".join(parts)


def html_table(headers: Sequence[str], rows: list[list[str]]) -> str:
    """An escaped HTML table."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


HTML_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}th{background:#eee}</style>"
)


def _html(audit: CodeAudit) -> str:
    head = summary_lines(audit)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(head[0])}</title>{HTML_STYLE}</head><body>",
             f"<h1>{html.escape(head[0])}</h1><ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in head[1:]) + "</ul>"]  # fmt: skip
    cols = finding_columns(audit)
    parts += ["<h2>Findings</h2>", html_table([c for c, _ in cols], _rows(audit.findings, cols))]
    parts += [
        "<h2>Retry coverage</h2>",
        html_table([c for c, _ in SITE_COLUMNS], _rows(audit.sites, SITE_COLUMNS)),
    ]
    if audit.workload is not None and audit.workload.unmatched:
        rows = [
            [u.stmt_id, _pct(u.share_calls), _pct(u.share_cost), u.query] for u in audit.workload.unmatched
        ]
        parts += ["<h2>Workload statements not found in the code</h2>",
                  html_table(["statement", "calls", "DSQL cost", "query"], rows)]  # fmt: skip
    if audit.skipped:
        parts += [
            "<h2>Skipped</h2>",
            html_table(["file", "reason"], [[s.path, s.reason] for s in audit.skipped]),
        ]
    return "".join(parts) + "</body></html>\n"
