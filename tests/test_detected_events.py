"""Detected events: the rolling market model flags 2025-01-27 for the AI names, one row per event."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

import event_study_reference as ref

pytestmark = pytest.mark.slow


def test_deepseek_day_is_detected_and_linked(demo_db):
    ev = demo_db.execute(
        "select origin, day0_date, tickers, linked_event_id from marts.dim_events "
        "where event_id = 'detected-2025-01-27'"
    ).fetchone()
    assert ev is not None
    origin, day0, tickers, linked = ev
    assert origin == "detected" and str(day0) == "2025-01-27" and linked == "deepseek-r1-selloff"
    assert {"NVDA", "AVGO", "TSM", "MRVL"} <= set(tickers)
    assert "AAPL" not in tickers  # it rose 3 %, well inside 4 sigma
    curated = demo_db.execute(
        "select detected_event_id from marts.dim_events where event_id = 'deepseek-r1-selloff'"
    ).fetchone()[0]
    assert curated == "detected-2025-01-27"


def test_one_row_per_event_and_detected_ids(demo_db):
    ids = [r[0] for r in demo_db.execute("select event_id from marts.dim_events").fetchall()]
    assert len(ids) == len(set(ids))
    detected = demo_db.execute("select event_id, day0_date from marts.dim_events where origin = 'detected'").fetchall()
    assert len(detected) >= 5
    assert all(eid == f"detected-{d}" for eid, d in detected)


def test_detected_score_matches_rolling_ols_reference(demo_db):
    rets = ref.load_returns()
    day = rets.index.get_loc(np.datetime64("2025-01-27"))
    window = rets.iloc[day - 250 : day - 10]  # sessions -250 .. -11 before the session scored
    for ticker in ("NVDA", "AVGO"):
        est = window[[ticker, "^GSPC"]].dropna()
        fit = sm.OLS(est[ticker].to_numpy(), sm.add_constant(est["^GSPC"].to_numpy())).fit()
        ar = rets[ticker].iloc[day] - (fit.params[0] + fit.params[1] * rets["^GSPC"].iloc[day])
        score = ar / math.sqrt(fit.ssr / fit.df_resid)
        got = demo_db.execute(
            "select score, abnormal_return_pct, estimation_days from marts.fct_detected_moves "
            "where event_id = 'detected-2025-01-27' and ticker = ?",
            [ticker],
        ).fetchone()
        assert got[0] == pytest.approx(score, abs=1e-9)
        assert got[1] == pytest.approx(ar * 100, abs=1e-9)
        assert got[2] == len(est) == 240
        assert got[0] < -4


def test_benchmark_move_is_scored_on_its_own_history(demo_db):
    rets = ref.load_returns()["^GSPC"]
    day = rets.index.get_loc(np.datetime64("2025-04-04"))
    trailing = rets.iloc[day - 250 : day - 10].dropna()
    z = (rets.iloc[day] - trailing.mean()) / trailing.std(ddof=1)
    got = demo_db.execute(
        "select score, is_benchmark from marts.fct_detected_moves "
        "where event_id = 'detected-2025-04-04' and ticker = '^GSPC'"
    ).fetchone()
    assert got[1] is True and got[0] == pytest.approx(z, abs=1e-9) and got[0] < -4


def test_summary_stock_columns(demo_db):
    # the wealth and news columns are checked against their marts in test_summary_wealth_news.py
    row = demo_db.execute(
        "select tickers_studied, worst_ticker from marts.fct_event_summary where event_id = 'deepseek-r1-selloff'"
    ).fetchone()
    assert row[0] == 25 and row[1] == "VST"
