"""Every batch file in the lake when a build reads it is wholly in that build or wholly in the next,
whatever order batches start, finish or are read in; the next build then equals a full build.

The orders are forced with SIGSTOP/SIGCONT: a build is stopped right after it listed the lake
(its "lake: ..." line), a slow landing right after it stamped its rows (its scratch folder exists).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import BIN, SAMPLE, run_cli
from warehouse_compare import assert_same_warehouse

pytestmark = pytest.mark.slow

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
    """A --full-refresh build of a copy of the same lake."""
    full = tmp / "full"
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(data / "lake", full / "lake")
    run_cli("build", "--full-refresh", data_dir=full)
    return duckdb.connect(str(full / WAREHOUSE), read_only=True)


def staged_close(con, ticker: str, day: str) -> float:
    return con.execute(
        "select close from staging.stg_prices where ticker = ? and trade_date = ?", [ticker, day]
    ).fetchone()[0]


def test_batches_landing_while_a_build_runs_reach_the_next_build(published_copy, tmp_path):
    """The issue's order: build B lists the lake; a large landing N starts; a small landing M
    finishes; B finishes; N finishes; build C. Before, M's later stamp moved the mark past N."""
    data = published_copy
    big = corrected(tmp_path / "big.csv", {("NVDA", "2025-01-27"): 100.0})
    small = rows_of(corrected(tmp_path / "amd.csv", {("AMD", "2025-01-27"): 111.0}), ["AMD"], ["2025-01-27"])

    b = Stopped([str(BIN / "aftershock"), "build"], data, after_listing)
    n = Stopped(ingest_argv(big, "big"), data, after_stamping(data, "big"))
    land(data, small, "small")
    b_out = b.finish()
    assert "lake: 5 batch files, 0 to read (incremental)" in b_out  # neither landing was half-read by B
    n.finish()
    c_out = run_cli("build", data_dir=data).stdout
    assert "lake: 7 batch files, 2 to read (incremental)" in c_out, c_out[-2000:]

    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert staged_close(inc, "NVDA", "2025-01-27") == 100.0
        assert staged_close(inc, "AMD", "2025-01-27") == 111.0  # M landed later than N: its row wins
        day0 = inc.execute("""select day0_close from marts.fct_event_stock_impact
                              where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'""").fetchone()[0]
        assert day0 == 100.0
        assert_same_warehouse(inc, full)


def test_a_slow_landing_that_began_before_a_built_batch_rebuilds_the_lake(published_copy, tmp_path):
    """N stamps its rows, M lands after it and is built; N finishes: its rows are older than rows
    the warehouse holds, so an incremental mark would skip them. The next build reads the whole lake."""
    data = published_copy
    big = corrected(tmp_path / "big.csv", {("NVDA", "2025-01-27"): 100.0, ("AMD", "2025-01-27"): 99.0})
    small = rows_of(corrected(tmp_path / "amd.csv", {("AMD", "2025-01-27"): 111.0}), ["AMD"], ["2025-01-27"])

    n = Stopped(ingest_argv(big, "big"), data, after_stamping(data, "big"))
    land(data, small, "small")
    run_cli("build", data_dir=data)
    n.finish()
    out = run_cli("build", data_dir=data).stdout
    assert (
        "lake batch prices/big.parquet landed before the newest batch already built (out of order): "
        "building from the whole lake" in out
    ), out[-2000:]
    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert staged_close(inc, "NVDA", "2025-01-27") == 100.0
        assert staged_close(inc, "AMD", "2025-01-27") == 111.0  # the later landing still wins
        assert_same_warehouse(inc, full)


SEED = int(os.environ.get("AFTERSHOCK_SCHEDULE_SEED", "20250127"))


def test_a_random_schedule_of_landings_and_builds_ends_equal_to_a_full_build(published_copy, tmp_path):
    """A bounded random interleaving (seeded; the schedule is printed) of new batches, batches landed
    again with other content, slow landings held open across builds, and builds."""
    data = published_copy
    rng = random.Random(SEED)
    tickers = sorted(set(PRICES["ticker"]) - {"^GSPC", "^IXIC", "^SOX"})
    sessions = sorted(set(PRICES["date"]))[-60:]
    held: list[Stopped] = []
    schedule: list[str] = []
    for step in range(9):
        kind = rng.choice(["land", "land", "reland", "slow", "build"]) if step < 8 else "build"
        if kind in ("land", "reland", "slow"):
            batch = f"b{step}" if kind != "reland" or step < 2 else f"b{rng.randrange(step)}"
            picks = rng.sample(tickers, 3)
            days = {t: rng.choice(sessions) for t in picks}
            changes = {(t, d): round(close(t, d) * rng.uniform(0.9, 1.1), 2) for t, d in days.items()}
            path = rows_of(corrected(tmp_path / f"s{step}.csv", changes), picks)
            if kind == "slow":
                held.append(Stopped(ingest_argv(path, batch), data, after_stamping(data, batch)))
            else:
                land(data, path, batch)
            schedule.append(f"{kind} {batch} {sorted(changes)}")
        else:
            if held and rng.random() < 0.7:
                held.pop(0).finish()
                schedule.append("finish a slow landing")
            run_cli("build", data_dir=data)
            schedule.append("build")
    for s in held:
        s.finish()
    run_cli("build", data_dir=data)
    print(f"seed {SEED}:", *schedule, sep="\n  ")
    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert_same_warehouse(inc, full)
