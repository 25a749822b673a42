"""The closed-days warning's session table (ingest.exchange_closures) says what exchange_calendars says,
and landing a plain price CSV does not import the libraries it does not need."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from ingest import exchange_sessions
from ingest.exchange_closures import CLOSURES

from conftest import ROOT


@pytest.mark.parametrize("code", sorted(CLOSURES))
def test_the_table_is_what_the_installed_exchange_calendars_computes(code):
    t = CLOSURES[code]
    assert exchange_sessions.table_for(code, t["first"], t["last"]) == {**t, "holidays": list(t["holidays"])}, (
        f"exchange_calendars {exchange_sessions._installed_version()} differs from the table's {t['version']}: "
        f"run `python -m ingest.exchange_sessions {' '.join(sorted(CLOSURES))}`"
    )


@pytest.mark.parametrize(
    "days",
    [
        # MLK day 2025 (a Monday holiday), a Saturday, a session.
        [date(2025, 1, 17), date(2025, 1, 20), date(2025, 1, 25)],
        # Jimmy Carter's national day of mourning (an ad-hoc closure), New Year's Day observed on a Friday.
        [date(2021, 12, 31), date(2022, 1, 3), date(2025, 1, 9), date(2025, 1, 10)],
        [date(1990, 1, 1), date(1990, 1, 2)],  # the table's first day
        [date(2027, 12, 24), date(2027, 12, 31)],  # its last
        [date(1989, 12, 29), date(1990, 1, 2)],  # before the table: the package answers
        [date(2025, 1, 25)],  # one day alone (a Saturday), judged like any other batch
        [date(2025, 1, 24)],  # one session alone
        [date(2025, 1, 25), date(2025, 1, 26)],  # one weekend: no session at all
    ],
)
def test_closed_days_from_the_table_are_the_packages(days):
    assert exchange_sessions.closed_days("XNYS", days) == exchange_sessions._ask_package("XNYS", days)


def test_a_one_day_batch_on_a_weekend_or_holiday_is_named():
    """Before 2026-12-03 a batch of one day was never judged (exchange_calendars refuses start == end)."""
    for code_path in (exchange_sessions.closed_days, exchange_sessions._ask_package):
        assert code_path("XNYS", [date(2025, 1, 25)]) == [date(2025, 1, 25)]  # a Saturday
        assert code_path("XNYS", [date(2025, 1, 20)]) == [date(2025, 1, 20)]  # MLK day
        assert code_path("XNYS", [date(2025, 1, 24)]) == []  # a session


def test_every_weekday_of_a_decade_is_judged_like_the_package():
    days = [date(2014, 1, 1) + timedelta(days=i) for i in range(3653)]
    assert exchange_sessions.closed_days("XNYS", days) == exchange_sessions._ask_package("XNYS", days)


def test_an_unknown_calendar_is_not_judged():
    assert exchange_sessions.closed_days("NOPE", [date(2025, 1, 17), date(2025, 1, 20)]) is None


def test_landing_a_plain_price_csv_imports_no_pandas_requests_or_calendar(tmp_path):
    """The command's fixed cost: pandas, pyarrow, requests, exchange_calendars and GX cost it about a
    second of imports; a CSV DuckDB reads typed with no rejected row needs none of them."""
    csv = tmp_path / "p.csv"
    csv.write_text(
        "date,ticker,open,high,low,close,adj_close,volume\n"
        "2025-01-17,NVDA,137.0,138.0,136.0,137.7,137.7,1000\n"
        "2025-01-20,NVDA,137.0,138.0,136.0,137.7,137.7,1000\n"
        "2025-01-25,NVDA,142.0,143.0,141.0,100.0,100.0,1000\n"
    )
    script = (
        "import sys\n"
        "from aftershock.cli import main\n"
        f"sys.argv = ['aftershock', 'ingest', 'prices', '--source', 'file', '--path', {str(csv)!r}]\n"
        "assert main() == 0\n"
        "heavy = ['pandas', 'pyarrow', 'numpy', 'requests', 'exchange_calendars', 'great_expectations', 'feedparser']\n"
        "print('loaded:', [m for m in heavy if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "loaded: []" in proc.stdout, proc.stdout
    # The warning still names the holiday and the Saturday.
    assert "2 rows dated on days XNYS has no session (NVDA 2025-01-20, NVDA 2025-01-25)" in proc.stderr
