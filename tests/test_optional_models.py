"""The summary, headline and report parts that read the wealth and news marts, on a project copy
that has models of those names (small literal tables with the other issues' column contracts).
Without them the same parts are empty (test_detected_events); with them they fill in."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from aftershock.dbt_runner import enable_optional_models
from conftest import ROOT, SAMPLE, run_cli

pytestmark = pytest.mark.slow

WEALTH = """
select * from (values
  ('deepseek-r1-selloff', 'q1', 'Jensen Huang', 124.0e9, 103.7e9, -20.3e9, -16.4, 10, 17, -20.1e9),
  ('deepseek-r1-selloff', 'q2', 'Larry Ellison', 200.0e9, 177.4e9, -22.6e9, -11.3, 4, 5, -22.0e9)
) as t(event_id, person_uri, person_name, net_worth_before_usd, net_worth_after_usd, change_usd, change_pct,
       rank_before, rank_after, implied_change_usd)
"""
NEWS_DAILY = """
select event_id, relative_day, cast('2025-01-27' as date) + relative_day as news_date, articles_matched,
       baseline, articles_matched / baseline as spike_ratio
from (values ('deepseek-r1-selloff', -1, 3, 2.0), ('deepseek-r1-selloff', 0, 40, 2.0), ('deepseek-r1-selloff', 1, 12, 2.0))
  as t(event_id, relative_day, articles_matched, baseline)
"""
NEWS_ITEMS = """
select * from (values
  (timestamptz '2025-01-27 14:00:00+00', 'wire', 'Nvidia sheds $593 billion as DeepSeek <script>alert(1)</script> rattles AI trade', 'https://example.test/a'),
  (timestamptz '2025-01-28 09:00:00+00', 'wire', 'Broadcom and Marvell slide again', 'javascript:alert(1)'),
  (timestamptz '2025-01-30 09:00:00+00', 'wire', 'Nvidia rebounds', 'https://example.test/c'),
  (timestamptz '2025-01-27 10:00:00+00', 'wire', 'Markets open lower', 'https://example.test/d')
) as t(published_at, source, title, link)
"""
EVENT_ITEMS = "select 'deepseek-r1-selloff' as event_id, * from {{ ref('stg_news_items') }}"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    proj = tmp_path_factory.mktemp("proj") / "dbt"
    shutil.copytree(ROOT / "dbt", proj, ignore=shutil.ignore_patterns("target", "logs"))
    (proj / "models/marts/fct_event_wealth_impact.sql").write_text(WEALTH)
    (proj / "models/marts/fct_event_news_daily.sql").write_text(NEWS_DAILY)
    (proj / "models/marts/fct_event_news_items.sql").write_text(EVENT_ITEMS)
    (proj / "models/staging/stg_news_items.sql").write_text(NEWS_ITEMS)
    return proj


@pytest.fixture(scope="module")
def built(project, tmp_path_factory):
    d = tmp_path_factory.mktemp("optional") / "data"
    env = {"AFTERSHOCK_DBT_PROJECT": str(project)}
    run_cli("ingest", "prices", "--source", "file", "--path", str(SAMPLE / "prices/prices_daily.csv"), data_dir=d, env=env)
    run_cli("ingest", "shares", "--source", "file", "--path", str(SAMPLE / "shares/shares_outstanding.csv"), data_dir=d, env=env)
    run_cli("build", data_dir=d, env=env)
    return d, env


def test_swap_only_when_required_models_exist(project, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(ROOT / "dbt", bare)
    assert enable_optional_models(bare) == []
    full = tmp_path / "full"
    shutil.copytree(project, full)
    assert enable_optional_models(full) == ["fct_detected_event_headlines", "int_event_news_peaks", "int_event_wealth_totals"]
    assert "fct_event_wealth_impact" in (full / "models/intermediate/int_event_wealth_totals.sql").read_text()


def test_summary_gets_billionaires_and_news(built):
    d, _ = built
    con = duckdb.connect(str(d / "warehouse/aftershock.duckdb"), read_only=True)
    try:
        row = con.execute("select billionaires, billionaires_change_usd, news_articles_day0, news_peak_spike_ratio, "
                          "news_peak_relative_day from marts.fct_event_summary where event_id = 'deepseek-r1-selloff'").fetchone()
        assert row == (2, pytest.approx(-42.9e9), 40, pytest.approx(20.0), 0)
        heads = con.execute("select ticker, title from marts.fct_detected_event_headlines "
                            "where event_id = 'detected-2025-01-27' order by published_at, ticker").fetchall()
    finally:
        con.close()
    # named companies on the session's day or the next; not the 30th, not a headline naming no mover
    assert [t for t, _ in heads] == ["NVDA", "AVGO", "MRVL"]
    assert all("rebounds" not in h and "open lower" not in h for _, h in heads)


def test_report_draws_billionaires_and_news_and_escapes_headlines(built, tmp_path):
    d, env = built
    run_cli("report", "deepseek-r1-selloff", "--out-dir", str(tmp_path), data_dir=d, env=env)
    html = (tmp_path / "deepseek-r1-selloff.html").read_text()
    assert 'data-chart="billionaires"' in html and 'data-chart="news"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and 'href="https://example.test/a"' in html
    assert (tmp_path / "deepseek-r1-selloff-billionaires.png").is_file()
    assert (tmp_path / "deepseek-r1-selloff-news.png").is_file()
    run_cli("report", "detected-2025-01-27", "--out-dir", str(tmp_path), data_dir=d, env=env)
    detected = (tmp_path / "detected-2025-01-27.html").read_text()
    assert "Broadcom and Marvell slide again" in detected and "Nvidia rebounds" not in detected
