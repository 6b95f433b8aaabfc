"""The report's first screen: what an architect needs to act on, before any table.

``summary`` in the report dict (``docs/report-contract.md``) holds, in this order: the verdict, the
options side by side with their totals (and low–high ranges when the report has them), the three
biggest cost drivers, readiness in one line, OCC risk in one line, and the warnings that change the
decision (short observation window, assumed storage, key spaces or transaction shape, capped
capacity, unconfirmed prices, and the verdict's own caveats). Every format prints it first.

It is built from the report dict itself, after every other section, so a section another stage adds
(option ranges, verdict caveats, a decision section) shows up here without touching this module's
callers; :func:`first_screen` also rebuilds it for a report read back from JSON that lacks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costmodel.report.common import (
    conflict_rate_text,
    fmt_share,
    fmt_usd,
    is_number,
    items,
    option_has_unconfirmed,
    option_list,
    section,
    short_duration,
)

SHORT_WINDOW_SECONDS = 3600.0
"""Below an hour of observation a monthly figure is a long extrapolation (also in the warnings)."""
DRIVERS = 3
"""Cost drivers on the first screen."""
RANGE_KEY = "total_monthly_usd_range"
"""An option's low–high monthly range, when the report carries one (``[low, high]`` or
``{"low": …, "high": …}``)."""


def first_screen(report: Mapping[str, Any]) -> dict[str, Any]:
    """The ``summary`` section of ``report`` (the stored one when present)."""
    stored = report.get("summary")
    if isinstance(stored, Mapping) and stored:
        return dict(stored)
    return build_summary(report)


def build_summary(report: Mapping[str, Any]) -> dict[str, Any]:
    """Build the first screen from the other sections of ``report``."""
    verdict = section(report, "verdict")
    return {
        "headline": verdict.get("headline"),
        "recommended": verdict.get("recommended"),
        "cheapest": verdict.get("cheapest"),
        "options": _options(report),
        "drivers": _drivers(report),
        "readiness": readiness_line(report),
        "occ": occ_line(report),
        "warnings": decision_warnings(report),
    }


def option_range(option: Mapping[str, Any]) -> tuple[float, float] | None:
    """An option's (low, high) monthly range, if the report has one."""
    value = option.get(RANGE_KEY)
    if isinstance(value, Mapping):
        value = [value.get("low"), value.get("high")]
    if isinstance(value, list | tuple) and len(value) == 2 and all(is_number(v) for v in value):
        return float(value[0]), float(value[1])
    return None


