"""`aftershock ingest <source>`: one runner per lake source, each returning the landing results.

`run(source, mode, ...)` is the typed entry point the command line, Airflow and the demo all call. Each
source has one entry in SOURCES: its help, its bundled sample, its extra command-line options and its
runner, which takes an IngestRequest. The schedules stay in aftershock.orchestration.SCHEDULES, because the
DAG files import those at parse time and the runners import pandas (a test keeps the two in step).

Each runner imports its source's modules when it runs: every command builds the whole parser (this
module), and landing a price CSV should not pay for pandas, requests or the feed parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import defaults
from ingest.errors import IngestError
from ingest.landing import LandResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class IngestRequest:
    """One ingest run, as every caller states it. `mode` is "file" (read `path`) or "live" (the source's
    client); the options after `tickers` matter to one source each and keep the clients' defaults."""

    mode: str = "live"
    path: Path | None = None
    start: str | None = None
    end: str | None = None
    batch_id: str | None = None
    tickers: tuple[str, ...] = ()
    history: bool = True  # prices, shares: reach back to the earliest estimation window when the lake does not
    url: str = defaults.FORBES_URL
    limit: int = defaults.LIMIT
    deadline: float = defaults.DEADLINE_S
    feed_urls: tuple[str, ...] = ()
    feeds: Path | None = None  # news: a feeds CSV instead of the configured one
    timeout: float = defaults.NEWS_READ_TIMEOUT_S
    max_bytes: int = defaults.NEWS_MAX_BYTES


@dataclass
class SourceCommand:
    help: str
    sample: str  # the bundled sample, as a path under sample/
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[..., list[LandResult]]  # (IngestRequest, session=None) -> landed batches


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def _read_watchlist_tickers() -> list[str]:
    from aftershock import config

    return sorted(config.watchlist())


def _watchlist_name() -> str:
    from aftershock import config

    return f"the watchlist ({config.path(config.WATCHLIST)})"


_NAMED_UNKNOWN = 10  # unknown tickers named one by one; past this, one line names the first ones


def _warn_unknown_tickers(result: LandResult, earlier: list[str] = ()) -> LandResult:
    """Tickers not on the watchlist land (nothing is lost) but are named: no mart uses them until
    they are added to the configured watchlist (aftershock.config), after which `aftershock build` picks them up without
    a re-ingest. Read from the landed batch, so every prices path (DuckDB, pandas, live) says the same."""
    import duckdb

    from ingest import lake_store

    con = duckdb.connect()
    try:
        lake_store.configure(con)
        # The path inlined, not bound: a bound parameter makes duckdb import pandas (a second).
        path = str(result.path).replace("'", "''")
        landed = con.execute(f"select distinct ticker from read_parquet('{path}')").fetchall()
    finally:
        con.close()
    unknown = sorted({t for (t,) in landed if t is not None} - set(_read_watchlist_tickers()))
    if len(unknown) <= _NAMED_UNKNOWN:
        msgs = [
            f"unknown ticker {_quoted_ticker(t)}: not in {_watchlist_name()}; landed, but no mart uses it "
            f"until it is added there (`aftershock watchlist add {_quoted_ticker(t)}`)"
            for t in unknown
        ]
    else:
        # Thousands of lines (a whole-market file) would bury every other message of the run.
        shown = ", ".join(_quoted_ticker(t) for t in unknown[:_NAMED_UNKNOWN])
        msgs = [
            f"{len(unknown)} unknown tickers ({shown} and {len(unknown) - _NAMED_UNKNOWN} more): not in "
            f"{_watchlist_name()}; landed, but no mart uses them until they are added there"
        ]
    for msg in result.warnings + msgs:
        _warn(msg)
    result.warnings = list(earlier) + result.warnings + msgs
    return result


def _quoted_ticker(t: str) -> str:
    """A ticker as a message shows it: as is when it looks like one, else quoted and cut."""
    from ingest.validate import QUOTE_CHARS, shorten

    return t if len(t) <= QUOTE_CHARS and t.isprintable() and " " not in t else shorten(t)


def _market_calendar() -> str:
    """The dbt var market_calendar: the exchange whose sessions the build counts (int_exchange_sessions)."""
    import yaml

    from aftershock.paths import dbt_project

    spec = yaml.safe_load((dbt_project() / "dbt_project.yml").read_text())
    return str((spec.get("vars") or {}).get("market_calendar", "XNYS"))


