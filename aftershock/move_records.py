""" "The largest since ...": for each move, the latest earlier move of the same kind that was larger.

The SQL join of every chosen move with every earlier larger one grew with the rank of the move (an
event's day 0 ranks anywhere among a ticker's sessions): 330 s of the build at 10 million price
rows. Here each answer follows links to earlier larger moves (a monotone-stack search done for every
row at once by pointer jumping), O(n log n) in numpy.
"""

from __future__ import annotations

import numpy as np


def _follow(values: np.ndarray, link: np.ndarray, query: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Move each candidate back along `link` until values[cand] > query (or -1).

    Invariant, for each query: every position strictly between cand and the query's own position has a
    value <= query; so does every position between link[j] and j, for j's own value. While
    values[cand] <= query, jumping to link[cand] keeps the invariant; when it stops, cand is the
    latest earlier position with a larger value."""
    while True:
        todo = np.flatnonzero(cand >= 0)
        todo = todo[values[cand[todo]] <= query[todo]]
        if not len(todo):
            return cand
        cand[todo] = link[cand[todo]]


def _group_starts(group: np.ndarray) -> np.ndarray:
    """Whether each position is its (contiguous) group's first."""
    return np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)


def previous_larger(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For each position i (positions in order within each group, a group's positions contiguous): the
    latest earlier position of its group with a strictly larger value, else -1."""
    link = np.arange(len(values)) - 1
    link[_group_starts(group)] = -1  # a group's first position has none
    # each position's own link is its candidate, followed in place: a link already moved is a valid
    # jump for the others too, so the chains halve each round (pointer doubling)
    return _follow(values, link, values, link)


def latest_larger_before(values: np.ndarray, group: np.ndarray, at: np.ndarray, query: np.ndarray) -> np.ndarray:
    """For each query q: the latest position p < at[q] of at[q]'s group with values[p] > query[q], else -1
    (`values` in order within contiguous groups, as for previous_larger)."""
    at = np.asarray(at, dtype=np.int64)
    cand = at - 1
    cand[_group_starts(group)[at]] = -1  # nothing of its group before a group's first position
    return _follow(values, previous_larger(values, group), np.asarray(query, dtype=float), cand)
