"""The readiness document (findings + OCC contention) as plain data, a text table and Markdown.

``dsqlcost readiness`` renders one dict, :func:`readiness_document`, three ways, so the three
formats say the same thing. Every output starts with "DSQL as of <date>" because DSQL support
changes month by month and a finding without its date misleads. Query texts come from the user's
database: they pass through :func:`costmodel.report.common.one_line` (control characters made
visible) before being shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from costmodel import __version__
from costmodel.contention.model import Contention
from costmodel.core.timebase import format_duration
from costmodel.core.workload import Workload
from costmodel.readiness.assess import Readiness
from costmodel.report.common import conflict_rate_text, fmt_share, one_line
from costmodel.report.sections import findings_table, hot_spots_table, marked

SCHEMA_VERSION = 1
QUERY_CHARS = 90
CELL_CHARS = 60
"""Prose cells of the plain-text findings table are cut here; blockers and warnings are printed in
full below the table."""
DETAIL_SEVERITIES = ("blocker", "warning")
"""Findings printed with message, remediation and sample (info findings get one table row)."""


def readiness_document(
    readiness: Readiness,
    contention: Contention | None,
    workload: Workload | None = None,
    *,
    scenario: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``--format json`` document: readiness at the top level, ``contention`` beside it."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dsqlcost", "version": __version__},
    }
    if workload is not None:
        doc["inputs"] = {
            "sources": list(workload.sources),
            "statements": len(workload.statements),
            "window": workload.window.describe(),
            "window_seconds": workload.window.seconds,
            "window_source": workload.window.source,
        }
    if scenario is not None:
        doc["scenario"] = dict(scenario)
    doc.update(readiness.to_dict())
    doc["contention"] = contention.to_dict() if contention is not None else None
    doc["notes"] = list(doc.get("notes", [])) + list(notes)
    return doc


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _findings(doc: Mapping[str, Any], *, narrow: bool) -> tuple[list[str], list[list[str]], set[int]]:
    """The report's findings table (:mod:`costmodel.report.sections`): headers, cells, numeric columns."""
    table = findings_table(doc)
    columns = table.shown(narrow=narrow)
    limit = CELL_CHARS if narrow else None
    rows = [[one_line(cell, limit) for cell in table.text_cells(row, columns)] for row in table.rows]
    return [c.header for c in columns], rows, {i for i, c in enumerate(columns) if c.numeric}


def _hot_spots(doc: Mapping[str, Any], *, narrow: bool) -> tuple[list[str], list[list[str]], set[int]]:
    """The report's hot spots table (:mod:`costmodel.report.sections`); ``!`` marks capped attempts."""
    table = hot_spots_table(doc)
    columns = table.shown(narrow=narrow)
    limit = CELL_CHARS if narrow else None
    rows = [
        [
            one_line(cell, limit) + ("!" if marked(row, column) else "")
            for column, cell in zip(columns, table.text_cells(row, columns))
        ]
        for row in table.rows
    ]
    return [c.header for c in columns], rows, {i for i, c in enumerate(columns) if c.numeric}


def contention_line(c: Mapping[str, Any]) -> str:
    """One sentence on OCC risk."""
    return (
        f"predicted conflict rate {conflict_rate_text(c)} of transactions at the peak hour: "
        f"{c['risk']} risk (elevated from {fmt_share(c['thresholds']['elevated'])}, high from {fmt_share(c['thresholds']['high'])}); "
        f"commit latency {c['commit_latency_ms']:.3g} ms, peak ×{c['peak_to_mean']:.3g} ({c['peak_basis']}), "
        f"{c['statements_per_txn']:.3g} statements per transaction; retries are {fmt_share(c['extra_dpu_share'])} "
        "of the DSQL work"
    )