def _warn_closed_days(result: LandResult) -> LandResult:
    """Rows dated on a day the exchange has no session (a weekend, a holiday) land, but the build makes
    no session of them and gives them no return: say so, naming the first ones."""
    import duckdb

    from ingest import lake_store
    from ingest.exchange_sessions import closed_days

    con = duckdb.connect()
    lake_store.configure(con)  # an object-store batch is read over httpfs
    try:
        path = str(result.path).replace("'", "''")
        rows = f"(select cast(date as date) as d, ticker from read_parquet('{path}'))"
        days = [d for (d,) in con.execute(f"select distinct d from {rows} order by d").fetchall()]
        if not days:
            return result
        code = _market_calendar()
        closed = closed_days(code, days)  # None: the calendar cannot judge these dates; the build says why
        if not closed:
            return result
        # The dates inlined, not bound: a Python list parameter makes duckdb import pandas (a second).
        listed = ", ".join(f"'{d.isoformat()}'" for d in closed)
        n, first = con.execute(
            f"select count(*), list(ticker || ' ' || d order by d, ticker)[1:3] from {rows} "
            f"where d in (select unnest([{listed}]::date[]))"
        ).fetchone()
    finally:
        con.close()
    shown = ", ".join(first) + (f" and {n - len(first)} more" if n > len(first) else "")
    msg = (
        f"{n} row{'s' * (n > 1)} dated on days {code} has no session ({shown}): landed, but the build counts {code} "
        "sessions only and gives them no return"
    )
    _warn(msg)
    result.warnings = list(result.warnings) + [msg]
    return result


def _land(source: str, batch_id: str, frame: pd.DataFrame, splitter, origin: Path | None = None) -> LandResult:
    from ingest import landing

    parts = splitter(frame)
    try:
        return landing.land_batch(source, batch_id, parts.good, parts.rejected)
    except IngestError as exc:
        if origin is None:
            raise
        raise IngestError(f"{origin}: {exc}") from exc  # the user needs the file, not only the batch id


# ---- prices -----------------------------------------------------------------


def _prices_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ticker",
        action="append",
        help="with --source file: the ticker of a per-ticker Yahoo export; "
        "with --source live: restrict to these tickers (repeatable; default: the watchlist)",
    )
    p.add_argument(
        "--no-history",
        dest="history",
        action="store_false",
        help="with --source live: fetch only the requested range, even for a ticker whose landed history "
        "does not reach back to the earliest event's estimation window (by default it is fetched from there, once)",
    )


def run_prices(req: IngestRequest, session=None) -> list[LandResult]:
    from ingest import prices, prices_fast

    if req.mode == "file":
        if not req.path:
            raise IngestError("--source file needs --path")
        path = Path(req.path)
        ticker = req.tickers[0] if req.tickers else None
        batch = req.batch_id or prices.file_batch_id(path, "prices", ticker)
        if ticker is None:
            # the long CSV format in one DuckDB pass (same rules, reasons and quarantine); None = not this path's kind of file
            try:
                result = prices_fast.land_long_csv(path, batch, req.start, req.end)
            except IngestError as exc:
                raise IngestError(exc if str(path) in str(exc) else f"{path}: {exc}") from exc
            if result is not None:
                return [_warn_closed_days(_warn_unknown_tickers(result))]
        frame = prices.restrict_dates(prices.read_file(path, ticker), req.start, req.end)
        return [_warn_closed_days(_warn_unknown_tickers(_land("prices", batch, frame, prices_fast.split, origin=path)))]
    import pandas as pd

    from ingest import history, prices_live

    tickers = [t.upper() for t in req.tickers] if req.tickers else _read_watchlist_tickers()
    end = req.end or pd.Timestamp.today().strftime("%Y-%m-%d")
    start = req.start or (pd.Timestamp(end) - pd.Timedelta(days=7)).strftime("%Y-%m-%d")
    windows = {start: tickers}
    if req.history:
        # A ticker without the sessions the estimation windows need is fetched from their start.
        need = history.history_start()
        short = history.needs_history("prices", tickers, "date", need) if need.isoformat() < start else []
        windows = {
            s: ts for s, ts in {need.isoformat(): short, start: [t for t in tickers if t not in short]}.items() if ts
        }
    results = []
    for first, group in windows.items():
        live = prices_live.fetch(group, first, end, session=session)
        for msg in live.errors.values():
            _warn(msg)
        history_batch = first != start
        batch = req.batch_id or f"live-{first}-{end}"
        if req.batch_id and history_batch:
            batch = f"{req.batch_id}-history"
        if live.frame.empty:
            if history_batch:  # the history is one more try next run; the regular window may still land
                _warn(f"prices live history {first}..{end}: no ticker returned data ({', '.join(sorted(live.errors))})")
                continue
            raise IngestError(f"prices live {first}..{end}: no ticker returned data ({', '.join(sorted(live.errors))})")
        landed = _warn_closed_days(
            _warn_unknown_tickers(
                _land("prices", batch, live.frame, prices_fast.split), earlier=list(live.errors.values())
            )
        )
        if history_batch:
            got = set(live.frame["ticker"].dropna())
            history.record_backfilled("prices", [t for t in group if t in got], pd.Timestamp(first).date())
            print(f"prices: history from {first} for {', '.join(sorted(got))} (no earlier bars in the lake)")
        results.append(landed)
    return results


