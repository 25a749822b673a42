"""Issue 17's analytics and issue 14's honest outputs on the demo warehouse built from the bundled sample:
every detected event studied, the summary's coverage, records, claim checks, wealth attribution and
spillover by group; figures checked against independent computations from sample/ (pandas, scipy)."""

from __future__ import annotations

import pandas as pd
import pytest

import event_study_reference as ref
from conftest import SAMPLE

pytestmark = pytest.mark.slow
TOL = 1e-9
EVENT = "deepseek-r1-selloff"


def _dicts(con, sql, params=()):
    cur = con.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def deepseek():
    return ref.run_study("2025-01-27")


# --- issue 14, honest outputs ------------------------------------------------------------------


def test_summary_total_states_its_coverage_and_matches_the_sample(demo_db):
    row = _dicts(demo_db, "select * from marts.fct_event_summary where event_id = ?", [EVENT])[0]
    mv = ref.market_value_changes()
    day0 = mv[mv.date == pd.Timestamp("2025-01-27")]
    stocks = set(ref.watchlist().query("asset_type == 'stock'").index)
    covered = set(day0.ticker) & stocks
    assert row["market_value_change_usd"] == pytest.approx(day0[day0.ticker.isin(stocks)].change_usd.sum(), abs=1e-3)
    assert row["market_value_coverage"] == f"{len(covered)} of {len(stocks)} stocks" == "12 of 20 stocks"
    assert row["stocks_without_market_value"] == sorted(stocks - covered)
    assert round(row["market_value_change_usd"] / 1e9, 1) == -1038.1  # with TSM and DELL (was -877.9 without)
    reasons = dict(
        demo_db.execute(
            "select ticker, market_value_missing_reason from marts.fct_event_stock_impact where event_id = ?", [EVENT]
        ).fetchall()
    )
    assert reasons["ORCL"] == "no shares outstanding figure for ORCL"
    assert reasons["^GSPC"] == "not a company (index)" and reasons["NVDA"] is None


def test_estimation_sessions_are_published_per_pair(demo_db, deepseek):
    rows = _dicts(
        demo_db,
        "select ticker, estimation_days, estimation_days_asked, estimation_too_short, in_caar, "
        "caar_exclusion_reason, asset_type from marts.fct_event_stock_impact where event_id = ?",
        [EVENT],
    )
    for r in rows:
        assert r["estimation_days"] == deepseek.fits[r["ticker"]].m and r["estimation_days_asked"] == 240
        assert r["in_caar"] == (r["asset_type"] == "stock") and r["estimation_too_short"] is False
    # a detected event early in the lake: fewer sessions than asked, published as such
    early = demo_db.execute(
        "select min(estimation_days), max(estimation_days_asked) from marts.fct_event_stock_impact "
        "where event_id = 'detected-2024-09-20' and asset_type = 'stock'"
    ).fetchone()
    assert early == (ref.run_study("2024-09-20").fits["NVDA"].m, 240) and early[0] < 240


def test_no_summary_row_is_empty_and_every_detected_event_is_studied(demo_db):
    assert (
        demo_db.execute(
            "select count(*) from marts.fct_event_summary where tickers_studied = 0 "
            "or worst_return_pct is null or market_value_coverage is null"
        ).fetchone()[0]
        == 0
    )
    prices = pd.read_csv(SAMPLE / "prices/prices_daily.csv", parse_dates=["date"])
    detected = demo_db.execute(
        "select event_id, day0_date, linked_event_id from marts.dim_events where origin = 'detected'"
    ).fetchall()
    studied = dict(demo_db.execute("select event_id, count(*) from marts.fct_event_stock_impact group by 1").fetchall())
    summary = {r[0] for r in demo_db.execute("select event_id from marts.fct_event_summary").fetchall()}
    assert len(detected) == 37
    for eid, day0, linked in detected:
        if linked:  # the curated event on that day 0 is the study
            assert eid not in studied and eid not in summary and linked in studied
        else:
            assert studied[eid] == (prices.date == pd.Timestamp(day0)).sum() == 25, eid
            assert eid in summary
    origins = dict(demo_db.execute("select event_id, origin from marts.fct_event_summary").fetchall())
    assert origins[EVENT] == "curated" and origins["detected-2024-09-20"] == "detected"


