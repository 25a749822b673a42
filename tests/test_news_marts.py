"""News marts on the bundled sample (the demo warehouse), and duplicates collapsing across runs."""

from __future__ import annotations

import duckdb

from conftest import SAMPLE, copy_parse_cache, run_cli

EVENT = "deepseek-r1-selloff"


def test_spike_on_day_0_or_1_well_above_baseline(demo_db):
    rows = demo_db.execute(
        "select relative_day, articles_matched, baseline, baseline_days, spike_ratio from marts.fct_event_news_daily "
        "where event_id = ? order by relative_day",
        [EVENT],
    ).fetchall()
    assert [r[0] for r in rows] == list(range(-10, 11))
    by_day = {r[0]: r for r in rows}
    baseline = rows[0][2]
    assert baseline > 0 and rows[0][3] >= 3
    peak_day = max(by_day, key=lambda d: by_day[d][1])
    assert peak_day in (0, 1)
    assert by_day[peak_day][4] >= 5 and by_day[peak_day][1] >= 5 * baseline
    quiet = [by_day[d][1] for d in range(-10, -3)]
    assert max(quiet) < by_day[peak_day][1] / 3
    # the daily count is the number of distinct matched items of that session
    n0 = demo_db.execute(
        "select count(distinct item_key) from marts.fct_event_news_items where event_id = ? and relative_day = 0",
        [EVENT],
    ).fetchone()[0]
    assert n0 == by_day[0][1]


def test_baseline_is_the_mean_of_covered_sessions(demo_db):
    # recomputed from the items mart's building blocks, independently of the mart's SQL
    first = demo_db.execute("select min(session_date) from intermediate.int_news_item_sessions").fetchone()[0]
    sessions = demo_db.execute(
        "select s.trade_date, s.session_index - c.day0_index from intermediate.int_trading_sessions s, "
        "intermediate.int_event_calendar c where c.event_id = ? and s.session_index - c.day0_index between -30 and -11 "
        "and s.trade_date >= ?",
        [EVENT, first],
    ).fetchall()
    counts = dict(
        demo_db.execute(
            "select relative_day, count(*) from intermediate.int_event_news_matches where event_id = ? group by 1",
            [EVENT],
        ).fetchall()
    )
    expected = sum(counts.get(rd, 0) for _, rd in sessions) / len(sessions)
    got = demo_db.execute(
        "select distinct baseline from marts.fct_event_news_daily where event_id = ?", [EVENT]
    ).fetchall()
    assert got == [(expected,)]


def test_vietnamese_items_matched(demo_db):
    rows = demo_db.execute(
        "select title, matched_entities from marts.fct_event_news_items where event_id = ? and language = 'vi'", [EVENT]
    ).fetchall()
    found = {t: set(e) for t, e in rows}
    assert len(found) >= 5
    assert "Nvidia" in found["Nvidia mất gần 600 tỷ USD vốn hóa trong một phiên"]
    assert "Jensen Huang" in found["Tài sản của Jensen Huang bốc hơi khoảng 20 tỷ USD"]
    assert {"sell-off", "PHLX Semiconductor Index"} <= found["Làn sóng bán tháo cổ phiếu chip AI lan rộng"]
    assert "DeepSeek" in found["Lương Văn Phong, người đứng sau DeepSeek, là ai?"]


def test_weekend_news_counts_toward_monday_and_boundaries_hold(demo_db):
    sunday = demo_db.execute(
        "select relative_day, session_date from marts.fct_event_news_items where event_id = ? "
        "and title like 'DeepSeek''s assistant app%'",
        [EVENT],
    ).fetchone()
    assert sunday == (0, __import__("datetime").date(2025, 1, 27))
    huangshan = demo_db.execute(
        "select count(*) from marts.fct_event_news_items where title like 'Huangshan%'"
    ).fetchone()
    assert huangshan == (0,)


def test_cross_feed_copies_collapse_with_every_feed(demo_db):
    feeds = demo_db.execute(
        "select feed_ids, feed_count from staging.stg_news_items "
        "where title = 'Nvidia plunges in a broad AI chip sell-off'"
    ).fetchall()
    assert feeds == [(["sample-markets-en", "sample-tech-en"], 2)]


def test_feed_health_and_demo_output(demo_db, demo_dir):
    health = {
        r[0]: r[1:]
        for r in demo_db.execute(
            "select feed_id, last_status, polls, items_last_poll, items_total, in_seed from marts.fct_feed_health"
        ).fetchall()
    }
    assert health["sample-markets-en"][:2] == ("ok", 1) and health["sample-markets-en"][2] > 0
    assert health["vnexpress-kinh-doanh"][1] == 0 and health["vnexpress-kinh-doanh"][4] is True
    out = (demo_dir / "demo_stdout.txt").read_text()
    assert "News coverage" in out and "Top headlines around day 0" in out
    assert "Nvidia mất gần 600 tỷ USD" in out or "Nvidia loses about $590 billion" in out


def test_duplicates_across_runs_collapse(data_dir, demo_dir):
    copy_parse_cache(demo_dir, data_dir)  # dbt parses partially (conftest.copy_parse_cache)
    run_cli(
        "ingest", "prices", "--source", "file", "--path", str(SAMPLE / "prices" / "prices_daily.csv"), data_dir=data_dir
    )
    for batch in ("run-1", "run-2"):
        run_cli(
            "ingest",
            "news",
            "--source",
            "file",
            "--path",
            str(SAMPLE / "news" / "sample-tech-en.atom"),
            "--batch-id",
            batch,
            data_dir=data_dir,
        )
    run_cli("build", data_dir=data_dir)
    con = duckdb.connect(str(data_dir / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        raw = con.execute(
            "select count(*) from read_parquet(?)", [str(data_dir / "lake/raw/news/*.parquet")]
        ).fetchone()[0]
        n, keys = con.execute("select count(*), count(distinct item_key) from staging.stg_news_items").fetchone()
    finally:
        con.close()
    assert raw == 2 * n and n == keys and n > 10
