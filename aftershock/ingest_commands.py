"""`aftershock ingest <source>`: one runner per lake source, each returning the landing results.

A source registers an `add_arguments(parser)` and a `run(args) -> list[LandResult]`; the
command line and the Airflow tasks call the same runners.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from ingest import lake_store, landing, news, news_fetch, prices, prices_fast, prices_live, shares, wealth, wealth_live
from ingest.errors import IngestError
from ingest.landing import LandResult


@dataclass
class SourceCommand:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], list[LandResult]]


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def _read_watchlist_tickers() -> list[str]:
    from aftershock.paths import DBT_PROJECT

    wl = pd.read_csv(DBT_PROJECT / "seeds" / "watchlist.csv", dtype=str)
    return sorted(wl["ticker"].str.strip().str.upper().unique())


_NAMED_UNKNOWN = 10  # unknown tickers named one by one; past this, one line names the first ones


def _warn_unknown_tickers(result: LandResult, earlier: list[str] = ()) -> LandResult:
    """Tickers not on the watchlist land (nothing is lost) but are named: no mart uses them until
    they are added to dbt/seeds/watchlist.csv, after which `aftershock build` picks them up without
    a re-ingest. Read from the landed batch, so every prices path (DuckDB, pandas, live) says the same."""
    con = duckdb.connect()
    try:
        lake_store.configure(con)
        landed = con.execute("select distinct ticker from read_parquet(?)", [str(result.path)]).fetchall()
    finally:
        con.close()
    unknown = sorted({t for (t,) in landed if t is not None} - set(_read_watchlist_tickers()))
    if len(unknown) <= _NAMED_UNKNOWN:
        msgs = [f"unknown ticker {t}: not in dbt/seeds/watchlist.csv; landed, but no mart uses it until it is added there"
                for t in unknown]
    else:
        # Thousands of lines (a whole-market file) would bury every other message of the run.
        shown = ", ".join(unknown[:_NAMED_UNKNOWN])
        msgs = [f"{len(unknown)} unknown tickers ({shown} and {len(unknown) - _NAMED_UNKNOWN} more): not in "
                "dbt/seeds/watchlist.csv; landed, but no mart uses them until they are added there"]
    for msg in msgs:
        _warn(msg)
    result.warnings = list(earlier) + msgs
    return result


def _land(source: str, batch_id: str, frame: pd.DataFrame, splitter, origin: Path | None = None) -> LandResult:
    parts = splitter(frame)
    try:
        return landing.land_batch(source, batch_id, parts.good, parts.rejected)
    except IngestError as exc:
        if origin is None:
            raise
        raise IngestError(f"{origin}: {exc}") from exc  # the user needs the file, not only the batch id


# ---- prices -----------------------------------------------------------------

def _prices_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ticker", action="append", help="with --source file: the ticker of a per-ticker Yahoo export; "
                   "with --source live: restrict to these tickers (repeatable; default: the watchlist)")


def run_prices(args: argparse.Namespace, session=None) -> list[LandResult]:
    if args.source == "file":
        if not args.path:
            raise IngestError("--source file needs --path")
        path = Path(args.path)
        ticker = args.ticker[0] if args.ticker else None
        batch = args.batch_id or prices.file_batch_id(path, "prices")
        if ticker is None:
            # the long CSV format in one DuckDB pass (same rules, reasons and quarantine); None = not this path's kind of file
            try:
                result = prices_fast.land_long_csv(path, batch, args.start, args.end)
            except IngestError as exc:
                raise IngestError(exc if str(path) in str(exc) else f"{path}: {exc}") from exc
            if result is not None:
                return [_warn_unknown_tickers(result)]
        frame = prices.restrict_dates(prices.read_file(path, ticker), args.start, args.end)
        return [_warn_unknown_tickers(_land("prices", batch, frame, prices.split, origin=path))]
    tickers = [t.upper() for t in args.ticker] if args.ticker else _read_watchlist_tickers()
    end = args.end or pd.Timestamp.today().strftime("%Y-%m-%d")
    start = args.start or (pd.Timestamp(end) - pd.Timedelta(days=7)).strftime("%Y-%m-%d")
    live = prices_live.fetch(tickers, start, end, session=session)
    for msg in live.errors.values():
        _warn(msg)
    batch = args.batch_id or f"live-{start}-{end}"
    if live.frame.empty:
        raise IngestError(f"prices live {start}..{end}: no ticker returned data ({', '.join(sorted(live.errors))})")
    return [_warn_unknown_tickers(_land("prices", batch, live.frame, prices.split), earlier=list(live.errors.values()))]


# ---- shares -----------------------------------------------------------------

def run_shares(args: argparse.Namespace, session=None) -> list[LandResult]:
    if args.source == "file":
        if not args.path:
            raise IngestError("--source file needs --path")
        path = Path(args.path)
        frame = shares.read_file(path)
        return [_land("shares", args.batch_id or prices.file_batch_id(path, "shares"), frame, shares.split,
                      origin=path)]
    tickers = [t.upper() for t in args.ticker] if args.ticker else _read_watchlist_tickers()
    tickers = [t for t in tickers if not t.startswith("^")]
    frame, errors = shares.fetch_live(tickers, args.start, args.end, session=session)
    for msg in errors.values():
        _warn(msg)
    if frame.empty:
        raise IngestError("shares live: no ticker returned a shares history")
    day = pd.Timestamp.today().strftime("%Y-%m-%d")
    result = _land("shares", args.batch_id or f"live-{day}", frame, shares.split)
    result.warnings = list(errors.values())
    return [result]


# ---- wealth (Forbes real-time billionaires) ------------------------------------

class SnapshotAlreadyLanded(LandResult):
    """A Forbes snapshot whose date is already in the lake: nothing was written."""

    def summary(self) -> str:
        return (f"{self.source}: snapshot batch {self.batch_id} already landed at {self.path}; "
                "not landed again (pass --batch-id to land it under another id)")


def _wealth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=wealth_live.FORBES_URL,
                   help="with --source live: the Forbes real-time list endpoint (default %(default)s)")
    p.add_argument("--limit", type=int, default=wealth_live.LIMIT,
                   help="with --source live: the list's `limit=` parameter (default %(default)s)")


def _followed_people() -> list[str]:
    from aftershock.paths import DBT_PROJECT

    seed = DBT_PROJECT / "seeds" / "people.csv"
    if not seed.is_file():
        return []
    return sorted(pd.read_csv(seed, dtype=str)["person_uri"].str.strip().str.lower().dropna().unique())


def _land_snapshot(frame: pd.DataFrame, batch_id: str | None) -> LandResult:
    """A Forbes snapshot lands once per date (batch forbes-<date>); an explicit --batch-id always lands."""
    day = frame["date"].dropna().max()
    batch = batch_id or wealth.snapshot_batch_id(day)
    if batch_id is None and (existing := wealth.landed_snapshot(batch)):
        return SnapshotAlreadyLanded("wealth", batch, existing, 0, 0, None)
    result = _land("wealth", batch, frame, wealth.split)
    # Someone whose holdings we attribute but who left the list (or a short --limit) is worth a
    # word, never a failure: the rest of the snapshot is still the day's data.
    present = set(frame["person_uri"].dropna())
    result.warnings = [f"{uri}: followed in the people seed but not in the snapshot of {day:%Y-%m-%d}"
                       for uri in _followed_people() if uri not in present]
    for msg in result.warnings:
        _warn(msg)
    return result


def run_wealth(args: argparse.Namespace, session=None, sleep=None) -> list[LandResult]:
    if args.source == "file":
        if not args.path:
            raise IngestError("--source file needs --path")
        path = Path(args.path)
        frame, is_snapshot = wealth.read_file(path)
        if is_snapshot:
            return [_land_snapshot(frame, args.batch_id)]
        frame = wealth.restrict_dates(frame, args.start, args.end)
        return [_land("wealth", args.batch_id or prices.file_batch_id(path, "wealth"), frame, wealth.split)]
    extra = {"sleep": sleep} if sleep else {}
    fetched = wealth_live.fetch(getattr(args, "url", None) or wealth_live.FORBES_URL,
                                limit=getattr(args, "limit", None) or wealth_live.LIMIT, session=session, **extra)
    return [_land_snapshot(fetched.frame, args.batch_id)]


# ---- news -------------------------------------------------------------------

def _news_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--feed-url", action="append", help="with --source live: poll this URL instead of the feeds seed "
                   "(repeatable; a URL listed in the seed keeps its feed_id)")
    p.add_argument("--feeds", help="with --source live: a CSV of feeds (feed_id,url,language,country,publisher) "
                   "instead of dbt/seeds/feeds.csv")
    p.add_argument("--timeout", type=float, default=news_fetch.DEFAULT_READ_TIMEOUT_S,
                   help="read timeout per feed in seconds (default %(default)s)")
    p.add_argument("--max-bytes", type=int, default=news_fetch.DEFAULT_MAX_BYTES,
                   help="size cap of one feed response (default %(default)s)")


def _seed_feeds() -> list:
    from aftershock.paths import DBT_PROJECT

    return news.load_feeds(DBT_PROJECT / "seeds" / "feeds.csv")


def run_news(args: argparse.Namespace, session=None) -> list[LandResult]:
    from datetime import datetime, timezone

    seed = _seed_feeds()
    if args.source == "file":
        if not args.path:
            raise IngestError("--source file needs --path (a feed file or a folder of them)")
        path = Path(args.path)
        collected = news.collect_files(path, seed)
        batch = args.batch_id or prices.file_batch_id(path, "news")
    else:
        feeds = seed
        if getattr(args, "feeds", None):
            feeds = news.load_feeds(Path(args.feeds))
        if getattr(args, "feed_url", None):
            feeds = [news.feed_for_url(u, seed) for u in args.feed_url]
        collected = news.collect_live(
            feeds, session=session,
            read_timeout=getattr(args, "timeout", None) or news_fetch.DEFAULT_READ_TIMEOUT_S,
            max_bytes=getattr(args, "max_bytes", None) or news_fetch.DEFAULT_MAX_BYTES)
        batch = args.batch_id or "live-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    collected.items = news.within_dates(collected.items, args.start, args.end)
    for msg in collected.warnings:
        _warn(msg)
    results = news.land(collected, batch)
    if collected.validators:
        # Only now that the items are in the lake may the next poll be answered 304. Two collectors
        # racing here can only lose a validator, which costs one full download.
        state = news_fetch.load_state()
        state.update(collected.validators)
        news_fetch.save_state(state)
    return results


SOURCES: dict[str, SourceCommand] = {
    "prices": SourceCommand("daily OHLCV bars (yfinance or a CSV/Parquet/Yahoo export file)", _prices_args, run_prices),
    "shares": SourceCommand("shares outstanding (yfinance shares history or a CSV file)", _prices_args, run_shares),
    "wealth": SourceCommand("Forbes real-time billionaires snapshot (live JSON, a saved JSON response, "
                            "or a CSV date,person_uri,person_name,net_worth_musd,rank)", _wealth_args, run_wealth),
    "news": SourceCommand("RSS/Atom news items and per-feed health (the feeds seed, or a feed file or folder)",
                          _news_args, run_news),
}


def register(name: str, command: SourceCommand) -> None:
    SOURCES[name] = command
