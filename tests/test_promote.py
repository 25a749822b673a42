"""`aftershock events promote`: a detected event becomes a curated row that the next build studies."""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from conftest import ROOT, SAMPLE, copy_parse_cache, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def events_copy(tmp_path):
    path = tmp_path / "events.csv"
    shutil.copyfile(ROOT / "dbt/seeds/events.csv", path)
    return path


def test_promote_appends_a_row(demo_dir, events_copy):
    before = events_copy.read_text()
    proc = run_cli("events", "promote", "detected-2024-09-20", "--events-file", str(events_copy), data_dir=demo_dir)
    assert "appended promoted-2024-09-20" in proc.stdout  # a curated id: the detected one stays the detector's
    text = events_copy.read_text()
    assert text.startswith(before)  # existing rows untouched
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["event_id"] for r in rows] == ["deepseek-r1-selloff", "promoted-2024-09-20"]
    new = rows[1]
    assert new["event_date"] == "2024-09-20"
    assert set(new["tickers"].split("|")) == {"CEG", "VST", "SPY"}
    assert "Constellation Energy" in new["keywords"].split("|")
    assert new["model"] == "" and new["estimation_start"] == ""

    again = run_cli(
        "events", "promote", "detected-2024-09-20", "--events-file", str(events_copy), data_dir=demo_dir, check=False
    )
    assert again.returncode == 1 and "already has an event" in again.stderr
    assert events_copy.read_text() == text


@pytest.mark.parametrize(
    "event_id,message",
    [
        ("detected-2025-01-27", "day 0 of curated event 'deepseek-r1-selloff'"),
        ("deepseek-r1-selloff", "already curated"),
        ("detected-1999-01-01", "not in marts.dim_events"),
    ],
)
def test_promote_refuses(demo_dir, events_copy, event_id, message):
    before = events_copy.read_text()
    proc = run_cli("events", "promote", event_id, "--events-file", str(events_copy), data_dir=demo_dir, check=False)
    assert proc.returncode == 1 and message in proc.stderr
    assert events_copy.read_text() == before


def test_promoted_event_is_studied_by_the_next_build(data_dir, demo_dir, tmp_path):
    copy_parse_cache(demo_dir, data_dir)  # dbt parses partially (conftest.copy_parse_cache)
    events = tmp_path / "events.csv"
    # an old-format file (no optional columns, no final newline) keeps its own header
    events.write_text("event_id,event_date,title,keywords,tickers\ndeepseek-r1-selloff,2025-01-27,DeepSeek,DeepSeek,")
    run_cli(
        "events",
        "promote",
        "detected-2024-12-13",
        "--events-file",
        str(events),
        "--id",
        "broadcom-ai-revenue",
        "--title",
        "Broadcom <AI> revenue & guidance",
        data_dir=demo_dir,
    )
    lines = events.read_text().splitlines()
    assert lines[1] == "deepseek-r1-selloff,2025-01-27,DeepSeek,DeepSeek,"
    assert lines[2].startswith("broadcom-ai-revenue,2024-12-13,Broadcom <AI> revenue & guidance,")

    run_cli(
        "ingest", "prices", "--source", "file", "--path", str(SAMPLE / "prices/prices_daily.csv"), data_dir=data_dir
    )
    run_cli("build", "--events", str(events), data_dir=data_dir)
    con = duckdb.connect(str(data_dir / "warehouse/aftershock.duckdb"), read_only=True)
    try:
        tickers = {
            r[0]
            for r in con.execute(
                "select ticker from marts.fct_event_stock_impact where event_id = 'broadcom-ai-revenue'"
            ).fetchall()
        }
        origin, detected = con.execute(
            "select origin, detected_event_id from marts.dim_events where event_id = 'broadcom-ai-revenue'"
        ).fetchone()
    finally:
        con.close()
    assert tickers == {"AVGO", "MRVL"}
    assert origin == "curated" and detected == "detected-2024-12-13"

    out = tmp_path / "site"
    run_cli("report", "broadcom-ai-revenue", "--out-dir", str(out), data_dir=data_dir)
    html = (out / "broadcom-ai-revenue.html").read_text()
    assert "Broadcom &lt;AI&gt; revenue &amp; guidance" in html and "<AI>" not in html
