"""The walking skeleton end to end on the bundled sample: the reference figures of the DeepSeek sell-off."""

from __future__ import annotations

import shutil
import subprocess

import duckdb
import pytest

from conftest import BIN, run_cli

pytestmark = pytest.mark.slow


def impact(con, ticker):
    return con.execute(
        "select prev_close, day0_close, return_pct, market_cap_change_usd, abnormal_return_pct, beta, estimation_days "
        "from marts.fct_event_stock_impact where event_id = 'deepseek-r1-selloff' and ticker = ?",
        [ticker],
    ).fetchone()


def test_nvidia_reference_figures(demo_db):
    prev, day0, ret, mcap, ar, beta, m = impact(demo_db, "NVDA")
    assert prev == pytest.approx(142.62, abs=1e-4)
    assert day0 == pytest.approx(118.42, abs=1e-4)
    assert ret == pytest.approx(-16.97, abs=0.01)
    assert -600e9 < mcap < -585e9
    assert m == 240  # relative days -250..-11
    assert 1.0 < beta < 3.5 and ar < ret - (-1.46) + 5


@pytest.mark.parametrize(
    "ticker,expected",
    [("AVGO", -17.40), ("TSM", -13.33), ("AAPL", 3.18), ("^SOX", -9.15), ("^GSPC", -1.46), ("^IXIC", -3.07)],
)
def test_other_reference_returns(demo_db, ticker, expected):
    assert impact(demo_db, ticker)[2] == pytest.approx(expected, abs=0.01)


