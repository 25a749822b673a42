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

from ingest import landing, prices, prices_fast, prices_live, shares
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


def _land(source: str, batch_id: str, frame: pd.DataFrame, splitter) -> LandResult:
    parts = splitter(frame)
    return landing.land_batch(source, batch_id, parts.good, parts.rejected)


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
            fast = prices_fast.land_long_csv(path, batch, args.start, args.end)
            if fast is not None:
                return [fast]
        frame = prices.restrict_dates(prices.read_file(path, ticker), args.start, args.end)
        return [_land("prices", batch, frame, prices.split)]
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
    result.warnings = list(live.errors.values())
    return [result]


# ---- shares -----------------------------------------------------------------

def run_shares(args: argparse.Namespace, session=None) -> list[LandResult]:
    if args.source == "file":
        if not args.path:
            raise IngestError("--source file needs --path")
        path = Path(args.path)
        frame = shares.read_file(path)
        return [_land("shares", args.batch_id or prices.file_batch_id(path, "shares"), frame, shares.split)]
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
