"""The deployment options the tool prices: their kinds, footprints and names, in one registry.

Every front end, the verdict and the fleet read option facts from here instead of spelling option
names: an option is an :class:`OptionSpec` (name, kind, footprint, title). The pricer that produces
an option's estimate registers in :mod:`costmodel.pricing.registry`; both registries are the one
door a new option comes through (``docs/adding-an-option.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OptionKind(StrEnum):
    """The service an option runs on (what billing model applies)."""

    DSQL = "dsql"
    """Aurora DSQL: DPU per request plus storage."""
    SERVERLESS_V2 = "serverless-v2"
    """Aurora Serverless v2: ACU-hours, storage and I/O."""


class Footprint(StrEnum):
    """Which options an option is compared with (like with like)."""

    SINGLE_REGION = "single-region"
    """Serves the workload in one region."""
    MULTI_REGION = "multi-region"
    """Keeps the data in several regions (DSQL peers, a Global Database)."""


@dataclass(frozen=True)
class OptionSpec:
    """What is known about an option before it is priced."""

    name: str
    """Stable identifier used in reports, CSV columns and the JSON contract."""
    kind: OptionKind
    footprint: Footprint
    title: str
    """Short human name; a pricer may add the region or mode to an estimate's own title."""
    group: str = ""
    """Options of one group are alternatives of one deployment (Serverless v2's I/O modes): the
    verdict lets only the group's recommended member compete."""

    @property
    def multi_region(self) -> bool:
        """True when the option competes in the multi-region comparison."""
        return self.footprint is Footprint.MULTI_REGION


DSQL_SINGLE_REGION = OptionSpec("dsql-single-region", OptionKind.DSQL, Footprint.SINGLE_REGION, "Aurora DSQL")
DSQL_MULTI_REGION = OptionSpec(
    "dsql-multi-region", OptionKind.DSQL, Footprint.MULTI_REGION, "Aurora DSQL multi-region"
)
SV2_IO_MODES = "serverless-v2-io-mode"
SV2_STANDARD = OptionSpec(
    "serverless-v2-standard",
    OptionKind.SERVERLESS_V2,
    Footprint.SINGLE_REGION,
    "Aurora Serverless v2, Standard",
    group=SV2_IO_MODES,
)
SV2_IO_OPTIMIZED = OptionSpec(
    "serverless-v2-io-optimized",
    OptionKind.SERVERLESS_V2,
    Footprint.SINGLE_REGION,
    "Aurora Serverless v2, I/O-Optimized",
    group=SV2_IO_MODES,
)
SV2_GLOBAL = OptionSpec(
    "serverless-v2-global",
    OptionKind.SERVERLESS_V2,
    Footprint.MULTI_REGION,
    "Aurora Serverless v2 Global Database",
)

_SPECS: dict[str, OptionSpec] = {}


def register_option(spec: OptionSpec) -> OptionSpec:
    """Add ``spec`` to the registry (idempotent for the same spec; a different one is an error)."""
    known = _SPECS.get(spec.name)
    if known is not None and known != spec:
        raise ValueError(f"option {spec.name!r} is already registered differently")
    _SPECS[spec.name] = spec
    return spec


def unregister_option(name: str) -> None:
    """Remove an option (tests that register a throw-away option clean up with this)."""
    _SPECS.pop(name, None)


def option_spec(name: str) -> OptionSpec | None:
    """The registered spec called ``name`` (None for an unknown name)."""
    return _SPECS.get(name)


def option_specs() -> tuple[OptionSpec, ...]:
    """Every registered option, in registration order (the order reports and charts use)."""
    return tuple(_SPECS.values())


def is_multi_region(name: str) -> bool:
    """True for a registered multi-region option; an unknown name counts as single-region."""
    spec = _SPECS.get(name)
    return spec is not None and spec.multi_region


def option_group(name: str) -> str:
    """The group of a registered option ('' for none or an unknown name)."""
    spec = _SPECS.get(name)
    return spec.group if spec is not None else ""


def option_order(name: str) -> int:
    """Position of ``name`` in the registry (unknown names sort last): stable colours and rows."""
    for i, spec_name in enumerate(_SPECS):
        if spec_name == name:
            return i
    return len(_SPECS)


for _spec in (DSQL_SINGLE_REGION, DSQL_MULTI_REGION, SV2_STANDARD, SV2_IO_OPTIMIZED, SV2_GLOBAL):
    register_option(_spec)
