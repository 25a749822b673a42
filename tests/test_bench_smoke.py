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


def test_merged_parts_say_when_and_where_each_part_ran(tmp_path):
    # The committed results split into two runs of their own, on two machines, then merged: the page
    # names each part's run and machine instead of one date and one machine for all; a single run's
    # page gives its one date and machine.
    committed = json.loads((harness.RESULTS / "latest.json").read_text())
    runs = {"early": ["landing", "transform"], "late": ["event_study", "peak_memory", "airflow"]}
    cpus = {"early": "CPU One", "late": "CPU Two"}
    for name, parts in runs.items():
        drop = harness.PARTS + ["part_finished_at", "part_machine", "part_run"]
        run = {k: v for k, v in committed.items() if k not in drop}
        run.update({p: committed[p] for p in parts}, finished_at=f"2026-01-01 {name}")
        run["machine"] = {**committed["machine"], "cpu_model": cpus[name]}
        (tmp_path / name).mkdir()
        (tmp_path / name / "latest.json").write_text(json.dumps(run))
    merged = harness.merge([tmp_path / "early", tmp_path / "late"], tmp_path / "merged")
    assert merged["part_finished_at"] == {p: f"2026-01-01 {n}" for n, parts in runs.items() for p in parts}
    assert {p: m["cpu_model"] for p, m in merged["part_machine"].items()} == {
        p: cpus[n] for n, parts in runs.items() for p in parts
    }
    page = (tmp_path / "merged" / "latest.md").read_text()
    assert page.startswith("Benchmark parts from separate runs (each part's end: landing 2026-01-01 early,")
    assert "peak_memory 2026-01-01 late" in page
    first = page.splitlines()[0]
    assert "machines: landing, transform on 2 CPUs (CPU One)" in first
    assert "; event_study, peak_memory, airflow on 2 CPUs (CPU Two)" in first
    # merged again with itself, nothing changes; one run alone is one date and one machine
    again = harness.merge([tmp_path / "merged"], tmp_path / "again")
    assert again["part_finished_at"] == merged["part_finished_at"]
    assert again["part_machine"] == merged["part_machine"] and again["part_run"] == merged["part_run"]
    alone = harness.merge([tmp_path / "early"], tmp_path / "alone")
    assert len(set(alone["part_finished_at"].values())) == 1
    assert {m["cpu_model"] for m in alone["part_machine"].values()} == {"CPU One"}
    assert (tmp_path / "alone" / "latest.json").exists()
    # one run whose parts ended at different times is one run, not "separate runs"; a result saved
    # before parts recorded their machine and run: every part on the run's one machine, in its one run
    single = {k: v for k, v in committed.items() if k not in ["part_machine", "part_run"]}
    single["part_finished_at"] = {p: f"2026-01-01 {i:02d}:00 UTC" for i, p in enumerate(harness.PARTS)}
    one = harness.markdown(single).splitlines()[0]
    assert one.startswith("One benchmark run, ended 2026-01-01 04:00 UTC (each part's end: landing 2026-01-01 00:00")
    assert f"machine: 2 CPUs ({committed['machine']['cpu_model']})" in one and "machines:" not in one


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
