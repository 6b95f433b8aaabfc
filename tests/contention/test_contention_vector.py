"""The vectorised conflict-rate sum equals the pairwise rule it replaces (costmodel.contention.model)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from costmodel.contention.model import _conflict_rates, _pair_probability
from costmodel.core.profile import KeyShape

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


def test_group_sums_match_numpy_sums_for_every_group_size() -> None:
    """The patterns' sums are computed for all groups at once; each must equal ``.sum()`` of its slice
    (to the last bits where numpy sums pairwise as assumed; within rounding everywhere)."""
    import numpy as np

    from costmodel.contention.model import _group_sums

    rng = np.random.default_rng(7)
    sizes = np.concatenate([np.arange(1, 40), rng.integers(1, 400, 200), [1000, 2500]])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    values = rng.lognormal(0.0, 3.0, int(sizes.sum())) * rng.choice([-1.0, 1.0], int(sizes.sum()))
    got = _group_sums(values, starts, sizes)
    want = np.array([values[s : s + n].sum() for s, n in zip(starts, sizes)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    exact = np.mean(got == want)
    assert exact > 0.99, f"only {exact:.1%} of the group sums are bit-identical to numpy's"
    assert _group_sums(np.empty(0), np.empty(0, dtype=int), np.empty(0, dtype=int)).size == 0
