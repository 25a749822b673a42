"""The independent event study (bench/reference.py: pandas, statsmodels OLS, scipy) on the bundled
sample, for the tests, and the references of the analytics marts the benchmark does not time.

It reads sample/prices and dbt/seeds/watchlist.csv directly, never the warehouse, so the marts can be
checked against it to 1e-9.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from bench import reference as engine
from bench.reference import EST, EVENT_WINDOW, WINDOWS, Study, bhar_table, caar_table, car_table  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _sample_returns() -> engine.Returns:
    return engine.returns_wide(pd.read_csv(ROOT / "sample/prices/prices_daily.csv"))


def load_returns() -> pd.DataFrame:
    """Wide frame of simple returns (rows: session dates, columns: tickers)."""
    return _sample_returns().rets


def watchlist() -> pd.DataFrame:
    return pd.read_csv(ROOT / "dbt/seeds/watchlist.csv").set_index("ticker")


def run_study(
    event_date: str,
    model: str = "market",
    est=EST,
    benchmark: str | None = None,
    tickers: list[str] | None = None,
) -> Study:
    """One event on the sample, benchmarks and asset types from the bundled watchlist."""
    return engine.run_study(
        _sample_returns(), event_date, model=model, est=est, benchmark=benchmark, tickers=tickers, watchlist=watchlist()
    )


def market_value_changes() -> pd.DataFrame:
    """Every ticker-session with a shares figure: (close - previous close as traded) x shares, the shares
    being the latest figure on or before the previous session, else the earliest later one."""
    return _market_value_changes().copy()


@functools.cache  # a row-by-row loop over the sample (seconds): computed once per test process
def _market_value_changes() -> pd.DataFrame:
    p = pd.read_csv(ROOT / "sample/prices/prices_daily.csv", parse_dates=["date"]).sort_values(["ticker", "date"])
    p["prev_close"] = p.groupby("ticker")["close"].shift()
    p["prev_date"] = p.groupby("ticker")["date"].shift()
    shares = pd.read_csv(ROOT / "sample/shares/shares_outstanding.csv", parse_dates=["as_of_date"])
    by_ticker = dict(tuple(shares.groupby("ticker")))
    rows = []
    for r in p.dropna(subset=["prev_close"]).itertuples():
        s = by_ticker.get(r.ticker)
        if s is None:
            continue
        before = s[s.as_of_date <= r.prev_date]
        pick = before.loc[before.as_of_date.idxmax()] if not before.empty else s.loc[s.as_of_date.idxmin()]
        rows.append((r.ticker, r.date, (r.close - r.prev_close) * pick.shares_outstanding))
    return pd.DataFrame(rows, columns=["ticker", "date", "change_usd"])


def group_tests(study: Study, members: list[str], window: tuple[int, int]) -> dict[str, float]:
    """BMP and Kolari-Pynnonen over a group of the study's stocks (pairwise-complete residual correlations)."""
    cars = car_table(study)
    sample = [t for t in members if (t, *window) in cars]
    scar = np.array([cars[(t, *window)][1] for t in sample])
    car = np.array([cars[(t, *window)][0] for t in sample])
    n = len(sample)
    bmp = stats.ttest_1samp(scar, 0.0)
    resid = pd.DataFrame({t: study.fits[t].est_resid for t in members})
    corr = resid.corr().to_numpy()
    r_bar = float(corr[np.triu_indices_from(corr, k=1)].mean())
    kp = bmp.statistic * math.sqrt((1 - r_bar) / (1 + (n - 1) * r_bar))
    return {
        "n": n,
        "caar": float(car.mean()),
        "bmp_t": float(bmp.statistic),
        "bmp_t_p": float(bmp.pvalue),
        "mean_correlation": r_bar,
        "kp_t": kp,
        "kp_t_p": float(2 * stats.t.sf(abs(kp), n - 1)),
    }


def rolling_scores(day: str, est=(-250, -11), min_days: int = 120) -> pd.Series:
    """Each stock's score on one session against its trailing market model (OLS on ^GSPC over the
    sessions est before it): AR / sigma, the detector's measure; stocks with too few sessions left out."""
    rets = load_returns()
    wl = watchlist()
    pos = rets.index.get_loc(pd.Timestamp(day))
    window = rets.iloc[max(pos + est[0], 0) : pos + est[1] + 1]
    out = {}
    for t in wl.index[wl.asset_type == "stock"]:
        bench = wl.loc[t, "benchmark"]
        e = window[[t, bench]].dropna()
        if len(e) < min_days or pd.isna(rets[t].iloc[pos]) or pd.isna(rets[bench].iloc[pos]):
            continue
        fit = sm.OLS(e[t].to_numpy(), sm.add_constant(e[bench].to_numpy())).fit()
        ar = rets[t].iloc[pos] - (fit.params[0] + fit.params[1] * rets[bench].iloc[pos])
        out[t] = ar / math.sqrt(fit.ssr / fit.df_resid)
    return pd.Series(out).sort_index()


def analog_similarity(day: str, other: str) -> tuple[float, float, int]:
    """Cosine similarity and Pearson correlation of two sessions' score cross-sections, common stocks."""
    a, b = rolling_scores(day), rolling_scores(other)
    common = a.index.intersection(b.index)
    x, y = a[common].to_numpy(), b[common].to_numpy()
    return float(x @ y / math.sqrt((x @ x) * (y @ y))), float(np.corrcoef(x, y)[0, 1]), len(common)
