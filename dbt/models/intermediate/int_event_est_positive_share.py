"""Event x ticker, for the cross-section's pairs (int_event_cross_section without a
caar_exclusion_reason) with an estimation-window AR: the share of those ARs above zero, the expected p
of Cowan's generalised sign test (int_event_car carries it per pair, int_event_caar_statistics
averages it). ARs as int_market_model's fit gives them, over the days of int_event_days with
in_estimation.

Why numpy, one event at a time: as int_event_rank_means (aftershock/event_returns.cross_section_blocks,
the share in aftershock/event_statistics.py); the 17 million estimation-window residuals are never
stored.
"""

import numpy as np
import pandas as pd

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
    parts = []
    for b in blocks:
        days, share = event_statistics.positive_share(b.ar)
        with_days = days > 0  # a pair without an estimation AR has no row (a null share in int_event_car)
        parts.append((b.pair[with_days], days[with_days], share[with_days]))
    pair, days, share = (np.concatenate(c) for c in zip(*parts)) if parts else ([],) * 3
    pair = np.asarray(pair, dtype=np.int64)
    out = pd.DataFrame(
        {
            "event_id": pd.Categorical.from_codes(study.pairs.event[pair], study.event_ids),
            "ticker": pd.Categorical.from_codes(study.pairs.ticker[pair], study.tickers),
            "estimation_residuals": np.asarray(days, dtype=np.int64),
            "est_positive_share": np.asarray(share, dtype=np.float64),
        }
    )
    return event_returns.relation(session, out)
