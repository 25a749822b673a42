"""A batch landed again with fewer rows, or deleted, is not left behind by an incremental build:
the build sees the published warehouse's record of its batches (raw.lake_batches) differ from the
lake and rebuilds from the whole lake; a batch that is only new keeps the build incremental."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import SAMPLE, copy_parse_cache, run_cli

pytestmark = pytest.mark.slow


def tickers(data) -> set[str]:
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return {t for (t,) in con.execute("select distinct ticker from staging.stg_prices").fetchall()}
    finally:
        con.close()


def recorded(data) -> dict[str, int]:
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return dict(con.execute("select batch_id, bytes from raw.lake_batches where source = 'prices'").fetchall())
    finally:
        con.close()


def test_relanded_and_removed_batches_rebuild_new_batches_stay_incremental(tmp_path, demo_dir):
    data = tmp_path / "data"
    copy_parse_cache(demo_dir, data)  # dbt parses partially (conftest.copy_parse_cache)
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
    files = {}
    for name, df in {
        "main": prices[~prices["ticker"].isin(["AMD", "MU"])],
        "amd_mu": prices[prices["ticker"].isin(["AMD", "MU"])],
        "amd_only": prices[prices["ticker"] == "AMD"],
        "mu_again": prices[prices["ticker"] == "MU"],
    }.items():
        files[name] = tmp_path / f"{name}.csv"
        df.to_csv(files[name], index=False)

    def land(path, batch):
        run_cli("ingest", "prices", "--source", "file", "--path", str(path), "--batch-id", batch, data_dir=data)

    land(files["main"], "main")
    land(files["amd_mu"], "chips")
    run_cli("build", data_dir=data)
    assert {"AMD", "MU", "NVDA"} <= tickers(data)
    assert set(recorded(data)) == {"main", "chips"}

    # The same batch id landed again without MU: an incremental run would keep MU's old rows.
    land(files["amd_only"], "chips")
    out = run_cli("build", data_dir=data).stdout
    assert "lake batch prices/chips.parquet was landed again: building from the whole lake" in out
    assert "AMD" in tickers(data) and "MU" not in tickers(data)

    # A new batch only: incremental, and its rows arrive.
    land(files["mu_again"], "mu")
    out = run_cli("build", data_dir=data).stdout
    assert "whole lake" not in out and "incremental model staging.stg_prices" in out
    assert "MU" in tickers(data)
    assert set(recorded(data)) == {"main", "chips", "mu"}

    # A deleted batch file takes its rows with it.
    (data / "lake" / "raw" / "prices" / "chips.parquet").unlink()
    out = run_cli("build", data_dir=data).stdout
    assert "lake batch prices/chips.parquet was removed: building from the whole lake" in out
    assert "AMD" not in tickers(data) and {"MU", "NVDA"} <= tickers(data)
    assert set(recorded(data)) == {"main", "mu"}
