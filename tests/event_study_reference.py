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
WINDOWS = [(0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5)]
EVENT_WINDOW = (-10, 10)


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
    ar: pd.Series            # indexed by relative day, estimation start .. window end
    est_resid: pd.Series     # estimation-window residuals by relative day


@dataclass
class Study:
    fits: dict[str, TickerFit] = field(default_factory=dict)
    asset_type: dict[str, str] = field(default_factory=dict)
    day0: pd.Timestamp | None = None


def run_study(event_date: str, model: str = "market", est=(-250, -11), benchmark: str | None = None,
              tickers: list[str] | None = None) -> Study:
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
        span = frame[(frame.rel >= est[0]) & (frame.rel <= EVENT_WINDOW[1])]
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
        study.fits[t] = TickerFit(model, float(alpha), float(beta), sigma, dof, m, ar, est_resid)
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


def caar_table(study: Study) -> dict[tuple[int, int], dict[str, float]]:
    stocks = [t for t, f in study.fits.items() if study.asset_type[t] == "stock" and f.sigma > 0]
    cars = car_table(study)
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
        ar = ar[(ar.index <= study.fits[t].est_resid.index.max()) | ((ar.index >= EVENT_WINDOW[0]) & (ar.index <= EVENT_WINDOW[1]))]
        us[t] = pd.Series(stats.rankdata(ar.to_numpy()) / (len(ar) + 1) - 0.5, index=ar.index)
    u_bar = pd.DataFrame(us).mean(axis=1)
    s_u = math.sqrt(float((u_bar ** 2).mean()))
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
        rank_z = float(u_bar[(u_bar.index >= a) & (u_bar.index <= b)].sum()) / (math.sqrt(L) * s_u)
        p_hat = float(np.mean([(study.fits[t].est_resid > 0).mean() for t in sample]))
        w = int((car > 0).sum())
        sign_z = (w - n * p_hat) / math.sqrt(n * p_hat * (1 - p_hat))
        out[(a, b)] = {
            "n": n, "n_positive": w, "n_negative": int((car < 0).sum()),
            "caar": float(car.mean()), "aar": float(car.mean()) / L,
            "t_cs": float(t_cs.statistic), "t_cs_p": float(t_cs.pvalue),
            "patell_z": patell, "patell_z_p": float(2 * stats.norm.sf(abs(patell))),
            "bmp_t": float(bmp.statistic), "bmp_t_p": float(bmp.pvalue),
            "mean_correlation": r_bar,
            "kp_t": kp, "kp_t_p": float(2 * stats.t.sf(abs(kp), n - 1)),
            "rank_z": rank_z, "rank_z_p": float(2 * stats.norm.sf(abs(rank_z))),
            "p_positive": p_hat,
            "sign_z": sign_z, "sign_z_p": float(2 * stats.norm.sf(abs(sign_z))),
        }
    return out
