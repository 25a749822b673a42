"""Incremental builds give exactly what a full refresh gives on the same lake.

The sample prices land in batches: the first half of the sessions, build; then the rest, a
corrected close for an old session, a late session for one ticker and a whole late session,
build incrementally. A --full-refresh build on a copy of the same lake must agree on every
staging, intermediate and mart relation, row for row.
"""
from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE, run_cli

pytestmark = pytest.mark.slow

CORRECTED = ("NVDA", "2024-06-03")
LATE_TICKER_DAY = ("AMD", "2024-05-15")
LATE_SESSION = "2024-04-10"


def relations(con) -> list[tuple[str, str]]:
    return con.execute("""
        select table_schema, table_name from information_schema.tables
        where table_schema in ('staging', 'intermediate', 'marts') order by 1, 2
    """).fetchall()


def frame(con, schema: str, name: str) -> pd.DataFrame:
    df = con.execute(f'select * from "{schema}"."{name}"').df()
    # Lists (keywords, tickers) compare as text; rows in a stable order.
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(lambda v: repr(list(v)) if isinstance(v, (list, np.ndarray)) else v)
    return df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} rows incremental vs {len(b)} full refresh"
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            # Aggregates may sum in another order: equal to the last few bits.
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, atol=1e-15,
                                       equal_nan=True, err_msg=f"{what}.{c}")
        else:
            assert a[c].tolist() == b[c].tolist(), f"{what}.{c} differs"


@pytest.fixture(scope="module")
def lakes(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
    dates = sorted(prices["date"].unique())
    cut = dates[len(dates) // 2]
    held_back = ((prices["ticker"] == LATE_TICKER_DAY[0]) & (prices["date"] == LATE_TICKER_DAY[1])) | (
        prices["date"] == LATE_SESSION)
    first = prices[(prices["date"] < cut) & ~held_back]
    rest = prices[prices["date"] >= cut]
    late = prices[held_back]
    fix = prices[(prices["ticker"] == CORRECTED[0]) & (prices["date"] == CORRECTED[1])].copy()
    fix["close"] = fix["adj_close"] = "99.5"
    fix["low"] = "90"
    files = {}
    for name, df in {"first": first, "rest": rest, "late": late, "fix": fix}.items():
        files[name] = root / f"{name}.csv"
        df.to_csv(files[name], index=False)
    shares = pd.read_csv(SAMPLE / "shares" / "shares_outstanding.csv", dtype=str, keep_default_na=False)
    half = len(shares) // 2
    shares.iloc[:half].to_csv(root / "shares1.csv", index=False)
    shares.iloc[half:].to_csv(root / "shares2.csv", index=False)

    # Day 0 of every event must exist at each build: the first build only knows an early event.
    events = pd.read_csv(SAMPLE.parent / "dbt" / "seeds" / "events.csv", dtype=str, keep_default_na=False)
    early = pd.DataFrame([{"event_id": "early", "event_date": "2024-08-05", "title": "Early test event",
                           "keywords": "market", "tickers": ""}])
    early.to_csv(root / "events_early.csv", index=False)
    pd.concat([events, early]).to_csv(root / "events_all.csv", index=False)

    inc = root / "incremental"
    run_cli("ingest", "prices", "--source", "file", "--path", str(files["first"]), "--batch-id", "first", data_dir=inc)
    run_cli("ingest", "shares", "--source", "file", "--path", str(root / "shares1.csv"), "--batch-id", "s1", data_dir=inc)
    run_cli("build", "--events", str(root / "events_early.csv"), data_dir=inc)
    for name in ["rest", "late", "fix"]:
        run_cli("ingest", "prices", "--source", "file", "--path", str(files[name]), "--batch-id", name, data_dir=inc)
    run_cli("ingest", "shares", "--source", "file", "--path", str(root / "shares2.csv"), "--batch-id", "s2", data_dir=inc)
    second = run_cli("build", "--events", str(root / "events_all.csv"), data_dir=inc)

    full = root / "full"
    shutil.copytree(inc / "lake", full / "lake")
    run_cli("build", "--events", str(root / "events_all.csv"), "--full-refresh", data_dir=full)
    a = duckdb.connect(str(inc / "warehouse" / "aftershock.duckdb"), read_only=True)
    b = duckdb.connect(str(full / "warehouse" / "aftershock.duckdb"), read_only=True)
    yield a, b, second.stdout
    a.close()
    b.close()


def test_second_build_was_incremental(lakes):
    _, _, out = lakes
    for model in ["staging.stg_prices", "staging.stg_shares", "intermediate.int_price_returns"]:
        assert f"incremental model {model}" in out, out[-3000:]


def test_every_relation_equals_a_full_refresh(lakes):
    inc, full, _ = lakes
    names = relations(full)
    assert names == relations(inc)
    assert ("marts", "fct_event_stock_impact") in names and ("intermediate", "int_daily_returns") in names
    for schema, name in names:
        assert_same(frame(inc, schema, name), frame(full, schema, name), f"{schema}.{name}")


def test_correction_and_late_rows_reached_the_returns(lakes):
    inc, _, _ = lakes
    t, d = CORRECTED
    row = inc.execute("select close, daily_return from intermediate.int_daily_returns where ticker = ? and trade_date = ?",
                      [t, d]).fetchone()
    assert row[0] == 99.5
    nxt = inc.execute("""select prev_close from intermediate.int_daily_returns
                         where ticker = ? and trade_date > ? order by trade_date limit 1""", [t, d]).fetchone()
    assert nxt[0] == 99.5  # the next session's return was recomputed against the corrected close
    late = inc.execute("select count(*) from intermediate.int_daily_returns where trade_date = ?",
                       [LATE_SESSION]).fetchone()[0]
    assert late > 20
    # The late session shifted every later session number by one; the view follows.
    idx = inc.execute("""select max(session_index) from intermediate.int_trading_sessions""").fetchone()[0]
    assert idx == inc.execute("select count(distinct trade_date) from staging.stg_prices").fetchone()[0]
    t, d = LATE_TICKER_DAY
    assert inc.execute("select daily_return is not null from intermediate.int_daily_returns where ticker = ? and trade_date = ?",
                       [t, d]).fetchone()[0]
