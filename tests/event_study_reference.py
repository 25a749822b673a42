"""An independent event study on the sample prices (pandas, statsmodels OLS, scipy), for the tests.

It reads sample/prices and dbt/seeds/watchlist.csv directly, never the warehouse, and implements
the conventions the README states, so the marts can be checked against it to 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = [(0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5), (0, 20), (0, 60)]
EVENT_WINDOW = (-10, 10)
HORIZON_END = max(EVENT_WINDOW[1], *(b for _, b in WINDOWS))  # the longest CAR window reaches past +10


def load_returns() -> pd.DataFrame:
    """Wide frame of simple returns (rows: session dates, columns: tickers) and the session list."""
    p = pd.read_csv(ROOT / "sample/prices/prices_daily.csv", parse_dates=["date"])
    p["price"] = p["adj_close"].where(p["adj_close"].notna(), p["close"])
    p = p.sort_values(["ticker", "date"])
    p["ret"] = p.groupby("ticker")["price"].pct_change(fill_method=None)
    return p.pivot(index="date", columns="ticker", values="ret").sort_index()


def watchlist() -> pd.DataFrame:
    return pd.read_csv(ROOT / "dbt/seeds/watchlist.csv").set_index("ticker")


@dataclass
class TickerFit:
    model: str
    alpha: float
    beta: float
    sigma: float
    dof: int
    m: int
    ar: pd.Series  # indexed by relative day, estimation start .. HORIZON_END
    est_resid: pd.Series  # estimation-window residuals by relative day
    ret: pd.Series | None = None  # the stock's returns, same index as ar


@dataclass
class Study:
    fits: dict[str, TickerFit] = field(default_factory=dict)
    asset_type: dict[str, str] = field(default_factory=dict)
    day0: pd.Timestamp | None = None


def run_study(
    event_date: str,
    model: str = "market",
    est=(-250, -11),
    benchmark: str | None = None,
    tickers: list[str] | None = None,
) -> Study:
    rets = load_returns()
    wl = watchlist()
    sessions = rets.index
    day0_pos = int(np.searchsorted(sessions, pd.Timestamp(event_date)))
    rel = pd.Series(np.arange(len(sessions)) - day0_pos, index=sessions)
    study = Study(day0=sessions[day0_pos])
    if tickers is None:
        tickers = [t for t in rets.columns if t in set(_prices_on(sessions[day0_pos]))]
    for t in tickers:
        bench = benchmark or (wl.loc[t, "benchmark"] if t in wl.index else "^GSPC")
        study.asset_type[t] = wl.loc[t, "asset_type"] if t in wl.index else "stock"
        frame = pd.DataFrame({"r": rets[t], "m": rets[bench], "rel": rel})
        span = frame[(frame.rel >= est[0]) & (frame.rel <= HORIZON_END)]
        est_rows = span[(span.rel >= est[0]) & (span.rel <= est[1]) & span.r.notna()]
        if model != "constant_mean":
            est_rows = est_rows[est_rows.m.notna()]
        m = len(est_rows)
        if model == "market":
            res = sm.OLS(est_rows.r.to_numpy(), sm.add_constant(est_rows.m.to_numpy())).fit()
            alpha, beta = res.params
            sigma, dof = math.sqrt(res.ssr / res.df_resid), int(res.df_resid)
            ar = span.r - (alpha + beta * span.m)
        elif model == "market_adjusted":
            alpha, beta = 0.0, 1.0
            sigma, dof = float(np.std(est_rows.r - est_rows.m, ddof=1)), m - 1
            ar = span.r - span.m
        else:
            alpha, beta = float(est_rows.r.mean()), 0.0
            sigma, dof = float(np.std(est_rows.r, ddof=1)), m - 1
            ar = span.r - alpha
        ar.index = span.rel.to_numpy()
        est_resid = ar[(ar.index >= est[0]) & (ar.index <= est[1])].dropna()
        ret = pd.Series(span.r.to_numpy(), index=span.rel.to_numpy())
        study.fits[t] = TickerFit(model, float(alpha), float(beta), sigma, dof, m, ar, est_resid, ret)
    return study


def _prices_on(day):
    p = pd.read_csv(ROOT / "sample/prices/prices_daily.csv", parse_dates=["date"])
    return p.loc[p.date == day, "ticker"].tolist()


def car_table(study: Study) -> dict[tuple[str, int, int], tuple[float, float]]:
    out = {}
    for t, f in study.fits.items():
        for a, b in WINDOWS:
            seg = f.ar[(f.ar.index >= a) & (f.ar.index <= b)]
            L = b - a + 1
            if len(seg.dropna()) == L:
                car = float(seg.sum())
                out[(t, a, b)] = (car, car / (f.sigma * math.sqrt(L)) if f.sigma > 0 else math.nan)
    return out


def bhar_table(study: Study) -> dict[tuple[str, int, int], float]:
    """BHAR = prod(1 + R) - prod(1 + R - AR) over each window: compounded return less compounded normal return."""
    out = {}
    for t, f in study.fits.items():
        for a, b in WINDOWS:
            r = f.ret[(f.ret.index >= a) & (f.ret.index <= b)]
            ar = f.ar[(f.ar.index >= a) & (f.ar.index <= b)]
            if len(ar.dropna()) == b - a + 1:
                out[(t, a, b)] = float(np.prod(1 + r) - np.prod(1 + r - ar))
    return out


def caar_table(study: Study) -> dict[tuple[int, int], dict[str, float]]:
    stocks = [t for t, f in study.fits.items() if study.asset_type[t] == "stock" and f.sigma > 0]
    cars = car_table(study)
    bhars = bhar_table(study)
    # Kolari-Pynnonen: mean of the pairwise correlations (pairwise-complete days) of estimation residuals
    resid = pd.DataFrame({t: study.fits[t].est_resid for t in stocks})
    corr = resid.corr().to_numpy()
    r_bar = float(corr[np.triu_indices_from(corr, k=1)].mean())
    # Corrado: ranks over estimation + event window per stock, U = K / (T + 1) - 0.5, mean across stocks per day
    us = {}
    for t in stocks:
        ar = study.fits[t].ar.dropna()
        est0 = study.fits[t].est_resid.index.min()
        ar = ar[ar.index >= est0]
        ar = ar[
            (ar.index <= study.fits[t].est_resid.index.max())
            | ((ar.index >= EVENT_WINDOW[0]) & (ar.index <= EVENT_WINDOW[1]))
        ]
        us[t] = pd.Series(stats.rankdata(ar.to_numpy()) / (len(ar) + 1) - 0.5, index=ar.index)
    u_bar = pd.DataFrame(us).mean(axis=1)
    s_u = math.sqrt(float((u_bar**2).mean()))
    out = {}
    for a, b in WINDOWS:
        sample = [t for t in stocks if (t, a, b) in cars and study.fits[t].dof > 2]
        n = len(sample)
        L = b - a + 1
        car = np.array([cars[(t, a, b)][0] for t in sample])
        scar = np.array([cars[(t, a, b)][1] for t in sample])
        dof = np.array([study.fits[t].dof for t in sample], dtype=float)
        t_cs = stats.ttest_1samp(car, 0.0)
        bmp = stats.ttest_1samp(scar, 0.0)
        patell = scar.sum() / math.sqrt((dof / (dof - 2)).sum())
        kp = bmp.statistic * math.sqrt((1 - r_bar) / (1 + (n - 1) * r_bar))
        # ranks cover the estimation and event windows only: a window past +10 has no rank test
        inside = EVENT_WINDOW[0] <= a and b <= EVENT_WINDOW[1]
        rank_z = float(u_bar[(u_bar.index >= a) & (u_bar.index <= b)].sum()) / (math.sqrt(L) * s_u) if inside else None
        bhar = np.array([bhars[(t, a, b)] for t in sample])
        t_bhar = stats.ttest_1samp(bhar, 0.0)
        p_hat = float(np.mean([(study.fits[t].est_resid > 0).mean() for t in sample]))
        w = int((car > 0).sum())
        sign_z = (w - n * p_hat) / math.sqrt(n * p_hat * (1 - p_hat))
        out[(a, b)] = {
            "n": n,
            "n_positive": w,
            "n_negative": int((car < 0).sum()),
            "caar": float(car.mean()),
            "aar": float(car.mean()) / L,
            "t_cs": float(t_cs.statistic),
            "t_cs_p": float(t_cs.pvalue),
            "patell_z": patell,
            "patell_z_p": float(2 * stats.norm.sf(abs(patell))),
            "bmp_t": float(bmp.statistic),
            "bmp_t_p": float(bmp.pvalue),
            "mean_correlation": r_bar,
            "kp_t": kp,
            "kp_t_p": float(2 * stats.t.sf(abs(kp), n - 1)),
            "rank_z": rank_z,
            "rank_z_p": float(2 * stats.norm.sf(abs(rank_z))) if inside else None,
            "mean_bhar": float(bhar.mean()),
            "t_bhar": float(t_bhar.statistic),
            "t_bhar_p": float(t_bhar.pvalue),
            "p_positive": p_hat,
            "sign_z": sign_z,
            "sign_z_p": float(2 * stats.norm.sf(abs(sign_z))),
        }
    return out


def market_value_changes() -> pd.DataFrame:
    """Every ticker-session with a shares figure: (close - previous close as traded) x shares, the shares
    being the latest figure on or before the previous session, else the earliest later one."""
    p = pd.read_csv(ROOT / "sample/prices/prices_daily.csv", parse_dates=["date"]).sort_values(["ticker", "date"])
    p["prev_close"] = p.groupby("ticker")["close"].shift()
    p["prev_date"] = p.groupby("ticker")["date"].shift()
    shares = pd.read_csv(ROOT / "sample/shares/shares_outstanding.csv", parse_dates=["as_of_date"])
    rows = []
    for r in p.dropna(subset=["prev_close"]).itertuples():
        s = shares[shares.ticker == r.ticker]
        if s.empty:
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
