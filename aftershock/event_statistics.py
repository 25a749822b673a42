"""The cross-sectional tests' statistics of one event's abnormal returns, each from a days x stocks
matrix with NaN where a stock has no AR that day (an EventBlock's `ar`, aftershock/event_returns.py):
Corrado's rank means, the share of positive residuals of the generalised sign test, and the
Kolari-Pynnönen mean pairwise correlation, event-wide or over a group of the event's stocks.

Why here and per event: these read every residual of the cross-section (18 million rows at 500
tickers x 145 events). Stored as a table and read by SQL they were most of the build and could not be
built within 1.2 GB at 10 million price rows; one event at a time, a statistic holds one event's
days x stocks. The dbt Python models int_event_rank_means, int_event_est_positive_share,
int_event_residual_correlation and int_event_group_residual_correlation call these functions;
tests/test_event_statistics.py checks them against pandas' ranks and DuckDB's corr. Ranks come from
pandas (loaded by every Python model anyway), not scipy.stats, whose import cost each build a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aftershock.event_returns import NO_RESIDUAL_SHARE

GAPPY_ROWS = 256  # gappy stocks paired per matrix product (memory: GAPPY_ROWS x stocks per sum)


def corrado_rank_means(ar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrado (1989) ranks with the Corrado-Zivney (1992) standardisation: each stock's ARs (a
    column) ranked over its days, ties given their average rank, U = rank / (T + 1) - 0.5 with T the
    stock's number of days with an AR. Returns per day (row) the stocks with an AR and their mean U
    (NaN on a day without one)."""
    ranks = pd.DataFrame(ar).rank(axis=0, method="average", na_option="keep").to_numpy()  # NaN stays NaN
    days_ranked = (~np.isnan(ar)).sum(axis=0)
    u = ranks / (days_ranked + 1) - 0.5
    stocks = (~np.isnan(u)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return stocks, np.nansum(u, axis=1) / stocks


def positive_share(ar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per stock (column): its days with an AR, and the share of them with an AR above zero (the
    generalised sign test's expected p; NaN for a stock without a day)."""
    days = (~np.isnan(ar)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return days, (ar > 0).sum(axis=0) / days


@dataclass
class CorrelationInputs:
    """What the mean pairwise correlation of any group of an event's stocks needs, computed once
    per event (correlation_inputs)."""

    present: np.ndarray  # days x stocks: the stock has an AR that day
    dev: np.ndarray  # days x stocks: AR less the stock's mean over its days, 0 where none
    z: np.ndarray  # days x stocks: a full stock's deviations scaled to unit length, 0 otherwise
    full: np.ndarray  # the stock has an AR on every day any stock has one (two or more) and a spread
    has_days: np.ndarray  # the stock has at least one AR


def correlation_inputs(ar: np.ndarray) -> CorrelationInputs:
    """Per stock of one event: its deviations from its own mean (correlation is unchanged by a shift,
    and sums of deviations lose nothing to cancellation), and which stocks are `full`. Two full
    stocks share every day, so their Pearson correlation is z_i . z_j with z the deviations scaled to
    unit length: the pairs of full stocks (nearly all of them) need no pairwise sums."""
    present = ~np.isnan(ar)
    days = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, ar, 0.0).sum(axis=0) / days
    dev = np.where(present, ar - mean, 0.0)
    block_days = int(present.any(axis=1).sum())
    # a spread: not every AR equal (tested exactly: the deviations of equal values can be a rounding
    # off zero); DuckDB's corr, the reference, gives NaN for a stock without one
    spread = np.nanmax(np.where(present, ar, -np.inf), axis=0) > np.nanmin(np.where(present, ar, np.inf), axis=0)
    full = (days == block_days) & (block_days >= 2) & spread
    norm = np.sqrt((dev * dev).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(full, dev / norm, 0.0)
    return CorrelationInputs(present=present, dev=dev, z=z, full=full, has_days=days > 0)


def _pair_correlations(c: CorrelationInputs, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of each stock of `rows` with each of `cols` over the days both have an
    AR, and the number of those days, from sums over the common days (matrix products with the
    presence mask: n = M' M, sum x = (X M)' M, ...). NaN where they share fewer than two days or
    either has no spread on them (what DuckDB's corr gives: 0 / 0); a sum of squared deviations at
    or below NO_RESIDUAL_SHARE of the sum of squares is rounding off an exact zero."""
    m_r, m_c = c.present[:, rows].astype(np.float64), c.present[:, cols].astype(np.float64)
    x, y = c.dev[:, rows], c.dev[:, cols]
    n = m_r.T @ m_c
    sx, sy = x.T @ m_c, m_r.T @ y
    sxx, syy = (x * x).T @ m_c, m_r.T @ (y * y)
    sxy = x.T @ y
    with np.errstate(invalid="ignore", divide="ignore"):
        vx, vy = sxx - sx * sx / n, syy - sy * sy / n
        r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    no_spread = (vx <= NO_RESIDUAL_SHARE * sxx) | (vy <= NO_RESIDUAL_SHARE * syy)
    return np.where((n >= 2) & ~no_spread, r, np.nan), n


def mean_pairwise_correlation(c: CorrelationInputs, members: np.ndarray | None = None) -> tuple[int, float] | None:
    """The mean Pearson correlation of the residuals over the pairs of a group of the event's stocks
    (positions `members`; all of them by default), each pair over the days both have an AR (Kolari
    and Pynnönen 2010). Returns (pairs, mean) or None when no pair shares a day. `pairs` counts the
    pairs sharing a day; a pair sharing only one day, or over whose days a stock has no spread, has
    no correlation, and makes the mean NaN (as DuckDB's avg over its corr, which the SQL took).

    Pairs of two full stocks: sum_{i<j} z_i . z_j = (|sum_i z_i|^2 - sum_i |z_i|^2) / 2, one pass
    over the group's stocks instead of its N^2 pairs. The pairs with a gappy stock (listed
    mid-window, a missing session, no spread) are summed explicitly."""
    members = np.flatnonzero(c.has_days) if members is None else np.asarray(members, dtype=np.int64)
    stocks = members[c.has_days[members]]
    full, gappy = stocks[c.full[stocks]], stocks[~c.full[stocks]]
    k = len(full)
    pairs, total = k * (k - 1) // 2, 0.0
    if k >= 2:
        zsum = c.z[:, full].sum(axis=1)
        total = (zsum @ zsum - (c.z[:, full] ** 2).sum()) / 2
    # each pair once: a gappy stock with every full stock, and with the gappy stocks after it; by
    # GAPPY_ROWS gappy stocks at a time, so the pairwise sums of 2,000 gappy stocks stay small
    for start in range(0, len(gappy), GAPPY_ROWS):
        rows = gappy[start : start + GAPPY_ROWS]
        r_full, n_full = _pair_correlations(c, rows, full)
        r_gappy, n_gappy = _pair_correlations(c, rows, gappy)
        later = np.arange(len(gappy))[None, :] > np.arange(start, start + len(rows))[:, None]
        shared = np.concatenate([r_full[n_full >= 1], r_gappy[later & (n_gappy >= 1)]])
        pairs += len(shared)
        total += shared.sum()
    if pairs == 0:
        return None
    return pairs, total / pairs
