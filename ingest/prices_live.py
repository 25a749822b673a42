"""Live daily prices from Yahoo Finance through yfinance (auto_adjust=False).

yfinance never raises for a ticker that failed: it logs and leaves the ticker's columns
empty. So each ticker is judged by its own rows, errors are read from yfinance's log,
rate-limited tickers are retried with exponential backoff, and the rest of the batch lands.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from dataclasses import dataclass, field

import pandas as pd

from ingest.prices import LONG_COLUMNS, coerce

_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Adj Close": "adj_close", "Volume": "volume"}


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@dataclass
class LiveResult:
    frame: pd.DataFrame
    errors: dict[str, str] = field(default_factory=dict)  # ticker -> why it has no rows
    attempts: dict[str, int] = field(default_factory=dict)


def reshape(wide: pd.DataFrame) -> pd.DataFrame:
    """yfinance's (field, ticker) MultiIndex columns -> long rows date,ticker,open,...,volume."""
    if wide is None or wide.empty:
        return pd.DataFrame(columns=LONG_COLUMNS)
    if not isinstance(wide.columns, pd.MultiIndex):
        raise ValueError("expected yfinance MultiIndex columns (field, ticker)")
    levels = [list(map(str, wide.columns.get_level_values(i))) for i in range(2)]
    field_level = 0 if set(levels[0]) & set(_FIELDS) else 1
    stacked = wide.stack(level=1 - field_level, future_stack=True)
    stacked.index = stacked.index.set_names(["date", "ticker"])
    long = stacked.rename(columns=_FIELDS).reset_index()
    for col in LONG_COLUMNS:
        if col not in long.columns:
            long[col] = None
    long = long[LONG_COLUMNS]
    price_cols = ["open", "high", "low", "close", "adj_close"]
    long = long[long[price_cols].notna().any(axis=1)]
    return coerce(long)


def _rate_limited(msgs: list[str], ticker: str) -> bool:
    text = " ".join(m for m in msgs if ticker in m or "Rate" in m or "429" in m)
    return "Rate limit" in text or "Too Many Requests" in text or "429" in text or "RateLimit" in text


# yfinance groups the tickers that failed alike: "['ORCL', 'CEG', ... 21 tickers]: possibly delisted; ...".
_TICKER_LIST = re.compile(r"^\s*\[[^\]]*\]\s*:\s*")
_NETWORK = re.compile(
    r"Could not resolve host|Failed to perform|Connection (refused|reset)|timed out|DNSError|"
    r"ConnectionError|Network is unreachable",
    re.IGNORECASE,
)
_QUOTED = 200  # a reason quoted in a warning is cut here


def _reason(msgs: list[str], ticker: str) -> str:
    """One short cause for one ticker. yfinance's own wording is "possibly delisted" whenever a ticker got
    nothing, even when the machine simply could not reach Yahoo; a network error seen in the same call is
    the better explanation, so it is given instead."""
    mine = [m for m in msgs if ticker in m]
    if not mine:
        return "no data returned"
    reason = _TICKER_LIST.sub("", mine[-1].strip())
    network = next((m for m in msgs if _NETWORK.search(m)), None)
    if network and not _NETWORK.search(reason):
        cause = _NETWORK.search(network).group(0)
        reason = f"no answer from Yahoo Finance (network: {cause}); yfinance says: {reason}"
    return reason if len(reason) <= _QUOTED else reason[:_QUOTED] + "..."


def fetch(
    tickers: list[str],
    start: str | None,
    end: str | None,
    session=None,
    attempts: int = 4,
    backoff_s: float = 2.0,
    sleep=time.sleep,
) -> LiveResult:
    """Download daily bars for `tickers` in [start, end] (end inclusive)."""
    import yfinance as yf
    from yfinance.data import YfData

    end_excl = (pd.Timestamp(end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d") if end else None
    pending = [t.upper() for t in dict.fromkeys(tickers)]
    frames: list[pd.DataFrame] = []
    result = LiveResult(frame=pd.DataFrame(columns=LONG_COLUMNS))
    ylog = logging.getLogger("yfinance")
    # yfinance memoises GET responses process-wide by URL; a long-lived worker (or a retry)
    # must see what the server says now.
    YfData.cache_get.cache_clear()
    for attempt in range(1, attempts + 1):
        cap = _Capture()
        ylog.addHandler(cap)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas deprecations inside yfinance, not ours to fix
                wide = yf.download(
                    pending,
                    start=start,
                    end=end_excl,
                    auto_adjust=False,
                    actions=False,
                    group_by="column",
                    progress=False,
                    threads=False,
                    session=session,
                    multi_level_index=True,
                )
        finally:
            ylog.removeHandler(cap)
        long = reshape(wide)
        got = set(long["ticker"].dropna().unique())
        frames.append(long)
        retry = []
        for t in pending:
            result.attempts[t] = attempt
            if t in got:
                result.errors.pop(t, None)
                continue
            result.errors[t] = f"{t}: {_reason(cap.messages, t)}"
            if _rate_limited(cap.messages, t):
                retry.append(t)
        if not retry or attempt == attempts:
            break
        sleep(backoff_s * 2 ** (attempt - 1))
        pending = retry
    result.frame = pd.concat(frames, ignore_index=True) if frames else result.frame
    return result
