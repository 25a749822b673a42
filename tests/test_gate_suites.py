"""The GX suites on the sample warehouse: they pass on good data and name what is wrong on bad.

The lake's batch files are checked by dbt (the lake_batch_files test, tests/test_write_audit_publish.py),
not by the gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from expectations import gate, registry
from expectations.registry import MART_SUITES

pytestmark = pytest.mark.slow


def warehouse(d: Path) -> Path:
    return d / "warehouse" / "aftershock.duckdb"


def prices_warehouse(data_dir: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """A warehouse holding only marts.<name> tables of price rows (no real mart: their suites are skipped)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    wh = data_dir / "prices.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    for name, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"create table marts.{name} as select * from frame")
        con.unregister("frame")
    con.close()
    return wh


def price_suite(df: pd.DataFrame) -> list:
    """Row-wise, pair and key expectations over price rows: what the part-by-part machinery must add up."""
    return [
        *registry.not_null("date", "ticker", "close"),
        *[registry.positive(c) for c in ("open", "high", "low", "close", "adj_close")],
        registry.gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="high", column_B="low", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        registry.unique_key("ticker", "date"),
    ]


def register_price_suites(monkeypatch, names: list[str], build=price_suite) -> None:
    for name in names:
        monkeypatch.setitem(
            MART_SUITES,
            f"marts.{name}",
            registry.MartSuite(
                f"marts.{name}", [f"marts.{name}"], f"select * from marts.{name}", build, ["ticker", "date"]
            ),
        )


def test_registry_covers_every_mart_design_names():
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
    # Every mart suite (the lake's batch files are dbt's to check, not the gate's).
    assert "gate | 10/10 tables passed their suites; Data Docs" in out, out
    index = published_copy / "site" / "quality" / "index.html"
    assert index.is_file()
    pages = list((published_copy / "site" / "quality" / "validations").rglob("*.html"))
    assert len(pages) >= 6


def test_data_docs_render_each_run_once_and_keep_the_runs_the_index_lists(published_copy, monkeypatch):
    """A gate run renders its own pages and the index; earlier runs' pages stay as they were, pruned
    with their results. A site that lost pages is rendered whole again."""
    wh, site = warehouse(published_copy), published_copy / "site" / "quality"
    monkeypatch.setattr(gate, "HISTORY_RUNS", 2)

    def pages() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in (site / "validations").rglob("*.html")}

    def runs() -> set[str]:  # run times of the site's validation pages (<suite>/<run name>/<run time>/<page>)
        return {p.parent.name for p in pages()}

    assert gate.run_gate(wh, echo=False) == []
    first = pages()
    assert len(runs()) == 1 and len(first) == 10
    assert gate.run_gate(wh, echo=False) == []
    second = pages()
    assert len(runs()) == 2 and set(first) < set(second)
    assert all(second[p] == t for p, t in first.items()), "the first run's pages were rendered again"
    index = (site / "index.html").read_text()
    assert all(str(p.relative_to(site)) in index for p in second), "the index lists every kept run"

    assert gate.run_gate(wh, echo=False) == []  # HISTORY_RUNS = 2: the first run's results and pages go
    assert len(runs()) == 2 and not set(first) & set(pages())
    stored = {r.parent.name for r in (published_copy / "state" / "gx_validations").rglob("*.json")}
    assert stored == runs()

    shutil.rmtree(site)
    assert gate.run_gate(wh, echo=False) == []  # HISTORY_RUNS = 2 again, all rendered: none had a page
    assert len(runs()) == 2 and (site / "index.html").is_file()


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
    # A null in a mart column only the gate checks for nulls (dbt has no not_null test beside it).
    con.execute(
        "update marts.fct_event_summary set market_value_coverage = null where event_id = 'deepseek-r1-selloff'"
    )
    con.close()
    failures = gate.run_gate(db, echo=False)
    text = "\n".join(failures)
    ret = [f for f in failures if "return_pct" in f and "fct_event_stock_impact" in f and "between" in f]
    assert ret and "NVDA" in ret[0] and "-150" in ret[0], text
    assert any("market_cap_prev_usd" in f and "AAPL" in f for f in failures), text
    day0 = [f for f in failures if "every event has a day 0" in f]
    assert day0 and "deepseek-r1-selloff" in day0[0] and "day0_rows" in day0[0], text
    assert any("chk_market_cap_change_inconsistent" in f and "AVGO" in f for f in failures), text
    null = [f for f in failures if "not_be_null" in f and "market_value_coverage" in f]
    assert null and "fct_event_summary" in null[0] and "deepseek-r1-selloff" in null[0], text


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
    clean = _prices(3, 100)
    bad = _prices(3, 100)
    bad.loc[[5, 60, 130, 210, 299], "open"] = -1.0  # spread over the table, so over the parts
    bad.loc[77, "low"] = 200.0  # above its high
    bad = pd.concat([bad, bad.iloc[[150, 250]]], ignore_index=True)  # two duplicate (ticker, date) keys
    wh = prices_warehouse(data_dir, {"clean": clean, "bad": bad})
    register_price_suites(monkeypatch, ["clean", "bad"])

    whole = gate.run_gate(wh, echo=False)
    monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", "40")
    parted = gate.run_gate(wh, echo=False)

    assert whole and all("marts.bad" in f for f in whole), whole  # the clean batch passes, whole and in 8 parts
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
    assert sum("marts.bad__part_" in p for p in pages) == 8, pages


