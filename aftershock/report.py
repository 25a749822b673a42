"""`aftershock report EVENT_ID`: one self-contained HTML page per event, with PNG charts beside it.

Everything comes from the published warehouse. Sections whose mart is not part of the warehouse
(billionaires, news) say so instead of failing, so the report works on any subset of sources.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, Undefined, select_autoescape

from aftershock import report_charts as charts
from aftershock.paths import site_dir, warehouse_path
from kernel.errors import AftershockError
from kernel.files import atomic_write, content_digest, file_identity

_HERE = Path(__file__).resolve().parent
# What a report is made of besides the warehouse: a change to any of these redraws every report.
_REPORT_CODE = [_HERE / "report.py", _HERE / "report_charts.py", _HERE / "templates"]

PRICE_LINES = 8  # worst and best movers drawn in the price chart, besides the benchmarks
CAR_WINDOW = (-1, 1)
GROUP_WINDOW = (0, 0)


class ReportError(AftershockError):
    pass


@dataclass
class Section:
    title: str
    chart: charts.Chart | None = None
    note: str | None = None


@dataclass
class ReportResult:
    html: Path
    pngs: list[Path] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # the chart-cache entries its charts came from


def reports_dir() -> Path:
    return site_dir() / "reports"


def _has(con, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
        > 0
    )


def _rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _missing(v) -> bool:
    # Undefined: an event with no summary row (the site index renders every event's report).
    return v is None or isinstance(v, Undefined) or (isinstance(v, float) and math.isnan(v))


def _fmt(v, digits=2, scale=1.0, sign=False, suffix=""):
    if _missing(v):
        return "n/a"
    return f"{v / scale:{'+' if sign else ''},.{digits}f}{suffix}"


def _fmt_p(p):
    if _missing(p):
        return "n/a"
    return f"{p:.2e}" if p < 1e-3 else f"{p:.4f}"


def _safe_link(url):
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


def _source_key(db: Path, event_id: str) -> str:
    return f"{event_id}|{file_identity(db)}|{content_digest(_REPORT_CODE)}"


def _current(out_dir: Path, event_id: str, key: str) -> ReportResult | None:
    """The report already written from this very warehouse by this very code, if it is whole."""
    try:
        made = json.loads((out_dir / f".{event_id}.source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    html, pngs = out_dir / f"{event_id}.html", [out_dir / p for p in made.get("pngs", [])]
    if made.get("key") != key or not html.is_file() or not all(p.is_file() for p in pngs):
        return None
    charts.USED.update(made.get("charts", []))  # its charts' cache entries stay in use
    return ReportResult(html, pngs, made.get("charts", []))


def build_report(
    event_id: str, out_dir: Path | None = None, db: Path | None = None, force: bool = False
) -> ReportResult:
    """Write the event's report; a report already drawn from the same published file by the same
    code is kept (drawing the charts is most of the cost of a report), unless `force`. Otherwise
    each chart whose figures are the ones of a chart drawn before comes from the chart cache
    (aftershock.report_charts); `force` draws them all."""
    from aftershock.config import event_id_problem

    if problem := event_id_problem(event_id, curated=False):  # the same rule the events file is read with
        raise ReportError(problem)
    db = db or warehouse_path()
    if not db.exists():
        raise ReportError(f"no published warehouse at {db}; run `aftershock build` (or `make demo`) first")
    out_dir = out_dir or reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    key = _source_key(db, event_id)
    if not force and (kept := _current(out_dir, event_id, key)):
        return kept
    con = duckdb.connect(str(db), read_only=True)
    redraw = charts.REDRAW.set(force)
    try:
        result = _build(con, event_id, out_dir)
    finally:
        charts.REDRAW.reset(redraw)
        con.close()
    made = {"key": key, "pngs": [p.name for p in result.pngs], "charts": result.charts}
    atomic_write(out_dir / f".{event_id}.source.json", lambda tmp: Path(tmp).write_text(json.dumps(made)))
    return result


@dataclass
class Refresh:
    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # event_id -> why its report was not written
    charts_drawn: int = 0
    charts_reused: int = 0  # copied from the chart cache (aftershock.report_charts)


def refresh_reports(
    event_ids: list[str], db: Path | None = None, force: bool = False, catch: tuple = (ReportError,)
) -> Refresh:
    """Write every published event's report (build_report), then remove the chart-cache entries none
    of them used: the charts of figures that moved and of events no longer published. A report that
    fails with one of `catch` is named in `failed`, and the others still refresh."""
    done = Refresh()
    before = Counter(charts.COUNTS)
    for event_id in event_ids:
        try:
            done.written.append(build_report(event_id, db=db, force=force).html)
        except catch as exc:
            done.failed[event_id] = str(exc)
    done.charts_drawn = charts.COUNTS["drawn"] - before["drawn"]
    done.charts_reused = charts.COUNTS["reused"] - before["reused"]
    charts.prune_cache(reports_dir())
    return done


def _build(con, event_id: str, out_dir: Path) -> ReportResult:
    ev = _rows(con, "select * from marts.dim_events where event_id = ?", [event_id])
    if not ev:
        known = [
            r[0]
            for r in con.execute("select event_id from marts.dim_events order by event_date desc limit 10").fetchall()
        ]
        raise ReportError(
            f"event {event_id!r} is not in marts.dim_events (recent events: {', '.join(known) or 'none'})"
        )
    event = ev[0]
    summary = _rows(con, "select * from marts.fct_event_summary where event_id = ?", [event_id])
    summary = summary[0] if summary else {}
    impact = _rows(con, "select * from marts.fct_event_stock_impact where event_id = ? order by return_pct", [event_id])
    sections: list[Section] = []

    # prices indexed to 100: the worst and best movers plus the benchmarks
    benchmarks = {r["benchmark"] for r in impact} | {r["ticker"] for r in impact if r["asset_type"] == "index"}
    movers = [r["ticker"] for r in impact if r["asset_type"] == "stock"]
    chosen = movers[: PRICE_LINES - 2] + movers[-2:] if len(movers) > PRICE_LINES else movers
    chosen += [b for b in sorted(benchmarks) if b in {r["ticker"] for r in impact}][:2]
    series: dict[str, list] = {}
    for t, d, v in con.execute(
        "select ticker, relative_day, index_100 from marts.fct_event_stock_daily "
        "where event_id = ? and ticker in (select unnest(?)) and index_100 is not null order by ticker, relative_day",
        [event_id, chosen],
    ).fetchall():
        series.setdefault(t, []).append((d, v))
    series = {t: series[t] for t in chosen if t in series}
    sections.append(
        Section(
            "Prices around day 0",
            charts.indexed_prices(series, benchmarks, out_dir=out_dir, stem=event_id) if series else None,
            None if series else "No price study for this event.",
        )
    )

    car = con.execute(
        "select ticker, car_pct from marts.fct_event_car where event_id = ? and window_start = ? and window_end = ? "
        "and car_pct is not null order by car_pct",
        [event_id, *CAR_WINDOW],
    ).fetchall()
    sections.append(
        Section(
            "Cumulative abnormal returns",
            charts.car_by_ticker(car, CAR_WINDOW, out_dir=out_dir, stem=event_id) if car else None,
            None if car else "No abnormal returns for this event.",
        )
    )

    mv = [
        (r["ticker"], r["market_cap_change_usd"])
        for r in sorted(
            (r for r in impact if r["market_cap_change_usd"] is not None), key=lambda r: r["market_cap_change_usd"]
        )
    ]
    sections.append(
        Section(
            "Market value",
            charts.market_value(mv, out_dir=out_dir, stem=event_id) if mv else None,
            None if mv else "No market value data (shares outstanding) for this event.",
        )
    )

    wealth, wealth_note = [], "No wealth data: the warehouse has no billionaires mart."
    if _has(con, "marts", "fct_event_wealth_impact"):
        wealth = con.execute(
            "select person_name, change_usd from marts.fct_event_wealth_impact "
            "where event_id = ? and change_usd is not null order by abs(change_usd) desc limit 12",
            [event_id],
        ).fetchall()
        wealth.sort(key=lambda r: r[1])
        wealth_note = None if wealth else "No wealth data for this event."
    sections.append(
        Section(
            "Billionaires", charts.billionaires(wealth, out_dir=out_dir, stem=event_id) if wealth else None, wealth_note
        )
    )

    news, news_note = [], "No news data: the warehouse has no news mart."
    if _has(con, "marts", "fct_event_news_daily"):
        news = con.execute(
            "select relative_day, articles_matched, baseline from marts.fct_event_news_daily "
            "where event_id = ? order by relative_day",
            [event_id],
        ).fetchall()
        news_note = None if news else "No news data for this event."
    sections.append(
        Section("News volume", charts.news_volume(news, out_dir=out_dir, stem=event_id) if news else None, news_note)
    )

    groups = (
        con.execute(
            "select case group_type when 'sector' then 'sector: ' else 'peers: ' end || group_name || ' (N=' || n || ')', "
            "caar_pct from marts.fct_event_group_caar where event_id = ? and window_start = ? and window_end = ? "
            "and n >= 2 order by caar_pct",
            [event_id, *GROUP_WINDOW],
        ).fetchall()
        if _has(con, "marts", "fct_event_group_caar")
        else []
    )
    sections.append(
        Section(
            "Spillover by group",
            charts.group_caar(groups, GROUP_WINDOW, out_dir=out_dir, stem=event_id) if groups else None,
            None if groups else "No sector or peer group with two or more stocks in the cross-section.",
        )
    )

    headlines, headlines_note = [], "No news data: the warehouse has no news items."
    if event["origin"] == "detected" and _has(con, "marts", "fct_detected_event_headlines"):
        headlines = _rows(
            con,
            "select published_at, source, title, link from marts.fct_detected_event_headlines "
            "where event_id = ? order by published_at limit 15",
            [event_id],
        )
        headlines_note = None if headlines else "No headlines named the moved companies."
    elif _has(con, "marts", "fct_event_news_items"):
        headlines = _rows(
            con,
            "select published_at, source, title, link, relevance_score, tone_compound, tone_note "
            "from marts.fct_event_news_items where event_id = ? order by relevance_rank limit 15",
            [event_id],
        )
        headlines_note = None if headlines else "No headlines matched this event."
    for h in headlines:
        h["link"] = _safe_link(h.get("link"))

    caar = _rows(
        con, "select * from marts.fct_event_caar where event_id = ? order by window_start, window_end", [event_id]
    )
    moves = _rows(con, "select * from marts.fct_detected_moves where event_id = ? order by abs(score) desc", [event_id])
    analogs = (
        _rows(con, "select * from marts.fct_event_analogs where event_id = ? order by rank", [event_id])
        if _has(con, "marts", "fct_event_analogs")
        else []
    )
    claims = (
        _rows(con, "select * from marts.fct_claim_checks where event_id = ? order by claim_id", [event_id])
        if _has(con, "marts", "fct_claim_checks")
        else []
    )
    records = (
        _rows(
            con,
            "select * from marts.fct_records where record_scope = 'event' and event_id = ? "
            "and ranked_by = 'market_cap_change_usd' order by watchlist_rank limit 8",
            [event_id],
        )
        if _has(con, "marts", "fct_records")
        else []
    )
    group_rows = (
        _rows(
            con,
            "select * from marts.fct_event_group_caar where event_id = ? and window_start = ? "
            "and window_end = ? order by group_type desc, caar_pct",
            [event_id, *GROUP_WINDOW],
        )
        if _has(con, "marts", "fct_event_group_caar")
        else []
    )
    wealth_split = (
        _rows(
            con,
            "select person_name, change_usd, implied_change_usd, normal_change_usd, abnormal_change_usd, "
            "main_ticker, main_ticker_t_ar from marts.fct_event_wealth_impact where event_id = ? "
            "and abnormal_change_usd is not null order by change_usd limit 12",
            [event_id],
        )
        if _has(con, "marts", "fct_event_wealth_impact")
        else []
    )

    env = Environment(loader=PackageLoader("aftershock", "templates"), autoescape=select_autoescape(["html"]))
    env.filters.update(num=_fmt, pval=_fmt_p)
    html = env.get_template("report.html").render(
        event=event,
        summary=summary,
        impact=impact,
        caar=caar,
        moves=moves,
        sections=sections,
        claims=claims,
        records=records,
        analogs=analogs,
        group_rows=group_rows,
        wealth_split=wealth_split,
        headlines=headlines,
        headlines_note=headlines_note,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    path = out_dir / f"{event_id}.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    drawn = [s.chart for s in sections if s.chart]
    return ReportResult(path, [c.png for c in drawn], [c.digest for c in drawn])
