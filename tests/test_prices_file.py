"""The price file readers, row validation, quarantine and idempotent landing."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ingest import landing, prices, prices_fast
from ingest.errors import SourceUnreadable

from conftest import SAMPLE, run_cli

GOOD = """date,ticker,open,high,low,close,adj_close,volume
2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.57,234657600
2025-01-27,NVDA,124.80,128.40,116.70,118.42,118.38,818830900
2025-01-27,^SOX,5007.84,5045.43,4785.43,4853.24,,
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_long_csv_lands_with_lineage(tmp_path, data_dir):
    path = write(tmp_path, "p.csv", GOOD)
    res = landing.land_batch("prices", "b1", prices.read_file(path))
    table = pq.read_table(res.path).to_pandas()
    assert len(table) == 3
    assert set(table["_batch_id"]) == {"b1"} and set(table["_source"]) == {"prices"}
    assert table["_ingested_at"].notna().all()
    sox = table[table["ticker"] == "^SOX"].iloc[0]
    assert pd.isna(sox["adj_close"]) and sox["close"] == 4853.24


def test_yahoo_export_needs_ticker_and_matches_long_format(tmp_path):
    path = write(
        tmp_path,
        "NVDA.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n2025-01-24,148.37,148.97,141.88,142.62,142.57,234657600\n",
    )
    with pytest.raises(SourceUnreadable, match="--ticker"):
        prices.read_file(path)
    df = prices.read_file(path, ticker="nvda")
    assert [c for c in df.columns if not c.startswith("_raw_")] == prices.LONG_COLUMNS  # + the values as read
    assert df.iloc[0]["ticker"] == "NVDA" and df.iloc[0]["close"] == 142.62


@pytest.mark.parametrize(
    "row,reason",
    [
        ("2025-01-24,NVDA,1,2,1,-5,1,10", "close must be positive"),
        ("2025-01-24,NVDA,1,2,1,inf,1,10", "close must be positive"),
        ("2025-01-24,NVDA,1,2,1,nan,1,10", "close must be positive"),
        ("2025-01-24,NVDA,1,1,2,1.5,1,10", "high < low"),
        ("2025-01-24,NVDA,1,2,1,1.5,1,-10", "volume must be >= 0"),
        ("2999-01-01,NVDA,1,2,1,1.5,1,10", "date is in the future"),
        ("not-a-date,NVDA,1,2,1,1.5,1,10", "date is missing or unparseable"),
        (",NVDA,1,2,1,1.5,1,10", "date is missing or unparseable"),
    ],
)
def test_bad_rows_are_quarantined_with_a_reason(tmp_path, data_dir, row, reason):
    path = write(tmp_path, "p.csv", GOOD + row + "\n")
    split = prices_fast.split(prices.read_file(path))
    res = landing.land_batch("prices", "b", split.good, split.rejected)
    assert res.rows == 3 and res.rejected == 1
    q = pd.read_csv(res.quarantine_path)
    assert reason in q.loc[0, "_reject_reason"]
    assert str(res.quarantine_path) in res.summary()


def test_duplicate_keys_reject_every_copy(tmp_path, data_dir):
    path = write(tmp_path, "p.csv", GOOD + "2025-01-27,NVDA,1,2,1,1.5,1,10\n")
    split = prices_fast.split(prices.read_file(path))
    assert len(split.good) == 2
    assert len(split.rejected) == 2
    assert set(split.rejected["_reject_reason"]) == {"duplicate key (ticker, date) in batch"}


def test_landing_same_batch_twice_replaces_it(tmp_path, data_dir):
    path = write(tmp_path, "p.csv", GOOD)
    first = run_cli("ingest", "prices", "--source", "file", "--path", str(path), data_dir=data_dir)
    second = run_cli("ingest", "prices", "--source", "file", "--path", str(path), data_dir=data_dir)
    files = sorted((data_dir / "lake" / "raw" / "prices").glob("*.parquet"))
    assert len(files) == 1, files
    assert len(pq.read_table(files[0])) == 3
    assert "3 rows landed" in first.stdout and "3 rows landed" in second.stdout


def test_no_temp_file_is_visible_and_stale_ones_are_swept(tmp_path, data_dir):
    raw = data_dir / "lake" / "raw" / "prices"
    raw.mkdir(parents=True)
    stale = raw / ".dead.parquet.tmp-999999999"
    stale.write_bytes(b"half a file")
    landing.land_batch("prices", "b", prices.read_file(write(tmp_path, "p.csv", GOOD)))
    assert not stale.exists()
    assert [p.name for p in raw.iterdir()] == ["b.parquet"]


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"\x00\x01\x02garbage\xff\xfe", "cannot be read"),
        (b"date;ticker;close\n2025-01-01;NVDA;1\n", "missing columns"),
        (b"", "cannot be read"),
    ],
)
def test_unreadable_file_fails_naming_the_file(tmp_path, data_dir, content, needle):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    proc = run_cli("ingest", "prices", "--source", "file", "--path", str(path), data_dir=data_dir, check=False)
    assert proc.returncode != 0
    assert str(path) in proc.stderr and needle in proc.stderr
    assert not (data_dir / "lake" / "raw" / "prices").exists() or not any(
        (data_dir / "lake" / "raw" / "prices").glob("*.parquet")
    )


def test_missing_file_is_named(tmp_path, data_dir):
    proc = run_cli(
        "ingest", "prices", "--source", "file", "--path", str(tmp_path / "nope.csv"), data_dir=data_dir, check=False
    )
    assert proc.returncode == 2 and "nope.csv: no such file" in proc.stderr


def test_all_rows_bad_lands_nothing_and_keeps_earlier_batch(tmp_path, data_dir):
    path = write(tmp_path, "p.csv", GOOD)
    run_cli("ingest", "prices", "--source", "file", "--path", str(path), data_dir=data_dir)
    path.write_text("date,ticker,open,high,low,close,adj_close,volume\n2025-01-24,NVDA,1,2,1,-1,1,1\n")
    proc = run_cli("ingest", "prices", "--source", "file", "--path", str(path), data_dir=data_dir, check=False)
    assert proc.returncode != 0 and "no valid rows" in proc.stderr
    files = list((data_dir / "lake" / "raw" / "prices").glob("*.parquet"))
    assert len(files) == 1 and len(pq.read_table(files[0])) == 3


def test_sample_prices_are_all_valid():
    df = prices.read_file(SAMPLE / "prices" / "prices_daily.csv")
    split = prices_fast.split(df)
    assert split.rejected.empty
    assert df["ticker"].nunique() == 25
    assert df["date"].min() == pd.Timestamp("2024-01-02") and df["date"].max() == pd.Timestamp("2025-06-30")
