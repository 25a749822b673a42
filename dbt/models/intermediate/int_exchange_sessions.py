"""The exchange's trading sessions (var market_calendar, an exchange_calendars code, XNYS by default)
from the first to the last price date in the lake, whatever ticker the rows belong to.

The calendar comes from the exchange, never from the rows: a holiday or weekend row of any ticker
(a crypto pair trades every day) is not a session. Where the price dates reach past what the
calendar package covers (before its first session, or after its last), the benchmark's own dates
stand in, and `calendar` says which rule gave the row. The range is all tickers' so a ticker added
to the watchlist later finds every one of its sessions here; int_trading_sessions cuts it to the
watchlist's span.
"""

import pandas as pd


def _calendar_sessions(
    code: str, lo: pd.Timestamp, hi: pd.Timestamp
) -> tuple[pd.DatetimeIndex, pd.Timestamp, pd.Timestamp]:
    """The calendar's sessions in [lo, hi], clipped to the dates the package can build it for."""
    import exchange_calendars as xcals

    if code not in xcals.get_calendar_names():
        raise ValueError(f"var market_calendar={code!r}: not an exchange_calendars code (e.g. XNYS, XLON, XTKS)")
    cls = xcals.calendar_utils.global_calendar_dispatcher._calendar_factories[xcals.resolve_alias(code)]
    first = max(lo, cls.bound_min() or lo)
    last = min(hi, cls.bound_max() or hi)
    if first > last:
        return pd.DatetimeIndex([]), first, last
    try:
        cal = xcals.get_calendar(code, start=first.strftime("%Y-%m-%d"), end=last.strftime("%Y-%m-%d"))
    except xcals.errors.NoSessionsError:  # the lake's dates are one weekend or holiday
        return pd.DatetimeIndex([]), first, last
    return cal.sessions, first, last


def model(dbt, session):
    dbt.config(materialized="table")
    code = dbt.config.get("market_calendar")
    benchmark = dbt.config.get("default_benchmark")
    prices = dbt.ref("stg_prices")
    lo, hi = prices.aggregate("min(trade_date), max(trade_date)").fetchone()
    columns = {"trade_date": pd.Series(dtype="datetime64[s]"), "calendar": pd.Series(dtype="string")}
    if lo is None:
        return pd.DataFrame(columns)
    lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    sessions, first, last = _calendar_sessions(code, lo, hi)
    out = pd.DataFrame(
        {"trade_date": pd.to_datetime(sessions).tz_localize(None).astype("datetime64[s]"), "calendar": code}
    )
    if lo < first or hi > last:
        own = prices.filter(f"ticker = '{benchmark}'").aggregate("distinct trade_date").df()["trade_date"]
        own = pd.to_datetime(own).astype("datetime64[s]")
        own = own[(own < first) | (own > last)]
        out = pd.concat([out, pd.DataFrame({"trade_date": own, "calendar": f"{benchmark} trade dates"})])
    out["calendar"] = out["calendar"].astype("string")
    return session.from_df(out).project("cast(trade_date as date) as trade_date, calendar").order("trade_date")
