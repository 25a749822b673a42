"""Event x ticker x relative day over the event window (the days of int_event_days with in_window:
[-10, +10]): the ticker's session date, close and adjusted close, its return, its benchmark's return
and the abnormal return AR = R - (alpha + beta Rm) (R - alpha for constant_mean) with the pair's
int_market_model fit. What the daily mart, the market value, the day-0 impact and the holdings read
(the fit itself they take from int_market_model; the CARs read the longer int_event_horizon_returns).
A row for each day the ticker has a row in int_daily_returns; AR is null where a return or the fit is.
Only the columns a reader uses: writing the 1.5 million rows (500 tickers x 145 events) is most of
the model's time.

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
        columns=("close", "price"),
    )
    days, rows = event_returns.event_day_rows(
        session, study, dbt.ref("int_event_days"), dbt.ref("int_market_model"), where="in_window"
    )
    pairs = study.pairs
    day_rel = np.asarray(days["relative_day"], dtype=np.int64)
    trade_date = np.asarray(days["trade_date"])

    def frame(r: dict) -> pd.DataFrame:  # one event's rows
        pair, day = r["pair"], r["day"]
        session_pos = study.events.day0[pairs.event[pair]] + day_rel[day]
        ticker = pairs.ticker[pair]
        return pd.DataFrame(
            {
                # categoricals, cast to text by event_returns.stream: no Python string per row
                "event_id": pd.Categorical.from_codes(pairs.event[pair], study.event_ids),
                "ticker": pd.Categorical.from_codes(ticker, study.tickers),
                "relative_day": day_rel[day],
                "trade_date": trade_date[day],
                "close": prices["close"][session_pos, ticker],
                "price": prices["price"][session_pos, ticker],
                "daily_return": r["ret"],
                "benchmark_return": r["bench"],
                "abnormal_return": r["ar"],  # NaN -> NULL when DuckDB reads the batch
            }
        )

    return event_returns.stream(session, frame, rows, dates=("trade_date",))
