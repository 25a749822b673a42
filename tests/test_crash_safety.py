"""kill -9 at several points of ingest and of build: nothing partial becomes visible, the last good
warehouse stays published, and the next run recovers with no manual clean-up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from kernel.files import TMP_MARK

from conftest import BIN, run_cli, sha256

pytestmark = pytest.mark.slow


def wait_for(pred, timeout: float = 120, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def lake_view(d: Path, source: str) -> list[str]:
    """What a reader of the lake sees: DuckDB's glob, the same pattern dbt reads."""
    con = duckdb.connect()
    try:
        return sorted(
            Path(f).name
            for (f,) in con.execute(
                "select file from glob(?)", [str(d / "lake" / "raw" / source / "*.parquet")]
            ).fetchall()
        )
    finally:
        con.close()


# ---- ingest -------------------------------------------------------------------------------

SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kernel import files

    def write(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"PAR1" + b"x" * 65536)   # half a Parquet file
            fh.flush()
            Path(sys.argv[2]).touch()         # tell the test we are mid-write
            time.sleep(600)

    files.atomic_write(Path(sys.argv[1]), write)
""")


def test_kill_during_the_temp_write_leaves_nothing_visible_and_is_swept(data_dir, tmp_path):
    target = data_dir / "lake" / "raw" / "prices" / "batch-1.parquet"
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target), str(ready)],
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(data_dir)},
    )
    try:
        assert wait_for(ready.exists, 60)
        temps = [p for p in target.parent.iterdir() if TMP_MARK in p.name]
        assert len(temps) == 1 and temps[0].stat().st_size > 65536
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not target.exists()
    assert lake_view(data_dir, "prices") == []  # the half file is invisible to DuckDB and dbt

    # The next ingest of any batch sweeps the dead writer's temp file and lands whole.
    csv = tmp_path / "p.csv"
    csv.write_text(
        "date,ticker,open,high,low,close,adj_close,volume\n2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.59,1\n"
    )
    run_cli("ingest", "prices", "--source", "file", "--path", str(csv), "--batch-id", "batch-1", data_dir=data_dir)
    assert [p.name for p in target.parent.iterdir()] == ["batch-1.parquet"]
    assert pd.read_parquet(target)["close"].tolist() == [142.62]


def _big_prices_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(6)
    days = pd.bdate_range("2000-01-03", periods=rows // 50)
    tickers = [f"T{i:03d}" for i in range(50)]
    idx = pd.MultiIndex.from_product([days, tickers], names=["date", "ticker"]).to_frame(index=False)
    close = rng.uniform(10, 500, len(idx)).round(2)
    idx["open"], idx["high"], idx["low"], idx["close"] = close, close * 1.01, close * 0.99, close
    idx["adj_close"], idx["volume"] = close, rng.integers(1, 10**7, len(idx))
    idx.to_csv(path, index=False)


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 3.5])
def test_kill_ingest_at_several_points_then_rerun(data_dir, tmp_path, delay):
    """Killed at some point of reading, validating or writing: the lake holds the old batch or the
    whole new one, never a part, and a re-run lands it with nothing to clean up."""
    csv = tmp_path / "big.csv"
    _big_prices_csv(csv, 200_000)
    old = data_dir / "lake" / "raw" / "prices" / "big.parquet"
    run_cli(
        "ingest",
        "prices",
        "--source",
        "file",
        "--path",
        str(csv),
        "--batch-id",
        "big",
        "--end",
        "2000-06-30",
        data_dir=data_dir,
    )
    old_rows = len(pd.read_parquet(old))
    proc = subprocess.Popen(
        [str(BIN / "aftershock"), "ingest", "prices", "--source", "file", "--path", str(csv), "--batch-id", "big"],
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert lake_view(data_dir, "prices") == ["big.parquet"]
    assert len(pd.read_parquet(old)) in (old_rows, 200_000)  # whole old or whole new, readable
    run_cli("ingest", "prices", "--source", "file", "--path", str(csv), "--batch-id", "big", data_dir=data_dir)
    assert len(pd.read_parquet(old)) == 200_000
    assert [p.name for p in old.parent.iterdir()] == ["big.parquet"]  # no temp file left behind


# ---- build --------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


KILL_POINTS = ["dbt started", "building file written", "gate running"]


def _kill_build_at(data: Path, point: str) -> None:
    """Start `aftershock build` on `data`, SIGKILL it at `point`, and check what it left: dbt died with
    it, and the published file is the one of before, whole and readable."""
    db = data / "warehouse" / "aftershock.duckdb"
    before = sha256(db)
    building = data / "warehouse" / "building"
    proc = subprocess.Popen(
        [str(BIN / "aftershock"), "build"],
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(data)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        if point == "dbt started":
            assert wait_for(lambda: _children(proc.pid), 60)
        elif point == "building file written":
            assert wait_for(lambda: building.is_dir() and any(p.suffix == ".duckdb" for p in building.rglob("*")), 120)
            # wait for dbt to be writing models into it
            for line in proc.stdout:
                seen.append(line)
                if " OK created " in line or "OK loaded seed" in line:
                    break
        else:
            for line in proc.stdout:
                seen.append(line)
                if "Completed successfully" in line or "Done. PASS" in line:
                    break
            time.sleep(0.5)  # inside the gate: GX importing or validating
        kids = _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # dbt dies with the build (PR_SET_PDEATHSIG), so no orphan keeps writing the building file.
    assert wait_for(lambda: not any(_alive(k) for k in kids), 30), point
    assert sha256(db) == before, point
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from marts.fct_event_stock_impact").fetchone()[0] > 0, point
    con.close()


def test_kill_build_at_each_point_then_next_build_recovers(published_copy):
    """Builds killed one after another at each point, on one data directory: each killed build
    after the first shows that its predecessor's lock died with it (flock) and that it swept what
    the killed one left, at a later point each time; the last build then publishes."""
    for point in KILL_POINTS:
        _kill_build_at(published_copy, point)

    ok = run_cli("build", data_dir=published_copy)
    assert "published" in ok.stdout
    assert list((published_copy / "warehouse" / "building").iterdir()) == []
    assert not (published_copy / "warehouse" / "aftershock.duckdb.wal").exists()
