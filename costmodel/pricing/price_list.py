"""Refresh prices from the AWS Price List bulk offer files (``dsqlcost prices --refresh``).

Why: prices change and the bundled catalog rests partly on third-party quotes; the Price List is
AWS's own machine-readable source. For each service the catalog prices (Aurora DSQL, Amazon RDS
for Serverless v2) this reads the region index, then the offer file of every region the catalog
knows, keeps only the rows the catalog uses (``costmodel/data/price_list_map.yaml``) and returns
them with the offer's publication date. :func:`write_refreshed` writes them as a ``--prices``
override file: the bundled catalog is never touched, and nothing is written unless every offer
file read and parsed (a partial refresh is not a refresh).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml

from costmodel.core.catalog import PriceCatalog
from costmodel.core.errors import PricingError
from costmodel.core.safeio import write_output
from costmodel.core.yamlio import safe_load

TIMEOUT_S = 30.0


class OfflineError(Exception):
    """The Price List could not be reached (no network, DNS, refused): bundled prices are kept."""


@cache
def price_list_map() -> dict[str, Any]:
    """The usage-type map (data/price_list_map.yaml)."""
    text = resources.files("costmodel.data").joinpath("price_list_map.yaml").read_text(encoding="utf-8")
    return dict(safe_load(text))


@dataclass(frozen=True)
class RefreshedPrice:
    service: str
    region: str
    item: str
    value: Decimal
    usagetype: str
    url: str


@dataclass
class Refresh:
    """What one refresh found: prices, the offers' publication dates and the items not found."""

    prices: list[RefreshedPrice] = field(default_factory=list)
    publications: dict[str, str] = field(default_factory=dict)
    """Service code → publication date of the offer files read."""
    missing: list[tuple[str, str, str]] = field(default_factory=list)


def _get_json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 - http(s) URLs we build
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise PricingError(
            f"HTTP {exc.code} for the offer file", file=url, hint="check --offer-url"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise OfflineError(f"could not reach {url}: {getattr(exc, 'reason', exc)}") from None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PricingError(f"not a JSON offer file: {exc}", file=url, column="(document)") from None


def _field(doc: Any, key: str, url: str, kind: type) -> Any:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, kind):
        raise PricingError(
            f"field {key!r} is missing or not a {kind.__name__}",
            file=url,
            column=key,
            hint="the offer file format is documented at docs.aws.amazon.com (using-the-aws-price-list-bulk-api)",
        )
    return value


def _on_demand_price(terms: dict[str, Any], sku: str, url: str) -> Decimal | None:
    """USD of the first tier (beginRange 0) of the SKU's on-demand term."""
    for term in (terms.get(sku) or {}).values():
        dims = _field(term, "priceDimensions", url, dict)
        for dim in dims.values():
            if str(dim.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            try:
                return Decimal(str(usd))
            except (InvalidOperation, TypeError):
                raise PricingError(
                    f"pricePerUnit.USD {usd!r} of SKU {sku} is not a number",
                    file=url,
                    column="terms.OnDemand.priceDimensions.pricePerUnit.USD",
                ) from None
    return None


def parse_offer(doc: Any, url: str, service: str, region: str) -> tuple[list[RefreshedPrice], str]:
    """The catalog's prices for ``region`` in one region offer file, and its publication date."""
    spec = price_list_map()["services"][service]
    published = str(_field(doc, "publicationDate", url, str))
    products = _field(doc, "products", url, dict)
    terms = _field(_field(doc, "terms", url, dict), "OnDemand", url, dict)
    engine = spec.get("engine")
    found: dict[str, RefreshedPrice] = {}
    for sku, product in products.items():
        attrs = _field(product, "attributes", url, dict)
        usage = str(attrs.get("usagetype", ""))
        if attrs.get("regionCode", region) != region:
            continue
        if engine and attrs.get("databaseEngine") not in (None, engine):
            continue
        for item, rule in spec["items"].items():
            if item in found or not any(usage.endswith(s) for s in rule["usagetypes"]):
                continue
            price = _on_demand_price(terms, sku, url)
            if price is not None:
                value = (price * Decimal(str(rule["per"]))).normalize()
                found[item] = RefreshedPrice(service, region, item, value, usage, url)
    return list(found.values()), published


def fetch(catalog: PriceCatalog, base: str | None = None) -> Refresh:
    """Read the region index and the offer file of every catalog region, for both services."""
    mapping = price_list_map()
    root = (base or str(mapping["base_url"])).rstrip("/") + "/"
    out = Refresh()
    for service, spec in mapping["services"].items():
        code = spec["service_code"]
        index_url = urljoin(root, f"offers/v1.0/aws/{code}/current/region_index.json")
        regions = _field(_get_json(index_url), "regions", index_url, dict)
        for region in catalog.regions(service):
            entry = regions.get(region)
            if not isinstance(entry, dict):
                out.missing += [(service, region, item) for item in spec["items"]]
                continue
            url = urljoin(root, str(_field(entry, "currentVersionUrl", index_url, str)).lstrip("/"))
            prices, published = parse_offer(_get_json(url), url, service, region)
            out.prices += prices
            out.publications[code] = published
            got = {p.item for p in prices}
            out.missing += [(service, region, item) for item in spec["items"] if item not in got]
    return out


def default_path() -> Path:
    """``$XDG_CONFIG_HOME/dsqlcost/prices-refreshed.yaml`` (``~/.config`` by default)."""
    home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "dsqlcost" / "prices-refreshed.yaml"


def write_refreshed(refresh: Refresh, path: Path, *, today: date | None = None) -> None:
    """The refreshed prices as a ``--prices`` override file (written whole, then renamed into place)."""
    as_of = (today or date.today()).isoformat()
    blocks: dict[str, dict[str, dict[str, Any]]] = {}
    for p in refresh.prices:
        code = price_list_map()["services"][p.service]["service_code"]
        blocks.setdefault(p.service, {}).setdefault(p.region, {})[p.item] = {
            "price": str(p.value),
            "as_of": as_of,
            "confidence": "price_list",
            "source": [p.url],
            "note": f"AWS Price List {code} published {refresh.publications.get(code, '?')}, usagetype {p.usagetype}",
        }
    doc = {
        "refreshed": {"as_of": as_of, "publication_dates": dict(refresh.publications)},
        "overrides": [{"service": s, "regions": r} for s, r in blocks.items()],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `dsqlcost prices --refresh`; use with --prices FILE. The bundled catalog is unchanged.\n"
    text = header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    write_output(path, text, error=PricingError, option="--out", example="prices-refresh.yaml")


def diff_rows(catalog: PriceCatalog, refresh: Refresh) -> list[tuple[str, str, str, str, str, str]]:
    """(service, region, item, bundled, refreshed, change) for every refreshed or missing price."""
    rows = []
    for p in refresh.prices:
        try:
            old: Decimal | None = catalog.price(p.service, p.region, p.item).value
        except PricingError:
            old = None
        if old is None:
            change = "new"
        elif old == p.value:
            change = "same"
        else:
            change = f"{(p.value - old) / old:+.1%}" if old else "changed"
        rows.append((p.service, p.region, p.item, "" if old is None else str(old), str(p.value), change))
    for service, region, item in refresh.missing:
        try:
            old_text = str(catalog.price(service, region, item).value)
        except PricingError:
            continue
        rows.append((service, region, item, old_text, "", "not in offer: bundled kept"))
    return sorted(rows)
