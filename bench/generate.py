"""Deterministic synthetic inputs for the benchmarks: prices, wealth snapshots and news feeds.

Same arguments, same bytes: every draw comes from numpy's PCG64 seeded by (seed, what, chunk).

Prices follow a market model, r_i = alpha_i + beta_i * r_m + e_i, around one benchmark
index (^GSPC, no adjusted close like a real index), so the event study has something to find.
Wealth and news come at the ratios a real day has (see RATIOS) in the shapes the project reads:
the Forbes real-time list as CSV (the columns of a Real-Time Billionaires daily list) and RSS 2.0
feeds. Each source comes as a history file (a backfill) plus one file per following day.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import numpy as np
import pandas as pd

# Per trading day, relative to the number of tickers followed. The Forbes real-time list held
# 2,754 people on 2025-01-27; a watchlist of 500 tickers is the benchmark's reference size, so
# 5.5 people per ticker. News: about 40 items a day from each of 25 feeds (1,000 a day) for 500
# tickers, 2 per ticker.
RATIOS = {"wealth_people_per_ticker": 5.5, "news_items_per_ticker": 2.0}
END_DATE = date(2025, 6, 30)  # the last generated session; in the past, so no row is "in the future"
BENCHMARK = "^GSPC"
PRICE_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "adj_close", "volume"]


def trading_days(n_days: int, end: date = END_DATE) -> pd.DatetimeIndex:
    """The last n New York Stock Exchange sessions up to `end`: the calendar the build counts sessions
    on, so no generated row falls on a holiday the build would drop."""
    import exchange_calendars as xcals

    start = pd.Timestamp(end) - pd.Timedelta(days=n_days * 3 // 2 + 30)  # ~252 sessions in 365 days
    sessions = xcals.get_calendar("XNYS", start=start.strftime("%Y-%m-%d"), end=str(end)).sessions
    return pd.DatetimeIndex(sessions[-n_days:])


def append_watchlist(watchlist: Path, n_tickers: int) -> None:
    """Add the generated tickers to a copy of the watchlist seed: only watchlist tickers are studied."""
    rows = "".join(f"{t},Synthetic {t},Synthetic,{BENCHMARK},stock\n" for t in tickers(n_tickers))
    with open(watchlist, "a") as fh:
        fh.write(rows)


def tickers(n: int) -> list[str]:
    return [f"T{i:05d}" for i in range(n)]


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


@dataclass
class Universe:
    """Per-ticker market-model parameters, fixed by the seed."""

    names: list[str]
    alpha: np.ndarray
    beta: np.ndarray
    sigma: np.ndarray
    start_price: np.ndarray

    @classmethod
    def make(cls, n_tickers: int, seed: int) -> "Universe":
        g = _rng(seed, 0)
        return cls(
            tickers(n_tickers),
            g.normal(0.0002, 0.0003, n_tickers),
            g.uniform(0.4, 1.8, n_tickers),
            g.uniform(0.008, 0.03, n_tickers),
            g.uniform(10, 500, n_tickers),
        )


def price_paths(u: Universe, n_days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(benchmark levels [D], ticker adjusted closes [D, N]) over n_days sessions."""
    g = _rng(seed, 1)
    rm = g.normal(0.0003, 0.011, n_days)
    rm[0] = 0.0
    eps = g.standard_normal((n_days, len(u.names)), dtype=np.float64) * u.sigma
    r = u.alpha + np.outer(rm, u.beta) + eps
    r[0] = 0.0
    np.clip(r, -0.5, 1.0, out=r)  # a price never goes through zero
    levels = np.exp(np.cumsum(np.log1p(r), axis=0)) * u.start_price
    return 4000.0 * np.cumprod(1 + rm), levels


