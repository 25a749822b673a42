"""`aftershock demo`: ingest the bundled sample through the file readers, build, print the impact table."""
from __future__ import annotations

import argparse

import duckdb

from aftershock import ingest_commands
from aftershock.build import run_build
from aftershock.paths import DEMO_EVENT, SAMPLE_DIR, warehouse_path
from aftershock.tables import fmt_num, render

# (source, path under sample/) in landing order; sources other issues add register here too.
SAMPLE_BATCHES: list[tuple[str, str]] = [
    ("prices", "prices/prices_daily.csv"),
    ("shares", "shares/shares_outstanding.csv"),
    ("wealth", "wealth/billionaires_networth_daily.csv"),
    ("news", "news"),
]

# Printers of the demo's tables, in order; each takes a read-only connection and an event id.
SECTIONS = []


def ingest_sample() -> None:
    for source, rel in SAMPLE_BATCHES:
        args = argparse.Namespace(source="file", path=str(SAMPLE_DIR / rel), start=None, end=None,
                                  ticker=None, batch_id=f"sample-{source}")
        for result in ingest_commands.SOURCES[source].run(args):
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
    title = con.execute("select title, event_date, day0_date from marts.dim_events where event_id = ?",
                        [event_id]).fetchone()
    body = render(
        ["ticker", "company", "return %", "abnormal %", "mkt value chg $B"],
        [[t, c, fmt_num(r, sign=True), fmt_num(a, sign=True), fmt_num(m, 1, 1e9, sign=True)] for t, c, r, a, m in rows],
        align="llrrr",
    )
    head = f"{event_id}: {title[0]}\nevent date {title[1]}, day 0 {title[2]}\n" if title else f"{event_id}\n"
    return head + "\nStock impact (day 0 vs day -1), largest market value loss first\n" + body


SECTIONS.append(stock_table)

WEALTH_ROWS = 15  # a live lake holds ~2,700 people per event; the demo shows the largest moves


def wealth_table(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select person_name, net_worth_before_usd, net_worth_after_usd, change_usd, change_pct,
               rank_before, rank_after, implied_change_usd, before_snapshot_date, after_snapshot_date
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
        ["person", "before $B", "after $B", "change $B", "change %", "rank before -> after", "implied chg $B"],
        [[name, fmt_num(b, 2, 1e9), fmt_num(a, 2, 1e9), fmt_num(c, 2, 1e9, sign=True), fmt_num(p, sign=True),
          f"{rb if rb is not None else '-'} -> {ra}", fmt_num(i, 2, 1e9, sign=True)]
         for name, b, a, c, p, rb, ra, i, _, _ in shown],
        align="lrrrrrr",
    )
    before, after = rows[0][8], rows[0][9]
    head = (f"Billionaires (Forbes real-time, {before} vs {after}), largest loss first; "
            "implied = listed shares x the day-0 price move")
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
        select relative_day, source, title, list_aggregate(matched_entities, 'string_agg', ', ')
        from marts.fct_event_news_items
        where event_id = ? and relative_day between -1 and 1
        order by matched_entity_count desc, published_at
        limit 8
        """,
        [event_id],
    ).fetchall()
    lines = [f"  {d:+d}  {title}  [{src}; {ents}]" for d, src, title, ents in heads]
    return ("News coverage: matched articles per session (weekend news counts toward the next session)\n" + body
            + "\n\nTop headlines around day 0 (day, title, [source; entities named])\n" + "\n".join(lines))


SECTIONS.append(news_spike)


def caar_table(con: duckdb.DuckDBPyConnection, event_id: str) -> str:
    rows = con.execute(
        """
        select window_start, window_end, n, n_positive, caar_pct, bmp_t, bmp_t_p, kp_t_p, rank_z_p, sign_z_p
        from marts.fct_event_caar where event_id = ? order by window_end - window_start, window_start
        """,
        [event_id],
    ).fetchall()
    if not rows:
        return "Event-study statistics: none (no stocks with a complete estimation window)"
    body = render(
        ["window", "N", "up", "CAAR %", "BMP t", "p BMP", "p KP", "p rank", "p sign"],
        [[f"[{a:+d},{b:+d}]", n, up, fmt_num(c, sign=True), fmt_num(t), *(f"{p:.4f}" if p is not None else "n/a"
          for p in (p1, p2, p3, p4))] for a, b, n, up, c, t, p1, p2, p3, p4 in rows],
        align="lrrrrrrrr",
    )
    return ("Event-study statistics over the stocks (market model, estimation window [-250,-11]); "
            "`aftershock report " + event_id + "` draws the charts\n" + body)


SECTIONS.append(caar_table)


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
