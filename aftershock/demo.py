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


def run_demo() -> None:
    print("1/3 ingesting the bundled sample (sample/) through the file readers")
    ingest_sample()
    print("2/3 building the warehouse (dbt build, gate, publish)")
    result = run_build()
    print(f"published {result.published} in {result.seconds:.0f}s")
    print("3/3 the sample event")
    print_event(DEMO_EVENT)
