"""Shares outstanding (for market value): file reader, live client and validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest import validate as v
from ingest.errors import SourceUnreadable
from ingest.prices import _read_table

COLUMNS = ["ticker", "as_of_date", "shares_outstanding"]
CHECKS: list[v.Check] = [
    v.not_null("as_of_date"),
    v.not_in_future("as_of_date"),
    ("ticker is missing", lambda d: d["ticker"].notna() & (d["ticker"].astype("string").str.strip() != "")),
    v.readable_number("shares_outstanding"),
    v.positive_finite("shares_outstanding"),
]
KEY = ["ticker", "as_of_date"]


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    out = v.keep_raw(df[COLUMNS], COLUMNS)
    out["as_of_date"] = v.to_dates(out["as_of_date"], "as_of_date")
    out["ticker"] = out["ticker"].astype("string").str.strip().str.upper()
    out["shares_outstanding"] = v.to_number(out["shares_outstanding"])
    return out


def read_file(path: Path) -> pd.DataFrame:
    df = _read_table(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SourceUnreadable(f"{path}: missing columns {missing}; expected {','.join(COLUMNS)}")
    try:
        return coerce(df)
    except SourceUnreadable as exc:
        raise SourceUnreadable(f"{path}: {exc}") from None


def fetch(tickers: list[str], start: str | None = None, end: str | None = None, session=None):
    """Shares history from yfinance, one series per ticker, as it answered. Returns
    ({ticker: series}, {ticker: error}); `parse` turns the series into rows."""
    import warnings

    import yfinance as yf
    from yfinance.data import YfData

    YfData.cache_get.cache_clear()  # see prices_live: yfinance memoises responses by URL
    series, errors = {}, {}
    for t in tickers:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = yf.Ticker(t, session=session).get_shares_full(start=start, end=end)
        except Exception as exc:  # yfinance raises assorted errors per ticker
            errors[t] = f"{t}: shares history failed: {exc}"
            continue
        if s is None or len(s) == 0:
            errors[t] = f"{t}: no shares history returned"
            continue
        series[t] = s
    return series, errors


def parse(series: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per ticker and date; of several counts on one date the last one reported."""
    frames = []
    for t, s in series.items():
        s = s[~s.index.duplicated(keep="last")]
        frames.append(pd.DataFrame({"ticker": t, "as_of_date": s.index, "shares_outstanding": s.values}))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return coerce(pd.concat(frames, ignore_index=True))


def split(df: pd.DataFrame) -> v.Split:
    return v.split_rows(df, CHECKS, KEY)
