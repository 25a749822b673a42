"""The event study as a straightforward pandas + statsmodels loop: what the marts replace.

Same definitions as the dbt models (README, "Querying"): the market calendar is every date any
ticker traded; day 0 is the first session on or after the event date; returns are close-to-close
on the adjusted close (the close where there is none); the market model is OLS of the ticker's
return on its benchmark's over relative days [-250, -11] (sessions where both exist), sigma with
M - 2 degrees of freedom; AR = R - (alpha + beta Rm); CAR sums AR from day -10.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

EST = (-250, -11)
WINDOW = (-10, 10)
CAR_WINDOWS = [(-1, 1), (0, 1), (-10, 10), (0, 10)]


def car_name(a: int, b: int) -> str:
    return f"car_{a}_{b}".replace("-", "m")


def load_prices(lake_prices: Path) -> pd.DataFrame:
    """Every landed batch; the latest landing wins per (ticker, date), as in stg_prices."""
    df = pd.concat([pd.read_parquet(p) for p in sorted(lake_prices.glob("*.parquet"))], ignore_index=True)
    df["trade_date"] = pd.to_datetime(df["date"]).dt.normalize()
    df = df.sort_values(["_ingested_at", "_batch_id"]).drop_duplicates(["ticker", "trade_date"], keep="last")
    return df


def event_study(prices: pd.DataFrame, events: pd.DataFrame, benchmark: str = "^GSPC") -> pd.DataFrame:
    prices = prices.sort_values(["ticker", "trade_date"]).copy()
    prices["price"] = prices["adj_close"].fillna(prices["close"])
    prices["ret"] = prices.groupby("ticker")["price"].pct_change(fill_method=None)
    sessions = pd.Index(np.sort(prices["trade_date"].unique()))
    prices["session"] = sessions.get_indexer(prices["trade_date"])
    by_ticker = {t: g.set_index("session") for t, g in prices.groupby("ticker")}
    bench = by_ticker[benchmark]["ret"]

    out = []
    for ev in events.itertuples():
        later = sessions[sessions >= pd.Timestamp(ev.event_date)]
        if len(later) == 0:
            continue
        day0 = sessions.get_loc(later[0])
        listed = ev.tickers.split("|") if isinstance(ev.tickers, str) and ev.tickers.strip() else None
        names = listed or sorted(prices.loc[prices["session"] == day0, "ticker"].unique())
        for ticker in names:
            g = by_ticker.get(ticker)
            if g is None or day0 not in g.index:
                continue
            r = g["ret"].reindex(range(day0 + EST[0], day0 + WINDOW[1] + 1))
            rm = bench.reindex(r.index)
            est = pd.DataFrame({"y": r, "x": rm}).loc[day0 + EST[0]: day0 + EST[1]].dropna()
            row = {"event_id": ev.event_id, "ticker": ticker, "estimation_days": len(est),
                   "alpha": np.nan, "beta": np.nan, "sigma": np.nan}
            if len(est) >= 2:
                fit = sm.OLS(est["y"], sm.add_constant(est["x"], has_constant="add")).fit()
                row["alpha"], row["beta"] = fit.params["const"], fit.params["x"]
                if len(est) > 2:
                    row["sigma"] = float(np.sqrt(fit.ssr / (len(est) - 2)))
            ar = r - (row["alpha"] + row["beta"] * rm)
            row["return_0"] = r.get(day0)
            row["ar_0"] = ar.get(day0)
            for a, b in CAR_WINDOWS:
                row[car_name(a, b)] = ar.loc[day0 + a: day0 + b].sum(min_count=1)
            out.append(row)
    return pd.DataFrame(out)


def from_marts(con) -> pd.DataFrame:
    """The same figures read from the warehouse marts."""
    cars = ", ".join(
        f"sum(abnormal_return_pct) filter (where relative_day between {a} and {b}) / 100 as {car_name(a, b)}"
        for a, b in CAR_WINDOWS)
    return con.execute(f"""
        with car as (
            select event_id, ticker, {cars}
            from marts.fct_event_stock_daily group by all
        )
        select i.event_id, i.ticker, i.estimation_days, i.alpha, i.beta, i.sigma,
               i.return_pct / 100 as return_0, i.abnormal_return_pct / 100 as ar_0, car.* exclude (event_id, ticker)
        from marts.fct_event_stock_impact i left join car using (event_id, ticker)
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
    return {"pairs_db": len(ours), "pairs_pandas": len(ref), "pairs_matched": len(m),
            "max_abs_diff": diffs, "equal": bool(len(m) == len(ours) == len(ref) and worst <= tol)}
