"""Corrado (1989) ranks with the Corrado-Zivney (1992) standardisation, per event x relative day: each
cross-section pair's ARs over its estimation window plus the event window (the days of int_event_days
with in_estimation or in_window) ranked, ties given their average rank, U = rank / (T + 1) - 0.5 with
T the pair's number of days with an AR, and the mean of U over the stocks with an AR that day. The
pairs are int_event_cross_section's (no caar_exclusion_reason), the ARs those of int_market_model's
fit. int_event_caar_statistics turns these into rank_z.

Why numpy, one event at a time (aftershock/event_returns.cross_section_blocks, the ranks in
aftershock/event_statistics.py): the ranks read every residual of the cross-section, 18.6 million at
500 tickers x 145 events. A stored residuals table and window ranks over it took most of the build
and more memory than a 1.2 GB machine has at 10 million price rows; an event's block is its pairs x
about 260 days.
"""

import numpy as np
import pandas as pd

from aftershock import event_returns, event_statistics


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    day_rel, blocks = event_returns.cross_section_blocks(
        session,
        study,
        dbt.ref("int_event_days"),
        dbt.ref("int_market_model"),
        dbt.ref("int_event_cross_section"),
        where="in_estimation or in_window",
    )
    parts = []
    for b in blocks:
        stocks, mean_u = event_statistics.corrado_rank_means(b.ar)
        ranked = stocks > 0  # a day on which no stock has an AR has no row
        parts.append((np.full(ranked.sum(), b.event), day_rel[b.day[ranked]], stocks[ranked], mean_u[ranked]))
    event, relative_day, stocks, mean_u = (np.concatenate(c) for c in zip(*parts)) if parts else ([],) * 4
    out = pd.DataFrame(
        {
            "event_id": pd.Categorical.from_codes(np.asarray(event, dtype=np.int64), study.event_ids),
            "relative_day": np.asarray(relative_day, dtype=np.int64),
            "stocks": np.asarray(stocks, dtype=np.int64),
            "mean_u": np.asarray(mean_u, dtype=np.float64),
        }
    )
    return event_returns.relation(session, out)
