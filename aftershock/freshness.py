"""`aftershock freshness`: how current the lake is, judged on the data's own dates.

When a batch landed (`_ingested_at`) says nothing about what it holds: a re-landed export of last
year's prices is "fresh" by that measure. So each source is judged on its own date column: prices and
wealth snapshots by how many completed sessions of the exchange calendar (XNYS) have closed since the
last date in the lake, shares and news by age. `_ingested_at` is used only for a source whose rows
have no date of their own. Reads the lake only (no dbt, no build workspace, no warehouse).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from aftershock.paths import raw_dir

CALENDAR = "XNYS"


@dataclass(frozen=True)
class Rule:
    column: str
    unit: str  # "sessions" (completed exchange sessions after the last date) or "days"/"hours" of age
    warn_after: float
    error_after: float
    why: str


# Prices land after each close (the DAG at 18:30 New York): one session behind is normal between the
# close and the landing, two is a missed run. Shares come from quarterly and annual filings.
RULES: dict[str, Rule] = {
    "prices": Rule("date", "sessions", 1, 5, "last trade date"),
    "wealth": Rule("date", "sessions", 1, 5, "last snapshot date"),
    "shares": Rule("as_of_date", "days", 120, 400, "last as-of date of a share count"),
    "news": Rule("published_at", "hours", 48, 14 * 24, "last article published"),
    "feed_polls": Rule("polled_at", "hours", 48, 14 * 24, "last feed poll"),
}
# a lake source not listed above: its rows have no date of their own
LANDED = Rule("_ingested_at", "days", 2, 14, "last batch landed")


@dataclass
class Verdict:
    source: str
    status: str  # PASS, WARN, ERROR STALE
    line: str


def _calendar():
    import exchange_calendars as xcals

    return xcals.get_calendar(CALENDAR)


def last_completed_session(now: pd.Timestamp, cal=None) -> pd.Timestamp:
    """The latest session of the exchange whose close is at or before `now` (UTC)."""
    cal = cal or _calendar()
    now = now.tz_convert("UTC") if now.tzinfo else now.tz_localize("UTC")
    minute = min(max(now, cal.first_minute), cal.last_minute)
    session = cal.minute_to_past_session(minute) if not cal.is_open_on_minute(minute) else cal.minute_to_session(minute)
    while cal.session_close(session) > now:
        session = cal.previous_session(session)
    return session


def sessions_behind(last_date: dt.date, now: pd.Timestamp, cal=None) -> tuple[int, pd.Timestamp]:
    cal = cal or _calendar()
    latest = last_completed_session(now, cal)
    start = max(pd.Timestamp(last_date) + pd.Timedelta(days=1), cal.first_session)
    if start > latest:
        return 0, latest
    return len(cal.sessions_in_range(start, latest)), latest


def _latest(source: str, column: str):
    glob = str(raw_dir(source) / "*.parquet")
    con = duckdb.connect()
    try:
        return con.execute(f'select max("{column}") from read_parquet(?, union_by_name = true)', [glob]).fetchone()[0]
    finally:
        con.close()


def judge(source: str, now: pd.Timestamp, cal=None) -> Verdict:
    rule = RULES.get(source, LANDED)
    latest = _latest(source, rule.column)
    if latest is None:
        return Verdict(source, "ERROR STALE", f"ERROR STALE freshness of lake.{source}: no {rule.column} in any batch")
    if rule.unit == "sessions":
        day = latest.date() if isinstance(latest, dt.datetime) else latest
        lag, reference = sessions_behind(day, now, cal)
        age = (
            f"{rule.why} {day}, {lag} completed {CALENDAR} session{'s' if lag != 1 else ''} since "
            f"(last completed: {reference.date()})"
        )
    else:
        ts = pd.Timestamp(latest)
        ts = ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")
        hours = (now - ts).total_seconds() / 3600
        lag = hours / 24 if rule.unit == "days" else hours
        age = f"{rule.why} {ts:%Y-%m-%d %H:%M} UTC, {lag:,.1f} {rule.unit} old"
    limits = f"warn after {rule.warn_after:g}, error after {rule.error_after:g} {rule.unit}"
    status = "ERROR STALE" if lag > rule.error_after else "WARN" if lag > rule.warn_after else "PASS"
    return Verdict(source, status, f"{status} freshness of lake.{source}: {age}; {limits}")


def check(sources: list[str], now: pd.Timestamp | None = None) -> list[Verdict]:
    now = now or pd.Timestamp.now(tz="UTC")
    now = now.tz_convert("UTC") if now.tzinfo else now.tz_localize("UTC")
    cal = _calendar()
    return [judge(s, now, cal) for s in sources]
