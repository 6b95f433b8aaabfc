"""Prices as data: load ``costmodel/data/prices/*.yaml`` and answer "what does X cost in region R?".

Every price carries its ``as_of`` date, confidence and sources, so a report can say where each
unit price came from and mark the unconfirmed ones. A region or item without a price is a
:class:`~costmodel.core.errors.PricingError` naming the region and the file to extend — never a
silent zero. ``--prices FILE`` overrides entries (negotiated rates) with the same layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from costmodel.core.errors import PricingError
from costmodel.core.safeio import read_text
from costmodel.core.yamlio import safe_load

PRICE_DIR = "costmodel/data/prices"
SERVICE_FILES = {
    "aurora_dsql": "aurora_dsql.yaml",
    "aurora_serverless_v2": "aurora_serverless_v2.yaml",
    "transfer": "transfer.yaml",
}
CONFIRMED = frozenset({"confirmed", "override"})
PRICE_KEYS = frozenset({"price", "as_of", "confidence", "source", "note", "conflicting"})


@dataclass(frozen=True)
class Price:
    """One unit price with its provenance."""

    service: str
    region: str
    item: str
    value: Decimal
    unit: str
    as_of: str
    confidence: str
    sources: tuple[str, ...]
    file: str
    note: str = ""
    conflicting: Decimal | None = None

    @property
    def confirmed(self) -> bool:
        """True for official prices and user overrides; reports mark the others."""
        return self.confidence in CONFIRMED

    @property
    def ref(self) -> str:
        """Short provenance for a line item: ``aurora_dsql/us-east-1/dpu_per_million as_of … (…; S2,S3)``."""
        mark = "" if self.confirmed else " UNCONFIRMED"
        return (
            f"{self.service}/{self.region}/{self.item} as_of {self.as_of} "
            f"({self.confidence}{mark}; {','.join(self.sources) or self.file})"
        )


@dataclass(frozen=True)
class Fact:
    """A non-price number from a price file (formula constant, free tier, billing fact)."""

    name: str
    value: Any
    sources: tuple[str, ...]
    confidence: str = "confirmed"
    note: str = ""
    unit: str = ""
    as_of: str = ""


@dataclass(frozen=True)
class PriceCatalog:
    """All loaded prices and facts; build with :func:`load_catalog`."""

    prices: dict[tuple[str, str, str], Price]
    units: dict[tuple[str, str], str]
    facts: dict[tuple[str, str], Fact]
    region_sets: dict[str, tuple[str, ...]]
    single_region_only: tuple[str, ...]
    sources: dict[str, dict[str, str]]
    overrides: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)

    def price(self, service: str, region: str, item: str) -> Price:
        """The price of ``item`` in ``region``; a missing one is an error naming the file to extend."""
        found = self.prices.get((service, region, item))
        if found is not None:
            return found
        known = sorted({r for (s, r, i) in self.prices if s == service and i == item})
        file = f"{PRICE_DIR}/{SERVICE_FILES.get(service, service + '.yaml')}"
        if not any(r == region for (s, r, _i) in self.prices if s == service):
            msg = f"no {service} prices for region {region!r}"
        else:
            msg = f"no {service} price {item!r} for region {region!r}"
        raise PricingError(
            f"{msg}; known regions for {item}: {', '.join(known) or 'none'}",
            hint=f"add it to {file} (with as_of and source) or pass --prices FILE with your rate",
        )

    def has_price(self, service: str, region: str, item: str) -> bool:
        """Whether a price exists (for listing options without raising)."""
        return (service, region, item) in self.prices

    def regions(self, service: str) -> list[str]:
        """Regions with at least one price for ``service``."""
        return sorted({r for (s, r, _i) in self.prices if s == service})

    def fact(self, service: str, name: str) -> Fact:
        """A formula constant or billing fact, e.g. ``fact('aurora_dsql', 'read_dpu_per_byte')``."""
        try:
            return self.facts[(service, name)]
        except KeyError:
            raise PricingError(
                f"no {service} fact {name!r} in the price catalog",
                hint=f"check {PRICE_DIR}/{SERVICE_FILES.get(service, service)}",
            ) from None

    def decimal_fact(self, service: str, name: str) -> Decimal:
        """A numeric fact as Decimal."""
        return Decimal(str(self.fact(service, name).value))

    def region_set_of(self, region: str) -> str | None:
        """The DSQL multi-region set (``US``, ``EU``, ``AP``) containing ``region``, if any."""
        for name, members in self.region_sets.items():
            if region in members:
                return name
        return None

    def transfer(self, source: str, destination: str) -> Price:
        """Inter-region transfer price per GB from ``source`` to ``destination``."""
        for key in (f"{source}->{destination}", f"{source}<>{destination}", f"{destination}<>{source}"):
            found = self.prices.get(("transfer", key, "per_gb"))
            if found is not None:
                return found
        raise PricingError(
            f"no inter-region transfer price from {source!r} to {destination!r}",
            hint=f"add '{source}<>{destination}' to {PRICE_DIR}/transfer.yaml or pass --prices FILE",
        )

    def __iter__(self) -> Iterator[Price]:
        return iter(sorted(self.prices.values(), key=lambda p: (p.service, p.region, p.item)))


def _as_decimal(value: Any, where: str, file: str) -> Decimal:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PricingError(f"{where}: price {value!r} is not a number", file=file) from None
    if not out.is_finite() or out < 0:
        raise PricingError(f"{where}: price {value!r} must be a non-negative number", file=file)
    return out


def _sources(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def _read_yaml(text: str, file: str) -> dict[str, Any]:
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise PricingError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file, row=row) from None
    if not isinstance(data, dict):
        raise PricingError("a price file must be a YAML mapping", file=file)
    return data


def _price_entry(
    service: str,
    region: str,
    item: str,
    entry: Any,
    units: dict[tuple[str, str], str],
    file: str,
    override: bool,
) -> Price:
    where = f"{service}.{region}.{item}"
    if not isinstance(entry, dict):
        if override:
            entry = {"price": entry}
        else:
            raise PricingError(
                f"{where}: expected a mapping with price, as_of, confidence, source", file=file
            )
    unknown = set(entry) - PRICE_KEYS
    if unknown:
        raise PricingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}", file=file)
    if "price" not in entry:
        raise PricingError(f"{where}: missing 'price'", file=file)
    if not override and ("as_of" not in entry or not entry.get("source")):
        raise PricingError(f"{where}: every price needs as_of and source", file=file)
    unit = units.get((service, item))
    if unit is None:
        raise PricingError(f"{where}: unknown item {item!r}", file=file, hint="see `dsqlcost prices`")
    conflicting = entry.get("conflicting")
    return Price(
        service=service,
        region=region,
        item=item,
        value=_as_decimal(entry["price"], where, file),
        unit=unit,
        as_of=str(entry.get("as_of") or dt.date.today().isoformat()),
        confidence="override" if override else str(entry.get("confidence", "unconfirmed")),
        sources=_sources(entry.get("source")) or ((Path(file).name,) if override else ()),
        file=file,
        note=str(entry.get("note", "")),
        conflicting=_as_decimal(conflicting["price"], where, file) if isinstance(conflicting, dict) else None,
    )


def _load_service(
    data: dict[str, Any],
    file: str,
    prices: dict[tuple[str, str, str], Price],
    units: dict[tuple[str, str], str],
    facts: dict[tuple[str, str], Fact],
    override: bool,
) -> None:
    service = data.get("service")
    if service not in SERVICE_FILES:
        raise PricingError(
            f"unknown or missing 'service' {service!r}",
            file=file,
            hint=f"use one of {', '.join(SERVICE_FILES)}",
        )
    for item, spec in (data.get("items") or {}).items():
        units[(service, item)] = str(spec["unit"])
    if service == "transfer":
        for pair, entry in (data.get("pairs") or {}).items():
            if "<>" not in pair and "->" not in pair:
                raise PricingError(f"transfer pair {pair!r} must be 'a<>b' or 'a->b'", file=file)
            prices[(service, pair, "per_gb")] = _price_entry(
                service, pair, "per_gb", entry, units, file, override
            )
    for region, items in (data.get("regions") or {}).items():
        if not isinstance(items, dict):
            raise PricingError(f"{service}.{region}: expected a mapping of items", file=file)
        for item, entry in items.items():
            prices[(service, region, item)] = _price_entry(
                service, region, item, entry, units, file, override
            )
    for group in ("formulas", "facts", "free_tier", "multi_region"):
        for name, entry in (data.get(group) or {}).items():
            if not isinstance(entry, dict) or "value" not in entry:
                raise PricingError(f"{service}.{group}.{name}: expected a mapping with value", file=file)
            facts[(service, f"{group}.{name}" if group in ("free_tier", "multi_region") else name)] = Fact(
                name=name,
                value=entry["value"],
                sources=_sources(entry.get("source")),
                confidence=str(entry.get("confidence", "confirmed")),
                note=str(entry.get("note", "")),
                unit=str(entry.get("unit", "")),
                as_of=str(entry.get("as_of", "")),
            )


@lru_cache(maxsize=1)
def _builtin() -> PriceCatalog:
    prices: dict[tuple[str, str, str], Price] = {}
    units: dict[tuple[str, str], str] = {}
    facts: dict[tuple[str, str], Fact] = {}
    folder = resources.files("costmodel") / "data" / "prices"
    sources = _read_yaml((folder / "sources.yaml").read_text(encoding="utf-8"), f"{PRICE_DIR}/sources.yaml")
    region_sets: dict[str, tuple[str, ...]] = {}
    single: tuple[str, ...] = ()
    files: dict[str, str] = {}
    for service, name in SERVICE_FILES.items():
        file = f"{PRICE_DIR}/{name}"
        data = _read_yaml((folder / name).read_text(encoding="utf-8"), file)
        _load_service(data, file, prices, units, facts, override=False)
        files[service] = file
        if service == "aurora_dsql":
            region_sets = {k: tuple(v["regions"]) for k, v in (data.get("region_sets") or {}).items()}
            single = tuple(data.get("single_region_only") or ())
    return PriceCatalog(prices, units, facts, region_sets, single, sources, (), files)


def load_catalog(overrides: Sequence[str | Path] = ()) -> PriceCatalog:
    """The built-in catalog, with entries from each ``--prices FILE`` laid over it.

    An override file uses the same layout as the built-in files (``service:``, ``regions:`` →
    items; ``pairs:`` for transfer); a bare number is accepted as a price. Overridden prices are
    marked ``override`` (treated as confirmed) and cite the override file.
    """
    base = _builtin()
    if not overrides:
        return base
    prices = dict(base.prices)
    units = dict(base.units)
    facts = dict(base.facts)
    for path in overrides:
        file = str(path)
        data = _read_yaml(read_text(path, PricingError, "price file"), file)
        docs = data.get("overrides") if "overrides" in data else [data]
        if not isinstance(docs, list):
            raise PricingError("'overrides' must be a list of service blocks", file=file)
        for doc in docs:
            if not isinstance(doc, dict):
                raise PricingError("each override block must be a mapping", file=file)
            _load_service(doc, file, prices, units, facts, override=True)
    return PriceCatalog(
        prices,
        units,
        facts,
        base.region_sets,
        base.single_region_only,
        base.sources,
        tuple(str(p) for p in overrides),
        base.files,
    )