# ---- shares -----------------------------------------------------------------


def run_shares(req: IngestRequest, session=None) -> list[LandResult]:
    import pandas as pd

    from ingest import history, prices, shares

    if req.mode == "file":
        if not req.path:
            raise IngestError("--source file needs --path")
        path = Path(req.path)
        frame = shares.read_file(path)
        return [_land("shares", req.batch_id or prices.file_batch_id(path, "shares"), frame, shares.split, origin=path)]
    tickers = [t.upper() for t in req.tickers] if req.tickers else _read_watchlist_tickers()
    tickers = [t for t in tickers if not t.startswith("^")]
    # Without --start, reach back as far as the estimation windows (yfinance's own default is 18
    # months): a market value on day -1 of the earliest event needs the shares count of then.
    start = req.start or (history.history_start().isoformat() if req.history else None)
    series, errors = shares.fetch(tickers, start, req.end, session=session)
    frame = shares.parse(series)
    for msg in errors.values():
        _warn(msg)
    if frame.empty:
        raise IngestError("shares live: no ticker returned a shares history")
    day = pd.Timestamp.today().strftime("%Y-%m-%d")
    result = _land("shares", req.batch_id or f"live-{day}", frame, shares.split)
    result.warnings = list(errors.values()) + result.warnings
    return [result]


# ---- wealth (Forbes real-time billionaires) ------------------------------------


class SnapshotAlreadyLanded(LandResult):
    """A Forbes snapshot whose date is already in the lake: nothing was written."""

    def summary(self) -> str:
        return (
            f"{self.source}: snapshot batch {self.batch_id} already landed at {self.path}; "
            "not landed again (pass --batch-id to land it under another id)"
        )


def _wealth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        default=defaults.FORBES_URL,
        help="with --source live: the Forbes real-time list endpoint (default %(default)s)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=defaults.LIMIT,
        help="with --source live: the list's `limit=` parameter (default %(default)s)",
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=defaults.DEADLINE_S,
        help="with --source live: seconds the whole download may take, retries included (default %(default)s)",
    )


def _followed_people() -> list[str]:
    import pandas as pd

    from aftershock import config

    seed = config.path("people.csv")
    if not seed.is_file():
        return []
    return sorted(pd.read_csv(seed, dtype=str)["person_uri"].str.strip().str.lower().dropna().unique())


def _land_snapshot(frame: pd.DataFrame, batch_id: str | None) -> LandResult:
    """A Forbes snapshot lands once per date (batch forbes-<date>); an explicit --batch-id always lands."""
    from ingest import wealth

    day = frame["date"].dropna().max()
    batch = batch_id or wealth.snapshot_batch_id(day)
    if batch_id is None and (existing := wealth.landed_snapshot(batch)):
        return SnapshotAlreadyLanded("wealth", batch, existing, 0, 0, None)
    result = _land("wealth", batch, frame, wealth.split)
    # Someone whose holdings we attribute but who left the list (or a short --limit) is worth a
    # word, never a failure: the rest of the snapshot is still the day's data.
    present = set(frame["person_uri"].dropna())
    result.warnings += [
        f"{uri}: followed in the people seed but not in the snapshot of {day:%Y-%m-%d}"
        for uri in _followed_people()
        if uri not in present
    ]
    for msg in result.warnings:
        _warn(msg)
    return result


def run_wealth(req: IngestRequest, session=None, sleep=None) -> list[LandResult]:
    from ingest import prices, wealth, wealth_live

    if req.mode == "file":
        if not req.path:
            raise IngestError("--source file needs --path")
        path = Path(req.path)
        frame, is_snapshot = wealth.read_file(path)
        if is_snapshot:
            return [_land_snapshot(frame, req.batch_id)]
        frame = wealth.restrict_dates(frame, req.start, req.end)
        return [_land("wealth", req.batch_id or prices.file_batch_id(path, "wealth"), frame, wealth.split)]
    extra = {"sleep": sleep} if sleep else {}
    fetched = wealth_live.fetch(
        req.url,
        limit=req.limit,
        session=session,
        deadline_s=req.deadline,
        **extra,
    )
    return [_land_snapshot(wealth.parse_json(fetched.body, fetched.url), req.batch_id)]