def test_detected_event_statistics_match_the_reference(demo_db):
    """A detected event is studied exactly like a curated one: its CAAR tests match the reference to 1e-9."""
    expected = ref.caar_table(ref.run_study("2024-09-20"))
    got = {
        (r["window_start"], r["window_end"]): r
        for r in _dicts(demo_db, "select * from marts.fct_event_caar where event_id = 'detected-2024-09-20'")
    }
    assert set(got) == set(expected)
    for w, exp in expected.items():
        for k in ("n", "caar", "bmp_t", "bmp_t_p", "kp_t", "kp_t_p", "rank_z", "sign_z_p"):
            value = got[w]["caar_pct"] / 100 if k == "caar" else got[w][k]
            assert value == pytest.approx(exp[k], abs=TOL), (w, k)


# --- issue 17 ------------------------------------------------------------------------------


def test_records_nvidia_first_and_ranked_like_pandas(demo_db):
    mv = ref.market_value_changes()
    stocks = set(ref.watchlist().query("asset_type == 'stock'").index)
    losses = mv[mv.ticker.isin(stocks) & (mv.change_usd < 0)].sort_values("change_usd").head(10)
    got = _dicts(
        demo_db,
        "select * from marts.fct_records where record_scope = 'watchlist' "
        "and ranked_by = 'market_cap_change_usd' and direction = 'down' order by rank",
    )
    assert [(r["ticker"], pd.Timestamp(r["trade_date"])) for r in got] == list(zip(losses.ticker, losses.date))
    for r, v in zip(got, losses.change_usd):
        assert r["market_cap_change_usd"] == pytest.approx(v, abs=1e-3)
    first = got[0]
    assert (first["ticker"], str(first["trade_date"]), round(first["market_cap_change_usd"] / 1e9, 1)) == (
        "NVDA",
        "2025-01-27",
        -592.7,
    )
    assert first["context"] == "largest down move in the lake"
    # "largest since": the latest earlier session of any stock with a larger loss
    for r in got[1:]:
        earlier = mv[
            mv.ticker.isin(stocks)
            & (mv.date < pd.Timestamp(r["trade_date"]))
            & (mv.change_usd < r["market_cap_change_usd"])
        ]
        since = earlier.date.max() if not earlier.empty else None
        assert (pd.Timestamp(r["largest_since_date"]) if r["largest_since_date"] else None) == since


def test_records_rank_each_event_ticker_among_its_sessions(demo_db):
    rets = ref.load_returns()
    rows = _dicts(
        demo_db,
        "select * from marts.fct_records where record_scope = 'event' and event_id = ? and ranked_by = 'return_pct'",
        [EVENT],
    )
    assert len(rows) == 25
    for r in rows:
        s = rets[r["ticker"]].dropna() * 100
        day = s[pd.Timestamp("2025-01-27")]
        same_side = s[s < 0] if day < 0 else s[s > 0]
        assert r["rank"] == int((same_side.abs() > abs(day)).sum()) + 1, r["ticker"]
        larger = same_side[(same_side.abs() > abs(day)) & (same_side.index < pd.Timestamp("2025-01-27"))]
        assert r["largest_since_date"] == (larger.index.max().date() if not larger.empty else None), r["ticker"]
    nvda = next(r for r in rows if r["ticker"] == "NVDA")
    assert nvda["rank"] == 1 and nvda["context"] == "largest down move in the lake for NVDA"


