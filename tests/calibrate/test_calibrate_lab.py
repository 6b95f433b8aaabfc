"""The public measured DSQL runs (../shared/data/dsql-lab, MIT): parser and formulas against real figures.

Each 2026-04-28 record holds one real ``EXPLAIN ANALYZE VERBOSE`` output and the CloudWatch
figures of its window. The parser must read every block with its Total arithmetic, and the
official formulas must agree with the measured bytes: CloudWatch ReadDPU and WriteDPU are whole
numbers of bytes at the exact rates, and never below the formula applied to BytesRead/BytesWritten.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from costmodel.calibrate.explain import HALF_UNIT, parse_explain_records
from costmodel.core.catalog import load_catalog
from costmodel.pricing.dsql import DpuConstants, statement_dpu

LAB = Path(__file__).resolve().parents[3] / "shared" / "data" / "dsql-lab" / "2026-04-28"
C = DpuConstants.from_catalog(load_catalog())


@pytest.fixture(autouse=True)
def _lab_present() -> None:
    """The lab data is an input of these tests: missing, they fail (never a silent skip)."""
    if not LAB.is_dir():
        pytest.fail(f"{LAB} not present: the project expects ../shared beside it")


def _records() -> list[tuple[str, int, dict]]:
    out = []
    for path in sorted(LAB.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            out.append((path.name, n, json.loads(line)))
    return out


def test_every_lab_block_parses_and_its_total_is_the_sum_of_its_parts() -> None:
    blocks = []
    for path in sorted(LAB.glob("*.jsonl")):
        blocks += parse_explain_records(path.read_text(encoding="utf-8"), str(path))
    assert len(blocks) == len(_records()) == 160
    for block in blocks:
        assert abs(block.total - block.parts_sum) <= HALF_UNIT * 4, f"{block.file}:{block.line}"
    with_minimum = [b for b in blocks if "read" in b.minimums]
    assert with_minimum and all(b.minimums["read"] == Decimal("0.00375") for b in with_minimum)
    assert all(b.read < Decimal("0.00375") for b in with_minimum)  # the suffix marks values below the minimum
    assert all(b.write < Decimal("0.05") for b in blocks if "write" in b.minimums)


def _exact_bytes(dpu: float, rate: Decimal) -> Fraction:
    return Fraction(repr(dpu)) / Fraction(rate)


def test_cloudwatch_read_and_write_dpu_are_whole_bytes_at_the_exact_rates() -> None:
    """Why the exact rates (minimum DPU / minimum bytes) and not the published roundings."""
    reads = writes = 0
    for name, n, rec in _records():
        read = _exact_bytes(rec["CloudWatchReadDPU"], C.read_per_byte)
        assert abs(read - round(read)) < Fraction(1, 10**6), f"{name}:{n}"
        reads += 1
        if rec["CloudWatchWriteDPU"] > 0:
            written = _exact_bytes(rec["CloudWatchWriteDPU"], C.write_per_byte)
            assert abs(written - round(written)) < Fraction(1, 10**6), f"{name}:{n}"
            writes += 1
        rounded = Fraction(repr(rec["CloudWatchReadDPU"])) / Fraction("0.00000183105")
        assert abs(rounded - round(rounded)) > Fraction(1, 10**4), (
            f"{name}:{n}: also whole at the rounded rate"
        )
    assert (reads, writes) == (160, 69)


def test_formulas_on_measured_bytes_never_exceed_cloudwatch_and_reads_stay_close() -> None:
    for name, n, rec in _records():
        formula = statement_dpu(0, rec["BytesRead"], rec["BytesWritten"], constants=C)
        assert float(formula.read) <= rec["CloudWatchReadDPU"] + 1e-12, f"{name}:{n}"
        assert float(formula.write) <= rec["CloudWatchWriteDPU"] + 1e-12, f"{name}:{n}"
        if rec["operation_type"] == "read":
            # read-only windows: the difference is the 128 B floor of the partitions touched
            assert rec["CloudWatchReadDPU"] <= 1.25 * float(formula.read), f"{name}:{n}"


def test_printed_write_values_are_whole_bytes_only_at_the_exact_rate() -> None:
    """A 1 MiB row prints Write 51.20234: 1,048,624 B at 0.05/1024 DPU; no whole byte count gives it at 0.00004883."""
    rec = next(
        r
        for name, _, r in _records()
        if name.startswith("write_uuid") and r["test_id"] == "iter01_write_single_1MB"
    )
    printed = Decimal(str(rec["WriteDPU"]))
    q = Decimal("0.00001")

    def whole_bytes(rate: Decimal) -> list[int]:
        guess = int(printed / rate)
        return [b for b in range(guess - 2, guess + 3) if (b * rate).quantize(q) == printed]

    assert whole_bytes(C.write_per_byte) == [1_048_624]
    assert whole_bytes(Decimal("0.00004883")) == []