def price_frame(
    u: Universe, days: pd.DatetimeIndex, bench: np.ndarray, adj: np.ndarray, rows: slice, seed: int
) -> pd.DataFrame:
    """Long rows for the sessions `rows` of the paths, benchmark first each day."""
    d = days[rows]
    adj = adj[rows]
    n_d, n_t = adj.shape
    g = _rng(seed, 2, rows.start or 0)
    # close as traded sits a little above the adjusted close (dividends adjusted out of history)
    close = adj * (1 + g.uniform(0, 0.02, n_t))
    spread = g.uniform(0.001, 0.03, (n_d, n_t))
    high = close * (1 + spread)
    low = close * (1 - spread)
    open_ = low + (high - low) * g.uniform(0, 1, (n_d, n_t))
    volume = np.floor(g.lognormal(14, 1, (n_d, n_t)))
    dates = np.repeat(d.values, n_t)
    stocks = pd.DataFrame(
        {
            "date": dates,
            "ticker": np.tile(np.array(u.names, dtype=object), n_d),
            "open": open_.ravel(),
            "high": high.ravel(),
            "low": low.ravel(),
            "close": close.ravel(),
            "adj_close": adj.ravel(),
            "volume": volume.ravel(),
        }
    )
    b = bench[rows]
    index = pd.DataFrame(
        {
            "date": d.values,
            "ticker": BENCHMARK,
            "open": b,
            "high": b * 1.004,
            "low": b * 0.996,
            "close": b,
            "adj_close": np.nan,
            "volume": np.nan,
        }
    )
    return pd.concat([index, stocks], ignore_index=True)


