"""The DuckDB landing path for big long CSVs gives what the pandas reader (judged by the same RULES) gives, row for row."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ingest import landing, prices, prices_fast
from kernel import settings

MIXED = """date,ticker,open,high,low,close,adj_close,volume
2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.57,234657600
2025-01-27, nvda ,124.80,128.40,116.70,118.42,118.38,818830900
2025-01-27,^SOX,5007.84,5045.43,4785.43,4853.24,,
01/28/2025,NVDA,1,2,1,1.5,1.4,10
2025-01-29T00:00:00,NVDA,1,2,1,1.5,,10
2025-01-24,AMD,1,2,1,-5,1,10
2025-01-24,AVGO,1,2,1,inf,1,10
2025-01-24,TSM,1,2,1,nan,1,10
2025-01-24,MU,1,1,2,1.5,1,10
2025-01-24,ARM,1,2,1,1.5,1,-10
2999-01-01,ARM,1,2,1,1.5,1,10
not-a-date,ARM,1,2,1,1.5,1,10
,ARM,1,2,1,1.5,1,10
2025-01-24,,1,2,1,1.5,1,10
2025-01-24,QQQ,nan,2,1,1.5,1,10
2025-01-24,SMH,1,2,1,1.5,1,10
2025-01-24,SMH,1,2,1,1.6,1,10
2025-01-24,SPY,1,2,1,1.5,1,10
2025-01-24,SPY,1,2,1,-1,1,10
2025-01-24,DELL,x,2,1,1.5,1e3,
"""

# Every value here is one DuckDB's typed reader takes (no text fallback), so the rules run as the
# typed path's SQL: infinities, NaN, empty cells, zero and negative values in every column.
TYPED = """date,ticker,open,high,low,close,adj_close,volume
2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.57,234657600
2025-01-24,AMD,-inf,2,1,1.5,1,10
2025-01-24,AVGO,1,inf,1,1.5,1,10
2025-01-24,TSM,1,2,0,1.5,1,10
2025-01-24,MU,1,2,1,,1,10
2025-01-24,ARM,1,2,1,1.5,-1,10
2025-01-24,QQQ,nan,nan,nan,1.5,nan,nan
2025-01-24,SPY,1,2,1,1.5,1,inf
2025-01-24,SMH,1,2,1,1.5,1,-1
2025-01-24,DELL,,,,1.5,,
2025-01-24,ORCL,1,1,1,1,1,0
2025-01-24,INTC,1,2,3,1.5,1,10
2025-01-24,ASML,1,2,1,1.5,1,10
2025-01-24,ASML,1,2,1,1.5,1,11
2999-01-01,ASML,1,2,1,1.5,1,10
2025-01-24,,1,2,1,1.5,1,10
"""


def pandas_landing(path, batch, start=None, end=None):
    split = prices_fast.split(prices.restrict_dates(prices.read_file(path), start, end))
    return landing.land_batch("prices", batch, split.good, split.rejected)


def landed(res):
    df = pq.read_table(res.path).replace_schema_metadata(None).to_pandas().drop(columns=["_ingested_at"])
    return df.sort_values(["ticker", "date"]).reset_index(drop=True)


def parquet_types(path):
    """Physical and logical Parquet column types (what DuckDB's union_by_name reads)."""
    return [(c.name, c.physical_type, str(c.logical_type)) for c in pq.ParquetFile(path).schema]


def quarantined(res):
    q = pd.read_csv(res.quarantine_path, dtype=str, keep_default_na=False)
    return q.sort_values(["ticker", "date", "close", "_reject_reason"]).reset_index(drop=True)


@pytest.mark.parametrize(
    "text,start,end",
    [(MIXED, None, None), (MIXED, "2025-01-27", None), (MIXED, None, "2025-01-27"), (TYPED, None, None)],
)
def test_fast_path_matches_pandas_reader(tmp_path, monkeypatch, text, start, end):
    path = tmp_path / "p.csv"
    path.write_text(text)
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "a"))
    slow = pandas_landing(path, "b", start, end)
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "b"))
    fast = prices_fast.land_long_csv(path, "b", start, end)
    assert fast is not None
    assert (fast.rows, fast.rejected) == (slow.rows, slow.rejected)
    pd.testing.assert_frame_equal(landed(fast), landed(slow))
    pd.testing.assert_frame_equal(quarantined(fast), quarantined(slow))
    assert parquet_types(fast.path) == parquet_types(slow.path)


def test_fast_path_rejects_the_same_rows_for_the_same_reasons(tmp_path, data_dir):
    path = tmp_path / "p.csv"
    path.write_text(MIXED)
    res = prices_fast.land_long_csv(path, "b")
    q = pd.read_csv(res.quarantine_path, dtype=str, keep_default_na=False)
    reasons = dict(zip(q["ticker"] + "|" + q["date"], q["_reject_reason"]))
    assert reasons["AMD|2025-01-24"] == "close must be positive and finite"
    assert reasons["MU|2025-01-24"] == "high < low"
    assert reasons["ARM|2999-01-01"] == "date is in the future"
    assert reasons["SMH|2025-01-24"] == "duplicate key (ticker, date) in batch"
    assert reasons["SPY|2025-01-24"] == "close must be positive and finite"  # the broken copy only
    good = landed(res)
    assert "SPY" in set(good["ticker"]) and "SMH" not in set(good["ticker"])
    assert pd.Timestamp("2025-01-28") in set(good["date"])  # an 01/28/2025 date, parsed as pandas does


