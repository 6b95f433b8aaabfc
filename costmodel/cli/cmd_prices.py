"""``dsqlcost prices``: every known unit price with its date, confidence and sources.

A cost estimate is only as good as its prices, and several DSQL and Aurora prices outside
us-east-1 rest on one third-party source. This command shows them all, marks the unconfirmed
ones, names the conflicting figures, and shows ``--prices FILE`` overrides as such, so a reader
can check a price before trusting a report built on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from costmodel.core.catalog import Price, PriceCatalog, load_catalog
from costmodel.pricing.price_list import OfflineError, default_path, diff_rows, fetch, write_refreshed

EPILOG = """\
examples:
  dsqlcost prices --service aurora_dsql
  dsqlcost prices --region eu-west-1 --format json
  dsqlcost prices --prices negotiated.yaml      # overrides show confidence 'override'
  dsqlcost prices --refresh                     # AWS Price List -> ~/.config/dsqlcost/prices-refreshed.yaml
  dsqlcost report EXPORT --prices ~/.config/dsqlcost/prices-refreshed.yaml"""


def register(subparsers: Any) -> None:
    """Add the ``prices`` subcommand."""
    parser = subparsers.add_parser(
        "prices",
        help="list every known price with as_of, confidence and sources",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME",
        help="only this service (aurora_dsql, aurora_serverless_v2, transfer); repeatable",
    )
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="REGION",
        help="only this region (transfer pairs that include it); repeatable",
    )
    parser.add_argument(
        "--prices",
        action="append",
        default=[],
        metavar="FILE",
        help="price override file (same layout as costmodel/data/prices/*.yaml); repeatable",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default table)"
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="fetch current prices from the AWS Price List bulk offer files (AuroraDSQL, AmazonRDS), "
        "write them to a user file (never the bundled catalog) and show the diff",
    )
    parser.add_argument(
        "--offer-url",
        metavar="BASE",
        help="Price List base URL (default https://pricing.us-east-1.amazonaws.com; a mirror or test server)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="where --refresh writes (default ~/.config/dsqlcost/prices-refreshed.yaml)",
    )
    parser.set_defaults(func=run)


def _selected(catalog: PriceCatalog, services: list[str], regions: list[str]) -> list[Price]:
    from costmodel.core.errors import PricingError

    known = sorted({p.service for p in catalog})
    for service in services:
        if service not in known:
            raise PricingError(
                f"unknown service {service!r}", column="--service", hint=f"use {', '.join(known)}"
            )
    out = []
    for price in catalog:
        if services and price.service not in services:
            continue
        if regions and not any(
            r == price.region or r in price.region.replace("->", "<>").split("<>") for r in regions
        ):
            continue
        out.append(price)
    return out


def _source(catalog: PriceCatalog, ident: str) -> dict[str, str]:
    entry = catalog.sources.get(ident) or {}
    return {"id": ident, "title": str(entry.get("title", "")), "url": str(entry.get("url", ""))}


def as_records(catalog: PriceCatalog, prices: list[Price]) -> list[dict[str, Any]]:
    """One JSON-ready record per price (Decimal values as strings, sources expanded)."""
    return [
        {
            "service": p.service,
            "region": p.region,
            "item": p.item,
            "value": str(p.value),
            "unit": p.unit,
            "as_of": p.as_of,
            "confidence": p.confidence,
            "confirmed": p.confirmed,
            "sources": [_source(catalog, s) for s in p.sources],
            "conflicting": None if p.conflicting is None else str(p.conflicting),
            "note": p.note,
            "file": p.file,
            "override": p.confidence == "override",
        }
        for p in prices
    ]


def render_table(catalog: PriceCatalog, prices: list[Price]) -> str:
    """Fixed-width table, then the legend of the sources cited."""
    headers = ("service", "region", "item", "value", "unit", "as_of", "confidence", "sources", "conflicting")
    rows = [
        (
            p.service,
            p.region,
            p.item,
            str(p.value),
            p.unit,
            p.as_of,
            p.confidence + ("" if p.confirmed else " UNCONFIRMED"),
            ",".join(p.sources),
            "" if p.conflicting is None else str(p.conflicting),
        )
        for p in prices
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    cited = sorted({s for p in prices for s in p.sources}, key=lambda s: (len(s), s))
    if cited:
        lines += ["", "sources:"]
        for ident in cited:
            src = _source(catalog, ident)
            text = src["title"] or "(not in sources.yaml: an override file)"
            lines.append(f"  {ident}: {text}" + (f" <{src['url']}>" if src["url"] else ""))
    unconfirmed = sum(1 for p in prices if not p.confirmed)
    lines += [
        "",
        f"{len(prices)} price(s), {unconfirmed} UNCONFIRMED (one non-AWS source, or sources disagree)",
    ]
    if catalog.overrides:
        lines.append(f"overrides from: {', '.join(catalog.overrides)} (confidence 'override')")
    return "\n".join(lines) + "\n"


def refresh(args: argparse.Namespace, catalog: PriceCatalog) -> int:
    """Fetch, write the user file, print the diff; without network say so and keep the bundled prices."""
    try:
        found = fetch(catalog, args.offer_url)
    except OfflineError as exc:
        sys.stderr.write(f"no network: {exc}; the bundled prices are kept (nothing written)\n")
        return 0
    path = Path(args.out) if args.out else default_path()
    write_refreshed(found, path)
    rows = diff_rows(catalog, found)
    headers = ("service", "region", "item", "bundled", "refreshed", "change")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    published = ", ".join(f"{code} {date}" for code, date in sorted(found.publications.items()))
    changed = sum(1 for r in rows if r[5] not in ("same", "not in offer: bundled kept"))
    lines += [
        "",
        f"{len(found.prices)} price(s) from the AWS Price List (published {published or 'unknown'}), {changed} differ from the bundled catalog",
        f"written to {path}; use it with --prices {path} (the bundled catalog is unchanged)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Print the selected prices (or refresh them from the AWS Price List)."""
    catalog = load_catalog(args.prices)
    if args.refresh:
        return refresh(args, catalog)
    prices = _selected(catalog, args.service, args.region)
    if args.format == "json":
        doc = {
            "schema_version": 1,
            "overrides": list(catalog.overrides),
            "prices": as_records(catalog, prices),
        }
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_table(catalog, prices))
    return 0
