"""Helpers of the batch-integrity tests (tests/test_batch_integrity.py, tests/test_batch_schedule.py):
landings and builds forced into an order with SIGSTOP/SIGCONT, and a full build to compare with.

A build is stopped right after it listed the lake (its "lake: ..." line), a slow landing right after
it stamped its rows (its scratch folder exists).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd

from conftest import BIN, REFERENCE_BUILD_ENV, SAMPLE, copy_parse_cache, environment, run_cli

PRICES = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
WAREHOUSE = Path("warehouse") / "aftershock.duckdb"


def _env(data: Path) -> dict:
    return {**os.environ, "AFTERSHOCK_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}


def corrected(path: Path, changes: dict[tuple[str, str], float]) -> Path:
    """The whole sample price file with some closes (and adjusted closes) replaced."""
    df = PRICES.copy()
    for (ticker, day), close in changes.items():
        hit = (df["ticker"] == ticker) & (df["date"] == day)
        assert hit.sum() == 1, (ticker, day)
        df.loc[hit, ["close", "adj_close"]] = str(close)
        df.loc[hit, "low"] = str(min(close, float(df.loc[hit, "low"].iloc[0])))
        df.loc[hit, "high"] = str(max(close, float(df.loc[hit, "high"].iloc[0])))
    df.to_csv(path, index=False)
    return path


def close(ticker: str, day: str) -> float:
    return float(PRICES.loc[(PRICES["ticker"] == ticker) & (PRICES["date"] == day), "close"].iloc[0])


def rows_of(path: Path, tickers: list[str], dates: list[str] | None = None) -> Path:
    """A small batch: some tickers' rows of a price file."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df[df["ticker"].isin(tickers) & (df["date"].isin(dates) if dates else True)]
    out = path.with_name(f"{path.stem}-{'-'.join(tickers)}.csv")
    df.to_csv(out, index=False)
    return out


class Stopped:
    """A command stopped (with its children) at a point it reached, to be resumed later."""

    def __init__(self, argv: list[str], data: Path, until):
        self.proc = subprocess.Popen(
            argv, env=_env(data), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.out = until(self.proc)
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def finish(self, timeout: int = 600) -> str:
        os.killpg(self.proc.pid, signal.SIGCONT)
        rest, _ = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, self.out + rest
        return self.out + rest


def after_listing(proc) -> str:
    """Read a build's output up to the line saying which batch files it will read."""
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("lake: "):
            return "".join(seen)
    raise AssertionError("the build ended before listing the lake:\n" + "".join(seen))


def after_stamping(data: Path, batch: str):
    """Wait until the fast price landing of `batch` has stamped its rows (its scratch folder,
    `.prices-<pid>@<host>@...`, exists)."""

    def until(proc) -> str:
        deadline = time.monotonic() + 120
        while not list((data / "lake" / "raw").glob(f".prices-{proc.pid}@*")):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the landing never started"
            time.sleep(0.02)
        return ""

    return until


def ingest_argv(path: Path, batch: str) -> list[str]:
    return [str(BIN / "aftershock"), "ingest", "prices", "--source", "file", "--path", str(path), "--batch-id", batch]


def land(data: Path, path: Path, batch: str) -> None:
    run_cli(*ingest_argv(path, batch)[1:], data_dir=data)


def full_build_of(data: Path, tmp: Path):
    """A --full-refresh build of a copy of the same lake (its models and seeds: REFERENCE_BUILD_ENV),
    read from its building file: the first step of `aftershock build` (aftershock.build.dbt_build),
    without the gate and the publish. The comparison reads relations; the gate is other tests' point,
    and importing GX and running its suites would cost each reference about 5 CPU s more."""
    from aftershock import publish
    from aftershock.build import dbt_build

    full = tmp / "full"
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(data / "lake", full / "lake")
    copy_parse_cache(data, full)
    with environment({"AFTERSHOCK_DATA_DIR": str(full), **REFERENCE_BUILD_ENV}), publish.build_lock():
        building = dbt_build(full_refresh=True, echo=False)
    return duckdb.connect(str(building), read_only=True)


def staged_close(con, ticker: str, day: str) -> float:
    return con.execute(
        "select close from staging.stg_prices where ticker = ? and trade_date = ?", [ticker, day]
    ).fetchone()[0]
