"""The event-study marts against an independent reference (bench/reference.py through
tests/event_study_reference.py: pandas, statsmodels OLS, scipy) computed from sample/ prices, to 1e-9; plus per-event study settings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest
from scipy import stats

import event_study_reference as ref
from conftest import ROOT, SAMPLE, copy_parse_cache, run_cli

pytestmark = pytest.mark.slow
TOL = 1e-9

# Three studies of the same day under the three normal-return models; the last one also moves the
# estimation window and overrides the benchmark, through the optional seed columns.
EVENTS = [
    ("ds-market", dict(model="market", est=(-250, -11), benchmark=None), ",,,"),
    ("ds-adjusted", dict(model="market_adjusted", est=(-250, -11), benchmark=None), ",,market_adjusted,"),
    ("ds-constant", dict(model="constant_mean", est=(-120, -6), benchmark="^IXIC"), "-120,-6,constant_mean,^IXIC"),
]


@pytest.fixture(scope="module")
def study_db(tmp_path_factory, demo_dir):
    d = tmp_path_factory.mktemp("study") / "data"
    copy_parse_cache(demo_dir, d)  # dbt parses partially (conftest.copy_parse_cache)
    events = tmp_path_factory.mktemp("events") / "events.csv"
    lines = ["event_id,event_date,title,keywords,tickers,estimation_start,estimation_end,model,benchmark,car_windows"]
    lines += [f"{eid},2025-01-27,DeepSeek {eid},DeepSeek,,{extra}," for eid, _, extra in EVENTS]
    # early in the lake: the [-250,-11] window holds fewer sessions than the minimum of 120
    lines += [f"{EARLY},2024-05-15,Early event,Nvidia,,,,,,"]
    # its own CAR windows instead of the project's (one listed twice, one reaching past +10)
    lines += [
        f"{OWN_WINDOWS},2025-01-27,DeepSeek own windows,DeepSeek,,,,,,{'|'.join(f'{a}:{b}' for a, b in WINDOWS_ASKED)}|0:3"
    ]
    events.write_text("\n".join(lines) + "\n")
    run_cli("ingest", "prices", "--source", "file", "--path", str(SAMPLE / "prices/prices_daily.csv"), data_dir=d)
    run_cli("ingest", "shares", "--source", "file", "--path", str(SAMPLE / "shares/shares_outstanding.csv"), data_dir=d)
    run_cli("build", "--events", str(events), data_dir=d)
    con = duckdb.connect(str(d / "warehouse" / "aftershock.duckdb"), read_only=True)
    yield con
    con.close()


EARLY = "early-2024-05"
OWN_WINDOWS = "ds-own-windows"
WINDOWS_ASKED = [(0, 3), (-2, 2), (0, 0), (0, 15)]


@pytest.fixture(scope="module")
def references():
    return {eid: ref.run_study("2025-01-27", **kw) for eid, kw, _ in EVENTS}


def _dicts(con, sql, params):
    cur = con.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("event_id", [e[0] for e in EVENTS])
def test_normal_return_models_match_ols_reference(study_db, references, event_id):
    study = references[event_id]
    rows = {
        r["ticker"]: r
        for r in _dicts(study_db, "select * from marts.fct_event_stock_impact where event_id = ?", [event_id])
    }
    assert set(rows) == set(study.fits) and len(rows) == 25
    for t, f in study.fits.items():
        r = rows[t]
        assert r["model"] == f.model
        assert r["estimation_days"] == f.m
        assert r["alpha"] == pytest.approx(f.alpha, abs=TOL)
        assert r["beta"] == pytest.approx(f.beta, abs=TOL)
        assert r["sigma"] == pytest.approx(f.sigma, abs=TOL)
        assert r["abnormal_return_pct"] == pytest.approx(f.ar[0] * 100, abs=TOL)
        if f.sigma > 1e-12:
            assert r["t_ar"] == pytest.approx(f.ar[0] / f.sigma, abs=TOL)
        else:  # a benchmark regressed on itself has no residual: no t
            assert r["t_ar"] is None


def test_models_and_windows_differ_where_configured(references):
    m = references["ds-market"].fits["NVDA"]
    c = references["ds-constant"].fits["NVDA"]
    assert (m.m, c.m) == (240, 115)
    assert references["ds-adjusted"].fits["NVDA"].dof == 239 and m.dof == 238


@pytest.mark.parametrize("event_id", [e[0] for e in EVENTS])
def test_car_matches_reference(study_db, references, event_id):
    study = references[event_id]
    expected = ref.car_table(study)
    got = {
        (r["ticker"], r["window_start"], r["window_end"]): r
        for r in _dicts(study_db, "select * from marts.fct_event_car where event_id = ?", [event_id])
    }
    assert set(got) == set(expected) and len(got) == 25 * len(ref.WINDOWS)
    bhars = ref.bhar_table(study)
    for key, (car, t_car) in expected.items():
        assert got[key]["car_pct"] == pytest.approx(car * 100, abs=TOL), key
        assert got[key]["bhar_pct"] == pytest.approx(bhars[key] * 100, abs=TOL), key
        if study.fits[key[0]].sigma > 0:
            assert got[key]["t_car"] == pytest.approx(t_car, abs=TOL), key
        else:  # no residual beyond rounding (an index against itself): no standardised CAR, not noise
            assert got[key]["t_car"] is None, key
    # the sample's benchmark is among the studied tickers: against itself, the case that rule is for
    assert (study.fits["^GSPC"].sigma == 0) == (event_id != "ds-constant")


@pytest.mark.parametrize("event_id", [e[0] for e in EVENTS])
def test_caar_statistics_and_p_values_match_scipy(study_db, references, event_id):
    expected = ref.caar_table(references[event_id])
    got = {
        (r["window_start"], r["window_end"]): r
        for r in _dicts(study_db, "select * from marts.fct_event_caar where event_id = ?", [event_id])
    }
    assert set(got) == set(expected) == {(0, 0), (-1, 1), (0, 1), (0, 5), (-5, 5), (0, 20), (0, 60)}
    for w, exp in expected.items():
        row = got[w]
        assert row["n"] == exp["n"] == 20  # stocks only: 25 tickers less 3 indices and 2 ETFs
        assert (row["n_positive"], row["n_negative"]) == (exp["n_positive"], exp["n_negative"])
        assert row["caar_pct"] == pytest.approx(exp["caar"] * 100, abs=TOL)
        assert row["aar_pct"] == pytest.approx(exp["aar"] * 100, abs=TOL)
        assert row["mean_bhar_pct"] == pytest.approx(exp["mean_bhar"] * 100, abs=TOL)
        for k in (
            "t_cs",
            "t_cs_p",
            "patell_z",
            "patell_z_p",
            "bmp_t",
            "bmp_t_p",
            "mean_correlation",
            "kp_t",
            "kp_t_p",
            "rank_z",
            "rank_z_p",
            "p_positive",
            "sign_z",
            "sign_z_p",
            "t_bhar",
            "t_bhar_p",
        ):
            if exp[k] is None:  # the rank test of a window past the event window
                assert row[k] is None, (w, k)
            else:
                assert row[k] == pytest.approx(exp[k], abs=TOL), (w, k)


def test_deepseek_day0_is_significant(study_db):
    caar, p, kp_p = study_db.execute(
        "select caar_pct, bmp_t_p, kp_t_p from marts.fct_event_caar "
        "where event_id = 'ds-market' and window_start = 0 and window_end = 0"
    ).fetchone()
    assert caar < -5 and p < 0.01 and kp_p > p  # cross-correlation widens the BMP test


def _p_value_module():
    spec = importlib.util.spec_from_file_location("fct_event_caar", ROOT / "dbt/models/marts/fct_event_caar.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("df", [1, 2, 3, 5, 19, 30, 99, 1000])
@pytest.mark.parametrize("t", [0.0, 0.1, 0.7, 1.96, 2.5, 4.0, 8.0, 25.0])
def test_student_p_value_matches_scipy(df, t):
    p = _p_value_module().p_student(t, df)
    assert p == pytest.approx(2 * stats.t.sf(t, df), abs=1e-12, rel=1e-9)
    assert _p_value_module().p_student(-t, df) == p


@pytest.mark.parametrize("z", [0.0, 0.5, 1.644, 1.96, 3.3, 6.0, 10.2])
def test_normal_p_value_matches_scipy(z):
    assert _p_value_module().p_normal(z) == pytest.approx(2 * stats.norm.sf(z), abs=1e-15, rel=1e-12)
    assert _p_value_module().p_normal(float("nan")) is None


def test_events_file_without_optional_columns_uses_defaults(old_format_events_build):
    data_dir, _ = old_format_events_build  # conftest.OLD_FORMAT_EVENTS: "old-format" and "at-the-end"
    con = duckdb.connect(str(data_dir / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        ev = con.execute(
            "select model, estimation_start, estimation_end from marts.dim_events where event_id = 'old-format'"
        ).fetchone()
        assert ev == ("market", -250, -11)
        fit = ref.run_study("2025-01-27", tickers=["NVDA", "AMD", "AVGO"]).fits["AMD"]
        beta, m = con.execute(
            "select beta, estimation_days from marts.fct_event_stock_impact "
            "where event_id = 'old-format' and ticker = 'AMD'"
        ).fetchone()
        assert m == fit.m and beta == pytest.approx(fit.beta, abs=TOL)
        n = con.execute(
            "select n from marts.fct_event_caar where event_id = 'old-format' and window_end = 0 and window_start = 0"
        ).fetchone()[0]
        assert n == 3
        # day 0 is the last session: only [0,0] is complete; longer windows have no CAR and no CAAR row
        cars = dict(
            con.execute(
                "select window_start || ',' || window_end, car_pct from marts.fct_event_car "
                "where event_id = 'at-the-end' and ticker = 'NVDA'"
            ).fetchall()
        )
        assert cars["0,0"] is not None and cars["0,5"] is None and cars["-1,1"] is None
        windows = con.execute(
            "select window_start, window_end, n from marts.fct_event_caar where event_id = 'at-the-end'"
        ).fetchall()
        assert windows == [(0, 0, 2)]
    finally:
        con.close()


def test_short_estimation_window_is_flagged_and_left_out_of_caar(study_db):
    m = ref.run_study("2024-05-15").fits["NVDA"].m
    assert m < 120
    rows = _dicts(study_db, "select * from marts.fct_event_stock_impact where event_id = ?", [EARLY])
    stocks = [r for r in rows if r["asset_type"] == "stock"]
    assert len(stocks) == 20
    for r in stocks:
        assert (r["estimation_days"], r["estimation_days_asked"], r["estimation_too_short"], r["in_caar"]) == (
            m,
            240,
            True,
            False,
        )
        assert r["caar_exclusion_reason"] == f"estimation window has {m} of 240 sessions, below the minimum of 120"
        assert r["abnormal_return_pct"] is not None  # still computed and published, only flagged
    assert study_db.execute("select count(*) from marts.fct_event_caar where event_id = ?", [EARLY]).fetchone()[0] == 0
    summary = _dicts(study_db, "select * from marts.fct_event_summary where event_id = ?", [EARLY])[0]
    assert summary["stocks_in_caar"] == 0 and len(summary["stocks_left_out_of_caar"]) == 20
    assert summary["stocks_left_out_of_caar"][0].startswith("AAPL: estimation window has ")


def test_demo_and_report_show_why_pairs_are_left_out(study_db, tmp_path):
    from aftershock import demo

    text = demo.caar_table(study_db, EARLY)
    assert "no stock has a long enough estimation window" in text
    assert f"AAPL: estimation window has {ref.run_study('2024-05-15').fits['AAPL'].m} of 240 sessions" in text
    db = study_db.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    from aftershock.report import build_report

    html = build_report(EARLY, out_dir=tmp_path, db=Path(db)).html.read_text()
    assert "Left out of CAAR: AAPL: estimation window has" in html
    assert "0 of 20 stocks in CAAR" in html


def test_long_horizons_reach_past_the_event_window(study_db, references):
    """[0,+20] and [0,+60] are computed from days after +10; the daily mart keeps to [-10,+10]."""
    got = dict(
        study_db.execute(
            "select window_end, car_pct from marts.fct_event_car where event_id = 'ds-market' "
            "and ticker = 'NVDA' and window_start = 0"
        ).fetchall()
    )
    nvda = references["ds-market"].fits["NVDA"]
    assert got[60] == pytest.approx(nvda.ar[(nvda.ar.index >= 0) & (nvda.ar.index <= 60)].sum() * 100, abs=TOL)
    assert got[20] != got[10 if 10 in got else 5]
    days = study_db.execute(
        "select min(relative_day), max(relative_day) from marts.fct_event_stock_daily where event_id = 'ds-market'"
    ).fetchone()
    assert days == (-10, 10)


def test_an_event_with_its_own_car_windows_is_studied_over_exactly_those(study_db, references):
    windows = sorted(set(WINDOWS_ASKED))
    study = references["ds-market"]  # the same day and model: only the windows differ
    cars, bhars = ref.car_table(study, windows), ref.bhar_table(study, windows)
    got = {
        (r["ticker"], r["window_start"], r["window_end"]): r
        for r in _dicts(study_db, "select * from marts.fct_event_car where event_id = ?", [OWN_WINDOWS])
    }
    assert set(got) == set(cars) and {(a, b) for _, a, b in got} == set(windows)
    for key, (car, _) in cars.items():
        assert got[key]["car_pct"] == pytest.approx(car * 100, abs=TOL), key
        assert got[key]["bhar_pct"] == pytest.approx(bhars[key] * 100, abs=TOL), key
    expected = ref.caar_table(study, windows)
    caar = {
        (r["window_start"], r["window_end"]): r
        for r in _dicts(study_db, "select * from marts.fct_event_caar where event_id = ?", [OWN_WINDOWS])
    }
    assert set(caar) == set(expected)
    for w, exp in expected.items():
        assert caar[w]["n"] == exp["n"] == 20
        assert caar[w]["caar_pct"] == pytest.approx(exp["caar"] * 100, abs=TOL), w
        assert caar[w]["bmp_t"] == pytest.approx(exp["bmp_t"], abs=TOL), w
        if exp["rank_z"] is None:  # [0, +15] reaches past the event window: no rank test
            assert caar[w]["rank_z"] is None, w
        else:
            assert caar[w]["rank_z"] == pytest.approx(exp["rank_z"], abs=TOL), w
    # the other events keep the project's windows
    default = study_db.execute(
        "select count(distinct (window_start, window_end)) from marts.fct_event_car where event_id = 'ds-market'"
    ).fetchone()[0]
    assert default == len(ref.WINDOWS)


def test_car_windows_the_build_cannot_compute_are_refused_naming_the_event(tmp_path):
    header = "event_id,event_date,title,keywords,tickers,estimation_start,estimation_end,model,benchmark,car_windows\n"
    for windows, says in (
        ("0:90", "reaches outside the days the build computes, [-10, +60]"),
        ("5:1", "starts after it ends"),
        ("0-5", "write start:end pairs separated by '|'"),
    ):
        events = tmp_path / "events.csv"
        events.write_text(header + f"bad-windows,2025-01-27,Bad,DeepSeek,,,,,,{windows}\n")
        out = run_cli("build", "--events", str(events), data_dir=tmp_path / "data", check=False)
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        assert f"{events}, line 2: event 'bad-windows': car_windows" in out.stderr and says in out.stderr, out.stderr
