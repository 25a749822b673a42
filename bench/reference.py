"""The event study as a straightforward pandas + statsmodels loop: the one independent reference the
marts are checked against (the tests on sample/, through tests/event_study_reference.py; the benchmark
on generated data) and what the benchmark times them against.

Same definitions as the dbt models (docs/event-study.md): sessions are the dates in the prices (on the
sample and the generated data these are exactly the exchange's sessions the build counts); day 0 is the
first session on or after the event date; returns are simple close-to-close on the adjusted close (the
close where there is none); the market model is OLS of the ticker's return on its benchmark's over
relative days [-250, -11] (sessions where both exist), sigma with M - 2 degrees of freedom, 0 when the
fit leaves no residual beyond rounding (R^2 = 1 to ten digits, a ticker against itself); AR = R -
(alpha + beta Rm); market_adjusted and constant_mean as documented. CAR, BHAR and the CAAR statistics
as fct_event_car and fct_event_caar, over the dbt project's default CAR windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

BENCHMARK = "^GSPC"
EST = (-250, -11)
EVENT_WINDOW = (-10, 10)
WINDOWS = [(0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5), (0, 20), (0, 60)]  # dbt var car_windows
HORIZON_END = max(EVENT_WINDOW[1], *(b for _, b in WINDOWS))  # the longest CAR window reaches past +10
CAR_WINDOWS = [(-1, 1), (0, 1), (-10, 10), (0, 10)]  # the benchmark's comparison columns
# A residual sum of squares at or below this share of the total is rounding, not variance (the
# ols_residual_sigma macro's rule): sigma is 0 and the pair has no standardised statistics.
NO_RESIDUAL_SHARE = 1e-10


@dataclass
class Returns:
    rets: pd.DataFrame  # simple returns: rows the sessions (every date in the prices), columns the tickers
    priced: pd.DataFrame  # True where the ticker has a price that session


def returns_wide(prices: pd.DataFrame) -> Returns:
    """From long rows (date, ticker, close, adj_close): close-to-close returns on the adjusted close."""
    p = prices[["date", "ticker", "close", "adj_close"]].assign(date=pd.to_datetime(prices["date"]))
    p["price"] = p["adj_close"].where(p["adj_close"].notna(), p["close"])
    p = p.sort_values(["ticker", "date"])
    p["ret"] = p.groupby("ticker")["price"].pct_change(fill_method=None)
    rets = p.pivot(index="date", columns="ticker", values="ret").sort_index()
    return Returns(rets, p.pivot(index="date", columns="ticker", values="price").sort_index().notna())


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
    ret: pd.Series  # the ticker's returns by relative day, same span


@dataclass
class Study:
    fits: dict[str, TickerFit] = field(default_factory=dict)
    asset_type: dict[str, str] = field(default_factory=dict)
    day0: pd.Timestamp | None = None


def run_study(
    data: Returns,
    event_date: str,
    model: str = "market",
    est=EST,
    benchmark: str | None = None,
    tickers: list[str] | None = None,
    watchlist: pd.DataFrame | None = None,
) -> Study | None:
    """One event: each ticker's normal-return fit on the estimation window and its ARs from there to the
    end of the longest CAR window. Tickers: those given, else every ticker with a price on day 0 (a ticker without one is
    left out either way). Benchmark and asset type: the argument, else the watchlist's (a frame indexed
    by ticker), else ^GSPC and stock. None when no session is on or after the event date."""
    sessions = data.rets.index
    day0_pos = int(np.searchsorted(sessions, pd.Timestamp(event_date)))
    if day0_pos == len(sessions):
        return None
    day0 = sessions[day0_pos]
    rel = pd.Series(np.arange(len(sessions)) - day0_pos, index=sessions)
    span_rows = (rel >= est[0]) & (rel <= HORIZON_END)
    study = Study(day0=day0)
    on_day0 = data.priced.loc[day0]
    listed = watchlist if watchlist is not None else pd.DataFrame(columns=["benchmark", "asset_type"])
    for t in tickers if tickers is not None else list(data.rets.columns):
        if t not in on_day0.index or not on_day0[t]:
            continue
        bench = benchmark or (listed.loc[t, "benchmark"] if t in listed.index else BENCHMARK)
        study.asset_type[t] = listed.loc[t, "asset_type"] if t in listed.index else "stock"
        span = pd.DataFrame({"r": data.rets[t], "m": data.rets[bench], "rel": rel})[span_rows]
        est_rows = span[(span.rel >= est[0]) & (span.rel <= est[1]) & span.r.notna()]
        if model != "constant_mean":
            est_rows = est_rows[est_rows.m.notna()]
        m = len(est_rows)
        if model == "market":
            alpha = beta = sigma = math.nan
            dof = max(m - 2, 0)
            if m >= 2:
                res = sm.OLS(est_rows.r.to_numpy(), sm.add_constant(est_rows.m.to_numpy(), has_constant="add")).fit()
                alpha, beta = res.params
                if m > 2:
                    no_residual = res.ssr <= NO_RESIDUAL_SHARE * res.centered_tss
                    sigma = 0.0 if no_residual else math.sqrt(res.ssr / res.df_resid)
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
        ret = pd.Series(span.r.to_numpy(), index=ar.index)
        est_resid = ar[(ar.index >= est[0]) & (ar.index <= est[1])].dropna()
        study.fits[t] = TickerFit(model, float(alpha), float(beta), sigma, dof, m, ar, est_resid, ret)
    return study


def car_table(study: Study, windows=WINDOWS) -> dict[tuple[str, int, int], tuple[float, float]]:
    out = {}
    for t, f in study.fits.items():
        for a, b in windows:
            seg = f.ar[(f.ar.index >= a) & (f.ar.index <= b)]
            L = b - a + 1
            if len(seg.dropna()) == L:
                car = float(seg.sum())
                out[(t, a, b)] = (car, car / (f.sigma * math.sqrt(L)) if f.sigma > 0 else math.nan)
    return out


def bhar_table(study: Study, windows=WINDOWS) -> dict[tuple[str, int, int], float]:
    """BHAR = prod(1 + R) - prod(1 + R - AR) over each window: compounded return less compounded normal return."""
    out = {}
    for t, f in study.fits.items():
        for a, b in windows:
            r = f.ret[(f.ret.index >= a) & (f.ret.index <= b)]
            ar = f.ar[(f.ar.index >= a) & (f.ar.index <= b)]
            if len(ar.dropna()) == b - a + 1:
                out[(t, a, b)] = float(np.prod(1 + r) - np.prod(1 + r - ar))
    return out


def caar_table(study: Study, windows=WINDOWS) -> dict[tuple[int, int], dict[str, float]]:
    stocks = [t for t, f in study.fits.items() if study.asset_type[t] == "stock" and f.sigma > 0]
    cars = car_table(study, windows)
    bhars = bhar_table(study, windows)
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
    for a, b in windows:
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


# ---- the benchmark's comparison: every event of a seed, market model, against the marts ------------


def car_name(a: int, b: int) -> str:
    return f"car_{a}_{b}".replace("-", "m")


def load_prices(lake_prices: Path) -> pd.DataFrame:
    """Every landed batch; the latest landing wins per (ticker, date), as in stg_prices."""
    df = pd.concat([pd.read_parquet(p) for p in sorted(lake_prices.glob("*.parquet"))], ignore_index=True)
    df["date"] = pd.to_datetime(df["date"]).dt.normalize()
    return df.sort_values(["_ingested_at", "_batch_id"]).drop_duplicates(["ticker", "date"], keep="last")


def event_study(prices: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (event, ticker): the market-model fit, the day-0 return and AR, and CAR sums over the
    benchmark's windows (a partial window sums the days it has, as a sum over fct_event_stock_daily)."""
    data = returns_wide(prices)
    out = []
    for ev in events.itertuples():
        listed = ev.tickers.split("|") if isinstance(ev.tickers, str) and ev.tickers.strip() else None
        study = run_study(data, ev.event_date, tickers=listed)
        if study is None:
            continue
        for ticker, f in study.fits.items():
            row = {
                "event_id": ev.event_id,
                "ticker": ticker,
                "estimation_days": f.m,
                "alpha": f.alpha,
                "beta": f.beta,
                "sigma": f.sigma,
                "return_0": f.ret.get(0),
                "ar_0": f.ar.get(0),
            }
            for a, b in CAR_WINDOWS:
                row[car_name(a, b)] = f.ar.loc[a:b].sum(min_count=1)
            out.append(row)
    return pd.DataFrame(out)


