"""The arithmetic of aftershock/event_returns.py, which the dbt Python models int_market_model,
int_event_window_returns, int_event_horizon_returns and the cross-sectional statistics' models call
(no dbt unit test reaches a Python model): each fit against statsmodels OLS and numpy on a matrix with gaps, a
ticker regressed on itself, a benchmark without returns and an estimation window reaching before the
first session; the abnormal returns against R - (alpha + beta Rm) day by day."""

from __future__ import annotations

import math

import numpy as np
import statsmodels.api as sm

from aftershock import event_returns as er

S, K = 400, 5  # sessions, tickers; column K is the benchmark-without-returns column


def returns() -> np.ndarray:
    rng = np.random.default_rng(19)
    r = rng.normal(0.0005, 0.01, (S, K + 1))
    r[:, K] = np.nan
    r[:, 2] = 0.3 * r[:, 0] + rng.normal(0, 0.004, S)
    r[:, :K][rng.random((S, K)) < 0.06] = np.nan  # sessions without a return
    r[:, 1] = r[:, 0]  # ticker 1 moves exactly with its benchmark 0
    return r


EVENTS = er.Events(
    day0=np.array([300, 350, 320, 100]),
    est_start=np.array([-250, -120, -250, -250]),  # event 3's window starts before the first session
    est_end=np.array([-11, -11, -11, -11]),
    model=np.array([0, 1, 2, 0]),  # market, market_adjusted, constant_mean, market
)
PAIRS = er.Pairs(
    event=np.repeat(np.arange(4), K),
    ticker=np.tile(np.arange(K), 4),
    benchmark=np.where(np.tile(np.arange(K), 4) == 4, K, 0),  # ticker 4's benchmark has no returns
)


def expected(r: np.ndarray, p: int) -> tuple[int, float, float, float]:
    e = PAIRS.event[p]
    rows = np.arange(max(EVENTS.day0[e] + EVENTS.est_start[e], 0), EVENTS.day0[e] + EVENTS.est_end[e] + 1)
    y, x = r[rows, PAIRS.ticker[p]], r[rows, PAIRS.benchmark[p]]
    used = ~np.isnan(y) if EVENTS.model[e] == 2 else ~np.isnan(y) & ~np.isnan(x)
    y, x = y[used], x[used]
    if len(y) < 2:  # no spread to measure (a benchmark without returns)
        return len(y), *((0.0, 1.0) if EVENTS.model[e] == 1 else (math.nan, math.nan)), math.nan
    if EVENTS.model[e] == 1:
        return len(y), 0.0, 1.0, float(np.std(y - x, ddof=1))
    if EVENTS.model[e] == 2:
        return len(y), float(y.mean()), 0.0, float(np.std(y, ddof=1))
    if len(y) < 3:
        return len(y), math.nan, math.nan, math.nan
    fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
    no_residual = fit.ssr <= er.NO_RESIDUAL_SHARE * fit.centered_tss
    return len(y), *fit.params, 0.0 if no_residual else math.sqrt(fit.ssr / fit.df_resid)


def test_fits_match_statsmodels_and_numpy():
    r = returns()
    got = er.fit(r, EVENTS, PAIRS)
    for p in range(len(PAIRS.event)):
        m, alpha, beta, sigma = expected(r, p)
        assert got["estimation_days"][p] == m, p
        assert got["sigma_dof"][p] == m - (2 if EVENTS.model[PAIRS.event[p]] == 0 else 1), p
        for name, want in (("alpha", alpha), ("beta", beta), ("sigma", sigma)):
            assert (math.isnan(want) and math.isnan(got[name][p])) or abs(got[name][p] - want) < 1e-12, (p, name)
    assert got["sigma"][1] == 0.0  # a ticker against itself: exactly no residual, so no t statistics
    assert got["estimation_days"][4] == 0 and math.isnan(got["beta"][4])  # no benchmark returns: no market fit
    assert got["estimation_days"][14] > 0 and got["beta"][14] == 0.0  # constant mean needs no benchmark
    # event 3: only sessions 0 .. 89 of the asked -250 .. -11 exist
    assert 0 < got["estimation_days"][15] == expected(r, 15)[0] <= 90


def test_abnormal_returns_are_return_less_the_model_on_the_days_a_row_exists():
    r = returns()
    present = ~np.isnan(r)
    present[:, 3] = True  # ticker 3 has a row every session, some of them without a return
    got = er.fit(r, EVENTS, PAIRS)
    day_rel = np.arange(-10, 61)
    days = [np.arange(len(day_rel)) for _ in EVENTS.day0]  # the same day table rows for every event
    rows = er.abnormal_days(r, present, EVENTS, PAIRS, got["alpha"], got["beta"], days, day_rel)
    # event 1's days past the last session (350 + 60 > 399) are no rows
    sessions = [EVENTS.day0[PAIRS.event[p]] + day_rel for p in range(len(PAIRS.event))]
    assert len(rows["pair"]) == sum(present[s[s < S], PAIRS.ticker[p]].sum() for p, s in enumerate(sessions))
    for p, d, ret, bench, ar in zip(rows["pair"], rows["day"], rows["ret"], rows["bench"], rows["ar"]):
        e, s = PAIRS.event[p], EVENTS.day0[PAIRS.event[p]] + day_rel[d]
        want_r, want_rm = r[s, PAIRS.ticker[p]], r[s, PAIRS.benchmark[p]]
        normal = got["alpha"][p] + (0.0 if EVENTS.model[e] == 2 else got["beta"][p] * want_rm)
        np.testing.assert_equal([ret, bench], [want_r, want_rm])
        assert (math.isnan(want_r - normal) and math.isnan(ar)) or abs(ar - (want_r - normal)) < 1e-15
    # event_blocks, what the cross-sectional statistics read: one event's kept pairs x days, the same ARs
    kept = np.zeros(len(PAIRS.event), dtype=bool)
    kept[[0, 2, 6]] = True
    blocks = list(er.event_blocks(r, EVENTS, PAIRS, got["alpha"], got["beta"], days, day_rel, keep_pair=kept))
    assert [b.event for b in blocks] == [0, 1] and [list(b.pair) for b in blocks] == [[0, 2], [6]]
    for b in blocks:
        assert b.ar.shape == (len(b.day), len(b.pair))
        for j, p in enumerate(b.pair):
            at = rows["pair"] == p
            by_day = dict(zip(rows["day"][at], rows["ar"][at]))
            for i, d in enumerate(b.day):  # NaN where the ticker has no row or no AR
                np.testing.assert_equal(b.ar[i, j], by_day.get(d, np.nan))
