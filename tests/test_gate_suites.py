"""The GX suites on the sample warehouse and lake: they pass on good data and name what is wrong on bad."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations import gate
from expectations.registry import LAKE_SUITES, MART_SUITES

pytestmark = pytest.mark.slow


def warehouse(d: Path) -> Path:
    return d / "warehouse" / "aftershock.duckdb"


def empty_warehouse(data_dir: Path) -> Path:
    """A warehouse with no marts: the gate checks the lake alone."""
    data_dir.mkdir(parents=True, exist_ok=True)
    wh = data_dir / "empty.duckdb"
    duckdb.connect(str(wh)).close()
    return wh


def test_registry_covers_every_source_and_mart_design_names():
    assert {"prices", "shares", "wealth", "news", "feed_polls"} <= set(LAKE_SUITES)
    assert {
        "marts.dim_events",
        "marts.fct_event_stock_impact",
        "marts.fct_event_stock_daily",
        "marts.fct_event_wealth_impact",
        "marts.fct_event_news_daily",
        "marts.fct_event_news_items",
        "every event has a day 0",
    } <= set(MART_SUITES)


def test_sample_passes_every_suite_and_writes_data_docs(published_copy, capsys):
    failures = gate.run_gate(warehouse(published_copy))
    assert failures == []
    out = capsys.readouterr().out
    # Every lake batch of the demo (nothing remembered as passed in this copy) and every mart suite.
    assert "gate | 20/20 tables passed their suites (0 lake batches unchanged" in out, out
    index = published_copy / "site" / "quality" / "index.html"
    assert index.is_file()
    pages = list((published_copy / "site" / "quality" / "validations").rglob("*.html"))
    assert len(pages) >= 6


def test_the_demo_build_ran_the_gate(demo_dir):
    out = (demo_dir / "demo_stdout.txt").read_text()
    assert "gate |" in out and "tables passed their suites" in out
    assert (demo_dir / "site" / "quality" / "index.html").is_file()


def test_bad_mart_values_are_named_with_rows(published_copy):
    db = published_copy / "bad.duckdb"
    shutil.copyfile(warehouse(published_copy), db)
    con = duckdb.connect(str(db))
    con.execute("update marts.fct_event_stock_impact set return_pct = -150 where ticker = 'NVDA'")
    con.execute("update marts.fct_event_stock_impact set market_cap_prev_usd = -1 where ticker = 'AAPL'")
    con.execute(
        "update marts.fct_event_stock_impact set market_cap_change_usd = 2 * market_cap_change_usd where ticker = 'AVGO'"
    )
    con.execute("delete from marts.fct_event_stock_daily where relative_day = 0")
    con.close()
    failures = gate.run_gate(db, echo=False)
    text = "\n".join(failures)
    ret = [f for f in failures if "return_pct" in f and "fct_event_stock_impact" in f and "between" in f]
    assert ret and "NVDA" in ret[0] and "-150" in ret[0], text
    assert any("market_cap_prev_usd" in f and "AAPL" in f for f in failures), text
    day0 = [f for f in failures if "every event has a day 0" in f]
    assert day0 and "deepseek-r1-selloff" in day0[0] and "day0_rows" in day0[0], text
    assert any("chk_market_cap_change_inconsistent" in f and "AVGO" in f for f in failures), text


def test_mart_bounds_are_the_ones_dbt_declares(published_copy):
    """The return bound lives in the dbt YAML (value_between); the gate reads it from the manifest."""
    import json

    manifest = published_copy / "build" / "dbt_target" / "manifest.json"
    m = json.loads(manifest.read_text())
    tests = [
        n
        for n in m["nodes"].values()
        if (n.get("test_metadata") or {}).get("name") == "value_between"
        and n["attached_node"] == "model.aftershock.fct_event_stock_impact"
        and n["column_name"] == "return_pct"
    ]
    assert [t["test_metadata"]["kwargs"]["min_value"] for t in tests] == [-95]
    tests[0]["test_metadata"]["kwargs"]["min_value"] = -10  # the selloff's day 0 (NVDA -16.97 %) is now out of bounds
    manifest.write_text(json.dumps(m))
    failures = gate.run_gate(warehouse(published_copy), echo=False)
    ret = [f for f in failures if "column=return_pct, min_value=-10" in f and "fct_event_stock_impact" in f]
    assert len(failures) == 1 and ret and "return_pct: -1" in ret[0], failures

    del m["nodes"][tests[0]["unique_id"]]  # no declaration: the suite says so instead of guessing a bound
    manifest.write_text(json.dumps(m))
    failures = gate.run_gate(warehouse(published_copy), echo=False)
    assert any(
        "marts.fct_event_stock_impact: its suite could not be built" in f and "fct_event_stock_impact.return_pct" in f
        for f in failures
    ), failures


def test_duplicate_mart_keys_fail(published_copy):
    db = published_copy / "dup.duckdb"
    shutil.copyfile(warehouse(published_copy), db)
    con = duckdb.connect(str(db))
    con.execute(
        "insert into marts.fct_event_stock_impact select * from marts.fct_event_stock_impact where ticker = 'AVGO'"
    )
    con.close()
    failures = gate.run_gate(db, echo=False)
    assert any(
        "expect_compound_columns_to_be_unique" in f and "fct_event_stock_impact" in f and "AVGO" in f for f in failures
    ), failures


def _break_wealth_and_news_marts(db: Path) -> None:
    """A wealth change off by 10x (after - before no longer equals it) and a negative news count."""
    con = duckdb.connect(str(db))
    con.execute(
        "update marts.fct_event_wealth_impact set change_usd = change_usd / 10 "
        "where event_id = 'deepseek-r1-selloff' and person_uri = 'jensen-huang'"
    )
    con.execute(
        "update marts.fct_event_news_daily set articles_matched = -3 "
        "where event_id = 'deepseek-r1-selloff' and relative_day = 0"
    )
    con.close()


def test_wealth_and_news_suites_run_on_their_marts(published_copy):
    good = warehouse(published_copy)
    con = duckdb.connect(str(good), read_only=True)
    assert con.execute("select count(*) from marts.fct_event_wealth_impact").fetchone()[0] > 0
    con.close()
    assert gate.run_gate(good, echo=False) == []

    bad = published_copy / "bad.duckdb"
    shutil.copyfile(good, bad)
    _break_wealth_and_news_marts(bad)
    failures = gate.run_gate(bad, echo=False)
    assert any("chk_change_not_after_minus_before" in f and "jensen-huang" in f for f in failures), failures
    assert any("articles_matched" in f and "fct_event_news_daily" in f for f in failures), failures


def test_mart_missing_a_promised_column_fails(published_copy):
    db = published_copy / "drift.duckdb"
    shutil.copyfile(warehouse(published_copy), db)
    con = duckdb.connect(str(db))
    con.execute("alter table marts.fct_event_stock_impact drop column abnormal_return_pct")
    con.close()
    failures = gate.run_gate(db, echo=False)
    assert any(
        "fct_event_stock_impact" in f and "abnormal_return_pct" in f and "columns users query it by are missing" in f
        for f in failures
    )


def test_hand_copied_lake_file_is_caught(published_copy):
    """Rows that never went through ingest: no lineage, a negative open and high < low."""
    rows = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-02-03", "2025-02-04"]).astype("datetime64[s]"),
            "ticker": ["NVDA", "NVDA"],
            "open": [-5.0, 118.0],
            "high": [120.0, 110.0],
            "low": [114.0, 116.0],
            "close": [116.66, 118.65],
            "adj_close": [116.6, 118.6],
            "volume": [3.7e8, 2.5e8],
        }
    )
    pq.write_table(
        pa.Table.from_pandas(rows, preserve_index=False),
        published_copy / "lake" / "raw" / "prices" / "hand_copied.parquet",
    )
    failures = [f for f in gate.run_gate(warehouse(published_copy), echo=False) if "hand_copied.parquet" in f]
    text = "\n".join(failures)
    schema = [f for f in failures if "(schema)" in f and "expect_column_distinct_values_to_contain_set" in f]
    assert schema and "missing ['_source', '_batch_id', '_ingested_at']" in schema[0], text
    assert any("column=open" in f and "2025-02-03" in f and "-5" in f for f in failures), text
    assert any("expect_column_pair_values_a_to_be_greater_than_b" in f and "2025-02-04" in f for f in failures), text


def test_garbage_lake_file_is_named(published_copy):
    (published_copy / "lake" / "raw" / "shares" / "garbage.parquet").write_bytes(b"PAR1 this is not parquet")
    failures = gate.run_gate(warehouse(published_copy), echo=False)
    assert any("garbage.parquet" in f and "cannot be read as Parquet" in f for f in failures), failures


def test_passed_batches_are_not_read_again_but_a_replaced_file_is(published_copy, capsys):
    db = warehouse(published_copy)
    batches = len(list((published_copy / "lake" / "raw").rglob("*.parquet")))
    assert gate.run_gate(db) == []
    assert "(0 lake batches unchanged" in capsys.readouterr().out
    assert gate.run_gate(db) == []
    assert f"({batches} lake batches unchanged" in capsys.readouterr().out
    # Replace a passed batch by hand with a file of the wrong types: it is a new file, so it is read again.
    shares = published_copy / "lake" / "raw" / "shares" / "sample-shares.parquet"
    df = pd.read_parquet(shares)
    df["shares_outstanding"] = df["shares_outstanding"].astype(str)
    tmp = shares.with_name("x.tmp")
    df.to_parquet(tmp)
    tmp.replace(shares)
    failures = gate.run_gate(db)
    assert f"({batches - 1} lake batches unchanged" in capsys.readouterr().out
    assert any(
        "sample-shares.parquet (schema)" in f and "shares_outstanding" in f and "VARCHAR" in f for f in failures
    ), failures
    assert gate.run_gate(db, echo=False, full=True) != []  # and stays failing until fixed


# The schemas the wealth and news branches register (ingest/wealth.py, ingest/news.py).
WEALTH = {
    "date": "datetime64[s]",
    "person_uri": "string",
    "person_name": "string",
    "net_worth_musd": "float64",
    "rank": "int64",
    "snapshot_at": "datetime64[us, UTC]",
}
NEWS = {
    "item_key": "string",
    "feed_id": "string",
    "publisher": "string",
    "language": "string",
    "guid": "string",
    "link": "string",
    "title": "string",
    "summary": "string",
    "published_at": "datetime64[us, UTC]",
    "date_is_fetch_time": "bool",
    "fetched_at": "datetime64[us, UTC]",
}


def test_wealth_and_news_lake_suites_check_landed_batches(data_dir, monkeypatch):
    from ingest import landing
    from ingest.schemas import SCHEMAS

    monkeypatch.setitem(SCHEMAS, "wealth", WEALTH)
    monkeypatch.setitem(SCHEMAS, "news", NEWS)
    empty_wh = empty_warehouse(data_dir)

    def wealth(worth, day):
        return pd.DataFrame(
            {
                "date": pd.to_datetime(day),
                "person_uri": ["jensen-huang", "michael-dell"],
                "person_name": ["Jensen Huang", "Michael Dell"],
                "net_worth_musd": worth,
                "rank": [17, 14],
                "snapshot_at": pd.to_datetime(day, utc=True),
            }
        )

    def news(published, keys):
        n = len(keys)
        return pd.DataFrame(
            {
                "item_key": keys,
                "feed_id": ["f1"] * n,
                "publisher": ["P"] * n,
                "language": ["en"] * n,
                "guid": keys,
                "link": [f"http://127.0.0.1/{k}" for k in keys],
                "title": ["Nvidia"] * n,
                "summary": [""] * n,
                "published_at": pd.to_datetime(published, utc=True),
                "date_is_fetch_time": [False] * n,
                "fetched_at": pd.to_datetime(published, utc=True),
            }
        )

    landing.land_batch("wealth", "good", wealth([103584.031, 106000.0], ["2025-01-27"] * 2))
    landing.land_batch("news", "good", news(["2025-01-27 10:00", "2025-01-27 11:00"], ["a", "b"]))
    assert gate.run_gate(empty_wh, echo=False) == []

    # Written straight to the lake (land_batch does not check rows): what a bypass of ingest would leave.
    landing.land_batch("wealth", "bad", wealth([-5.0, 106000.0], ["2025-01-27", "2099-01-01"]))
    landing.land_batch("news", "bad", news(["2025-01-27 10:00", "2099-01-01 00:00"], ["a", "a"]))
    failures = gate.run_gate(empty_wh, echo=False)
    text = "\n".join(failures)
    assert any(
        "wealth batch file bad.parquet" in f and "net_worth_musd" in f and "jensen-huang" in f for f in failures
    ), text
    assert any("wealth batch file bad.parquet" in f and "column=date" in f and "2099-01-01" in f for f in failures), (
        text
    )
    assert any("news batch file bad.parquet" in f and "published_at" in f for f in failures), text
    assert any("news batch file bad.parquet" in f and "expect_compound_columns_to_be_unique" in f for f in failures), (
        text
    )
    assert not any("good.parquet" in f for f in failures)


def _prices(n_tickers: int, n_days: int) -> pd.DataFrame:
    days = pd.bdate_range("2024-01-02", periods=n_days)
    frame = pd.DataFrame([(d, f"T{t:02d}") for t in range(n_tickers) for d in days], columns=["date", "ticker"])
    frame["date"] = frame["date"].astype("datetime64[s]")
    frame["open"] = frame["high"] = frame["low"] = frame["close"] = frame["adj_close"] = 100.0
    frame["high"] = 101.0
    frame["volume"] = 1e6
    return frame


def _headline(failure: str) -> str:
    return failure.split("; e.g.")[0]


def test_a_batch_larger_than_a_part_is_checked_in_parts_with_the_same_findings(data_dir, monkeypatch):
    """Hash-split parts keep every duplicate key in one part; counts add up to the whole table's."""
    from ingest import landing

    wh = empty_warehouse(data_dir)
    clean = _prices(3, 100)
    landing.land_batch("prices", "clean", clean)
    bad = _prices(3, 100)
    bad.loc[[5, 60, 130, 210, 299], "open"] = -1.0  # spread over the table, so over the parts
    bad.loc[77, "low"] = 200.0  # above its high
    bad = pd.concat([bad, bad.iloc[[150, 250]]], ignore_index=True)  # two duplicate (ticker, date) keys
    landing.land_batch("prices", "bad", bad)

    whole = gate.run_gate(wh, echo=False, full=True)
    monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", "40")
    parted = gate.run_gate(wh, echo=False, full=True)

    assert all("bad.parquet" in f for f in whole), whole  # the clean batch passes, whole and in 8 parts
    assert sorted(map(_headline, parted)) == sorted(map(_headline, whole)), (whole, parted)
    text = "\n".join(parted)
    assert any("column=open" in f and ": 5 of 302 rows" in f and "-1" in f for f in parted), text
    assert any(
        "expect_column_pair_values_a_to_be_greater_than_b" in f and ": 1 of 302 rows" in f and "T00" in f
        for f in parted
    ), text
    dup = [f for f in parted if "expect_compound_columns_to_be_unique" in f]
    assert dup and ": 4 of 302 rows" in dup[0] and ("T01" in dup[0] or "T02" in dup[0]), text
    pages = [p.name for p in (data_dir / "site" / "quality" / "validations").rglob("*.html")]
    assert sum("bad.parquet__part_" in p for p in pages) == 8, pages