def from_marts(con) -> pd.DataFrame:
    """The same figures read from the warehouse marts, for the events of the seed: the sessions the
    detector flags are studied too (origin 'detected' in dim_events), and this loop does not detect."""
    cars = ", ".join(
        f"sum(abnormal_return_pct) filter (where relative_day between {a} and {b}) / 100 as {car_name(a, b)}"
        for a, b in CAR_WINDOWS
    )
    return con.execute(f"""
        with car as (
            select event_id, ticker, {cars}
            from marts.fct_event_stock_daily group by all
        )
        select i.event_id, i.ticker, i.estimation_days, i.alpha, i.beta, i.sigma,
               i.return_pct / 100 as return_0, i.abnormal_return_pct / 100 as ar_0, car.* exclude (event_id, ticker)
        from marts.fct_event_stock_impact i left join car using (event_id, ticker)
        where i.event_id in (select event_id from marts.dim_events where origin <> 'detected')
    """).df()


def compare(ours: pd.DataFrame, ref: pd.DataFrame, tol: float = 1e-9) -> dict:
    """Largest absolute difference per figure over the (event, ticker) pairs both hold."""
    m = ours.merge(ref, on=["event_id", "ticker"], suffixes=("_db", "_pd"))
    diffs = {}
    for col in ["alpha", "beta", "sigma", "return_0", "ar_0"] + [car_name(a, b) for a, b in CAR_WINDOWS]:
        a, b = m[f"{col}_db"].astype(float), m[f"{col}_pd"].astype(float)
        both_nan = a.isna() & b.isna()
        d = (a - b).abs().where(~both_nan, 0.0)
        diffs[col] = float(d.fillna(np.inf).max()) if len(d) else 0.0
    worst = max(diffs.values()) if diffs else 0.0
    return {
        "pairs_db": len(ours),
        "pairs_pandas": len(ref),
        "pairs_matched": len(m),
        "max_abs_diff": diffs,
        "equal": bool(len(m) == len(ours) == len(ref) and worst <= tol),
    }
