"""The independent event study (bench/reference.py: pandas, statsmodels OLS, scipy) run on the sample.

It reads sample/prices and dbt/seeds/watchlist.csv directly, never the warehouse, so the marts can be
checked against it to 1e-9.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench import reference
from bench.reference import Study, TickerFit, caar_table, car_table  # noqa: F401 (the tests' API)

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = reference.WINDOWS
EVENT_WINDOW = reference.EVENT_WINDOW


def _sample() -> reference.Returns:
    return reference.returns_wide(pd.read_csv(ROOT / "sample/prices/prices_daily.csv", parse_dates=["date"]))


def load_returns() -> pd.DataFrame:
    """Wide frame of simple returns (rows: session dates, columns: tickers)."""
    return _sample().rets


def watchlist() -> pd.DataFrame:
    return pd.read_csv(ROOT / "dbt/seeds/watchlist.csv").set_index("ticker")


def run_study(event_date: str, model: str = "market", est=(-250, -11), benchmark: str | None = None,
              tickers: list[str] | None = None) -> Study:
    return reference.run_study(_sample(), event_date, model, est, benchmark, tickers, watchlist())
