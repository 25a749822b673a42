"""`aftershock demo`: ingest the bundled sample through the file readers, build, print the impact table."""

from __future__ import annotations

import duckdb

from aftershock import ingest_commands
from aftershock.build import run_build
from aftershock.paths import DEMO_EVENT, warehouse_path
from aftershock.tables import fmt_num, render

# Printers of the demo's tables, in order; each takes a read-only connection and an event id.
SECTIONS = []


def ingest_sample() -> None:
    for source in ingest_commands.SOURCES:  # in landing order
        for result in ingest_commands.run(source, "sample"):
            print(result.summary())


def stock_table(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select ticker, company, return_pct, abnormal_return_pct, market_cap_change_usd
        from marts.fct_event_stock_impact
        where event_id = ?
        order by market_cap_change_usd asc nulls last, return_pct asc
        """,
        [event_id],
    ).fetchall()
    title = con.execute(
        "select title, event_date, day0_date from marts.dim_events where event_id = ?", [event_id]
    ).fetchone()
    body = render(
        ["ticker", "company", "return %", "abnormal %", "mkt value chg $B"],
        [[t, c, fmt_num(r, sign=True), fmt_num(a, sign=True), fmt_num(m, 1, 1e9, sign=True)] for t, c, r, a, m in rows],
        align="llrrr",
    )
    head = f"{event_id}: {title[0]}\nevent date {title[1]}, day 0 {title[2]}\n" if title else f"{event_id}\n"
    return (
        head
        + "\nStock impact (day 0 vs day -1), largest market value loss first\n"
        + body
        + "\n"
        + market_value_total(con, event_id)
    )


def market_value_total(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """The total with what it covers, and why the others show no market value."""
    row = con.execute(
        "select market_value_change_usd, market_value_coverage, stocks_without_market_value "
        "from marts.fct_event_summary where event_id = ?",
        [event_id],
    ).fetchone()
    if row is None:
        return "Market value change: no stock rows for this event"
    total, coverage, missing = row
    line = f"Market value change: {fmt_num(total, 1, 1e9, sign=True)} $B over {coverage} (those with a shares figure)"
    if missing:
        line += f"; '-' = no shares outstanding figure in the lake: {', '.join(missing)}"
    return line


SECTIONS.append(stock_table)

WEALTH_ROWS = 15  # a live lake holds ~2,700 people per event; the demo shows the largest moves


def wealth_table(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select person_name, net_worth_before_usd, net_worth_after_usd, change_usd, change_pct,
               rank_before, rank_after, implied_change_usd, abnormal_change_usd, main_ticker_t_ar,
               before_snapshot_date, after_snapshot_date
        from marts.fct_event_wealth_impact
        where event_id = ? and change_usd is not null
        order by change_usd asc, person_uri
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Billionaires: no Forbes snapshots for day -1 and day 0 of this event in the lake"
    shown = rows if len(rows) <= WEALTH_ROWS else rows[:WEALTH_ROWS]
    body = render(
        [
            "person",
            "before $B",
            "after $B",
            "change $B",
            "change %",
            "rank before -> after",
            "implied chg $B",
            "of which event $B",
            "t",
        ],
        [
            [
                name,
                fmt_num(b, 2, 1e9),
                fmt_num(a, 2, 1e9),
                fmt_num(c, 2, 1e9, sign=True),
                fmt_num(p, sign=True),
                f"{rb if rb is not None else '-'} -> {ra}",
                fmt_num(i, 2, 1e9, sign=True),
                fmt_num(ab, 2, 1e9, sign=True),
                fmt_num(t, 1, sign=True),
            ]
            for name, b, a, c, p, rb, ra, i, ab, t, _, _ in shown
        ],
        align="lrrrrrrrr",
    )
    before, after = rows[0][10], rows[0][11]
    head = (
        f"Billionaires (Forbes real-time, {before} vs {after}), largest loss first; "
        "implied = listed shares x the day-0 price move, of which the event's part = the abnormal return "
        "x the holding (the rest is what the market model expected); t = the main stock's day-0 t"
    )
    more = f"\n... {len(rows) - len(shown)} more in marts.fct_event_wealth_impact" if len(rows) > len(shown) else ""
    return head + "\n" + body + more


SECTIONS.append(wealth_table)


def news_spike(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select relative_day, news_date, articles_matched, baseline, spike_ratio
        from marts.fct_event_news_daily
        where event_id = ? and relative_day between -3 and 3
        order by relative_day
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "News coverage: no news in the warehouse for this event"
    body = render(
        ["day", "session", "articles", "baseline", "spike x"],
        [[f"{d:+d}", str(dt), str(n), fmt_num(b), fmt_num(r, 1)] for d, dt, n, b, r in rows],
        align="lrrrr",
    )
    heads = con.execute(
        """
        select relative_day, source, title, list_aggregate(matched_entities, 'string_agg', ', '), tone_compound
        from marts.fct_event_news_items
        where event_id = ?
        order by relevance_rank
        limit 10
        """,
        [event_id],
    ).fetchall()
    lines = [
        f"  {d:+d}  {title}  [{src}; {ents}; tone {fmt_num(tone, 2, sign=True) if tone is not None else 'not scored'}]"
        for d, src, title, ents, tone in heads
    ]
    return (
        "News coverage: matched articles per session (weekend news counts toward the next session)\n"
        + body
        + "\n\nTop headlines around day 0, most relevant first (event keywords, entities named, closeness; "
        "tone = VADER compound, English only)\n" + "\n".join(lines)
    )


SECTIONS.append(news_spike)


def caar_table(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select window_start, window_end, n, n_positive, caar_pct, bmp_t, bmp_t_p, kp_t_p, rank_z_p, sign_z_p
        from marts.fct_event_caar where event_id = ? order by window_end - window_start, window_start
        """,
        [event_id],
    ).fetchall()
    setup = estimation_note(con, event_id)
    if not rows:
        return "Event-study statistics: none (no stock has a long enough estimation window)\n" + setup
    body = render(
        ["window", "N", "up", "CAAR %", "BMP t", "p BMP", "p KP", "p rank", "p sign"],
        [
            [
                f"[{a:+d},{b:+d}]",
                n,
                up,
                fmt_num(c, sign=True),
                fmt_num(t),
                *(f"{p:.4f}" if p is not None else "n/a" for p in (p1, p2, p3, p4)),
            ]
            for a, b, n, up, c, t, p1, p2, p3, p4 in rows
        ],
        align="lrrrrrrrr",
    )
    return (
        "Event-study statistics over the stocks; `aftershock report "
        + event_id
        + "` draws the charts\n"
        + setup
        + "\n"
        + body
    )


