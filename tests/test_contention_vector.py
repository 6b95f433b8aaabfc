"""The vectorised conflict-rate sum equals the pairwise rule it replaces (costmodel.contention)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from costmodel.contention import _conflict_rates, _pair_probability
from costmodel.profile import KeyShape

SHAPES = (KeyShape.PARAMETER.value, KeyShape.TENANT.value, KeyShape.WHOLE_TABLE.value, KeyShape.UPSERT.value)
COLUMNS = ((), ("id",), ("tenant_id",), ("tenant_id", "id"), ("id", "tenant_id"))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("rows", [None, 5_000.0])
def test_matrix_sum_equals_the_pairwise_sum(seed: int, rows: float | None) -> None:
    rng = random.Random(seed)
    group = [
        {
            "rate_per_s": rng.uniform(0, 50),
            "key_space": float(rng.choice((1, 3, 10, 1000, 100_000))),
            "key_shape": rng.choice(SHAPES),
            "key_columns": rng.choice(COLUMNS),
        }
        for _ in range(rng.randint(1, 12))
    ]
    expected = [
        sum(b["rate_per_s"] * _pair_probability(a, b, rows, same=i == j) for j, b in enumerate(group))
        for i, a in enumerate(group)
    ]
    assert np.allclose(_conflict_rates(group, rows), expected, rtol=1e-12, atol=0)
