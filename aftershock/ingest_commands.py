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

import pandas as pd

from ingest import landing, prices, prices_live, shares
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


def unknown_ticker_warnings(frame: pd.DataFrame) -> list[str]:
    """Tickers not on the watchlist land (nothing is lost) but are named: no mart uses them until
    they are added to dbt/seeds/watchlist.csv, after which `aftershock build` picks them up without a re-ingest."""
    known = set(_read_watchlist_tickers())
    unknown = sorted(set(frame["ticker"].dropna()) - known)
    return [f"unknown ticker {t}: not in dbt/seeds/watchlist.csv; landed, but no mart uses it until it is added there"
            for t in unknown]


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
        frame = prices.restrict_dates(prices.read_file(path, ticker), args.start, args.end)
        batch = args.batch_id or prices.file_batch_id(path, "prices")
        result = _land("prices", batch, frame, prices.split, origin=path)
        result.warnings = unknown_ticker_warnings(frame)
        for msg in result.warnings:
            _warn(msg)
        return [result]
    tickers = [t.upper() for t in args.ticker] if args.ticker else _read_watchlist_tickers()
    end = args.end or pd.Timestamp.today().strftime("%Y-%m-%d")
    start = args.start or (pd.Timestamp(end) - pd.Timedelta(days=7)).strftime("%Y-%m-%d")
    live = prices_live.fetch(tickers, start, end, session=session)
    for msg in live.errors.values():
        _warn(msg)
    batch = args.batch_id or f"live-{start}-{end}"
    if live.frame.empty:
        raise IngestError(f"prices live {start}..{end}: no ticker returned data ({', '.join(sorted(live.errors))})")
    result = _land("prices", batch, live.frame, prices.split)
    unknown = unknown_ticker_warnings(live.frame)
    for msg in unknown:
        _warn(msg)
    result.warnings = list(live.errors.values()) + unknown
    return [result]


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
    return [_land("shares", args.batch_id or f"live-{day}", frame, shares.split)]


SOURCES: dict[str, SourceCommand] = {
    "prices": SourceCommand("daily OHLCV bars (yfinance or a CSV/Parquet/Yahoo export file)", _prices_args, run_prices),
    "shares": SourceCommand("shares outstanding (yfinance shares history or a CSV file)", _prices_args, run_shares),
}


def register(name: str, command: SourceCommand) -> None:
    SOURCES[name] = command