def test_schemas_are_exactly_the_contract(demo_db):
    schemas = {
        r[0]
        for r in demo_db.execute(
            "select distinct table_schema from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
    }
    assert schemas == {"raw", "staging", "intermediate", "marts"}
    # every view of the published file resolves (dbt names the catalog in them)
    views = demo_db.execute("select schema_name, view_name from duckdb_views() where not internal").fetchall()
    assert ("staging", "stg_events") in views
    for schema, view in views:
        demo_db.execute(f'select count(*) from "{schema}"."{view}"').fetchone()


def test_dim_events_and_daily_window(demo_db):
    ev = demo_db.execute(
        "select event_date, day0_date, origin from marts.dim_events where event_id='deepseek-r1-selloff'"
    ).fetchone()
    assert str(ev[0]) == "2025-01-27" and str(ev[1]) == "2025-01-27" and ev[2] == "curated"
    rows = demo_db.execute(
        "select relative_day, trade_date, index_100, return_pct from marts.fct_event_stock_daily "
        "where event_id='deepseek-r1-selloff' and ticker='NVDA' order by relative_day"
    ).fetchall()
    assert [r[0] for r in rows] == list(range(-10, 11))
    day = {r[0]: r for r in rows}
    assert str(day[-1][1]) == "2025-01-24" and day[-1][2] == pytest.approx(100.0)
    assert day[0][2] == pytest.approx(100 * (1 - 0.1697), abs=0.02)


def test_demo_prints_the_impact_table(demo_dir):
    out = (demo_dir / "demo_stdout.txt").read_text()
    nvda = next(line for line in out.splitlines() if line.startswith("NVDA "))
    assert "-16.97" in nvda and "-592.7" in nvda
    lines = [ln.split()[0] for ln in out.splitlines() if ln.split() and ln.split()[0] in ("NVDA", "AVGO", "AAPL")]
    assert lines == ["NVDA", "AVGO", "AAPL"]  # largest market-value loss first


def test_duckdb_shell_opens_the_published_warehouse(demo_dir):
    db = demo_dir / "warehouse" / "aftershock.duckdb"
    out = subprocess.run(
        [
            str(BIN / "duckdb"),
            "-readonly",
            "-csv",
            str(db),
            "-c",
            "select round(return_pct, 2) from marts.fct_event_stock_impact where ticker = 'NVDA'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "-16.97" in out.stdout
    version = subprocess.run([str(BIN / "duckdb"), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v" + duckdb.__version__), (version, duckdb.__version__)


def test_sql_command_runs_the_shell_read_only(demo_dir):
    proc = run_cli(
        "sql", "-csv", "-c", "select count(*) as n from marts.dim_events where origin = 'curated'", data_dir=demo_dir
    )
    assert proc.stdout.strip().splitlines()[-1] == "1"
    write = run_cli("sql", "-c", "create table marts.x as select 1", data_dir=demo_dir, check=False)
    assert "read-only" in (write.stdout + write.stderr).lower()


def _row_counts(db_path):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        con.close()


def test_demo_twice_changes_no_row_count_and_builds_while_a_reader_holds_the_file(tmp_path, demo_dir):
    # The shared demo directory is the first demo; a copy of it gets the second.
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, ignore=shutil.ignore_patterns("building", "*.lock", "demo_stdout.txt"))
    db = data / "warehouse" / "aftershock.duckdb"
    before = _row_counts(db)
    reader = duckdb.connect(str(db), read_only=True)
    try:
        held = reader.execute("select count(*) from marts.fct_event_stock_impact").fetchone()[0]
        run_cli("demo", data_dir=data)  # rebuilds and publishes while `reader` has the file open
        assert reader.execute("select count(*) from marts.fct_event_stock_impact").fetchone()[0] == held
    finally:
        reader.close()
    assert _row_counts(db) == before
    # 25 tickers for each studied event: the curated one and the detected ones not on its day 0
    assert before["marts.fct_event_stock_impact"] == 25 * before["intermediate.int_event_calendar"]
    assert before["intermediate.int_event_calendar"] == 37
    assert not list((data / "warehouse" / "building").glob("*"))


def test_the_saved_dbt_parse_holds_no_path_of_its_data_directory(demo_dir):
    """dbt runs with paths relative to its project folder (aftershock.dbt_runner.dbt_env), so its saved
    parse stays valid in a copy of the data directory: an absolute path there (a model or source that
    reads AFTERSHOCK_DATA_DIR, say) would make every copy parse the whole project again."""
    saved = (demo_dir / "build" / "dbt_target" / "partial_parse.msgpack").read_bytes()
    assert str(demo_dir).encode() not in saved and str(demo_dir.resolve()).encode() not in saved


def test_build_with_events_file_replaces_the_seed(old_format_events_build):
    data, out = old_format_events_build  # the demo's lake built with --events conftest.OLD_FORMAT_EVENTS
    # The copy kept the demo's saved dbt parse: only the changed seed was parsed again.
    assert "Unable to do partial parsing" not in out, out[:3000]
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        # detected events (origin = 'detected') come from the prices, not the seed
        curated = {
            e for (e,) in con.execute("select event_id from marts.dim_events where origin = 'curated'").fetchall()
        }
        assert curated == {"old-format", "at-the-end", "liberation-day", "saturday-news", "mlk-day-news"}
        rows = dict(
            con.execute(
                "select ticker, return_pct from marts.fct_event_stock_impact where event_id = 'liberation-day'"
            ).fetchall()
        )
    finally:
        con.close()
    assert set(rows) == {"NVDA", "AAPL", "^GSPC"}
    assert rows["AAPL"] == pytest.approx(-9.25, abs=0.05)


def test_demo_shows_progress_and_keeps_the_full_dbt_log(demo_dir):
    out = (demo_dir / "demo_stdout.txt").read_text()
    assert "  dbt | " not in out  # dbt's log is not streamed (`aftershock demo --verbose` does)
    progress = [ln for ln in out.splitlines() if ln.startswith("  dbt build: ")]
    assert 2 <= len(progress) <= 4 and progress[-1].startswith("  dbt build: ") and "nodes done" in progress[-1]
    done, total = progress[-1].split(": ")[1].split(" nodes")[0].split(" of ")
    assert done == total
    log = demo_dir / "build" / "dbt-build.log"
    assert f"(full dbt log: {log})" in out
    text = log.read_text()
    assert f"{total} of {total} OK" in text or f"{total} of {total} PASS" in text
    assert "Completed successfully" in text