def write_csv(frame: pd.DataFrame, path: Path, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """CSV with ISO dates and full-precision floats (DuckDB's writer: fast and deterministic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    own = con is None
    con = con or duckdb.connect()
    try:
        con.register("frame_", frame)
        con.execute(
            f"copy (select * replace (strftime(date, '%Y-%m-%d') as date) from frame_) "
            f"to '{path}' (header, delimiter ',')"
        )
        con.unregister("frame_")
    finally:
        if own:
            con.close()
    return len(frame)


def write_prices(
    out: Path, n_tickers: int, history_days: int, daily_days: int = 1, seed: int = 7, chunk_days: int = 250
) -> dict:
    """history.csv (history_days sessions) + daily/<date>.csv for each of the next daily_days.

    The daily files continue the same paths, so an incremental build on them is the next day
    of the same market. Written in chunks so 10M rows never sit in memory as one frame.
    """
    u = Universe.make(n_tickers, seed)
    days = trading_days(history_days + daily_days)
    bench, adj = price_paths(u, len(days), seed)
    history = out / "prices" / "history.csv"
    history.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    rows = 0
    parts = []
    for i, start in enumerate(range(0, history_days, chunk_days)):
        stop = min(start + chunk_days, history_days)
        part = history.with_name(f".history-{i:04d}.csv")
        rows += write_csv(price_frame(u, days, bench, adj, slice(start, stop), seed), part, con)
        parts.append(part)
    _concat_csv(parts, history)
    daily = []
    for k in range(history_days, history_days + daily_days):
        p = out / "prices" / "daily" / f"{days[k].date()}.csv"
        write_csv(price_frame(u, days, bench, adj, slice(k, k + 1), seed), p, con)
        daily.append(str(p))
    con.close()
    return {
        "history": str(history),
        "history_rows": rows,
        "daily": daily,
        "tickers": n_tickers + 1,
        "first_date": str(days[0].date()),
        "last_history_date": str(days[history_days - 1].date()),
    }


def _concat_csv(parts: list[Path], target: Path) -> None:
    with open(target, "wb") as out:
        for i, p in enumerate(parts):
            with open(p, "rb") as fh:
                if i:
                    fh.readline()  # each part repeats the header
                while block := fh.read(1 << 24):
                    out.write(block)
            p.unlink()


def write_wealth(out: Path, n_tickers: int, history_days: int, daily_days: int = 1, seed: int = 7) -> dict:
    """Real-Time Billionaires lists (USD millions, like Forbes): history.csv + daily/<date>.csv.

    One row per person per session, in the columns of a Real-Time Billionaires daily list;
    the history file holds many dates, as a backfill would.
    """
    people = max(10, round(RATIOS["wealth_people_per_ticker"] * n_tickers))
    days = trading_days(history_days + daily_days)
    g = _rng(seed, 3)
    worth = np.sort(g.lognormal(8.3, 0.9, people))[::-1] + 1000.0
    uris = np.array([f"person-{i:05d}" for i in range(people)], dtype=object)
    names = np.array([u.replace("-", " ").title() for u in uris], dtype=object)
    folder = out / "wealth"
    (folder / "daily").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    frames, daily = [], []
    for k, d in enumerate(days):
        change = worth * _rng(seed, 4, k).normal(0, 0.012, people)
        worth = worth + change
        order = np.argsort(-worth)
        frame = pd.DataFrame(
            {
                "date": d,
                "rank": np.arange(1, people + 1),
                "person_uri": uris[order],
                "person_name": names[order],
                "net_worth_musd": np.round(worth[order], 3),
                "change_musd": np.round(change[order], 3),
                "change_pct": np.round(change[order] / (worth[order] - change[order]) * 100, 3),
                "citizenship": "us",
                "gender": "m",
                "age": 60,
                "industries": "technology",
                "sources": "Company",
            }
        )
        if k < history_days:
            frames.append(frame)
        else:
            p = folder / "daily" / f"rtb_list_{d.date()}.csv"
            write_csv(frame, p, con)
            daily.append(str(p))
    history = folder / "history.csv"
    write_csv(pd.concat(frames, ignore_index=True), history, con)
    con.close()
    return {"people": people, "history": str(history), "history_rows": people * history_days, "daily": daily}


def write_news(
    out: Path, n_tickers: int, history_days: int, daily_days: int = 1, seed: int = 7, feed_memory_days: int = 20
) -> dict:
    """RSS 2.0 feeds naming followed tickers: history.xml + daily/<date>.xml.

    A feed only carries its recent items, so the history file holds the last feed_memory_days
    sessions before the daily ones, not the whole price history.
    """
    per_day = max(1, round(RATIOS["news_items_per_ticker"] * n_tickers))
    days = trading_days(history_days + daily_days)
    names = tickers(n_tickers)
    folder = out / "news"
    (folder / "daily").mkdir(parents=True, exist_ok=True)

    def items(k: int) -> list[str]:
        d = days[k]
        g = _rng(seed, 5, k)
        lines = []
        for j, t in enumerate(g.integers(0, n_tickers, per_day)):
            stamp = (d + pd.Timedelta(minutes=int(j * 1440 / per_day))).strftime("%a, %d %b %Y %H:%M:%S +0000")
            guid = f"http://127.0.0.1/news/{d.date()}/{j}"
            lines.append(
                f"<item><title>{escape(names[t])} shares move on market news</title>"
                f"<link>{guid}</link><guid>{guid}</guid><pubDate>{stamp}</pubDate>"
                f"<description>{escape(names[t])} traded on {d.date()}.</description></item>"
            )
        return lines

    def feed(path: Path, ks: range) -> None:
        body = [i for k in ks for i in items(k)]
        path.write_text(
            "\n".join(
                [
                    '<?xml version="1.0" encoding="UTF-8"?>',
                    '<rss version="2.0"><channel>',
                    "<title>Synthetic markets feed</title><link>http://127.0.0.1/</link>",
                    "<description>Generated by bench/generate.py</description>",
                    *body,
                    "</channel></rss>",
                ]
            )
        )

    history = folder / "history.xml"
    feed(history, range(max(0, history_days - feed_memory_days), history_days))
    daily = []
    for k in range(history_days, history_days + daily_days):
        p = folder / "daily" / f"feed_{days[k].date()}.xml"
        feed(p, range(k, k + 1))
        daily.append(str(p))
    return {
        "items_per_day": per_day,
        "history": str(history),
        "history_items": per_day * min(history_days, feed_memory_days),
        "daily": daily,
    }


def write_events(
    path: Path,
    n_events: int,
    n_history_days: int,
    seed: int = 7,
    tickers_per_event: int | None = None,
    universe: int | None = None,
    min_history: int = 260,
) -> list[dict]:
    """An events seed with n events spread over the history after its first min_history sessions."""
    days = trading_days(n_history_days)
    usable = days[min_history:-15] if n_history_days > min_history + 30 else days[len(days) // 2 : -3]
    picks = np.linspace(0, len(usable) - 1, n_events).round().astype(int)
    g = _rng(seed, 6)
    rows = []
    for i, k in enumerate(picks):
        chosen = ""
        if tickers_per_event and universe:
            chosen = "|".join(
                tickers(universe)[j] for j in sorted(g.choice(universe, tickers_per_event, replace=False))
            )
        rows.append(
            {
                "event_id": f"bench-{i:03d}",
                "event_date": str(usable[k].date()),
                "title": f"Synthetic event {i}",
                "keywords": "market",
                "tickers": chosen,
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--tickers", type=int, default=500)
    ap.add_argument("--days", type=int, default=252)
    ap.add_argument("--daily", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    info = {
        "prices": write_prices(a.out, a.tickers, a.days, a.daily, a.seed),
        "wealth": write_wealth(a.out, a.tickers, a.days, a.daily, a.seed),
        "news": write_news(a.out, a.tickers, a.days, a.daily, a.seed),
    }
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