def test_a_part_split_that_would_miss_duplicates_fails_by_name(data_dir, monkeypatch):
    """Two uniqueness expectations with no column in common cannot both stay exact across parts."""
    wh = prices_warehouse(data_dir, {"two_keys": _prices(2, 30)})
    register_price_suites(monkeypatch, ["two_keys"], lambda df: price_suite(df) + [registry.unique_key("volume")])
    monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", "20")
    failures = gate.run_gate(wh, echo=False)
    assert any("marts.two_keys" in f and "share no column to split on" in f for f in failures), failures


def test_a_suite_that_cannot_be_built_on_a_large_table_fails_by_name(data_dir, monkeypatch):
    wh = prices_warehouse(data_dir, {"large": _prices(2, 30)})

    def broken(df):
        raise KeyError("adj_close")

    register_price_suites(monkeypatch, ["large"], broken)
    for part_rows in ("1000", "20"):  # whole, then in parts
        monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", part_rows)
        failures = gate.run_gate(wh, echo=False)
        assert any("marts.large: its suite could not be built: KeyError" in f for f in failures), failures


def test_integer_columns_are_checked_as_read_narrow_or_with_nulls(data_dir, monkeypatch):
    """The gate widens DuckDB's INTEGER columns to int64 for GX's vectorised bounds (gate._widen_integers):
    an out-of-bounds value is still found and quoted as the integer it is, whole and in parts, and a
    column with NULLs (left as pandas' nullable Int32) is judged the same way."""
    frame = _prices(2, 30)
    frame["rank"] = pd.Series(range(1, len(frame) + 1), dtype="int32")
    frame["prev_rank"] = pd.array([None, *range(2, len(frame) + 1)], dtype="Int32")
    frame.loc[[7, 41], "rank"] = -5
    frame.loc[[13], "prev_rank"] = 0
    wh = prices_warehouse(data_dir, {"ranks": frame})
    con = duckdb.connect(str(wh), read_only=True)
    types = dict(con.execute("select column_name, data_type from information_schema.columns").fetchall())
    con.close()
    assert types["rank"] == types["prev_rank"] == "INTEGER"
    register_price_suites(
        monkeypatch, ["ranks"], lambda df: [registry.between("rank", 1, 1000), registry.between("prev_rank", 1, 1000)]
    )
    for part_rows in ("1000", "20"):  # whole, then in parts
        monkeypatch.setenv("AFTERSHOCK_GATE_PART_ROWS", part_rows)
        failures = gate.run_gate(wh, echo=False)
        rank = [f for f in failures if "column=rank," in f]
        prev = [f for f in failures if "prev_rank" in f]
        assert len(failures) == 2 and rank and prev, failures
        assert ": 2 of 60 rows" in rank[0] and "rank: -5" in rank[0] and "-5.0" not in rank[0], failures
        assert ": 1 of 60 rows" in prev[0] and "prev_rank: 0" in prev[0], failures
