"""Event x ticker x relative day over the CAR windows (the days of int_event_days with in_horizon:
[-10, +60] as bundled, the event window and the long horizons): the ticker's return and its abnormal
return AR = R - (alpha + beta Rm) (R - alpha for constant_mean) with the pair's int_market_model fit,
the two figures int_event_car sums and compounds. A row for each day the ticker has a row in
int_daily_returns; AR is null where a return or the fit is. Narrow on purpose: about 71 rows per
pair (5 million at 500 tickers x 145 events), where int_event_window_returns keeps every column of
the 21 days of the event window.

Why numpy: as int_event_window_returns (aftershock/event_returns.py).
"""

import numpy as np
import pandas as pd

from aftershock import event_returns


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    days, rows = event_returns.event_day_rows(
        session, study, dbt.ref("int_event_days"), dbt.ref("int_market_model"), where="in_horizon"
    )
    pairs = study.pairs
    day_rel = np.asarray(days["relative_day"], dtype=np.int64)

    def frame(r: dict) -> pd.DataFrame:  # one event's rows
        return pd.DataFrame(
            {
                # categoricals, cast to text by event_returns.stream: no Python string per row
                "event_id": pd.Categorical.from_codes(pairs.event[r["pair"]], study.event_ids),
                "ticker": pd.Categorical.from_codes(pairs.ticker[r["pair"]], study.tickers),
                "relative_day": day_rel[r["day"]],
                "daily_return": r["ret"],
                "abnormal_return": r["ar"],  # NaN -> NULL when DuckDB reads the batch
            }
        )

    return event_returns.stream(session, frame, rows)
