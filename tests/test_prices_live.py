"""The live price client end to end through yfinance, with a Session serving recorded chart JSON."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from aftershock.ingest_commands import run
from ingest import prices_live

from conftest import SAMPLE
from fakes.yahoo import FakeYahooSession


def sample_bars(*tickers):
    s = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv")
    return {t: g.reset_index(drop=True) for t, g in s.groupby("ticker") if t in tickers}


def test_live_prices_land_close_and_adj_close_and_report_missing_ticker(data_dir):
    session = FakeYahooSession(sample_bars("NVDA", "^SOX"))
    # history=False: this test is about the client; tests/test_history_backfill.py covers the backfill
    [res] = run(
        "prices",
        "live",
        start="2025-01-21",
        end="2025-01-28",
        tickers=("NVDA", "^SOX", "NOSUCH"),
        history=False,
        session=session,
    )
    assert any("NOSUCH" in w for w in res.warnings)
    table = pq.read_table(res.path).to_pandas().set_index(["ticker", "date"])
    nvda = table.loc[("NVDA", pd.Timestamp("2025-01-27"))]
    assert nvda["close"] == 118.419998 and round(nvda["adj_close"], 5) == 118.38121
    assert nvda["volume"] == 818830900
    assert table.loc[("NVDA", pd.Timestamp("2025-01-24")), "close"] == 142.619995
    assert len(table) == 12  # 6 sessions x 2 tickers, NOSUCH has none
    assert "NOSUCH" not in table.index.get_level_values("ticker")


def test_rate_limited_ticker_is_retried_with_backoff():
    session = FakeYahooSession(sample_bars("NVDA", "AAPL"), rate_limit={"NVDA": 6})
    sleeps = []
    res = prices_live.fetch(
        ["NVDA", "AAPL"], "2025-01-24", "2025-01-27", session=session, backoff_s=0.5, sleep=sleeps.append
    )
    assert set(res.frame["ticker"]) == {"NVDA", "AAPL"}
    assert res.errors == {}
    assert res.attempts["NVDA"] >= 2
    assert sleeps[:2] == [0.5, 1.0][: len(sleeps[:2])] and sleeps


def test_ticker_that_stays_rate_limited_is_reported_by_name():
    session = FakeYahooSession(sample_bars("AAPL"), rate_limit={"NVDA": 10_000})
    res = prices_live.fetch(
        ["NVDA", "AAPL"], "2025-01-24", "2025-01-27", session=session, attempts=2, backoff_s=0, sleep=lambda s: None
    )
    assert set(res.frame["ticker"]) == {"AAPL"}
    assert "NVDA" in res.errors and res.errors["NVDA"].startswith("NVDA:")


def test_reshape_turns_multiindex_into_long_rows():
    idx = pd.to_datetime(["2025-01-24", "2025-01-27"])
    cols = pd.MultiIndex.from_product(
        [["Adj Close", "Close", "High", "Low", "Open", "Volume"], ["A", "B"]], names=["Price", "Ticker"]
    )
    wide = pd.DataFrame(1.0, index=idx, columns=cols)
    wide[("Close", "B")] = [float("nan"), 2.0]
    wide.loc[idx[0], [(f, "B") for f in ["Adj Close", "High", "Low", "Open"]]] = float("nan")
    long = prices_live.reshape(wide)
    assert len(long) == 3
    assert set(zip(long["ticker"], long["date"].dt.strftime("%Y-%m-%d"))) == {
        ("A", "2025-01-24"),
        ("A", "2025-01-27"),
        ("B", "2025-01-27"),
    }


def test_live_shares_history_lands_per_ticker_and_names_the_missing_one(data_dir):
    shares = pd.read_csv(SAMPLE / "shares" / "shares_outstanding.csv")
    session = FakeYahooSession(
        sample_bars("NVDA", "AAPL"), shares_by_symbol={"NVDA": shares[shares["ticker"] == "NVDA"]}
    )
    [res] = run("shares", "live", start="2024-10-01", end="2025-03-01", tickers=("NVDA", "AAPL"), session=session)
    table = pq.read_table(res.path).to_pandas()
    assert sorted(table["shares_outstanding"]) == [24.4e9, 24.477e9, 24.49e9]
    assert set(table["ticker"]) == {"NVDA"}
    assert [w for w in res.warnings if w.startswith("AAPL:")]
    assert {str(d.date()) for d in table["as_of_date"]} == {"2024-11-15", "2025-01-26", "2025-02-21"}


def test_offline_noise_is_one_short_reason_per_ticker():
    # what yfinance logs for a whole watchlist when the machine cannot reach Yahoo (recorded offline)
    group = "['ORCL', 'CEG', 'GOOG', '^IXIC', 'META', 'MU', 'ARM', '^SOX', 'AMD']"
    msgs = [
        f"{group}: possibly delisted; no timezone found",
        "['AAPL']: DNSError('Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com.')",
    ]
    from ingest.prices_live import _reason

    amd = _reason(msgs, "AMD")
    assert "ORCL" not in amd and len(amd) < 200
    assert (
        amd == "no answer from Yahoo Finance (network: DNSError); yfinance says: possibly delisted; no timezone found"
    )
    assert _reason(msgs, "AAPL").startswith("DNSError(")  # its own reason already is the network error
    assert _reason(["['X']: possibly delisted; no price data found"], "X") == "possibly delisted; no price data found"


def test_shares_parse_keeps_the_last_count_reported_for_a_date():
    from ingest import shares

    reported = pd.Series([1.0e9, 2.0e9, 3.0e9], index=pd.to_datetime(["2025-01-02", "2025-01-02", "2025-01-03"]))
    frame = shares.parse({"NVDA": reported})
    assert list(frame["shares_outstanding"]) == [2.0e9, 3.0e9] and set(frame["ticker"]) == {"NVDA"}
    assert list(shares.parse({}).columns) == shares.COLUMNS  # nothing answered: no rows, the same columns
