"""Live mode on an empty lake: the first prices run (and the first after a ticker is added) fetches
the history every event's estimation window needs, per ticker; later runs fetch only their range.
The internet boundary is the recorded-payload Yahoo session (tests/fakes/yahoo.py)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import duckdb
import exchange_calendars as xcals
import pandas as pd
import pytest

from aftershock.ingest_commands import run
from ingest import history

from conftest import SAMPLE
from fakes.yahoo import CHART, FakeYahooSession

ESTIMATION_SESSIONS = 250  # dbt var estimation_start = -250


def _bars(*tickers):
    s = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv")
    return {t: g.reset_index(drop=True) for t, g in s.groupby("ticker") if t in tickers}


def _prices(start, end, *tickers, session, **kw):
    return run("prices", "live", start=start, end=end, tickers=tickers, session=session, **kw)


def _requested_from(session) -> dict[str, str]:
    """The first date each chart request asked Yahoo for (yfinance sends period1 as epoch seconds)."""
    return {unquote(CHART.search(url).group(1)): url for url in session.calls if CHART.search(url)}


def _sessions_before_day0(data_dir, ticker: str) -> int:
    rows = duckdb.sql(
        f"select distinct date::date from read_parquet('{data_dir}/lake/raw/prices/*.parquet') "
        f"where ticker = '{ticker}' and date < '2025-01-27'"
    ).fetchall()
    return len(rows)


def test_history_start_covers_every_events_estimation_window():
    cal = xcals.get_calendar("XNYS", start="2023-01-01")
    start = history.history_start()
    # the sample event's day 0 is 2025-01-27: 250 estimation sessions + the margin lie after the start
    sessions = cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp("2025-01-24"))
    assert len(sessions) == ESTIMATION_SESSIONS + history.MARGIN_SESSIONS
    # an earlier event (with its own, longer window) moves the start back
    events = pd.DataFrame({"event_date": ["2025-01-27", "2024-08-05"], "estimation_start": ["", "-300"]})
    earlier = history.history_start(events)
    assert (
        len(cal.sessions_in_range(pd.Timestamp(earlier), pd.Timestamp("2024-08-02"))) == 300 + history.MARGIN_SESSIONS
    )


def test_first_live_run_on_an_empty_lake_backfills_then_only_the_interval(data_dir):
    session = FakeYahooSession(_bars("NVDA", "^GSPC", "AAPL"))
    landed = _prices("2025-01-27", "2025-01-28", "NVDA", "^GSPC", session=session)
    assert [r.batch_id for r in landed] == [f"live-{history.history_start()}-2025-01-28"]
    for t in ("NVDA", "^GSPC"):
        assert _sessions_before_day0(data_dir, t) >= ESTIMATION_SESSIONS + history.MARGIN_SESSIONS, t

    # the next run: both have their history, so it fetches its interval only
    session.calls.clear()
    [again] = _prices("2025-01-28", "2025-01-29", "NVDA", "^GSPC", session=session)
    assert again.batch_id == "live-2025-01-28-2025-01-29" and again.rows == 4  # 2 tickers x 2 sessions
    assert len(_requested_from(session)) == 2

    # a ticker added to the watchlist gets its own history; the others still only the interval
    landed = _prices("2025-01-29", "2025-01-30", "NVDA", "^GSPC", "AAPL", session=session)
    by_batch = {r.batch_id: r for r in landed}
    assert set(by_batch) == {f"live-{history.history_start()}-2025-01-30", "live-2025-01-29-2025-01-30"}
    history_rows = duckdb.sql(
        f"select distinct ticker from read_parquet('{by_batch[f'live-{history.history_start()}-2025-01-30'].path}')"
    ).fetchall()
    assert history_rows == [("AAPL",)]
    assert _sessions_before_day0(data_dir, "AAPL") >= ESTIMATION_SESSIONS


def test_a_ticker_without_older_bars_is_not_refetched_in_full_every_run(data_dir):
    recent = _bars("NVDA")["NVDA"]
    recent = recent[recent["date"] >= "2025-01-02"]  # a listing younger than the estimation window
    session = FakeYahooSession({"NVDA": recent})
    [first] = _prices("2025-01-27", "2025-01-28", "NVDA", session=session)
    assert first.batch_id.startswith(f"live-{history.history_start()}")
    [second] = _prices("2025-01-28", "2025-01-29", "NVDA", session=session)
    assert second.batch_id == "live-2025-01-28-2025-01-29"


def test_no_history_flag_fetches_only_the_range(data_dir):
    session = FakeYahooSession(_bars("NVDA"))
    [only] = _prices("2025-01-27", "2025-01-28", "NVDA", history=False, session=session)
    assert only.batch_id == "live-2025-01-27-2025-01-28" and only.rows == 2


@pytest.mark.parametrize("start, expected", [(None, "history"), ("2024-12-01", "2024-12-01")])
def test_live_shares_reach_back_to_the_history_start(data_dir, start, expected):
    shares = pd.read_csv(SAMPLE / "shares" / "shares_outstanding.csv")
    session = FakeYahooSession({}, shares_by_symbol={"NVDA": shares[shares["ticker"] == "NVDA"]})
    run("shares", "live", start=start, end="2025-03-01", tickers=("NVDA",), session=session)
    [url] = [u for u in session.calls if "timeseries" in u]
    asked = pd.Timestamp(int(re.search(r"period1=(\d+)", url).group(1)), unit="s", tz="UTC").tz_convert(
        "America/New_York"
    )
    assert str(asked.date()) == str(history.history_start() if expected == "history" else expected), url