def estimation_note(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """The model and the estimation sessions actually used, and the stocks left out of CAAR with why."""
    row = con.execute(
        """
        select e.model, e.estimation_start, e.estimation_end, s.estimation_days_asked, s.estimation_days_min,
               s.estimation_days_max, s.stocks_in_caar, s.stocks_studied, s.stocks_left_out_of_caar
        from marts.dim_events as e left join marts.fct_event_summary as s using (event_id)
        where e.event_id = ?
        """,
        [event_id],
    ).fetchone()
    if row is None or row[3] is None:
        return "no stock study for this event"
    model, start, end, asked, lo, hi, n_in, n_stocks, left_out = row
    used = f"{lo}" if lo == hi else f"{lo}-{hi}"
    note = (
        f"{model} model, estimation window [{start},{end}]: {used} of {asked} sessions used; "
        f"{n_in} of {n_stocks} stocks in CAAR"
    )
    if left_out:
        note += "\nleft out of CAAR: " + "; ".join(left_out)
    return note


SECTIONS.append(caar_table)


def records_section(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """How the event's day-0 moves rank among every session in the lake (marts.fct_records)."""
    rows = con.execute(
        """
        select rank, ticker, trade_date, market_cap_change_usd, watchlist_rank, context
        from marts.fct_records
        where record_scope = 'event' and event_id = ? and ranked_by = 'market_cap_change_usd'
        order by watchlist_rank
        limit 5
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Records: no market value moves for this event"
    body = render(
        ["in the lake", "ticker's rank", "ticker", "mkt value chg $B", "context"],
        [[f"#{w}", f"#{r}", t, fmt_num(m, 1, 1e9, sign=True), ctx] for r, t, _, m, w, ctx in rows],
        align="lrlrl",
    )
    return (
        "Records: the day's market value moves ranked among every watchlist session in the lake "
        "(marts.fct_records)\n" + body
    )


SECTIONS.append(records_section)


def claims_section(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """Published figures about the event against what the lake measures (marts.fct_claim_checks)."""
    rows = con.execute(
        """
        select verdict, quote, metric, published_value, measured_value, reason
        from marts.fct_claim_checks where event_id = ? order by claim_id
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Published claims: none recorded for this event (dbt/seeds/claims.csv)"

    def value(metric, v):
        return fmt_num(v, 2, sign=True) + " %" if metric.endswith("_pct") else fmt_num(v, 2, 1e9, sign=True) + " $B"

    body = render(
        ["verdict", "claim", "published", "measured"],
        [[v, q, value(m, p), value(m, x)] for v, q, m, p, x, _ in rows],
        align="llrr",
    )
    reasons = "\n".join(f"  {q}: {r}" for v, q, _, _, _, r in rows if v != "matches")
    return (
        "Published claims checked against the lake (matches = within 0.5 points or 5 %)\n"
        + body
        + ("\nwhy they differ:\n" + reasons if reasons else "")
    )


SECTIONS.append(claims_section)


def group_section(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """Spillover by sector and by peer link over day 0 (marts.fct_event_group_caar)."""
    rows = con.execute(
        """
        select group_type, group_name, n, caar_pct, bmp_t_p, kp_t_p, tickers
        from marts.fct_event_group_caar
        where event_id = ? and window_start = 0 and window_end = 0 and n >= 2
        order by group_type desc, caar_pct
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Spillover by group: no group with two or more stocks"
    body = render(
        ["group", "N", "CAAR[0,0] %", "p BMP", "p KP", "stocks"],
        [
            [
                f"{'sector' if gt == 'sector' else 'peers'}: {g}",
                n,
                fmt_num(c, sign=True),
                fmt_num(p1, 4),
                fmt_num(p2, 4),
                t,
            ]
            for gt, g, n, c, p1, p2, t in rows
        ],
        align="lrrrrl",
    )
    return "Spillover by group (sectors of the watchlist, links of the peers seed), day 0\n" + body


SECTIONS.append(group_section)


def analogs_section(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    """The sessions whose abnormal-return cross-section looks most like the event's day 0."""
    rows = con.execute(
        """
        select rank, analog_date, similarity, correlation, common_tickers, analog_event_ids, news_items
        from marts.fct_event_analogs where event_id = ? order by rank
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Analogs: no other session shares enough stocks with this event"
    body = render(
        ["#", "session", "similarity", "correlation", "stocks", "news items", "event"],
        [[r, str(d), fmt_num(s, 3), fmt_num(c, 3), n, k, ", ".join(ev) or "-"] for r, d, s, c, n, ev, k in rows],
        align="rlrrrrl",
    )
    return "Analogs: sessions whose abnormal returns looked most like day 0 (cosine of the stocks' scores)\n" + body


SECTIONS.append(analogs_section)


def print_event(event_id: str = DEMO_EVENT) -> None:
    con = duckdb.connect(str(warehouse_path()), read_only=True)
    try:
        for section in SECTIONS:
            print()
            print(section(con, event_id))
    finally:
        con.close()


def run_demo(verbose: bool = False) -> None:
    from aftershock.dbt_runner import log_path

    print("1/3 ingesting the bundled sample (sample/) through the file readers")
    ingest_sample()
    print("2/3 building the warehouse (dbt build, gate, publish)")
    result = run_build(echo=True if verbose else "progress")
    print(f"published {result.published} in {result.seconds:.0f}s (full dbt log: {log_path(['build'])})")
    print("3/3 the sample event")
    print_event(DEMO_EVENT)
