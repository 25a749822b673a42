"""`make bench` at tiny sizes: the generator and every part of the harness run and report.

The harness test is marked `bench`: `make test-bench` runs it (CI does, after `make test`).

No timing is asserted (the machine is shared); the figures must exist, be positive, and the
event study must agree with the pandas + statsmodels reference.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench import generate, harness

pytestmark = pytest.mark.slow


def test_generator_is_deterministic_and_valid(tmp_path):
    a = generate.write_prices(tmp_path / "a", 5, 30, daily_days=2, seed=3)
    generate.write_prices(tmp_path / "b", 5, 30, daily_days=2, seed=3)
    assert (tmp_path / "a/prices/history.csv").read_bytes() == (tmp_path / "b/prices/history.csv").read_bytes()
    df = pd.read_csv(a["history"])
    assert a["history_rows"] == len(df) == 6 * 30
    assert list(df.columns) == generate.PRICE_COLUMNS
    assert (df["high"] >= df["low"]).all() and (df["close"] > 0).all()
    assert df[df["ticker"] == generate.BENCHMARK]["adj_close"].isna().all()
    assert len(a["daily"]) == 2 and pd.read_csv(a["daily"][0])["date"].nunique() == 1
    w = generate.write_wealth(tmp_path / "a", 4, 3, daily_days=2)
    wh = pd.read_csv(w["history"])
    assert len(wh) == w["history_rows"] == 22 * 3 and wh["date"].nunique() == 3
    assert len(w["daily"]) == 2 and len(pd.read_csv(w["daily"][0])) == 22
    n = generate.write_news(tmp_path / "a", 4, 3, daily_days=2)
    assert n["history_items"] == 8 * 3 and open(n["history"]).read().count("<item>") == 24
    assert "<rss" in open(n["daily"][0]).read()


@pytest.mark.bench  # about eight builds and an Airflow run: `make test-bench`, CI's step after `make test`
def test_quick_harness_writes_every_figure(tmp_path):
    out = tmp_path / "results"
    result = harness.main(["--quick", "--out", str(out), "--work", str(tmp_path / "work")])
    saved = json.loads((out / "latest.json").read_text())
    assert saved["quick"] is True
    for key in [
        "landing_vs_native",
        "incremental_cost_ratio_20y_vs_1y",
        "event_study_speedup_vs_pandas",
        "peak_rss_mb",
        "airflow_transform_vs_cli",
    ]:
        assert saved["headline"][key] > 0, key
        assert key in saved["meets_target"]
    for key in ["cpu_count", "cpu_model", "memory_gb", "python", "duckdb"]:
        assert saved["machine"][key], key
    assert saved["landing"]["aftershock_rows_per_s"] > 0 and saved["landing"]["duckdb_native_rows_per_s"] > 0
    assert saved["transform"]["full_build_20y_s"] > 0
    assert saved["event_study"]["check"]["equal"] is True, saved["event_study"]["check"]
    assert saved["event_study"]["check"]["pairs_matched"] == saved["event_study"]["pairs"] > 0
    assert saved["peak_memory"]["rows"] == saved["landing"]["rows"]
    md = (out / "latest.md").read_text()
    assert "landing_vs_native" in md and "peak_rss_mb" in md
    assert result["headline"] == saved["headline"]
