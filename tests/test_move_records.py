"""aftershock.move_records, the search behind fct_records' "largest since": against a plain loop over
every earlier position (dbt unit tests cannot run the Python model that calls it)."""

from __future__ import annotations

import numpy as np
import pytest

from aftershock.move_records import latest_larger_before, previous_larger


def _loop_previous_larger(values, group):
    return [
        max((j for j in range(i) if group[j] == group[i] and values[j] > values[i]), default=-1)
        for i in range(len(values))
    ]


@pytest.mark.parametrize("seed", range(40))
def test_previous_larger_matches_a_loop_with_ties_and_groups(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    group = np.sort(rng.integers(0, 4, n))
    values = rng.integers(0, 6, n).astype(float)  # few values: many ties, which are not larger
    assert previous_larger(values, group).tolist() == _loop_previous_larger(values, group)


@pytest.mark.parametrize("seed", range(40))
def test_latest_larger_before_matches_a_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    group = np.sort(rng.integers(0, 4, n))
    values = rng.integers(0, 6, n).astype(float)
    at = rng.integers(0, n, 30)
    query = rng.integers(0, 7, 30).astype(float)
    expected = [
        max((j for j in range(a) if group[j] == group[a] and values[j] > q), default=-1) for a, q in zip(at, query)
    ]
    assert latest_larger_before(values, group, at, query).tolist() == expected


def test_monotone_runs():
    rising = np.arange(1000.0)
    assert (previous_larger(rising, np.zeros(1000, dtype=int)) == -1).all()
    falling = rising[::-1].copy()
    assert previous_larger(falling, np.zeros(1000, dtype=int)).tolist() == list(range(-1, 999))
    assert previous_larger(np.array([]), np.array([], dtype=int)).tolist() == []
