"""The read constants fitted leave-one-shape-out: ReadDPU scored on lab groups they never saw.

The read model's per-access constants (``dsql_*_bytes`` in ``costmodel/data/assumptions/usage.yaml``)
were read off the public lab, so scoring ReadDPU against the same lab with them is in-sample. Here
they are re-derived from the lab by a fixed rule, once per lab group from the *other* groups only,
and each group is priced with the constants fitted without it:

* the model is run once with every constant at 0: what is left is the bytes of the rows themselves
  (rows scanned × logical width + out-of-row pages), per case;
* per key lookup (point reads) and per scan access (single-table scans, LIMIT pages): the floor is
  the median measured over rows of at most 128 B (the partition minimum: below it a row's size
  cannot show), the overhead the median of measured − row bytes over larger rows;
* the INSERT read: the median of one-row INSERTs with a primary key and without, and per further
  row the median of (measured − the one-row figure) / (rows − 1) over multi-row INSERTs.

A constant the other groups cannot show (no key lookup outside ``read_serial_pk``) takes the
nearest one they can (the scan access's): that is what a model fitted without the shape would do.
WriteDPU has no constant fitted from the lab (AWS's formula over the collected catalog's logical
row widths), so its figure is held out as it stands.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

READ_KEYS = (
    "dsql_point_access_overhead_bytes",
    "dsql_point_access_floor_bytes",
    "dsql_scan_access_overhead_bytes",
    "dsql_scan_access_floor_bytes",
    "dsql_unique_check_read_bytes",
    "dsql_insert_read_bytes_no_pk",
    "dsql_unique_check_bytes_per_extra_row",
)
ZERO = dict.fromkeys(READ_KEYS, 0.0)
"""Every read constant at 0: the model's read bytes are then the rows' own bytes."""


SMALL_ROW = 128.0
"""Rows up to the partition minimum: their reads show the floor, not the overhead."""


def _access(measured: np.ndarray, row: np.ndarray) -> tuple[float, float] | None:
    """(overhead, floor) of one access kind, or None without cases."""
    if not len(measured):
        return None
    small = row <= SMALL_ROW
    floor = float(np.median(measured[small])) if small.any() else float(np.min(measured))
    overhead = float(np.median(measured[~small] - row[~small])) if (~small).any() else floor
    return max(overhead, 0.0), floor


def fit_read_constants(train: pd.DataFrame, per_byte: float) -> dict[str, float]:
    """The seven read constants from training cases (``measured_read_raw``, ``row_bytes`` …)."""
    measured = train["measured_read_raw"].to_numpy(float) / per_byte
    row = train["row_bytes"].to_numpy(float)
    cls = train["statement_class"].to_numpy(object)
    single = (train["joins"].to_numpy(float) == 0) & (train["aggregates"].to_numpy(float) == 0)
    point = _access(measured[cls == "point_read"], row[cls == "point_read"])
    scan_cases = (cls == "scan_read") & single
    scan = _access(measured[scan_cases], row[scan_cases])
    if scan is None:
        scan = point or (0.0, 0.0)
    point = point or scan
    inserts = train["kind"].to_numpy(object) == "insert"
    written = train["rows_written"].to_numpy(float)
    pk = train["unique_check"].to_numpy(bool)
    one = {
        has: float(np.median(measured[inserts & (written == 1) & (pk == has)]))
        if (inserts & (written == 1) & (pk == has)).any()
        else np.nan
        for has in (True, False)
    }
    if np.isnan(one[True]) or np.isnan(one[False]):
        known = one[True] if not np.isnan(one[True]) else one[False]
        one = {has: (known if np.isnan(v) else v) for has, v in one.items()}
    multi = inserts & (written > 1)
    base = np.where(pk, one[True], one[False])
    per_row = (
        float(np.median((measured[multi] - base[multi]) / (written[multi] - 1.0))) if multi.any() else 0.0
    )
    return {
        "dsql_point_access_overhead_bytes": round(point[0], 1),
        "dsql_point_access_floor_bytes": round(point[1], 1),
        "dsql_scan_access_overhead_bytes": round(scan[0], 1),
        "dsql_scan_access_floor_bytes": round(scan[1], 1),
        "dsql_unique_check_read_bytes": round(np.nan_to_num(one[True]), 1),
        "dsql_insert_read_bytes_no_pk": round(np.nan_to_num(one[False]), 1),
        "dsql_unique_check_bytes_per_extra_row": round(max(per_row, 0.0), 1),
    }


def held_out_constants(rows: pd.DataFrame, per_byte: float) -> dict[str, dict[str, float]]:
    """Per lab group: the read constants fitted on every other group (``rows`` from the zero run)."""
    out = {}
    for group in rows["group"].unique():
        out[str(group)] = fit_read_constants(rows[rows["group"] != group], per_byte)
    return out


def leave_one_shape_out_reads(
    cases: list, modelled: Callable[..., pd.DataFrame], per_byte: float
) -> tuple[pd.DataFrame, dict[str, float], dict[str, dict[str, float]]]:
    """Every case priced with read constants fitted without its group; and the all-lab fit.

    Returns the priced frame (``modelled``'s columns), the constants fitted on the whole lab (to
    set beside the shipped defaults) and the per-group held-out constants.
    """
    zero = modelled(cases, lambda _group: ZERO)
    zero["row_bytes"] = zero["model_read_raw"].to_numpy(float) / per_byte
    constants = held_out_constants(zero, per_byte)
    whole = fit_read_constants(zero, per_byte)
    return modelled(cases, lambda group: constants[group]), whole, constants