def _options(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    verdict = section(report, "verdict")
    compared = set(items(verdict.get("compared")))
    out = []
    for option in option_list(report):
        span = option_range(option)
        out.append(
            {
                "name": option.get("name"),
                "title": option.get("title"),
                "total_monthly_usd": option.get("total_monthly_usd"),
                "range_usd": list(span) if span else None,
                "recommended": option.get("name") == verdict.get("recommended"),
                "compared": not compared or option.get("name") in compared,
                "unconfirmed_price": option_has_unconfirmed(option),
            }
        )
    return out


def option_line(entry: Mapping[str, Any]) -> str:
    """``dsql-single-region  $971.90/month (range $800.00–$1,200.00)*  recommended``."""
    text = f"{entry.get('name')}: {fmt_usd(entry.get('total_monthly_usd'), 2)}/month"
    span = entry.get("range_usd")
    if isinstance(span, list) and len(span) == 2 and span[0] != span[1]:  # equal ends: nothing assumed
        text += f" (range {fmt_usd(span[0], 2)}–{fmt_usd(span[1], 2)})"
    if entry.get("unconfirmed_price"):
        text += " *"
    if entry.get("recommended"):
        text += " ← recommended"
    elif not entry.get("compared"):
        text += " (not compared)"
    return text


def _drivers(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The recommended option's three most expensive statements (its cost drivers)."""
    verdict = section(report, "verdict")
    option = next((o for o in option_list(report) if o.get("name") == verdict.get("recommended")), None)
    if option is None:
        return []
    rows = [s for s in items(option.get("top_statements")) if isinstance(s, Mapping)][:DRIVERS]
    return [
        {
            "option": option.get("name"),
            "stmt_id": s.get("stmt_id"),
            "query": s.get("query"),
            "monthly_usd": s.get("monthly_usd"),
            "share": s.get("share"),
        }
        for s in rows
    ]


def driver_line(driver: Mapping[str, Any], limit: int = 48) -> str:
    """``23.9% $29.84  INSERT INTO usage_daily (tenant_id, … (q-2544…)``."""
    query = " ".join(str(driver.get("query") or "").split())
    if len(query) > limit:
        query = query[: limit - 1] + "…"
    return (
        f"{fmt_share(driver.get('share'))} {fmt_usd(driver.get('monthly_usd'), 2)}  "
        f"{query or '(no text)'} ({driver.get('stmt_id')})"
    )


def readiness_line(report: Mapping[str, Any]) -> str:
    """``DSQL readiness: changes needed — 2 blocker(s), 0 warning(s): blockers touch …``."""
    readiness = section(report, "readiness")
    if not readiness:
        return "DSQL readiness: not assessed"
    counts: dict[str, int] = {}
    for finding in items(readiness.get("findings")):
        if isinstance(finding, Mapping):
            severity = str(finding.get("severity") or "info")
            counts[severity] = counts.get(severity, 0) + 1
    found = ", ".join(f"{counts.get(s, 0)} {s}(s)" for s in ("blocker", "warning") if counts.get(s))
    text = f"DSQL readiness: {readiness.get('verdict') or '—'}"
    if found:
        text += f" — {found}"
    if readiness.get("summary"):
        text += f"; {readiness['summary']}"
    return text


def occ_line(report: Mapping[str, Any]) -> str:
    """``OCC risk: low — 0.13% of transactions predicted to conflict (elevated from 1.0%, …)``."""
    contention = section(report, "contention")
    if not contention:
        return "OCC risk: not assessed"
    limits = section(contention, "thresholds")
    rate = conflict_rate_text(contention)
    span = items(contention.get("predicted_conflict_rate_range"))
    if len(span) == 2 and all(is_number(v) for v in span) and span[0] != span[1]:  # assumed key spaces
        low, high = (conflict_rate_text({**contention, "predicted_conflict_rate": v}) for v in span)
        rate = f"{low}–{high} (point estimate {rate})"
    text = f"OCC risk: {contention.get('risk') or '—'} — {rate} of transactions predicted to conflict at the peak hour"
    if is_number(limits.get("elevated")) and is_number(limits.get("high")):
        text += f" (elevated from {fmt_share(limits['elevated'])}, high from {fmt_share(limits['high'])})"
    spots = [s for s in items(contention.get("hot_spots")) if isinstance(s, Mapping)]
    if spots:
        tables = ", ".join(dict.fromkeys(str(s.get("table")) for s in spots[:3]))
        text += f"; {len(spots)} hot spot(s): {tables}"
    return text


def decision_warnings(report: Mapping[str, Any]) -> list[str]:
    """Warnings that can change the decision, each short; the full list stays in Warnings."""
    out: list[str] = []
    window = section(report, "window")
    seconds = window.get("seconds")
    if is_number(seconds) and 0 < float(seconds) < SHORT_WINDOW_SECONDS:
        clusters = [c for c in items(section(report, "fleet").get("clusters")) if isinstance(c, Mapping)]
        who = f"the shortest cluster window is {short_duration(seconds)}" if clusters else None
        out.append(
            (who or f"observation window only {short_duration(seconds)}")
            + f": a month is {730 * 3600 / float(seconds):,.0f}× longer, so every monthly figure extrapolates it; "
            "collect over hours or days for a budget"
        )
    caveats = [str(c) for c in items(section(report, "verdict").get("caveats"))]
    if not caveats:  # the verdict's caveats (issue 13) name assumed inputs with their ranges
        out += _assumed_inputs(report)
    for option in option_list(report):
        capped = section(option, "details").get("capped_minutes")
        if is_number(capped) and capped > 0:
            out.append(
                f"{option.get('name')} is capped by max_acu {float(capped):,.0f} min/month: demand above it would be "
                "throttled, so its total is too low for the load"
            )
    unconfirmed = items(section(report, "prices").get("unconfirmed"))
    if unconfirmed:
        services = sorted({str(ref).split("/", 1)[0] for ref in unconfirmed})
        out.append(
            f"{len(unconfirmed)} unconfirmed price(s) used ({', '.join(services)}): totals marked * may move"
        )
    out += [c for c in caveats if c not in out]
    return out


def _assumed_inputs(report: Mapping[str, Any]) -> list[str]:
    """Assumed storage, transaction shape and key spaces, for a report without verdict caveats."""
    out: list[str] = []
    assumed = {
        str(a.get("key")): a
        for a in items(report.get("assumptions"))
        if isinstance(a, Mapping) and str(a.get("source")) == "default"
    }
    if "storage_gb" in assumed:
        out.append(
            f"storage assumed ({assumed['storage_gb'].get('value')} GB, default): no catalog size in the input"
        )
    if "statements_per_txn" in assumed:
        out.append(
            f"transaction shape assumed ({assumed['statements_per_txn'].get('value')} statements per "
            "transaction): DSQL per-transaction minimums and OCC rest on it"
        )
    patterns = [p for p in items(section(report, "contention").get("patterns")) if isinstance(p, Mapping)]
    guessed = [p for p in patterns if str(p.get("key_space_basis") or "").startswith("occ_default")]
    if guessed:
        out.append(
            f"key spaces assumed for {len(guessed)} of {len(patterns)} write pattern(s) (no catalog facts): "
            "the OCC risk is a guess for them"
        )
    return out
