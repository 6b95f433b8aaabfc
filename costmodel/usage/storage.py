"""Stored data: the scenario's ``storage.gb`` (``--storage-gb``), else the bundle catalog's database
size, else ``database_size_bytes`` in the export's ``.meta.yaml``, else the default (named next to the
verdict: for a multi-TB database storage decides the comparison)."""

from __future__ import annotations

from costmodel.scenario.model import Scenario
from costmodel.usage.context import Notes, UsageContext
from costmodel.usage.model import BYTES_PER_GB


def stored_gb(ctx: UsageContext, scenario: Scenario, notes: Notes) -> tuple[float, str]:
    """GB stored and where the figure came from (recorded as an assumption when not a default)."""
    assumptions, catalog = ctx.assumptions, ctx.workload.catalog
    if scenario.storage.gb is not None:
        storage_gb, source = float(scenario.storage.gb), "scenario storage.gb"
        assumptions.record("storage_gb", storage_gb, "GB", "scenario", "Stored data (scenario storage.gb)")
    elif catalog is not None and catalog.database_size_bytes:
        storage_gb = float(catalog.database_size_bytes) / BYTES_PER_GB
        source = f"catalog database_size_bytes ({catalog.source or 'bundle'})"
        assumptions.record(
            "storage_gb", storage_gb, "GB", "measured", "Database size from the bundle catalog"
        )
    elif isinstance(ctx.workload.info.get("database_size_bytes"), (int, float)):
        storage_gb = float(ctx.workload.info["database_size_bytes"]) / BYTES_PER_GB
        source = f"database_size_bytes in {ctx.workload.info.get('metadata_file') or 'the metadata'}"
        assumptions.record("storage_gb", storage_gb, "GB", "measured", f"Database size: {source}")
    else:
        storage_gb, source = float(assumptions.get("storage_gb")), "default assumption storage_gb"
    notes.estimators["storage"] = f"{storage_gb:,.3f} GB from {source}"
    return storage_gb, source