def test_a_part_split_that_would_miss_duplicates_fails_by_name(data_dir, monkeypatch):
    """Two uniqueness expectations with no column in common cannot both stay exact across parts."""
    from expectations import registry
    from ingest import landing

    wh = empty_warehouse(data_dir)
    landing.land_batch("prices", "two-keys", _prices(2, 30))
    original = LAKE_SUITES["prices"]
    monkeypatch.setitem(
        LAKE_SUITES,
        "prices",
        registry.LakeSuite(
            "prices", lambda df, b: original.build(df, b) + [registry.unique_key("volume")], original.key
        ),
    )
    monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", "20")
    failures = gate.run_gate(wh, echo=False, full=True)
    assert any("two-keys.parquet" in f and "share no column to split on" in f for f in failures), failures


def test_a_suite_that_cannot_be_built_on_a_large_table_fails_by_name(data_dir, monkeypatch):
    from expectations import registry
    from ingest import landing

    wh = empty_warehouse(data_dir)
    landing.land_batch("prices", "large", _prices(2, 30))

    def broken(df, batch):
        raise KeyError("adj_close")

    monkeypatch.setitem(LAKE_SUITES, "prices", registry.LakeSuite("prices", broken, ["ticker", "date"]))
    for part_rows in ("1000", "20"):  # whole, then in parts
        monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", part_rows)
        failures = gate.run_gate(wh, echo=False, full=True)
        assert any("large.parquet: its suite could not be built: KeyError" in f for f in failures), failures
