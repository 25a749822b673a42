"""A requests.Session that answers Yahoo Finance's chart API from recorded bars.

It is the internet boundary only: yfinance itself (URL building, JSON parsing, the
MultiIndex frame) runs for real. Payloads follow the shape of /v8/finance/chart/{symbol}.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pandas as pd
import requests

CHART = re.compile(r"/v8/finance/chart/([^/?]+)")
SHARES = re.compile(r"/ws/fundamentals-timeseries/v1/finance/timeseries/([^/?]+)")


def chart_payload(symbol: str, bars: pd.DataFrame) -> dict:
    """bars: date, open, high, low, close, adj_close, volume (exchange dates, America/New_York)."""
    ts = [
        int(pd.Timestamp(d).tz_localize("America/New_York").replace(hour=9, minute=30).timestamp())
        for d in bars["date"]
    ]
    none = lambda s: [None if pd.isna(x) else float(x) for x in s]  # noqa: E731
    quote = {
        "open": none(bars["open"]),
        "high": none(bars["high"]),
        "low": none(bars["low"]),
        "close": none(bars["close"]),
        "volume": [None if pd.isna(x) else int(x) for x in bars["volume"]],
    }
    adj = bars["adj_close"].where(bars["adj_close"].notna(), bars["close"])
    return {
        "chart": {
            "result": [
                {
                    "meta": {
                        "currency": "USD",
                        "symbol": symbol,
                        "exchangeName": "NMS",
                        "instrumentType": "EQUITY",
                        "firstTradeDate": 917015400,
                        "regularMarketTime": ts[-1] if ts else 0,
                        "gmtoffset": -18000,
                        "timezone": "EST",
                        "exchangeTimezoneName": "America/New_York",
                        "priceHint": 2,
                        "dataGranularity": "1d",
                        "range": "",
                        "validRanges": ["1d", "5d", "1mo", "max"],
                    },
                    "timestamp": ts,
                    "indicators": {"quote": [quote], "adjclose": [{"adjclose": none(adj)}]},
                }
            ],
            "error": None,
        }
    }


def not_found(symbol: str) -> dict:
    return {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": f"No data found, symbol may be delisted: {symbol}"},
        }
    }


class FakeYahooSession(requests.Session):
    """Serves charts for `bars_by_symbol`; unknown symbols get Yahoo's 404 body.

    `rate_limit` maps a symbol to how many of its chart requests answer 429 before it succeeds.
    """

    def __init__(
        self,
        bars_by_symbol: dict[str, pd.DataFrame],
        rate_limit: dict[str, int] | None = None,
        shares_by_symbol: dict[str, pd.DataFrame] | None = None,
    ):
        super().__init__()
        self.bars = bars_by_symbol
        self.shares = shares_by_symbol or {}
        self.rate_limit = dict(rate_limit or {})
        self.calls: list[str] = []

    def _response(self, url: str, status: int, body) -> requests.Response:
        r = requests.Response()
        r.status_code = status
        r.url = url
        r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        r.headers["Content-Type"] = "application/json" if not isinstance(body, bytes) else "text/plain"
        r.encoding = "utf-8"
        return r

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - requests' signature
        self.calls.append(url)
        if "getcrumb" in url:
            return self._response(url, 200, b"fake-crumb")
        sm = SHARES.search(url)
        if sm:
            symbol = unquote(sm.group(1))
            sh = self.shares.get(symbol)
            if sh is None:
                return self._response(
                    url, 200, {"timeseries": {"result": [{"meta": {"symbol": [symbol]}}], "error": None}}
                )
            ts = [int(pd.Timestamp(d).timestamp()) for d in sh["as_of_date"]]
            return self._response(
                url,
                200,
                {
                    "timeseries": {
                        "result": [
                            {
                                "meta": {"symbol": [symbol]},
                                "timestamp": ts,
                                "shares_out": [int(x) for x in sh["shares_outstanding"]],
                            }
                        ],
                        "error": None,
                    }
                },
            )
        m = CHART.search(url)
        if not m:
            return self._response(url, 404, {"finance": {"result": None, "error": {"code": "Not Found"}}})
        symbol = unquote(m.group(1))
        if self.rate_limit.get(symbol, 0) > 0:
            self.rate_limit[symbol] -= 1
            return self._response(url, 429, b"Too Many Requests")
        if symbol not in self.bars:
            return self._response(url, 404, not_found(symbol))
        params = kwargs.get("params") or {}
        bars = self.bars[symbol]
        if "period1" in params and "period2" in params:
            d = pd.to_datetime(bars["date"])
            lo = pd.Timestamp(int(params["period1"]), unit="s").normalize()
            hi = pd.Timestamp(int(params["period2"]), unit="s")
            bars = bars[(d >= lo) & (d < hi)]
        return self._response(url, 200, chart_payload(symbol, bars))
