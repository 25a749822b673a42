"""Each event's most similar sessions: the cosine similarity and the Pearson correlation of the
detector's stock scores (int_detected_moves: AR / sigma against each stock's trailing market model)
on the event's day 0 and on every other session, over the stocks both sessions have.

Kept: each event's top var('analogs_top_n') sessions by similarity (then the earlier session), of
those with at least var('analog_min_tickers') common stocks and a defined similarity;
fct_event_analogs ranks them and lists the common stocks.

Why numpy: every sum over the common stocks of an event and a session is one entry of a matrix
product (day-0 scores x the stock-by-session score matrix, zeros where a stock has no score, with
a 0/1 matrix saying where it has one). In SQL the same sums were a join of each event's day-0 scores
with every score in the lake: 8 billion rows at 10 million price rows (818 events, 2,000 stocks,
5,000 sessions), which ran out of the build's memory; here they are six products per block of events.
"""

import numpy as np
import pandas as pd

EVENT_BLOCK = 64  # events per product: bounds the (events x sessions) arrays at 10M price rows to ~2.5 MB each


def similar_sessions(
    stock: np.ndarray,
    session: np.ndarray,
    score: np.ndarray,
    n_stocks: int,
    n_sessions: int,
    day0: np.ndarray,
    top_n: int,
    min_common: int,
) -> list[tuple[int, int, int, float, float | None]]:
    """(event, session, common stocks, similarity, correlation) of each event's top sessions.

    stock, session, score: one entry per scored stock-session (integer positions, sessions in date
    order); day0: each event's day-0 session position, -1 when no stock is scored on it."""
    values = np.zeros((n_stocks, n_sessions))
    scored = np.zeros((n_stocks, n_sessions))
    values[stock, session] = score
    scored[stock, session] = 1.0
    squares = values * values
    out = []
    events = np.flatnonzero(day0 >= 0)
    for start in range(0, len(events), EVENT_BLOCK):
        block = events[start : start + EVENT_BLOCK]
        a, a_scored = values[:, day0[block]].T, scored[:, day0[block]].T
        n = a_scored @ scored  # common stocks of (event, session)
        s_ab, s_aa, s_bb = a @ values, (a * a) @ scored, a_scored @ squares
        s_a, s_b = a @ scored, a_scored @ values
        with np.errstate(divide="ignore", invalid="ignore"):
            similarity = s_ab / np.sqrt(s_aa * s_bb)
            spread = (n * s_aa - s_a * s_a) * (n * s_bb - s_b * s_b)
            correlation = (n * s_ab - s_a * s_b) / np.sqrt(spread)
        keep = (n >= min_common) & np.isfinite(similarity) & (s_aa * s_bb > 0)
        keep[np.arange(len(block)), day0[block]] = False  # never the event's own day 0
        for row, event in enumerate(block):
            sessions = np.flatnonzero(keep[row])
            # by similarity, highest first, then the earlier session (lexsort: last key first)
            best = sessions[np.lexsort((sessions, -similarity[row, sessions]))[:top_n]]
            for j in best:
                r = correlation[row, j] if spread[row, j] > 0 else None
                out.append((int(event), int(j), int(round(n[row, j])), float(similarity[row, j]), r))
    return out


def model(dbt, session):
    dbt.config(materialized="table")
    top_n = int(dbt.config.get("analogs_top_n"))
    min_common = int(dbt.config.get("analog_min_tickers"))
    min_days = int(dbt.config.get("detect_min_days"))
    scores = dbt.ref("int_detected_moves").filter(
        f"asset_type = 'stock' and not is_benchmark and score is not null and estimation_days >= {min_days}"
    )
    calendar = dbt.ref("int_event_calendar")
    # integer positions computed by DuckDB, so no Python string is made per score
    stocks = scores.aggregate("ticker").project("ticker, cast(row_number() over (order by ticker) - 1 as integer) as i")
    days = scores.aggregate("trade_date").project(
        "trade_date, cast(row_number() over (order by trade_date) - 1 as integer) as j"
    )
    cells = (
        scores.join(stocks.set_alias("k"), "ticker").join(days.set_alias("d"), "trade_date").project("i, j, score")
    ).fetchnumpy()
    day_list = days.order("j").project("trade_date").fetchnumpy()["trade_date"]
    events = calendar.join(days.set_alias("d"), "day0_date = d.trade_date", how="left").project(
        "event_id, coalesce(j, -1) as j"
    )
    events = events.order("event_id").fetchnumpy()
    rows = similar_sessions(
        cells["i"],
        cells["j"],
        cells["score"],
        int(cells["i"].max()) + 1 if len(cells["i"]) else 0,
        len(day_list),
        np.asarray(events["j"], dtype=np.int64),
        top_n,
        min_common,
    )
    out = pd.DataFrame(
        {
            "event_id": pd.Series([events["event_id"][e] for e, *_ in rows], dtype="string"),
            "analog_date": pd.Series([day_list[j] for _, j, *_ in rows], dtype="datetime64[s]"),
            "common_tickers": pd.Series([r[2] for r in rows], dtype="int64"),
            "similarity": pd.Series([r[3] for r in rows], dtype="float64"),
            "correlation": pd.Series([r[4] for r in rows], dtype="Float64"),  # None: NULL, not NaN
        }
    )
    return session.from_df(out).project(
        "event_id, cast(analog_date as date) as analog_date, common_tickers, similarity, correlation"
    )
