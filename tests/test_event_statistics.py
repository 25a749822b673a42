"""The cross-sectional statistics of aftershock/event_statistics.py, which the dbt Python models
int_event_rank_means, int_event_est_positive_share, int_event_residual_correlation and
int_event_group_residual_correlation call (no dbt unit test reaches a Python model), against
straightforward references: Corrado's ranks against pandas' average ranks per stock, the mean
pairwise correlation against DuckDB's corr over explicitly paired common days (what the SQL these
models replace computed: count and avg over every pair sharing a day). The cases: ties, stocks with
gaps, a day no stock has, a stock without spread, a pair sharing one day, a single stock."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from aftershock import event_statistics as es


def long(ar: np.ndarray) -> pd.DataFrame:
    """A days x stocks matrix as (stock, day, ar) rows where an AR exists."""
    day, stock = np.nonzero(~np.isnan(ar))
    return pd.DataFrame({"stock": stock, "day": day, "ar": ar[day, stock]})


def gappy(seed: int = 7, days: int = 40, stocks: int = 9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ar = rng.normal(0, 0.01, (days, stocks))
    ar[:, 1] = 0.5 * ar[:, 0] + rng.normal(0, 0.002, days)  # correlated with stock 0
    ar[:12, 2] = np.nan  # listed mid-window
    ar[rng.random((days, stocks)) < 0.05] = np.nan  # missing sessions here and there
    ar[5, :] = np.nan  # a day no stock has
    ar[[3, 9, 20], 4] = 0.0125  # ties
    ar[:, 7] = np.round(ar[:, 7], 3)  # more ties
    return ar


# ---- Corrado ranks -------------------------------------------------------------------------------


def rank_means_reference(ar: np.ndarray) -> pd.DataFrame:
    rows = long(ar)
    rows["rank"] = rows.groupby("stock")["ar"].rank(method="average")
    rows["u"] = rows["rank"] / (rows.groupby("stock")["ar"].transform("count") + 1) - 0.5
    return rows.groupby("day").agg(stocks=("u", "size"), mean_u=("u", "mean"))


@pytest.mark.parametrize("ar", [gappy(), gappy(3)[:12, [4]]])  # many stocks; a single stock with ties
def test_rank_means_match_pandas_average_ranks(ar):
    stocks, mean_u = es.corrado_rank_means(ar)
    want = rank_means_reference(ar)
    assert list(np.flatnonzero(stocks > 0)) == list(want.index)  # a day without an AR has no stocks
    np.testing.assert_array_equal(stocks[want.index], want["stocks"])
    np.testing.assert_allclose(mean_u[want.index], want["mean_u"], rtol=0, atol=1e-15)


def test_rank_means_average_tied_ranks():
    # A ranks 1.5, 3, 1.5 (U -0.125, 0.25, -0.125); B ranks 3, 1, 2 (U 0.25, -0.25, 0)
    ar = np.array([[0.01, 0.05], [0.03, -0.02], [0.01, 0.04]])
    stocks, mean_u = es.corrado_rank_means(ar)
    assert list(stocks) == [2, 2, 2] and list(mean_u) == [0.0625, 0.0, -0.0625]


# ---- the sign test's share -----------------------------------------------------------------------


def test_positive_share_counts_days_with_an_ar():
    ar = np.array([[0.5, np.nan, 0.0], [-0.5, np.nan, 0.0], [0.25, np.nan, np.nan]])
    days, share = es.positive_share(ar)
    assert list(days) == [3, 0, 2] and share[0] == 2 / 3 and math.isnan(share[1]) and share[2] == 0.0


# ---- mean pairwise correlation -------------------------------------------------------------------


def correlation_reference(ar: np.ndarray, members=None) -> tuple[int, float] | None:
    """The mean over the pairs sharing a day of DuckDB's corr over their common days (NaN with
    fewer than two days or without spread), as the SQL these functions replace paired them."""
    rows = long(ar)
    if members is not None:
        rows = rows[rows["stock"].isin(members)]
    got = duckdb.sql(
        "select count(r), avg(r) from ("
        "  select corr(a.ar, b.ar) as r from rows as a inner join rows as b"
        "    on a.day = b.day and a.stock < b.stock group by a.stock, b.stock)"
    ).fetchone()
    return None if got[0] == 0 else (got[0], got[1])


def check(ar: np.ndarray, members=None, want=None) -> tuple[int, float] | None:
    got = es.mean_pairwise_correlation(es.correlation_inputs(ar), None if members is None else np.asarray(members))
    want = correlation_reference(ar, members) if want is None else want
    if want is None:
        assert got is None
    else:
        assert got is not None and got[0] == want[0]
        assert (math.isnan(want[1]) and math.isnan(got[1])) or abs(got[1] - want[1]) < 1e-12, (got, want)
    return got


def test_correlation_of_stocks_with_every_day_is_the_pairwise_mean():
    ar = np.random.default_rng(1).normal(0, 0.01, (60, 30))
    ar[:, 3] += ar[:, 4]
    c = es.correlation_inputs(ar)
    assert c.full.all()  # the one-pass identity, no explicit pair
    pairs, mean = check(ar)
    r = np.corrcoef(ar.T)[np.triu_indices(30, 1)]
    assert pairs == 435 and abs(mean - r.mean()) < 1e-15


def test_correlation_pairs_stocks_with_gaps_over_their_common_days():
    ar = gappy()
    c = es.correlation_inputs(ar)
    assert c.full.any() and not c.full.all()  # both paths
    pairs, mean = check(ar)
    assert pairs == 36 and not math.isnan(mean)


def test_gappy_stocks_paired_in_chunks(monkeypatch):
    ar = gappy(11, stocks=40)
    ar[np.random.default_rng(5).integers(0, 40, 40), np.arange(40)] = np.nan  # every stock misses a day
    assert not es.correlation_inputs(ar).full.any()  # every pair explicit
    pairs, mean = check(ar)
    monkeypatch.setattr(es, "GAPPY_ROWS", 3)  # 14 chunks, the last one short
    chunked = check(ar)
    assert pairs == chunked[0] == 780 and abs(chunked[1] - mean) < 1e-15


def test_group_correlation_over_its_members_with_and_without_gaps():
    ar = gappy()
    check(ar, members=[0, 1, 3])  # every member full
    check(ar, members=[0, 2, 4, 6])  # a member listed mid-window
    check(ar, members=[2, 4])  # gappy members only


def test_correlation_examples_of_the_former_unit_test():
    # A and C move together, B against them: -1, 1, -1; D (two of the three days) moves with A and C
    c = np.array([[-1.0, 1.0, -2.0], [0.0, 0.0, 0.0], [1.0, -1.0, 2.0]])
    assert check(c, want=(3, -1 / 3))
    g = np.column_stack([c, [-1.0, np.nan, 1.0]])
    assert check(g, want=(6, 0.0))


def test_a_stock_without_spread_gives_nan_as_duckdb_corr():
    ar = np.random.default_rng(2).normal(0, 0.01, (30, 4))
    ar[:, 2] = 0.1  # constant: its deviations may round off zero, still no spread
    assert not es.correlation_inputs(ar).full[2]
    pairs, mean = check(ar)
    assert pairs == 6 and math.isnan(mean)
    check(ar, members=[0, 1, 3])  # the other three are fine
    ar[10:, 0] = 0.3  # constant on the days it shares with stock 3 only (listed late)
    ar[:10, 3] = np.nan
    pairs, mean = check(ar, members=[0, 1, 3])
    assert pairs == 3 and math.isnan(mean)


def test_pairs_sharing_one_day_or_none():
    one_day = np.array([[0.1, np.nan], [0.2, 0.3], [np.nan, 0.4]])  # share one day: no correlation
    pairs, mean = check(one_day)
    assert pairs == 1 and math.isnan(mean)
    assert check(np.array([[0.1, np.nan], [0.2, np.nan], [np.nan, 0.4], [np.nan, 0.3]])) is None  # no common day
    assert check(np.array([[0.1], [0.2], [0.3]])) is None  # a single stock
    assert check(np.full((3, 2), np.nan)) is None  # no residuals
    ar = gappy()
    assert check(ar, members=[5]) is None and check(ar, members=[]) is None
