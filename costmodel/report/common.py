"""Helpers every renderer shares: checking the report dict, formatting money and shares for people,
making untrusted text safe to *display*, and gathering the warnings.

Why one module: the five output formats must say the same thing in the same words (a total is
``$1,234.56`` everywhere, a finding is ordered the same way everywhere, the same warnings appear
in the terminal and in the pull request). Renderers read only the report dict (see
``docs/report-contract.md``), so these helpers take plain dicts and tolerate optional keys.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeGuard

from costmodel.core.errors import ReportError
from costmodel.core.numbers import honest_percent
from costmodel.core.timebase import format_duration

SCHEMA_VERSION = 1
"""The report-dict version these renderers understand."""

SEVERITY_ORDER = {"blocker": 0, "warning": 1, "info": 2}
"""Findings are listed blockers first; unknown severities go last."""

CONFIRMED = "confirmed"
"""The one price confidence that needs no marker; every other value is shown as unconfirmed."""

# C0 controls except TAB and LF, DEL, C1 controls, and the bidi overrides/isolates of "Trojan Source".
_UNSAFE_DISPLAY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_SPACES = re.compile(r"\s+")


def check_report(report: Any) -> Mapping[str, Any]:
    """Return ``report`` if it is a schema-1 report dict, else raise :class:`ReportError`.

    Only the structure renderers rely on is checked (a mapping, the version, a list of options
    that are mappings with a name), so a report from a newer builder with extra keys still renders.
    """
    if not isinstance(report, Mapping):
        raise ReportError(
            f"a report must be a JSON object, not {type(report).__name__}",
            hint="pass the dict from build_report(...).to_dict() or `dsqlcost report --format json`",
        )
    version = report.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReportError(
            f"report schema_version {version!r} is not supported (this dsqlcost reads {SCHEMA_VERSION})",
            hint="regenerate the report with this version of dsqlcost",
        )
    opts = report.get("options")
    if not isinstance(opts, list) or not all(isinstance(o, Mapping) and o.get("name") for o in opts):
        raise ReportError(
            "report 'options' must be a list of objects with a 'name'",
            column="options",
            hint="regenerate the report with `dsqlcost report --format json`",
        )
    return report


def section(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A sub-object of the report, or an empty mapping when it is absent or null."""
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """A list field, or an empty list when it is absent or null."""
    return list(value) if isinstance(value, list | tuple) else []


def is_number(value: Any) -> TypeGuard[int | float | Decimal]:
    """True for finite int/float/Decimal values that are not booleans."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    try:
        return math.isfinite(value)
    except (TypeError, ValueError, InvalidOperation):
        return False


def to_decimal(value: Any) -> Decimal:
    """A number as the Decimal of its shortest repr (so 0.1 stays 0.1, not 0.1000000000000000055)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def plain_number(value: Any) -> str:
    """A number written without exponent, grouping or trailing zeros: ``1e-06`` → ``0.000001``."""
    text = format(to_decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_usd(value: Any, places: int | None = None) -> str:
    """Money for people: ``$1,234.56``, ``-$12.50``. ``places`` None means cents, or up to 4 decimals
    below one dollar so small line items do not all read ``$0.00`` (``$0.125``, ``$0.0035``)."""
    if not is_number(value):
        return "—"
    amount = to_decimal(value)
    small = places is None and amount != 0 and abs(amount) < 1
    digits = 4 if small else (2 if places is None else places)
    rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):,.{digits}f}"
    if small:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac.rstrip('0').ljust(2, '0')}"
    return f"{sign}${text}"


def fmt_price(value: Any) -> str:
    """A unit price with all its significant digits and at least cents: ``$0.0000123``, ``$0.50``."""
    if not is_number(value):
        return "—"
    text = plain_number(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    return f"{sign}${int(whole):,}.{frac.ljust(2, '0')}"


def fmt_qty(value: Any) -> str:
    """A quantity: thousands grouped; whole from 1,000 on, 2 decimals from 1, 4 significant below."""
    if not is_number(value):
        return "—"
    amount = to_decimal(value)
    if amount == amount.to_integral_value() or abs(amount) >= 1000:
        return f"{int(amount.to_integral_value(rounding=ROUND_HALF_UP)):,}"
    if abs(amount) >= 1:
        return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}".rstrip("0").rstrip(".")
    text = f"{float(amount):.4g}"
    return plain_number(float(text))


