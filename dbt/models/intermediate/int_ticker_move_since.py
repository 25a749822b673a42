"""For every move of int_ticker_moves: the latest earlier session with a larger move of the same
measure and direction, of the same ticker (ticker_since_date) and of any watchlist ticker
(watchlist_since_date, a strictly earlier session); null when there is none. fct_records quotes it
as "the largest since ...".

Why numpy (aftershock/move_records.py): in SQL this was a join of each chosen move with every
earlier larger move of its scope, which grows with the move's rank: an event's day 0 ranks anywhere
among its ticker's sessions, and the join took 330 s of the build at 10 million price rows.
"""

import numpy as np
import pandas as pd

from aftershock import event_returns, move_records

EPOCH = np.datetime64("1970-01-01", "D")


def model(dbt, session):
    dbt.config(materialized="table")
    moves = dbt.ref("int_ticker_moves")
    tickers = [
        t for (t,) in session.sql(f"select distinct ticker from {event_returns.sub(moves)} order by 1").fetchall()
    ]
    # integers only: no Python object per row. kind = (measure, direction), 0..3
    m = session.sql(
        f"""
        select
            cast(dense_rank() over (order by ticker) - 1 as integer) as ticker_code,
            cast(trade_date - date '1970-01-01' as integer) as day,
            cast(ranked_by = 'return_pct' as integer) * 2 + cast(direction = 'up' as integer) as kind,
            abs(value) as size
        from {event_returns.sub(moves)}
        """
    ).fetchnumpy()
    code, day, kind, size = (np.asarray(m[c]) for c in ("ticker_code", "day", "kind", "size"))

    # one integer key per order wanted (np.lexsort and np.unique over rows are several times slower)
    span = np.int64(day.max() - day.min() + 1) if len(day) else np.int64(1)
    day0 = day.astype(np.int64) - (day.min() if len(day) else 0)

    # the ticker's own sessions: (kind, ticker) groups, each in date order
    group = kind.astype(np.int64) * (len(tickers) + 1) + code
    order = np.argsort(group * span + day0)
    before = move_records.previous_larger(size[order], group[order])
    ticker_since = np.full(len(day), -1, dtype=np.int64)
    ticker_since[order] = np.where(before >= 0, day[order][np.maximum(before, 0)], -1)

    # the watchlist: per kind, each session's largest move, in date order; a move's answer is the
    # latest strictly earlier session whose largest move was larger than it
    sessions, at = np.unique(kind.astype(np.int64) * span + day0, return_inverse=True)
    largest = np.zeros(len(sessions))
    np.maximum.at(largest, at, size)
    found = move_records.latest_larger_before(largest, sessions // span, at, size)
    watchlist_since = np.where(found >= 0, sessions[np.maximum(found, 0)] % span + (day.min() if len(day) else 0), -1)

    def dates(days: np.ndarray) -> np.ndarray:
        out = EPOCH + days.astype("timedelta64[D]")
        out[days < 0] = np.datetime64("NaT")
        return out

    out = pd.DataFrame(
        {
            "ticker": pd.Categorical.from_codes(code, tickers),
            "trade_date": dates(day),
            "ranked_by": pd.Categorical.from_codes(kind // 2, ["market_cap_change_usd", "return_pct"]),
            "ticker_since_date": dates(ticker_since),
            "watchlist_since_date": dates(watchlist_since),
        }
    )
    return event_returns.relation(session, out, dates=("trade_date", "ticker_since_date", "watchlist_since_date"))