def test_six_claims_of_the_article_are_reconciled(demo_db):
    rows = {
        r["claim_id"]: r for r in _dicts(demo_db, "select * from marts.fct_claim_checks where event_id = ?", [EVENT])
    }
    assert len(rows) == 6
    verdicts = {k: r["verdict"] for k, r in rows.items()}
    assert verdicts == {
        "nvda-return": "matches",
        "nvda-market-value": "matches",
        "huang-wealth": "matches",
        "ellison-wealth": "differs",
        "dell-wealth": "matches",
        "zhao-wealth": "not supported",
    }
    w = pd.read_csv(SAMPLE / "wealth/billionaires_networth_daily.csv").set_index(["person_uri", "date"])[
        "net_worth_musd"
    ]
    for uri, claim in (("changpeng-zhao", "zhao-wealth"), ("larry-ellison", "ellison-wealth")):
        friday_to_monday = (w[(uri, "2025-01-27")] - w[(uri, "2025-01-24")]) * 1e6
        assert rows[claim]["measured_value"] == pytest.approx(friday_to_monday, abs=1.0)
        assert rows[claim]["difference"] == pytest.approx(friday_to_monday - rows[claim]["published_value"], abs=1.0)
    assert round(rows["zhao-wealth"]["measured_value"] / 1e9, 2) == -0.08
    assert "another period or from another wealth tracker" in rows["zhao-wealth"]["reason"]
    assert "Bloomberg" in rows["ellison-wealth"]["reason"]
    assert rows["nvda-return"]["tolerance_stated"] == "within 0.5 percent points"
    assert "24,490,000,000 shares (as of 2024-11-15)" in rows["nvda-market-value"]["reason"]


def test_wealth_split_adds_up_and_uses_the_abnormal_return(demo_db, deepseek):
    rows = _dicts(
        demo_db,
        "select * from marts.fct_event_wealth_impact where event_id = ? and implied_change_usd is not null",
        [EVENT],
    )
    assert rows and all(r["abnormal_change_usd"] is not None for r in rows)
    for r in rows:
        assert r["normal_change_usd"] + r["abnormal_change_usd"] == pytest.approx(r["implied_change_usd"], abs=1e-3)
    huang = next(r for r in rows if r["person_uri"] == "jensen-huang")
    people = pd.read_csv(ROOT_SEEDS / "people.csv")
    shares = people[(people.person_uri == "jensen-huang") & (people.as_of_date == "2025-01-31")].shares_held.sum()
    nvda = deepseek.fits["NVDA"]
    assert huang["abnormal_change_usd"] == pytest.approx(shares * 142.62 * nvda.ar[0], rel=1e-6)
    assert huang["main_ticker"] == "NVDA" and huang["main_ticker_t_ar"] == pytest.approx(
        nvda.ar[0] / nvda.sigma, abs=TOL
    )
    assert -20e9 < huang["abnormal_change_usd"] < -10e9  # most of the -$20.8B was the event, beyond the market


def test_group_caar_matches_the_reference(demo_db, deepseek):
    rows = {
        (r["group_type"], r["group_name"]): r
        for r in _dicts(
            demo_db,
            "select * from marts.fct_event_group_caar where event_id = ? and window_start = 0 and window_end = 0",
            [EVENT],
        )
    }
    sectors = [k for k, r in rows.items() if k[0] == "sector" and r["n"] >= 2]
    assert len(sectors) >= 2
    wl = ref.watchlist()
    checks = {
        ("sector", "Semiconductors"): sorted(wl.query("sector == 'Semiconductors'").index),
        ("sector", "Power"): ["CEG", "VST"],
        ("peer_link", "supplier of NVDA"): ["MU", "TSM"],
        ("peer_link", "customer of NVDA"): ["AMZN", "DELL", "GOOGL", "META", "MSFT", "ORCL", "SMCI"],
    }
    for key, members in checks.items():
        exp = ref.group_tests(deepseek, members, (0, 0))
        got = rows[key]
        assert got["n"] == exp["n"] == len(members) and got["tickers"] == ", ".join(members)
        assert got["caar_pct"] == pytest.approx(exp["caar"] * 100, abs=TOL)
        for k in ("bmp_t", "bmp_t_p", "mean_correlation", "kp_t", "kp_t_p"):
            assert got[k] == pytest.approx(exp[k], abs=TOL), (key, k)
    assert rows[("sector", "Semiconductors")]["caar_pct"] < -5


