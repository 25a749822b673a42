"""`aftershock build` publishes only what passes the gate; a failed build leaves the last good warehouse as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli, sha256

pytestmark = pytest.mark.slow


def nvda_return(db: Path) -> float:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select round(return_pct, 2) from marts.fct_event_stock_impact "
            "where ticker = 'NVDA' and event_id = 'deepseek-r1-selloff'"
        ).fetchone()[0]
    finally:
        con.close()


def _bad_prices_file(folder: Path, name: str, **override) -> Path:
    """A batch written by hand into the lake, bypassing ingest (and its row checks)."""
    row = {
        "date": pd.Timestamp("2025-01-27"),
        "ticker": "NVDA",
        "open": 124.8,
        "high": 128.4,
        "low": 116.7,
        "close": 118.42,
        "adj_close": 118.38,
        "volume": 8.2e8,
        **override,
    }
    df = pd.DataFrame([row])
    df["date"] = df["date"].astype("datetime64[s]")
    # Lineage copied from a real batch, and the newest landing time: in stg_prices it would win.
    df["_source"] = "prices"
    df["_batch_id"] = "sample-prices"
    df["_ingested_at"] = pd.Timestamp.now(tz="UTC")
    path = folder / name
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    return path


def test_a_file_that_bypassed_ingest_fails_the_build_by_name_and_keeps_the_published_file(published_copy):
    db = published_copy / "warehouse" / "aftershock.duckdb"
    before = sha256(db)
    assert nvda_return(db) == -16.97
    raw = published_copy / "lake" / "raw" / "prices"
    # ingest would reject this row; copied by hand with another batch's lineage, as the newest landing it
    # would win in stg_prices: NVDA's day 0 would silently change if it were published.
    _bad_prices_file(raw, "zz_hand_copied.parquet", open=-124.8, close=90.0)
    # and a file with no lineage at all (written by some other tool)
    no_lineage = raw / "zz_no_lineage.parquet"
    pq.write_table(
        pq.read_table(raw / "zz_hand_copied.parquet").drop(["_source", "_batch_id", "_ingested_at"]), no_lineage
    )
    proc = run_cli("build", data_dir=published_copy, check=False)
    assert proc.returncode != 0
    err = proc.stderr
    # dbt's lake_batch_files test on the lake source, before any model reads the files
    assert "source lake.prices failed source_lake_batch_files_lake_prices" in err, err
    assert (
        f"file={raw / 'zz_hand_copied.parquet'}, problem=_batch_id is 'sample-prices', not the file's batch "
        "'zz_hand_copied', n_rows=1, first_row=NVDA 2025-01-27" in err
    ), err
    assert f"file={no_lineage}, problem=has no column _batch_id" in err, err
    assert "Traceback" not in err
    assert sha256(db) == before
    assert nvda_return(db) == -16.97
    assert not any((published_copy / "warehouse" / "building").iterdir())

    # Remove the bad files and the next build publishes again, with nothing to clean by hand.
    (raw / "zz_hand_copied.parquet").unlink()
    no_lineage.unlink()
    ok = run_cli("build", data_dir=published_copy)
    assert "published" in ok.stdout
    assert nvda_return(db) == -16.97


def test_corrupt_parquet_in_the_lake_fails_the_build_naming_the_file(published_copy):
    db = published_copy / "warehouse" / "aftershock.duckdb"
    before = sha256(db)
    (published_copy / "lake" / "raw" / "prices" / "corrupt.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 50)
    proc = run_cli("build", data_dir=published_copy, check=False)
    assert proc.returncode != 0
    assert "corrupt.parquet" in proc.stderr + proc.stdout
    assert sha256(db) == before


def test_negative_close_copied_into_the_lake_is_not_published(published_copy):
    db = published_copy / "warehouse" / "aftershock.duckdb"
    before = sha256(db)
    _bad_prices_file(published_copy / "lake" / "raw" / "prices", "zz_negative.parquet", close=-118.42)
    proc = run_cli("build", data_dir=published_copy, check=False)
    assert proc.returncode != 0
    # dbt names it (its lineage names another batch; stg_prices' close > 0 would too): not published.
    assert "close" in proc.stderr
    assert sha256(db) == before
    assert nvda_return(db) == -16.97
