"""Per event: the mean pairwise Pearson correlation of the cross-section's estimation-window residuals
(Kolari and Pynnönen 2010: every stock shares the event date, so their abnormal returns are not
independent), each pair over the days on which both have an AR, and the number of pairs sharing a
day. int_event_caar_statistics scales its BMP t by it (kp_t). The stocks are int_event_cross_section's
(no caar_exclusion_reason), the ARs int_market_model's fit over the days of int_event_days with
in_estimation. An event without two stocks sharing a day has no row; a pair sharing one day, or on
whose common days a stock has no spread, has no correlation and makes the mean NaN (as DuckDB's corr
and avg did in the SQL this replaces).

Why numpy, one event at a time (aftershock/event_returns.cross_section_blocks, the statistic in
aftershock/event_statistics.py): the pairs of stocks with every estimation day take one pass over
the event's days x stocks (the z-score identity), and only a stock with gaps is paired explicitly;
the residuals are never stored.
"""

import numpy as np
import pyarrow as pa

from aftershock import event_returns, event_statistics


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    _, blocks = event_returns.cross_section_blocks(
        session,
        study,
        dbt.ref("int_event_days"),
        dbt.ref("int_market_model"),
        dbt.ref("int_event_cross_section"),
        where="in_estimation",
    )
    event_ids, pairs, means = [], [], []
    for b in blocks:
        result = event_statistics.mean_pairwise_correlation(event_statistics.correlation_inputs(b.ar))
        if result is not None:
            event_ids.append(str(study.event_ids[b.event]))
            pairs.append(result[0])
            means.append(result[1])
    # Arrow rather than a pandas frame: a NaN mean stays NaN (a frame's NaN is read as NULL)
    out = pa.table(
        {
            "event_id": pa.array(event_ids, type=pa.string()),
            "pairs": pa.array(np.asarray(pairs, dtype=np.int64)),
            "mean_correlation": pa.array(np.asarray(means, dtype=np.float64)),
        }
    )
    return session.from_arrow(out)