def render_text(doc: Mapping[str, Any]) -> str:
    """Aligned plain-text tables for a terminal."""
    lint = doc["dsql_lint"]
    tool = f"dsql-lint {lint['version']}" if lint["ran"] else "dsql-lint NOT RUN"
    out = [f"DSQL readiness ({doc['dsql_as_of']}; {tool})", f"Verdict: {doc['verdict']} ({doc['summary']})"]
    if "inputs" in doc:
        inp = doc["inputs"]
        out.append(
            f"Workload: {_sources(inp['sources'])}: {inp['statements']:,} statements over "
            f"{format_duration(round(inp['window_seconds']))} (window from {inp['window_source']})"
        )
    if doc.get("schema_file"):
        out.append(f"Schema: {doc['schema_file']} ({lint['schema_statements']} statements)")
    out.append("")
    if doc["findings"]:
        out.append(
            "Findings (shares of calls, execution time and monthly DSQL cost; each statement counted once per finding)"
        )
        headers, rows, right = _findings(doc, narrow=True)
        out += _table(headers, rows, right)
        for f in doc["findings"]:
            if f["severity"] not in DETAIL_SEVERITIES:
                continue
            out += [
                "",
                f"[{f['severity']}] {f['id']}: {one_line(f['message'])}",
                f"  fix: {one_line(f['remediation'])} (effort {f['effort']})",
            ]
            if f["detail"]:
                out.append(f"  {one_line(f['detail'])}")
            if f["sample_query"]:
                more = len(f["statements"]) - 1
                extra = f" (+{more} more)" if more > 0 else ""
                ref = f["statements"][0] if f["statements"] else f"schema line {f['schema'][0]['line']}"
                out.append(f"  e.g. {ref}{extra}: {one_line(f['sample_query'], QUERY_CHARS)}")
    else:
        out.append("No findings.")
    c = doc.get("contention")
    if c is not None:
        out += ["", f"OCC contention ({doc['dsql_as_of']}): {contention_line(c)}"]
        if c["hot_spots"]:
            out.append("Hot spots (! = saturated: attempts capped)")
            out += _table(*_hot_spots(doc, narrow=True))
            for h in c["hot_spots"][:5]:
                out.append(
                    f"  {h['stmt_id']}: {one_line(h['query'], QUERY_CHARS)}  [key space: {h['key_space_basis']}]"
                )
        else:
            out.append("No hot spots.")
    if doc.get("notes"):
        out += ["", "Notes:"] + [f"  - {one_line(n)}" for n in doc["notes"]]
    return "\n".join(out) + "\n"


def _sources(sources: Sequence[str]) -> str:
    if len(sources) <= 2:
        return ", ".join(sources)
    return f"{sources[0]} (+{len(sources) - 1} files)"


def _md(text: Any) -> str:
    return one_line(text).replace("|", "\\|")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
        *("| " + " | ".join(_md(c) for c in r) + " |" for r in rows),
    ]


def render_markdown(doc: Mapping[str, Any]) -> str:
    """GitHub-flavoured Markdown (for a pull request or a wiki page)."""
    lint = doc["dsql_lint"]
    tool = f"dsql-lint {lint['version']}" if lint["ran"] else "dsql-lint **not run**"
    out = [
        f"# DSQL readiness: {doc['verdict']}",
        "",
        f"*{doc['dsql_as_of']}; {tool}.* {_md(doc['summary'])}.",
        "",
    ]
    if doc["findings"]:
        out += ["## Findings", ""]
        headers, rows, _right = _findings(doc, narrow=False)
        out += _md_table(headers, rows)
        for f in doc["findings"]:
            if f["severity"] not in DETAIL_SEVERITIES:
                continue
            out += ["", f"### {f['severity']}: {_md(f['title'])} (`{f['id']}`)", "", _md(f["message"]), "",
                    f"**Fix** ({f['effort']} effort): {_md(f['remediation'])} [source]({f['source_url']})"]  # fmt: skip
            if f["detail"]:
                out += ["", _md(f["detail"])]
            if f["sample_query"]:
                out += ["", "```sql", one_line(f["sample_query"]).replace("```", "` ` `"), "```"]
    c = doc.get("contention")
    if c is not None:
        out += ["", "## OCC contention", "", _md(contention_line(c)) + "."]
        if c["hot_spots"]:
            headers, rows, _right = _hot_spots(doc, narrow=False)
            out += ["", "Attempts marked ! are capped by the retry policy.", "", *_md_table(headers, rows)]
    if doc.get("notes"):
        out += ["", "## Notes", ""] + [f"- {_md(n)}" for n in doc["notes"]]
    return "\n".join(out) + "\n"
