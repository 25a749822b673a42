"""The cross-sectional sample's abnormal returns: the pairs int_event_cross_section keeps (stocks with
a long enough estimation window and residual variance), on the estimation window and the event window
(the days of int_event_days with in_estimation or in_window), where the AR is not null. The rank test,
the sign test's share and the event-wide and group cross-correlations read from here. pair_id numbers
the pairs of this build in (event_id, ticker) order: the rank test sorts each pair's days by one
integer instead of two text keys.

Why numpy (aftershock/event_returns.py): each event's residuals are one gather from a session x ticker
matrix of returns with the pair's int_market_model fit, where the SQL cut them from a view of the
whole grid joined to the returns twice (18 million rows at 500 tickers x 145 events).
"""

import numpy as np
import pandas as pd

from aftershock import event_returns


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    cross_section = dbt.ref("int_event_cross_section")
    kept = session.sql(
        f"select event_id, ticker from {event_returns.sub(cross_section)} where caar_exclusion_reason is null"
    ).fetchnumpy()
    in_sample = study.pair_mask(kept["event_id"], kept["ticker"])
    pair_id = np.cumsum(in_sample).astype(np.int32)  # 1, 2, ... over the kept pairs in (event_id, ticker) order
    rows, days, _, _ = event_returns.event_day_rows(
        session,
        study,
        dbt.ref("int_event_days"),
        dbt.ref("int_market_model"),
        where="in_estimation or in_window",
        keep_pair=in_sample,
        residuals_only=True,
    )
    day_rel = np.asarray(days["relative_day"], dtype=np.int64)
    pair, day = rows["pair"], rows["day"]
    out = pd.DataFrame(
        {
            # categoricals, cast to text by event_returns.relation: no Python string per row
            "event_id": pd.Categorical.from_codes(study.pairs.event[pair], study.event_ids),
            "ticker": pd.Categorical.from_codes(study.pairs.ticker[pair], study.tickers),
            "pair_id": pair_id[pair],
            "relative_day": day_rel[day],
            "in_estimation": np.asarray(days["in_estimation"])[day],
            "in_window": np.asarray(days["in_window"])[day],
            "abnormal_return": rows["ar"],
        }
    )
    return event_returns.relation(session, out)
