"""Per event x group (int_event_group_members: the sector and peer-link groups of the event's
cross-section): the mean pairwise Pearson correlation of the members' estimation-window residuals,
each pair over the days on which both have an AR, and the number of pairs sharing a day; the same
statistic as int_event_residual_correlation over the group's members. int_event_group_caar_statistics
scales the group's BMP t by it (kp_t). A group without two members sharing a day has no row; a pair
sharing one day, or on whose common days a stock has no spread, makes the mean NaN.

Why numpy, one event at a time: as int_event_residual_correlation. Each event's stock-level inputs
(deviations, which stocks have every day) are computed once and serve all its groups.
"""

import numpy as np
import pyarrow as pa

from aftershock import event_returns, event_statistics


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    members = session.sql(
        f"select event_id, group_type, group_name, ticker from {event_returns.sub(dbt.ref('int_event_group_members'))}"
    ).df()  # a few thousand rows
    members["pair"] = study.pair_positions(members["event_id"], members["ticker"])
    members = members[members["pair"] >= 0]
    members["event"] = study.pairs.event[members["pair"].to_numpy()]
    # each event's groups: ((group_type, group_name), the members' pair positions)
    groups = {
        int(e): [(key, g["pair"].to_numpy()) for key, g in of_event.groupby(["group_type", "group_name"])]
        for e, of_event in members.groupby("event")
    }
    _, blocks = event_returns.cross_section_blocks(
        session,
        study,
        dbt.ref("int_event_days"),
        dbt.ref("int_market_model"),
        dbt.ref("int_event_cross_section"),
        where="in_estimation",
    )
    rows = {c: [] for c in ("event_id", "group_type", "group_name", "pairs", "mean_correlation")}
    for b in blocks:
        if b.event not in groups:
            continue
        inputs = event_statistics.correlation_inputs(b.ar)
        for (group_type, group_name), at in groups[b.event]:
            # the members' columns in the block (b.pair is ascending; every member is a cross-section pair)
            result = event_statistics.mean_pairwise_correlation(inputs, np.searchsorted(b.pair, at))
            if result is not None:
                for c, v in zip(rows, (study.event_ids[b.event], group_type, group_name, *result)):
                    rows[c].append(v)
    # Arrow rather than a pandas frame: a NaN mean stays NaN (a frame's NaN is read as NULL)
    out = pa.table(
        {
            "event_id": pa.array([str(v) for v in rows["event_id"]], type=pa.string()),
            "group_type": pa.array([str(v) for v in rows["group_type"]], type=pa.string()),
            "group_name": pa.array([str(v) for v in rows["group_name"]], type=pa.string()),
            "pairs": pa.array(np.asarray(rows["pairs"], dtype=np.int64)),
            "mean_correlation": pa.array(np.asarray(rows["mean_correlation"], dtype=np.float64)),
        }
    )
    return session.from_arrow(out)
