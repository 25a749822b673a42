"""Incremental builds give exactly what a full refresh gives on the same lake.

Prices, shares, wealth and news land in parts over three builds:

1. the sessions before CUT (less some held back), the first part of the wealth history and of the
   news, an undated wire item, and an events file whose early event has one keyword more;
2. the later prices with a late ticker day, a whole late session (which renumbers every later
   session) and a corrected close; the middle of the wealth and news; an events file that drops that
   keyword and adds one to the other event (every news item is matched again); from this build on,
   the dbt project is a copy whose detector model file differs by a comment (an edited model scores
   every row again);
3. a held-back session in the news and wealth period (it cuts the window of the session before it
   and renumbers the later ones), the last prices, wealth and news, a corrected old wealth snapshot,
   a corrected old close of the benchmark (every ticker it is the benchmark of is scored again from
   there), and a feed file carrying a known item again and a dated copy of the undated one.

A --full-refresh build on a copy of the same lake must agree on every staging, intermediate and
mart relation, row for row.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from aftershock.dbt_runner import copy_project, run_dbt

from conftest import REFERENCE_BUILD_ENV, ROOT, SAMPLE, copy_parse_cache, run_cli
from warehouse_compare import assert_same, frame, relations

pytestmark = pytest.mark.slow

CUT = "2025-01-21"  # first build: sessions before it
TAIL = "2025-02-18"  # third build: sessions from it on
CORRECTED = ("NVDA", "2024-06-03")
BENCHMARK_FIX = ("^GSPC", "2024-09-03")  # corrected in the third build, before its held-back session
LATE_TICKER_DAY = ("AMD", "2024-05-15")
LATE_SESSION = "2024-04-10"
MID_SESSION = "2025-01-14"  # held back to the third build
WEALTH_PARTS = ("2025-01-18", "2025-02-08")  # wealth snapshots: [.., a), [a, b), [b, ..)
WEALTH_FIX = ("jensen-huang", "2025-01-10", "111111.5")  # corrected in the third build (USD millions)
NEWS_PARTS = ("2025-01-12", "2025-02-05")  # news --end of part 1, --end of part 2
KNOWN_LINK = "https://sample.aftershock.invalid/markets/chip-stocks-open-2025"
UNDATED_LINK = "https://wire.aftershock.invalid/undated-nvidia-suppliers"
INCREMENTAL = [
    "staging.stg_prices",
    "staging.stg_shares",
    "intermediate.int_price_returns",
    "intermediate.int_detected_moves",
    "staging.stg_wealth",
    "staging.stg_feed_polls",
    "staging.stg_news_items",
    "intermediate.int_wealth_session_snapshots",
    "intermediate.int_wealth_daily_changes",
    "marts.fct_wealth_daily_movers",
    "intermediate.int_news_item_entities",
    "intermediate.int_news_item_sessions",
]


def rss(items: list[tuple[str, str, str | None]]) -> str:
    body = "".join(
        f'<item><title>{t}</title><link>{ln}</link><guid isPermaLink="true">{ln}</guid>'
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + "</item>"
        for t, ln, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test wire</title>{body}</channel></rss>'


@pytest.fixture(scope="module")
def lakes(tmp_path_factory, demo_dir):
    root = tmp_path_factory.mktemp("incremental")
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
    held_back = ((prices["ticker"] == LATE_TICKER_DAY[0]) & (prices["date"] == LATE_TICKER_DAY[1])) | (
        prices["date"] == LATE_SESSION
    )
    mid = prices["date"] == MID_SESSION
    fix = prices[(prices["ticker"] == CORRECTED[0]) & (prices["date"] == CORRECTED[1])].copy()
    fix["close"] = fix["adj_close"] = "99.5"
    fix["low"] = "90"
    bench_fix = prices[(prices["ticker"] == BENCHMARK_FIX[0]) & (prices["date"] == BENCHMARK_FIX[1])].copy()
    bench_fix["close"] = str(round(float(bench_fix["close"].iloc[0]) * 1.005, 2))
    parts = {
        "first": prices[(prices["date"] < CUT) & ~held_back & ~mid],
        "rest": prices[(prices["date"] >= CUT) & (prices["date"] < TAIL)],
        "late": prices[held_back],
        "fix": fix,
        "tail": pd.concat([prices[mid], prices[prices["date"] >= TAIL]]),
        "bench_fix": bench_fix,
    }
    files = {}
    for name, df in parts.items():
        files[name] = root / f"{name}.csv"
        df.to_csv(files[name], index=False)
    shares = pd.read_csv(SAMPLE / "shares" / "shares_outstanding.csv", dtype=str, keep_default_na=False)
    half = len(shares) // 2
    shares.iloc[:half].to_csv(root / "shares1.csv", index=False)
    shares.iloc[half:].to_csv(root / "shares2.csv", index=False)

    wealth = pd.read_csv(SAMPLE / "wealth" / "billionaires_networth_daily.csv", dtype=str, keep_default_na=False)
    a, b = WEALTH_PARTS
    wealth[wealth["date"] < a].to_csv(root / "wealth1.csv", index=False)
    wealth[(wealth["date"] >= a) & (wealth["date"] < b)].to_csv(root / "wealth2.csv", index=False)
    wealth[wealth["date"] >= b].to_csv(root / "wealth3.csv", index=False)
    person, day, value = WEALTH_FIX
    wfix = wealth[(wealth["person_uri"] == person) & (wealth["date"] == day)].copy()
    wfix["net_worth_musd"] = value
    wfix.to_csv(root / "wealth_fix.csv", index=False)

    (root / "undated-wire.xml").write_text(rss([("Nvidia suppliers rally on a wire report", UNDATED_LINK, None)]))
    (root / "late-wire.xml").write_text(
        rss(
            [
                (
                    "Chip stocks start 2025 higher as Nvidia extends its rally",
                    KNOWN_LINK,
                    "Thu, 02 Jan 2025 15:30:00 +0000",
                ),
                ("Nvidia suppliers rally on a wire report", UNDATED_LINK, "Thu, 16 Jan 2025 14:00:00 +0000"),
            ]
        )
    )

    # Day 0 of every event must exist at each build: the first build only knows an early event.
    # Its keyword "Treasury yields" is dropped after the first build, and the other event gains
    # "heating demand": matches must follow both ways.
    events = pd.read_csv(SAMPLE.parent / "dbt" / "seeds" / "events.csv", dtype=str, keep_default_na=False)
    early = {"event_id": "early", "event_date": "2024-08-05", "title": "Early test event", "tickers": ""}
    pd.DataFrame([{**early, "keywords": "market|Treasury yields"}]).to_csv(root / "events_early.csv", index=False)
    events["keywords"] = events["keywords"] + "|heating demand"
    pd.concat([events, pd.DataFrame([{**early, "keywords": "market"}])]).to_csv(root / "events_all.csv", index=False)

    inc = root / "incremental"
    copy_parse_cache(demo_dir, inc)  # dbt parses partially (conftest.copy_parse_cache)
    edited = copy_project(root / "dbt_edited", ROOT / "dbt")
    with open(edited / "models" / "intermediate" / "int_detected_moves.sql", "a") as model:
        model.write("-- edited\n")
    project = {"AFTERSHOCK_DBT_PROJECT": str(edited)}

    def ingest(source, path, batch, *extra):
        run_cli("ingest", source, "--source", "file", "--path", str(path), "--batch-id", batch, *extra, data_dir=inc)

    ingest("prices", files["first"], "first")
    ingest("shares", root / "shares1.csv", "s1")
    ingest("wealth", root / "wealth1.csv", "w1")
    ingest("news", SAMPLE / "news", "n1", "--end", NEWS_PARTS[0])
    ingest("news", root / "undated-wire.xml", "undated")
    first = run_cli("build", "--events", str(root / "events_early.csv"), data_dir=inc)
    with duckdb.connect(str(inc / "warehouse" / "aftershock.duckdb"), read_only=True) as con:
        between_builds = {
            "treasury": con.execute("""select count(*) from intermediate.int_news_item_entities
                                       where entity_type = 'keyword' and entity_id = 'treasury yields'""").fetchone()[
                0
            ],
            "undated": con.execute(
                "select date_is_fetch_time from staging.stg_news_items where link = ?", [UNDATED_LINK]
            ).fetchone()[0],
        }
    for name in ["rest", "late", "fix"]:
        ingest("prices", files[name], name)
    ingest("shares", root / "shares2.csv", "s2")
    ingest("wealth", root / "wealth2.csv", "w2")
    ingest(
        "news",
        SAMPLE / "news",
        "n2",
        "--start",
        str(pd.Timestamp(NEWS_PARTS[0]) + pd.Timedelta(days=1))[:10],
        "--end",
        NEWS_PARTS[1],
    )
    second = run_cli("build", "--events", str(root / "events_all.csv"), data_dir=inc, env=project)
    with duckdb.connect(str(inc / "warehouse" / "aftershock.duckdb"), read_only=True) as con:
        between_builds["detector_in_second_build"] = con.execute(
            "select from_literal from raw.incremental_ranges where relation = 'intermediate.int_detected_moves'"
        ).fetchone()[0]
    ingest("prices", files["tail"], "tail")
    ingest("prices", files["bench_fix"], "bench_fix")
    ingest("wealth", root / "wealth3.csv", "w3")
    ingest("wealth", root / "wealth_fix.csv", "wfix")
    ingest("news", SAMPLE / "news", "n3", "--start", str(pd.Timestamp(NEWS_PARTS[1]) + pd.Timedelta(days=1))[:10])
    ingest("news", root / "late-wire.xml", "late-wire")
    third = run_cli("build", "--events", str(root / "events_all.csv"), data_dir=inc, env=project)

    full = root / "full"
    shutil.copytree(inc / "lake", full / "lake")
    copy_parse_cache(inc, full)
    reference = {**project, **REFERENCE_BUILD_ENV}
    run_cli("build", "--events", str(root / "events_all.csv"), "--full-refresh", data_dir=full, env=reference)
    a = duckdb.connect(str(inc / "warehouse" / "aftershock.duckdb"), read_only=True)
    b = duckdb.connect(str(full / "warehouse" / "aftershock.duckdb"), read_only=True)
    yield a, b, [first.stdout, second.stdout, third.stdout], between_builds
    a.close()
    b.close()


def test_later_builds_were_incremental(lakes):
    _, _, outs, _ = lakes
    for out in outs[1:]:
        assert "not incrementally" not in out  # started from the published copy, not an empty file
        # dbt is given the same database path on every build (a link to the building file), so it
        # keeps the previous build's parse: a new path per build made it parse the whole project again.
        assert "Unable to do partial parsing because profile has changed" not in out
        for model in INCREMENTAL:
            assert f"incremental model {model}" in out, out[-3000:]


def test_every_relation_equals_a_full_refresh(lakes):
    inc, full, *_ = lakes
    names = relations(full)
    assert names == relations(inc)
    assert ("marts", "fct_event_stock_impact") in names and ("intermediate", "int_daily_returns") in names
    for schema, name in names:
        assert_same(frame(inc, schema, name), frame(full, schema, name), f"{schema}.{name}")


def test_correction_and_late_rows_reached_the_returns(lakes):
    inc, *_ = lakes
    t, d = CORRECTED
    row = inc.execute(
        "select close, daily_return from intermediate.int_daily_returns where ticker = ? and trade_date = ?", [t, d]
    ).fetchone()
    assert row[0] == 99.5
    nxt = inc.execute(
        """select prev_close from intermediate.int_daily_returns
                         where ticker = ? and trade_date > ? order by trade_date limit 1""",
        [t, d],
    ).fetchone()
    assert nxt[0] == 99.5  # the next session's return was recomputed against the corrected close
    late = inc.execute(
        "select count(*) from intermediate.int_daily_returns where trade_date = ?", [LATE_SESSION]
    ).fetchone()[0]
    assert late > 20
    # The late session shifted every later session number by one; the view follows.
    idx = inc.execute("""select max(session_index) from intermediate.int_trading_sessions""").fetchone()[0]
    assert idx == inc.execute("select count(distinct trade_date) from staging.stg_prices").fetchone()[0]
    t, d = LATE_TICKER_DAY
    assert inc.execute(
        "select daily_return is not null from intermediate.int_daily_returns where ticker = ? and trade_date = ?",
        [t, d],
    ).fetchone()[0]


def test_corrected_wealth_snapshot_reached_the_movers(lakes):
    inc, *_ = lakes
    person, day, value = WEALTH_FIX
    row = inc.execute(
        "select net_worth_usd, change_usd from marts.fct_wealth_daily_movers "
        "where person_uri = ? and snapshot_date = ?",
        [person, day],
    ).fetchone()
    assert row[0] == float(value) * 1e6
    nxt = inc.execute(
        """select snapshot_date, prev_snapshot_date, prev_net_worth_usd from marts.fct_wealth_daily_movers
                         where person_uri = ? and snapshot_date > ? order by snapshot_date limit 1""",
        [person, day],
    ).fetchone()
    assert nxt[2] == float(value) * 1e6  # the next session moved against the corrected value
    # The held-back session is a session of its own now: it took its own snapshot from the one before.
    mid = inc.execute(
        "select snapshot_date, prev_snapshot_date from marts.fct_wealth_daily_movers "
        "where person_uri = ? and snapshot_date = ?",
        [person, MID_SESSION],
    ).fetchone()
    assert str(mid[0]) == MID_SESSION and str(mid[1]) == "2025-01-13"


def test_late_copies_reached_the_news_items(lakes):
    inc, _, _, between_builds = lakes
    assert between_builds["undated"] is True
    known = inc.execute(
        "select feed_ids, feed_count from staging.stg_news_items where link = ?", [KNOWN_LINK]
    ).fetchone()
    assert "late-wire" in known[0] and "sample-markets-en" in known[0] and known[1] == 2
    # The undated copy was kept until a dated copy came: now the item has its date and its session.
    row = inc.execute(
        """select i.date_is_fetch_time, i.news_date, i.feed_ids, s.session_date
                         from staging.stg_news_items as i left join intermediate.int_news_item_sessions as s using (item_key)
                         where i.link = ?""",
        [UNDATED_LINK],
    ).fetchone()
    assert row[0] is False and str(row[1]) == "2025-01-16" and list(row[2]) == ["late-wire", "undated-wire"]
    assert str(row[3]) == "2025-01-16"


def test_changed_keywords_rematched_every_item(lakes):
    inc, _, _, between_builds = lakes
    assert between_builds["treasury"] >= 1  # matched by the first build, under the first events file
    added = inc.execute("""select count(*) from intermediate.int_news_item_entities
                           where entity_type = 'keyword' and entity_id = 'heating demand'""").fetchone()[0]
    assert added >= 1  # an item of the first build named it
    dropped = inc.execute("""select count(*) from intermediate.int_news_item_entities
                             where entity_type = 'keyword' and entity_id = 'treasury yields'""").fetchone()[0]
    assert dropped == 0


RANGED = {
    "staging.stg_prices": "_ingested_at",
    "staging.stg_wealth": "_ingested_at",
    "intermediate.int_detected_moves": "trade_date",
    "intermediate.int_wealth_session_snapshots": "trade_date",
    "intermediate.int_wealth_daily_changes": "trade_date",
    "marts.fct_wealth_daily_movers": "snapshot_date",
}


def test_the_last_build_recorded_where_it_rewrote(lakes):
    """What the key tests of an incremental build check; a full refresh records nothing (checks all)."""
    inc, full, _, between_builds = lakes
    ranges = {r: (c, lit) for r, c, lit in inc.execute("select * from raw.incremental_ranges").fetchall()}
    assert {r: c for r, (c, _) in ranges.items()} == RANGED
    # The third build corrected Jensen Huang's snapshot of 2025-01-10: that session is rewritten on.
    assert ranges["intermediate.int_wealth_session_snapshots"][1] == "'2025-01-10'::date"
    assert ranges["marts.fct_wealth_daily_movers"][1] == "'2025-01-10'::date"
    # The detector scored again from the corrected benchmark close (earlier than the session before
    # the held-back one, 2025-01-13, from which every ticker is scored again), not the whole history.
    assert ranges["intermediate.int_detected_moves"][1] == f"'{BENCHMARK_FIX[1]}'::date"
    # The second build ran an edited detector model (by a comment): it scored every row again, where
    # its late session alone would have started from 2024-04-09.
    assert between_builds["detector_in_second_build"] == "'-infinity'::date"
    assert full.execute("select count(*) from raw.incremental_ranges").fetchone()[0] == 0


def _key_test(db, monkeypatch, tmp_path) -> str:
    from aftershock.dbt_runner import DbtFailed, prepare_project

    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "data"))
    project = prepare_project()
    try:
        run_dbt(["test", "--select", "int_wealth_daily_changes,test_name:unique_combination"], project, db, echo=False)
    except DbtFailed as exc:
        return f"failed: {exc}"
    return "passed"


def test_the_scoped_key_test_finds_a_duplicate_or_a_null_key_it_could_have_written(
    lakes, monkeypatch, tmp_path, demo_dir
):
    inc, *_ = lakes
    copy_parse_cache(demo_dir, tmp_path / "data")  # _key_test's dbt parses partially
    src = inc.execute("select file from pragma_database_list where name = current_database()").fetchone()[0]
    for day, expected in [("2025-01-15", "failed"), ("2024-12-16", "passed")]:
        db = tmp_path / f"dup-{day}" / "aftershock.duckdb"
        db.parent.mkdir()
        shutil.copyfile(src, db)
        con = duckdb.connect(str(db))
        n = con.execute(
            "insert into intermediate.int_wealth_daily_changes select * from "
            "intermediate.int_wealth_daily_changes where trade_date = ? limit 1",
            [day],
        ).fetchone()[0]
        con.close()
        assert n == 1
        # A duplicate in the rewritten sessions fails; one in an older session is left to the build
        # that wrote it (where it would have failed).
        assert _key_test(db, monkeypatch, tmp_path).startswith(expected), day
    con = duckdb.connect(str(db))
    con.execute("delete from raw.incremental_ranges")  # as after a --full-refresh: every row is checked
    con.close()
    assert _key_test(db, monkeypatch, tmp_path).startswith("failed")
    # The key test is a primary key's: a null in a key column of a rewritten session fails it too.
    db = tmp_path / "null-key" / "aftershock.duckdb"
    db.parent.mkdir()
    shutil.copyfile(src, db)
    con = duckdb.connect(str(db))
    n = con.execute(
        "insert into intermediate.int_wealth_daily_changes select * replace (null as person_uri) from "
        "intermediate.int_wealth_daily_changes where trade_date = '2025-01-15' limit 1"
    ).fetchone()[0]
    con.close()
    assert n == 1
    assert _key_test(db, monkeypatch, tmp_path).startswith("failed")


def test_an_edited_sigma_formula_changes_the_detector_settings_identity(tmp_path):
    # The detector's scores use the ols_residual_sigma macro; an edit of it must score every row
    # again, as an edit of the model file does (the second build above), not keep the old scores.
    def settings_identity(project) -> str:
        args = ["compile", "--quiet", "--inline", "{{ detector_settings_hash_sql() }}"]
        return run_dbt(args, project, tmp_path / "empty.duckdb", echo=False, workspace=tmp_path / project.name).strip()

    bundled = copy_project(tmp_path / "bundled", ROOT / "dbt")
    edited = copy_project(tmp_path / "edited", ROOT / "dbt")
    macro = edited / "macros" / "ols_residual_sigma.sql"
    macro.write_text(macro.read_text().replace("<= 1e-10 *", "<= 1e-12 *"))
    before, after = settings_identity(bundled), settings_identity(edited)
    assert before.startswith("select md5(") and "1e-10" in before, before
    assert after == before.replace("1e-10", "1e-12"), (before, after)
