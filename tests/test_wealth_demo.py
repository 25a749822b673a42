"""The wealth marts on the bundled sample: the Forbes figures of the DeepSeek sell-off and the movers."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import SAMPLE

pytestmark = pytest.mark.slow
EVENT = "deepseek-r1-selloff"


def impact(con, person, event=EVENT):
    return con.execute(
        "select net_worth_before_usd, net_worth_after_usd, change_usd, change_pct, rank_before, rank_after, "
        "implied_change_usd, day_minus1_date, before_snapshot_date, after_snapshot_date, holdings_priced "
        "from marts.fct_event_wealth_impact where event_id = ? and person_uri = ?",
        [event, person],
    ).fetchone()


def sample_history() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "wealth" / "billionaires_networth_daily.csv", parse_dates=["date"])


def test_jensen_huang_loses_20_83b_and_drops_from_rank_10_to_17(demo_db):
    before, after, change, pct, rb, ra, implied, dm1, bsnap, asnap, priced = impact(demo_db, "jensen-huang")
    assert change == pytest.approx(-20.833347e9, abs=1e3)
    assert round(change / 1e9, 2) == -20.83
    assert (rb, ra) == (10, 17)
    assert before == pytest.approx(124_417.378e6) and after == pytest.approx(103_584.031e6)
    assert pct == pytest.approx(-16.745, abs=0.001)
    # Monday's event compares with Friday, not with Sunday's carried copy.
    assert str(dm1) == str(bsnap) == "2025-01-24" and str(asnap) == "2025-01-27"
    # ~861M NVDA shares x (118.42 - 142.62) explains the whole move.
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv").query("ticker == 'NVDA'").set_index("date")["close"]
    assert round(prices["2025-01-27"] - prices["2025-01-24"], 2) == -24.20
    assert priced == 1
    assert implied == pytest.approx(860_882_121 * (prices["2025-01-27"] - prices["2025-01-24"]), rel=1e-12)
    assert implied == pytest.approx(change, abs=0.05e9)


@pytest.mark.parametrize("person,expected_b", [("larry-ellison", -27.639), ("michael-dell", -12.455)])
def test_ellison_and_dell_losses(demo_db, person, expected_b):
    change = impact(demo_db, person)[2]
    assert change / 1e9 == pytest.approx(expected_b, abs=0.001)


def test_implied_change_explains_the_stock_heavy_fortunes(demo_db):
    rows = demo_db.execute(
        "select person_uri, change_usd, implied_change_usd from marts.fct_event_wealth_impact "
        "where event_id = ? and implied_change_usd is not null",
        [EVENT],
    ).fetchall()
    got = {p: (c, i) for p, c, i in rows}
    # Dell: AVGO and DELL (the 2025-01-31 holdings, nearest to day 0); Ellison: ORCL shares, ORCL options, TSLA.
    for person in ["michael-dell", "larry-ellison", "elon-musk", "larry-page"]:
        change, implied = got[person]
        assert implied == pytest.approx(change, rel=0.02), person
    assert "changpeng-zhao" not in got  # crypto holdings have no ticker in the people seed


def test_every_sample_person_is_in_the_event_mart(demo_db):
    n = demo_db.execute(
        "select count(*), count(change_usd) from marts.fct_event_wealth_impact where event_id = ?", [EVENT]
    ).fetchone()
    assert n == (10, 10)


def test_movers_have_sessions_only_and_fold_the_weekend_into_monday(demo_db):
    days = [
        str(d)
        for (d,) in demo_db.execute(
            "select distinct snapshot_date from marts.fct_wealth_daily_movers "
            "where snapshot_date between '2025-01-17' and '2025-01-31' order by 1"
        ).fetchall()
    ]
    # 2025-01-20 is Martin Luther King Jr. Day (market closed); weekends are absent.
    assert days == [
        "2025-01-17",
        "2025-01-21",
        "2025-01-22",
        "2025-01-23",
        "2025-01-24",
        "2025-01-27",
        "2025-01-28",
        "2025-01-29",
        "2025-01-30",
        "2025-01-31",
    ]
    jensen = demo_db.execute(
        "select prev_snapshot_date, change_usd, rank_change, loss_rank_usd, loss_rank_pct "
        "from marts.fct_wealth_daily_movers where snapshot_date = '2025-01-27' and person_uri = 'jensen-huang'"
    ).fetchone()
    assert str(jensen[0]) == "2025-01-24"
    assert jensen[1] == pytest.approx(-20.833347e9, abs=1e3) and jensen[2] == -7
    assert jensen[3] == 2 and jensen[4] == 1  # second-largest loss in $ (after Ellison), largest in %
    # No session shows the carried-forward weekend values as a day of zero change for everyone.
    flat_days = demo_db.execute(
        "select snapshot_date from marts.fct_wealth_daily_movers group by 1 having bool_and(change_usd = 0)"
    ).fetchall()
    assert flat_days == []


def test_movers_total_move_across_a_weekend_matches_the_source(demo_db):
    hist = sample_history().set_index(["date", "person_uri"])["net_worth_musd"]
    # Monday's move is Monday minus Friday, which includes CZ's Saturday crypto move Forbes logged on Sunday.
    expected = (
        hist[(pd.Timestamp("2025-01-27"), "changpeng-zhao")] - hist[(pd.Timestamp("2025-01-24"), "changpeng-zhao")]
    ) * 1e6
    got = demo_db.execute(
        "select change_usd from marts.fct_wealth_daily_movers "
        "where snapshot_date = '2025-01-27' and person_uri = 'changpeng-zhao'"
    ).fetchone()[0]
    assert got == pytest.approx(expected, abs=1)


def test_demo_prints_the_billionaire_table_biggest_loss_first(demo_dir):
    out = (demo_dir / "demo_stdout.txt").read_text()
    assert out.index("Billionaires") > out.index("Stock impact")
    lines = out[out.index("Billionaires") :].splitlines()
    jensen = next(ln for ln in lines if ln.startswith("Jensen Huang"))
    assert "-20.83" in jensen and "10 -> 17" in jensen and "124.42" in jensen and "103.58" in jensen
    order = [ln.split("  ")[0] for ln in lines if ln[:1].isalpha() and "  " in ln][1:4]
    assert order == ["Larry Ellison", "Jensen Huang", "Michael Dell"]


def test_weekend_and_holiday_event_dates_compare_the_sessions_around_them(old_format_events_build):
    data, _ = old_format_events_build  # conftest.OLD_FORMAT_EVENTS: "saturday-news" and "mlk-day-news"
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        sat = impact(con, "jensen-huang", "saturday-news")
        mlk = impact(con, "jensen-huang", "mlk-day-news")
    finally:
        con.close()
    assert sat[2] == pytest.approx(-20.833347e9, abs=1e3) and str(sat[7]) == "2025-01-24"
    hist = sample_history().set_index(["date", "person_uri"])["net_worth_musd"]
    # Day 0 is Tuesday 2025-01-21; day -1 is Friday 2025-01-17 (Monday was a holiday).
    assert str(mlk[7]) == "2025-01-17" and str(mlk[9]) == "2025-01-21"
    expected = (
        hist[(pd.Timestamp("2025-01-21"), "jensen-huang")] - hist[(pd.Timestamp("2025-01-17"), "jensen-huang")]
    ) * 1e6
    assert mlk[2] == pytest.approx(expected, abs=1)