def fmt_share(value: Any) -> str:
    """A 0–1 fraction as a percentage: ``12.3%``; tiny non-zero shares show as ``<0.1%``."""
    if not is_number(value):
        return "—"
    pct = float(value) * 100
    if 0 < abs(pct) < 0.05:
        return "<0.1%"
    if 99.95 <= pct < 100:  # never "100.0%" for a share that is not all of it
        return honest_percent(float(value), 1)
    return f"{pct:.1f}%"


def conflict_rate_text(contention: Mapping[str, Any]) -> str:
    """The predicted conflict rate with enough decimals that it never reads as equal to a risk
    threshold it is below (0.0099 is "0.99%", not "1.0%", next to a 1.0% threshold)."""
    rate = contention.get("predicted_conflict_rate")
    if not is_number(rate):
        return "—"
    limits = section(contention, "thresholds")
    distinct = tuple(float(v) for v in limits.values() if is_number(v))
    return honest_percent(float(rate), 1, distinct_from=distinct)


def fmt_multiplier(value: Any) -> str:
    """A load multiplier: ``3.2×``."""
    if not is_number(value):
        return "—"
    return f"{float(value):.3g}×"


def display_text(text: Any) -> str:
    """Text from the report made safe to show: control and bidi-override characters become visible
    ``\\xNN`` / ``\\uNNNN`` escapes, so a query cannot move the cursor, recolour the terminal or
    reorder what the reader sees."""
    if text is None:
        return ""
    value = str(text)

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE_DISPLAY.sub(escape, value)


def one_line(text: Any, limit: int | None = None) -> str:
    """Whitespace runs (newlines, tabs) collapsed to one space, display-safe, cut at ``limit`` with ``…``."""
    value = display_text(_SPACES.sub(" ", str(text or "")).strip())
    if limit is not None and len(value) > limit:
        return value[: max(limit - 1, 0)].rstrip() + "…"
    return value


def is_unconfirmed(line_item: Mapping[str, Any]) -> bool:
    """A line item priced with anything but a confirmed price."""
    return str(line_item.get("confidence") or CONFIRMED) != CONFIRMED