def test_demo_prints_coverage_records_claims_and_groups(demo_dir):
    out = (demo_dir / "demo_stdout.txt").read_text()
    assert "Market value change: -1,038.1 $B over 12 of 20 stocks" in out
    assert "no shares outstanding figure in the lake: ARM, ASML, CEG, GOOG, MRVL, ORCL, SMCI, VST" in out
    assert "240 of 240 sessions used; 20 of 20 stocks in CAAR" in out
    assert "largest down move in the lake for NVDA" in out
    assert "not supported  Changpeng Zhao -$12.1B" in out
    assert "sector: Semiconductors" in out and "peers: supplier of NVDA" in out
    assert "of which event $B" in out


ROOT_SEEDS = SAMPLE.parent / "dbt" / "seeds"


def test_analogs_are_ranked_by_the_cross_section_similarity(demo_db):
    rows = _dicts(demo_db, "select * from marts.fct_event_analogs where event_id = ? order by rank", [EVENT])
    assert len(rows) >= 3 and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    sims = [r["similarity"] for r in rows]
    assert sims == sorted(sims, reverse=True)
    for r in rows[:3]:
        cosine, corr, common = ref.analog_similarity("2025-01-27", str(r["analog_date"]))
        assert r["similarity"] == pytest.approx(cosine, abs=TOL)
        assert r["correlation"] == pytest.approx(corr, abs=TOL)
        assert r["common_tickers"] == common == len(r["tickers"])
    assert str(rows[0]["analog_date"]) != "2025-01-27"
    # an analog on another event's day 0 names it
    days = dict(
        demo_db.execute(
            "select day0_date, event_id from marts.dim_events where origin = 'detected' and linked_event_id is null"
        ).fetchall()
    )
    for r in rows:
        assert r["analog_event_ids"] == ([days[r["analog_date"]]] if r["analog_date"] in days else [])


def test_headlines_ranked_by_relevance_with_english_tone(demo_db):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    rows = _dicts(
        demo_db, "select * from marts.fct_event_news_items where event_id = ? order by relevance_rank", [EVENT]
    )
    first = rows[0]
    assert first["relative_day"] in (0, 1) and first["keywords_matched"] >= 1
    assert str(first["news_date"]) != "2025-01-10"
    scores = [r["relevance_score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for r in rows:
        kw = r["keywords_matched"]
        assert r["relevance_score"] == pytest.approx(
            3 * kw + (r["matched_entity_count"] - kw) + 2 / (1 + abs(r["relative_day"])), abs=TOL
        )
    vader = SentimentIntensityAnalyzer()
    english = [r for r in rows if r["language"] == "en"]
    vietnamese = [r for r in rows if r["language"] == "vi"]
    assert english and vietnamese
    for r in english:
        assert r["tone_compound"] == pytest.approx(vader.polarity_scores(r["title"])["compound"], abs=1e-12)
    for r in vietnamese:
        assert r["tone_compound"] is None and "not scored" in r["tone_note"]
    day0 = _dicts(demo_db, "select * from marts.fct_event_news_daily where event_id = ? and relative_day = 0", [EVENT])[
        0
    ]
    day0_en = [r["tone_compound"] for r in english if r["relative_day"] == 0]
    assert day0["articles_tone_scored"] == len(day0_en)
    assert day0["articles_not_scored"] == len([r for r in vietnamese if r["relative_day"] == 0])
    assert day0["mean_tone"] == pytest.approx(sum(day0_en) / len(day0_en), abs=1e-12) and day0["mean_tone"] < 0
