"""Event x ticker x relative day over the event window (the days of int_event_days with in_window:
[-10, +10]), every column: the ticker's row (close, prices, return), its benchmark's return, the
abnormal return AR = R - (alpha + beta Rm) (R - alpha for constant_mean) and the pair's
int_market_model fit. What the daily mart, the market value, the day-0 impact and the holdings read;
the CARs read the longer int_event_horizon_returns. A row for each day the ticker has a row in
int_daily_returns; AR is null where a return or the fit is.

Why numpy (aftershock/event_returns.py): each event's rows are one gather from session x ticker
matrices, where the SQL cut them from a view of the whole grid joined to the returns twice.
"""

import numpy as np
import pandas as pd

from aftershock import event_returns


def model(dbt, session):
    dbt.config(materialized="table")
    study, prices = event_returns.load(
        session,
        dbt.ref("int_daily_returns"),
        dbt.ref("int_event_calendar"),
        dbt.ref("int_event_tickers"),
        columns=("close", "prev_close", "price"),
    )
    rows, days, fit, model_code = event_returns.event_day_rows(
        session, study, dbt.ref("int_event_days"), dbt.ref("int_market_model"), where="in_window"
    )
    pairs = study.pairs
    pair, day = rows["pair"], rows["day"]
    day_rel = np.asarray(days["relative_day"], dtype=np.int64)
    session_pos = study.events.day0[pairs.event[pair]] + day_rel[day]
    ticker = pairs.ticker[pair]
    out = pd.DataFrame(
        {
            # categoricals: DuckDB reads them as ENUMs, cast to text below, with no Python string per row
            "event_id": pd.Categorical.from_codes(pairs.event[pair], study.event_ids),
            "ticker": pd.Categorical.from_codes(ticker, study.tickers),
            "relative_day": day_rel[day],
            "in_estimation": np.asarray(days["in_estimation"])[day],
            "in_window": np.asarray(days["in_window"])[day],
            "in_horizon": np.asarray(days["in_horizon"])[day],
            "trade_date": np.asarray(days["trade_date"])[day],
            "close": prices["close"][session_pos, ticker],
            "prev_close": prices["prev_close"][session_pos, ticker],
            "price": prices["price"][session_pos, ticker],
            "daily_return": rows["ret"],
            "benchmark_return": rows["bench"],
            "abnormal_return": rows["ar"],  # NaN -> NULL when DuckDB reads the frame
            "model": pd.Categorical.from_codes(model_code[pair], event_returns.MODELS),
            "alpha": fit["alpha"][pair],
            "beta": fit["beta"][pair],
            "sigma": fit["sigma"][pair],
            "sigma_dof": pd.array(fit["sigma_dof"][pair], dtype="Int64"),
            "estimation_days": pd.array(fit["estimation_days"][pair], dtype="Int64"),
        }
    )
    text = ("event_id", "ticker", "model")
    return session.from_df(out).project(
        ", ".join(
            f"cast({c} as varchar) as {c}" if c in text else f"cast({c} as date) as {c}" if c == "trade_date" else c
            for c in out.columns
        )
    )