def option_list(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The options in report order."""
    return [o for o in items(report.get("options")) if isinstance(o, Mapping)]


def components(report: Mapping[str, Any]) -> list[str]:
    """Every component billed by any option, in first-seen order (the rows of the side-by-side table)."""
    seen: dict[str, None] = {}
    for option in option_list(report):
        for item in items(option.get("line_items")):
            seen.setdefault(str(item.get("component", "")), None)
    return list(seen)


def component_totals(option: Mapping[str, Any]) -> dict[str, float]:
    """Monthly USD per component for one option, summed over regions."""
    totals: dict[str, float] = {}
    for item in items(option.get("line_items")):
        value = item.get("monthly_usd")
        if is_number(value):
            key = str(item.get("component", ""))
            totals[key] = totals.get(key, 0.0) + float(value)
    return totals


def range_text(option: Mapping[str, Any]) -> str:
    """``$970.88–$985.35`` from ``total_monthly_usd_range`` (``—`` when the report has none)."""
    span = option.get("total_monthly_usd_range")
    if not isinstance(span, Sequence) or isinstance(span, str) or len(span) != 2:
        return "—"
    low, high = span
    if not (is_number(low) and is_number(high)):
        return "—"
    return fmt_usd(low, 2) if low == high else f"{fmt_usd(low, 2)}–{fmt_usd(high, 2)}"


def option_has_unconfirmed(option: Mapping[str, Any]) -> bool:
    """True when any line item of ``option`` uses an unconfirmed price."""
    return any(is_unconfirmed(item) for item in items(option.get("line_items")))


def cheapest_total(report: Mapping[str, Any]) -> float | None:
    """The lowest option total, or None when no option has one."""
    totals = [
        float(o["total_monthly_usd"]) for o in option_list(report) if is_number(o.get("total_monthly_usd"))
    ]
    return min(totals) if totals else None


def vs_cheapest(option: Mapping[str, Any], cheapest: float | None) -> str:
    """``+38%`` against the cheapest total, ``cheapest`` for the cheapest itself, ``—`` when unknown."""
    total = option.get("total_monthly_usd")
    if cheapest is None or not is_number(total):
        return "—"
    if float(total) == cheapest:
        return "cheapest"
    if cheapest <= 0:
        return f"+{fmt_usd(float(total) - cheapest)}"
    return f"+{(float(total) / cheapest - 1) * 100:.0f}%"


def sorted_findings(findings: Iterable[Any]) -> list[Mapping[str, Any]]:
    """Findings by severity (blockers first), then by share of cost and of calls, descending."""

    def key(finding: Mapping[str, Any]) -> tuple[int, float, float, str]:
        cost = finding.get("share_cost")
        calls = finding.get("share_calls")
        return (
            SEVERITY_ORDER.get(str(finding.get("severity")), len(SEVERITY_ORDER)),
            -float(cost) if is_number(cost) else 0.0,
            -float(calls) if is_number(calls) else 0.0,
            str(finding.get("id", "")),
        )

    return sorted((f for f in findings if isinstance(f, Mapping)), key=key)


def window_text(report: Mapping[str, Any]) -> str:
    """Where the observation window came from: ``1h from snapshots (two snapshots 1 h apart)``."""
    window = section(report, "window")
    seconds = window.get("seconds")
    clusters = fleet_clusters(report)
    lengths = [float(c["window_seconds"]) for c in clusters if is_number(c.get("window_seconds"))]
    if lengths:  # a fleet: each cluster has its own window
        low, high = short_duration(min(lengths)), short_duration(max(lengths))
        span = low if low == high else f"{low} to {high}"
        froms = sorted({str(c.get("window_source") or "unknown source") for c in clusters})
        return f"per cluster, {span} from {', '.join(froms)} (see Clusters)"
    if not is_number(seconds):
        return "window unknown"

    text = f"{format_duration(float(seconds))} from {window.get('source') or 'unknown source'}"
    if window.get("detail"):
        text += f" ({window['detail']})"
    return text


def crossover_lines(report: Mapping[str, Any]) -> list[str]:
    """One sentence per pair of options that cross, with the direction read from the crossover
    (which option is cheaper below it); a pair whose curves cross several times is one sentence
    listing every crossing, not one line per crossing."""
    pairs: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for cross in items(section(report, "break_even").get("crossovers")):
        if isinstance(cross, Mapping):
            pairs.setdefault((str(cross.get("a")), str(cross.get("b"))), []).append(cross)
    lines = []
    for (a, b), crossings in pairs.items():
        crossings.sort(key=lambda c: float(c["multiplier"]) if is_number(c.get("multiplier")) else 0.0)
        first = crossings[0]
        below = str(first.get("cheaper_below") or a)
        above = str(first.get("cheaper_above") or (b if below == a else a))
        at = [
            f"{fmt_multiplier(c.get('multiplier'))} ({fmt_usd(c.get('monthly_usd'), 2)}/month)"
            for c in crossings
        ]
        if len(crossings) == 1:
            lines.append(
                f"{below} is cheaper below {fmt_multiplier(first.get('multiplier'))} today's load, {above} above it "
                f"({fmt_usd(first.get('monthly_usd'), 2)}/month at the crossing)"
            )
            continue
        lines.append(
            f"{a} and {b} cross {len(crossings)} times, at {', '.join(at[:-1])} and {at[-1]} today's load; "
            f"{below} is cheaper below the first crossing"
        )
    return lines


def warning_lines(report: Mapping[str, Any]) -> list[str]:
    """Every warning a reader must see, in a fixed order: report warnings, per-option warnings,
    unconfirmed prices, missing signals, input notes, exclusions, parse problems, shown literals,
    and where the observation window came from.

    A fact the report's own warnings already state (the builder copies option warnings, unconfirmed
    prices and missing signals into them) is not repeated."""
    lines: list[str] = list(dict.fromkeys(str(w) for w in items(report.get("warnings"))))
    said = set(lines)

    def stated(prefix: str) -> bool:
        return any(line.startswith(prefix) for line in said)

    for option in option_list(report):
        lines.extend(
            f"{option.get('name')}: {w}" for w in items(option.get("warnings")) if str(w) not in said
        )
    prices = section(report, "prices")
    as_of = section(prices, "as_of")
    for ref in items(prices.get("unconfirmed")):
        if stated(f"unconfirmed price used: {ref} "):
            continue
        date = as_of.get(ref)
        lines.append(f"unconfirmed price used: {ref}" + (f" (as of {date})" if date else ""))
    for override in items(prices.get("overrides")):
        lines.append(f"prices overridden from {override}")
    inputs = section(report, "inputs")
    lines.extend(
        f"signal missing: {signal}"
        for signal in items(inputs.get("missing_signals"))
        if not stated(f"signal missing from the export: {signal} ")
    )
    lines.extend(_grouped_notes(report))
    for reason, count in sorted(section(inputs, "excluded").items()):
        lines.append(f"{count} statement(s) excluded: {reason}")
    for key, label in (
        ("parse_errors", "could not be parsed"),
        ("truncated", "have truncated query text"),
        ("unclassifiable", "could not be classified"),
    ):
        count = inputs.get(key)
        if is_number(count) and count:
            lines.append(f"{count} statement(s) {label}")
    if inputs.get("literals") == "shown":
        lines.append("query texts show literal values (--show-literals): do not share this report")
    lines.append(f"observation window: {window_text(report)}")
    return lines


CLUSTERS_NAMED = 5
"""A note shared by many clusters names this many of them, then counts the rest."""


def _grouped_notes(report: Mapping[str, Any]) -> list[str]:
    """Input notes; in a fleet, a note repeated per cluster (``<cluster>: <note>``) is written once
    with the clusters it applies to, so a 1,000-cluster fleet does not repeat it 1,000 times."""
    notes = [str(n) for n in items(section(report, "inputs").get("notes"))]
    names = {str(c.get("name")) for c in fleet_clusters(report)}
    if not names:
        return notes
    groups: dict[str, list[str]] = {}
    for note in notes:
        cluster, sep, rest = note.partition(": ")
        key = rest if sep and cluster in names else note
        groups.setdefault(key, [])
        if sep and cluster in names:
            groups[key].append(cluster)
    out = []
    for note, clusters in groups.items():
        if not clusters:
            out.append(note)
            continue
        shown = ", ".join(clusters[:CLUSTERS_NAMED])
        more = f" and {len(clusters) - CLUSTERS_NAMED:,} more" if len(clusters) > CLUSTERS_NAMED else ""
        out.append(f"{shown}{more}: {note}")
    return out


def assumption_value(value: Any) -> str:
    """An assumption value for people: numbers plain, lists joined, mappings as key=value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return plain_number(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={assumption_value(v)}" for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(assumption_value(v) for v in value)
    return "" if value is None else str(value)


def joined(values: Any, sep: str = "; ") -> str:
    """A list field joined for a single cell; scalars as text; None as empty."""
    if values is None:
        return ""
    if isinstance(values, list | tuple):
        return sep.join(str(v) for v in values)
    return str(values)


# --- fleets and databases -------------------------------------------------------------------------


def fleet_clusters(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The clusters of a fleet report (``fleet.clusters``), in report order; empty for one cluster."""
    return [c for c in items(section(report, "fleet").get("clusters")) if isinstance(c, Mapping)]


def is_fleet(report: Mapping[str, Any]) -> bool:
    """True for a fleet report (several exports or bundles, each one cluster)."""
    return bool(fleet_clusters(report))


def short_duration(seconds: Any) -> str:
    """A window length for a table cell, three significant digits: ``21s``, ``90m``, ``25h``, ``7d``."""
    if not is_number(seconds):
        return "—"
    value = float(seconds)
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if value >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.3g}s"


def sources_text(report: Mapping[str, Any], limit: int = 6) -> str:
    """The input sources for a header line; a fleet's long list is cut: ``a, b, c … (+997 more)``."""
    sources = [str(s) for s in items(section(report, "inputs").get("sources"))]
    if not sources:
        return "—"
    if len(sources) <= limit:
        return ", ".join(sources)
    return f"{', '.join(sources[:limit])} … (+{len(sources) - limit:,} more)"