@pytest.mark.parametrize(
    "text",
    [
        "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-24,1,2,1,1.5,1.4,10\n",
        "date;ticker;close\n2025-01-01;NVDA;1\n",
        "date,ticker,open,high,low,close,adj_close,volume\n2025-01-24,NVDA,1,2\n",
    ],
)
def test_files_it_cannot_read_like_pandas_go_to_the_pandas_reader(tmp_path, data_dir, text):
    path = tmp_path / "p.csv"
    path.write_text(text)
    assert prices_fast.land_long_csv(path, "b") is None
    assert not settings.raw_dir("prices").exists() or not any(settings.raw_dir("prices").glob("*.parquet"))


CLEAN = """date,ticker,open,high,low,close,adj_close,volume
2025-01-23,NVDA,147.0,148.0,146.0,147.5,147.4,200000000
2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.57,234657600
2025-01-24,NVDA2,1,2,1,1.5,,
2025-01-24,^SOX,5007.84,5045.43,4785.43,4853.24,,
2025-01-24,DELL,,,,1.5,,0
2025-01-27,NVDA,0.0001,10000000,0.0001,0.0001,10000000,0
"""


def test_a_batch_without_rejects_lands_in_one_pass(tmp_path, monkeypatch):
    """The usual batch is judged from the written file's statistics: no split by verdict, no second read."""
    path = tmp_path / "p.csv"
    path.write_text(CLEAN)
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "a"))
    slow = pandas_landing(path, "b")
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "b"))

    def no_split(*a, **k):
        raise AssertionError("a clean batch was split by verdict")

    monkeypatch.setattr(prices_fast, "_split_file", no_split)
    fast = prices_fast.land_long_csv(path, "b")
    assert (fast.rows, fast.rejected, fast.quarantine_path) == (slow.rows, 0, None) == (6, 0, None)
    pd.testing.assert_frame_equal(landed(fast), landed(slow))
    assert parquet_types(fast.path) == parquet_types(slow.path)


# One row breaking one rule (or the key rule), in an otherwise clean file the typed reader takes: the
# statistics of the one-pass write cannot prove the batch clean, and the row is quarantined as the
# pandas reader quarantines it. NaN is no value (the row lands, its open missing); a ticker to trim
# or upper-case lands normalised.
ONE_BAD_ROW = [
    "2025-01-24, amd ,1,2,1,1.5,1,10",
    "2025-01-24,amd,1,2,1,1.5,1,10",
    "2025-01-24, NVDA,1,2,1,1.5,1,10",
    "2999-01-01,AMD,1,2,1,1.5,1,10",
    "2025-01-24,,1,2,1,1.5,1,10",
    "2025-01-24,   ,1,2,1,1.5,1,10",
    "2025-01-24,AMD,1,2,1,,1,10",
    "2025-01-24,AMD,1,2,1,0,1,10",
    "2025-01-24,AMD,-1,2,1,1.5,1,10",
    "2025-01-24,AMD,1,inf,1,1.5,1,10",
    "2025-01-24,AMD,1,2,0.00001,1.5,1,10",
    "2025-01-24,AMD,1,2,1,1.5,100000000,10",
    "2025-01-24,AMD,1,2,1,1.5,1,-1",
    "2025-01-24,AMD,1,2,1,1.5,1,inf",
    "2025-01-24,AMD,1,1,2,1.5,1,10",
    "2025-01-24,AMD,nan,2,1,1.5,1,10",
    "2025-01-24,AMD,1,2,1,nan,1,10",
    "2025-01-24,NVDA,1,2,1,1.5,1,10",
]


@pytest.mark.parametrize("row", ONE_BAD_ROW)
def test_one_bad_row_in_a_clean_file_is_quarantined_as_the_pandas_reader_does(tmp_path, monkeypatch, row):
    path = tmp_path / "p.csv"
    path.write_text(CLEAN + row + "\n")
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "a"))
    slow = pandas_landing(path, "b")
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "b"))
    fast = prices_fast.land_long_csv(path, "b")
    assert fast is not None
    assert (fast.rows, fast.rejected) == (slow.rows, slow.rejected)
    pd.testing.assert_frame_equal(landed(fast), landed(slow))
    if slow.rejected:
        pd.testing.assert_frame_equal(quarantined(fast), quarantined(slow))


@pytest.mark.parametrize("budget", [None, 0])
def test_repeated_keys_are_found_by_either_first_look(tmp_path, monkeypatch, budget):
    """One bit per ticker and day, or (past its memory budget) the sorted key hashes."""
    if budget is not None:
        monkeypatch.setattr(prices_fast, "_KEY_BITS_BUDGET", budget)
    path = tmp_path / "p.csv"
    path.write_text(CLEAN + "2025-01-24,NVDA,1,2,1,1.5,1,10\n2025-01-27,NVDA,1,2,1,1.5,1,10\n")
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "b"))
    res = prices_fast.land_long_csv(path, "b")
    q = pd.read_csv(res.quarantine_path, dtype=str, keep_default_na=False)
    assert set(q["_reject_reason"]) == {prices_fast.DUPLICATE_KEY}
    assert sorted(q["date"]) == ["2025-01-24", "2025-01-24", "2025-01-27", "2025-01-27"]
    assert (res.rows, res.rejected) == (4, 4)
    con = duckdb.connect()
    rows = "(select * from (values ('A', '2025-01-24'::timestamp), ('A', '2025-01-25'::timestamp)) t(ticker, date))"
    assert prices_fast._key_shortfall(con, rows) == 0
