"""End to end: `scripts/airflow.sh start` (what `make airflow` runs) on a free loopback port with a
temporary AIRFLOW_HOME, the REST API with a token, a transform run triggered through it, the marts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from airflow_support import ROOT, admin_password, airflow_env, published_nvda_impact, rest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_group(home: Path) -> None:
    """Belt and braces after `airflow.sh stop`: the standalone's process group must be gone."""
    pidfile = home / "standalone.pid"
    if pidfile.exists():
        try:
            os.killpg(int(pidfile.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _live_processes() -> Iterator[tuple[Path, int]]:
    """Each process that still runs: its /proc folder and its process group. A killed process stays in
    its group as a zombie until its new parent reaps it; under a subreaper that reaps late (a test
    harness, some CI runners) `os.killpg(pgid, 0)` still finds the group then, though nothing of it runs."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):  # the process ended while it was read
            continue
        if state != "Z":
            yield stat.parent, int(pgrp)


def _running_members(pgid: int) -> list[int]:
    """The processes of a process group that still run."""
    return [int(proc.name) for proc, group in _live_processes() if group == pgid]


def _running_with_home(home: Path) -> list[int]:
    """Processes that still run with this AIRFLOW_HOME in their environment, whatever their group:
    Airflow puts each task runner, and so the dbt it starts, in a process group of its own."""
    mark = f"AIRFLOW_HOME={home}".encode()
    running = []
    for proc, _group in _live_processes():
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0"):
                running.append(int(proc.name))
        except OSError:  # ended while read, or not ours to read
            continue
    return running


def _succeeded_after(runs: list[dict], timestamp: float) -> bool:
    """A run in state success that ended at or after `timestamp` (seconds since the epoch)."""
    return any(
        r["state"] == "success" and r["end_date"] and datetime.fromisoformat(r["end_date"]).timestamp() >= timestamp
        for r in runs
    )


@pytest.mark.slow
def test_first_start_of_a_fresh_install_publishes_with_no_manual_step(tmp_path):
    """`make airflow` in sample mode on a fresh clone: an empty data directory (no lake, no
    manifest, no warehouse), every DAG unpaused by the script, and nothing triggered by hand. The
    ingest runs land the sample; their Asset events must start the transform, which publishes."""
    home, data = tmp_path / "airflow_home", tmp_path / "data"
    port = _free_port()
    env = airflow_env(
        home,
        data,
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__HOST="127.0.0.1",
        # One dbt task instead of one per node: each task is a fresh process here, and the
        # per-node tasks already run in test_every_dag_runs_with_dag_test_on_the_sample.
        AFTERSHOCK_DBT_TASKS="single",
    )
    base = f"http://127.0.0.1:{port}"
    script = ROOT / "scripts" / "airflow.sh"
    try:
        started = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True, timeout=600)
        assert started.returncode == 0, started.stdout + started.stderr
        unpaused = [ln.split()[1] for ln in started.stdout.splitlines() if ln.startswith("unpaused ")]
        # the transform before any ingest DAG: a batch landed while it is paused would start no run
        assert unpaused[0] == "aftershock_transform" and len(unpaused) == 5, started.stdout
        password = admin_password(home)
        assert f"login: admin / {password}" in started.stdout

        status, _ = rest(f"{base}/api/v2/dags")
        assert status == 401, "the API must refuse a request without a token"
        status, body = rest(f"{base}/auth/token", body={"username": "admin", "password": "wrong"})
        assert status in (401, 403)
        status, body = rest(f"{base}/auth/token", body={"username": "admin", "password": password})
        assert status in (200, 201), body
        token = body["access_token"]

        # the UI's Aftershock menu: the site plugin is loaded by the API server
        status, plugins = rest(f"{base}/api/v2/plugins", token)
        assert status == 200, plugins
        [site] = [p for p in plugins["plugins"] if p["name"] == "aftershock_site"]
        assert {v["name"] for v in site["external_views"]} == {"Event reports", "dbt docs", "Data Docs (quality gate)"}

        # No trigger: wait for the runs the landed batches started, until the run that published has
        # succeeded (its site refreshed). A run that starts before the prices have landed is skipped, and
        # its state is success too: hence a success that ended after the publish. A later run, queued by
        # landings during the first, is left to `airflow.sh stop`, which must stop it midway (checked
        # below: nothing of the group left, the published file whole); waiting for it made this test
        # take 80 to 180 s, by how the landings fell.
        warehouse = data / "warehouse" / "aftershock.duckdb"
        deadline = time.monotonic() + 600
        runs: list = []
        while time.monotonic() < deadline:
            status, body = rest(f"{base}/api/v2/dags/aftershock_transform/dagRuns?limit=20", token)
            runs = body["dag_runs"] if status == 200 else runs
            assert "failed" not in [r["state"] for r in runs], runs
            if warehouse.exists() and _succeeded_after(runs, warehouse.stat().st_mtime):
                break
            time.sleep(2)
        assert runs and all(r["run_type"] != "manual" for r in runs), runs
        assert "success" in [r["state"] for r in runs], runs
    finally:
        pidfile = home / "standalone.pid"
        pgid = int(pidfile.read_text()) if pidfile.exists() else None
        subprocess.run([str(script), "stop"], env=env, capture_output=True, text=True, timeout=120)
        _stop_group(home)

    assert pgid is not None
    assert _running_members(pgid) == [], "`airflow.sh stop` left processes of the group behind"
    # a run still going at the stop (queued by later landings) ended with it, its task runners and dbt too
    assert _running_with_home(home) == [], "`airflow.sh stop` left task processes behind"
    # every source of the sample landed, and the published warehouse holds the sample's figures
    for source in ("prices", "shares", "wealth", "news"):
        assert list((data / "lake" / "raw" / source).glob("*.parquet")), source
    nvda = published_nvda_impact(data)
    assert round(nvda[0], 2) == -16.97 and round(nvda[1] / 1e9, 1) == -592.7
    assert (data / "site" / "reports" / "deepseek-r1-selloff.html").is_file()
