"""The arithmetic of int_event_analog_candidates (a dbt Python model, so no dbt unit test reaches it):
its numpy products against the sums over the common stocks, written out by hand."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "int_event_analog_candidates", ROOT / "dbt" / "models" / "intermediate" / "int_event_analog_candidates.py"
)
candidates = importlib.util.module_from_spec(spec)
spec.loader.exec_module(candidates)

STOCKS = ["A", "B", "C"]
SESSIONS = ["d1", "d2", "d3", "d4", "day0"]
SCORES = {  # stock, session: score
    ("A", "day0"): -4.0,
    ("B", "day0"): -2.0,
    ("A", "d1"): -2.0,  # d1 (-2, -1) points the way day 0 (-4, -2) does: similarity 1
    ("B", "d1"): -1.0,
    ("C", "d1"): 9.0,  # C has no day-0 score: not a common stock
    ("A", "d2"): 1.0,  # d2 (1, 2): cos = (-4 - 4) / (sqrt 20 sqrt 5) = -0.8
    ("B", "d2"): 2.0,
    ("A", "d3"): 3.0,  # d3 shares one stock only: left out below min_common = 2
    ("A", "d4"): 1.0,  # d4 (1, 1): no spread, so no correlation; cos = -6 / (sqrt 20 sqrt 2)
    ("B", "d4"): 1.0,
}


def run(day0: list[int], top_n: int = 5, min_common: int = 2):
    stock, session, score = (
        np.array(x) for x in zip(*((STOCKS.index(t), SESSIONS.index(d), v) for (t, d), v in SCORES.items()))
    )
    return candidates.similar_sessions(stock, session, score, 3, 5, np.array(day0), top_n, min_common)


def test_cosine_and_correlation_over_the_common_stocks_best_first():
    rows = run([SESSIONS.index("day0")])
    assert [(SESSIONS[j], n) for _, j, n, _, _ in rows] == [("d1", 2), ("d2", 2), ("d4", 2)]
    (_, _, _, sim1, corr1), (_, _, _, sim2, corr2), (_, _, _, sim4, corr4) = rows
    assert sim1 == pytest.approx(1.0, abs=1e-12) and corr1 == pytest.approx(1.0, abs=1e-12)
    assert sim2 == pytest.approx(-0.8, abs=1e-12) and corr2 == pytest.approx(
        1.0, abs=1e-12
    )  # same pattern, other level
    assert sim4 == pytest.approx(-6 / np.sqrt(40), abs=1e-12) and corr4 is None


def test_top_n_min_common_and_events_without_a_scored_day0():
    assert len(run([SESSIONS.index("day0")], top_n=2)) == 2
    assert run([SESSIONS.index("day0")], min_common=3) == []
    # the first event's day 0 has no score: no rows. The second's is d2 (1, 2): d4 (1, 1) is the most
    # like it, cos = 3 / (sqrt 5 sqrt 2), before day 0 and d1 (both -0.8); d3 has one common stock
    rows = run([-1, SESSIONS.index("d2")], top_n=1)
    assert [(e, SESSIONS[j]) for e, j, *_ in rows] == [(1, "d4")]
    assert rows[0][3] == pytest.approx(3 / np.sqrt(10), abs=1e-12)
