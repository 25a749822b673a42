"""The offline site under data/site/: an index of every event, a report per event, a page per ticker.

`build_index()` is what runs after each publish (the CLI's `aftershock site` and `aftershock docs`,
and Airflow's transform DAG): every page is static HTML with inline styles and no script, read from
the published warehouse, so it opens from file:// and from any static server (`aftershock docs
--serve`, the compose `site` service) with no request leaving the machine. The dbt docs
(data/site/docs/) and the GX Data Docs (data/site/quality/) sit beside it and are linked from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from aftershock.paths import site_dir, warehouse_path
from aftershock.report import _fmt, _rows, refresh_reports, reports_dir
from kernel.errors import AftershockError
from kernel.files import atomic_write


class SiteError(AftershockError):
    pass


@dataclass
class SiteResult:
    index: Path
    reports: list[Path] = field(default_factory=list)
    tickers: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # event_id -> why its report was not written
    charts_drawn: int = 0
    charts_reused: int = 0  # copied from the chart cache (aftershock.report_charts)


def tickers_dir() -> Path:
    return site_dir() / "tickers"


def ticker_file(ticker: str) -> str:
    # ^GSPC and BRK-B are valid names on disk; the href quotes them (see _ticker_href)
    return f"{ticker}.html"


def _ticker_href(ticker: str, prefix: str = "tickers/") -> str:
    return prefix + quote(ticker_file(ticker))


def _write(path: Path, html: str) -> Path:
    atomic_write(path, lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))
    return path


def build_index(reports: bool = True, db: Path | None = None, force: bool = False) -> SiteResult:
    """Write data/site/index.html (and, with reports=True, every event's report and every ticker's page).
    A report already drawn from this published file by this code is kept unless `force`."""
    db = db or warehouse_path()
    if not db.exists():
        raise SiteError(f"no published warehouse at {db}; run `aftershock build` (or `make demo`) first")
    site = site_dir()
    result = SiteResult(site / "index.html")
    if reports:
        con = duckdb.connect(str(db), read_only=True)
        try:
            ids = [r[0] for r in con.execute("select event_id from marts.dim_events order by event_date").fetchall()]
        finally:
            con.close()
        done = refresh_reports(ids, db=db, force=force)
        result.reports, result.failed = done.written, done.failed
        result.charts_drawn, result.charts_reused = done.charts_drawn, done.charts_reused
    env = Environment(loader=PackageLoader("aftershock", "templates"), autoescape=select_autoescape(["html"]))
    env.filters.update(num=_fmt, ticker_href=_ticker_href)
    common = {"generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "warehouse": db.name}
    con = duckdb.connect(str(db), read_only=True)
    try:
        events = _rows(
            con,
            """
            select e.event_id, e.title, e.origin, e.event_date, e.day0_date, e.linked_event_id,
                   s.* exclude (event_id, title, origin, event_date, day0_date, model)
            from marts.dim_events as e left join marts.fct_event_summary as s using (event_id)
            order by e.event_date desc, e.origin, e.event_id""",
            [],
        )
        impacts = _rows(
            con,
            """
            select i.ticker, i.event_id, e.day0_date, i.return_pct, i.abnormal_return_pct, i.t_ar,
                   i.market_cap_change_usd
            from marts.fct_event_stock_impact as i join marts.dim_events as e using (event_id)
            order by i.ticker, e.day0_date desc""",
            [],
        )
        watch = (
            {r["ticker"]: r for r in _rows(con, "select * from staging.stg_watchlist", [])}
            if con.execute(
                "select count(*) from information_schema.tables where table_schema = 'staging' "
                "and table_name = 'stg_watchlist'"
            ).fetchone()[0]
            else {}
        )
    finally:
        con.close()

    by_ticker: dict[str, list[dict]] = {t: [] for t in watch}
    for r in impacts:
        by_ticker.setdefault(r["ticker"], []).append(r)
    ticker_page = env.get_template("site_ticker.html")
    for ticker, rows in sorted(by_ticker.items()):
        w = watch.get(ticker, {})
        html = ticker_page.render(
            ticker=ticker,
            rows=rows,
            company=w.get("company"),
            sector=w.get("sector"),
            benchmark=w.get("benchmark"),
            **common,
        )
        result.tickers.append(_write(tickers_dir() / ticker_file(ticker), html))

    for e in events:
        e["report"] = (
            f"reports/{quote(e['event_id'])}.html" if (reports_dir() / f"{e['event_id']}.html").is_file() else None
        )
    html = env.get_template("site_index.html").render(
        events=events,
        curated=sum(e["origin"] == "curated" for e in events),
        tickers=sorted(by_ticker),
        missing_reports=[e["event_id"] for e in events if not e["report"]],
        has_docs=(site / "docs" / "index.html").is_file(),
        has_quality=(site / "quality" / "index.html").is_file(),
        **common,
    )
    _write(result.index, html)
    return result