# ---- news -------------------------------------------------------------------


def _news_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--feed-url",
        action="append",
        help="with --source live: poll this URL instead of the feeds seed "
        "(repeatable; a URL listed in the seed keeps its feed_id)",
    )
    p.add_argument(
        "--feeds",
        help="with --source live: a CSV of feeds (feed_id,url,language,country,publisher) "
        "instead of the configured feeds.csv",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=defaults.NEWS_READ_TIMEOUT_S,
        help="read timeout per feed in seconds (default %(default)s)",
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=defaults.NEWS_MAX_BYTES,
        help="size cap of one feed response (default %(default)s)",
    )


def _seed_feeds() -> list:
    from aftershock import config
    from ingest import news

    return news.load_feeds(config.path("feeds.csv"))


def run_news(req: IngestRequest, session=None) -> list[LandResult]:
    from datetime import datetime

    from ingest import news, news_fetch, prices

    seed = _seed_feeds()
    if req.mode == "file":
        if not req.path:
            raise IngestError("--source file needs --path (a feed file or a folder of them)")
        path = Path(req.path)
        collected = news.collect_files(path, seed)
        batch = req.batch_id or prices.file_batch_id(path, "news")
    else:
        feeds = seed
        if req.feeds:
            feeds = news.load_feeds(Path(req.feeds))
        if req.feed_urls:
            feeds = [news.feed_for_url(u, seed) for u in req.feed_urls]
        collected = news.collect_live(
            feeds,
            session=session,
            read_timeout=req.timeout,
            max_bytes=req.max_bytes,
        )
        batch = req.batch_id or "live-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    collected.items = news.within_dates(collected.items, req.start, req.end)
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
    "prices": SourceCommand(
        "daily OHLCV bars (yfinance or a CSV/Parquet/Yahoo export file)",
        "prices/prices_daily.csv",
        _prices_args,
        run_prices,
    ),
    "shares": SourceCommand(
        "shares outstanding (yfinance shares history or a CSV file)",
        "shares/shares_outstanding.csv",
        _prices_args,
        run_shares,
    ),
    "wealth": SourceCommand(
        "Forbes real-time billionaires snapshot (live JSON, a saved JSON response, "
        "or a CSV date,person_uri,person_name,net_worth_musd,rank)",
        "wealth/billionaires_networth_daily.csv",
        _wealth_args,
        run_wealth,
    ),
    "news": SourceCommand(
        "RSS/Atom news items and per-feed health (the feeds seed, or a feed file or folder)",
        "news",
        _news_args,
        run_news,
    ),
}


def sample_path(source: str) -> Path:
    """The bundled sample of a registered source."""
    from aftershock.paths import SAMPLE_DIR

    return SAMPLE_DIR / SOURCES[source].sample


def run(source: str, mode: str, *, session=None, sleep=None, **options) -> list[LandResult]:
    """Land one batch of `source`. mode: "live" (the source's client), "file" (options path=...) or "sample"
    (the bundled sample, batch id sample-<source> unless given). Options are IngestRequest's fields."""
    if source not in SOURCES:
        raise IngestError(f"{source}: not an ingest source (known: {', '.join(SOURCES)})")
    if mode == "sample":
        mode = "file"
        # One batch id per requested range, so a range landed from the fixed sample file never replaces the whole of it.
        start, end = options.get("start"), options.get("end")
        batch_id = f"sample-{source}" + (f"-{start}-{end}" if (start or end) else "")
        options = {"path": sample_path(source), "batch_id": batch_id} | {
            k: v for k, v in options.items() if v is not None
        }
    elif mode not in ("live", "file"):
        raise IngestError(f"{source}: mode {mode!r} is not live, file or sample")
    request = IngestRequest(mode=mode, **options)
    extra = {"sleep": sleep} if sleep is not None else {}
    return SOURCES[source].run(request, session=session, **extra)


def request_options(args: argparse.Namespace) -> dict:
    """The IngestRequest options the command line's `aftershock ingest <source>` was given."""
    options = {
        "path": Path(args.path) if args.path else None,
        "start": args.start,
        "end": args.end,
        "batch_id": args.batch_id,
        "tickers": tuple(getattr(args, "ticker", None) or ()),
        "feed_urls": tuple(getattr(args, "feed_url", None) or ()),
        "feeds": Path(args.feeds) if getattr(args, "feeds", None) else None,
    }
    for name in ("history", "url", "limit", "deadline", "timeout", "max_bytes"):
        if hasattr(args, name):
            options[name] = getattr(args, name)
    return options
