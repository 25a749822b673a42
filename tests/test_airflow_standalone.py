"""End to end: `scripts/airflow.sh start` (what `make airflow` runs) on a free loopback port with a
temporary AIRFLOW_HOME, the REST API with a token, a transform run triggered through it, the marts."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from airflow_support import ROOT, airflow_env, published_nvda_impact
from conftest import SAMPLE, run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url: str, token: str | None = None, body: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _stop_group(home: Path) -> None:
    """Belt and braces after `airflow.sh stop`: the standalone's process group must be gone."""
    pidfile = home / "standalone.pid"
    if pidfile.exists():
        try:
            os.killpg(int(pidfile.read_text()), signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_standalone_runs_the_transform_through_the_rest_api(tmp_path):
    home, data = tmp_path / "airflow_home", tmp_path / "data"
    port = _free_port()
    env = airflow_env(home, data, AIRFLOW__API__PORT=str(port), AIRFLOW__API__HOST="127.0.0.1",
                      AFTERSHOCK_UNPAUSE="^aftershock_transform$",
                      # One dbt task instead of one per model: each task is a fresh process here, and
                      # the per-model tasks already run in test_every_dag_runs_with_dag_test_on_the_sample.
                      AFTERSHOCK_DBT_TASKS="single")
    base = f"http://127.0.0.1:{port}"
    run_cli("ingest", "prices", "--source", "file", "--path", str(SAMPLE / "prices" / "prices_daily.csv"), data_dir=data)
    run_cli("ingest", "shares", "--source", "file", "--path", str(SAMPLE / "shares" / "shares_outstanding.csv"),
            data_dir=data)
    script = ROOT / "scripts" / "airflow.sh"
    try:
        started = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True, timeout=600)
        assert started.returncode == 0, started.stdout + started.stderr
        assert "unpaused aftershock_transform" in started.stdout
        password = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]
        assert f"login: admin / {password}" in started.stdout

        status, _ = _call(f"{base}/api/v2/dags")
        assert status == 401, "the API must refuse a request without a token"
        status, body = _call(f"{base}/auth/token", body={"username": "admin", "password": "wrong"})
        assert status in (401, 403)
        status, body = _call(f"{base}/auth/token", body={"username": "admin", "password": password})
        assert status in (200, 201), body
        token = body["access_token"]

        status, run = _call(f"{base}/api/v2/dags/aftershock_transform/dagRuns", token, body={"logical_date": None})
        assert status == 200, run
        run_id = run["dag_run_id"]
        deadline = time.monotonic() + 600
        state = run["state"]
        while state not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(5)
            status, run = _call(f"{base}/api/v2/dags/aftershock_transform/dagRuns/{run_id}", token)
            state = run["state"] if status == 200 else state
        _, tis = _call(f"{base}/api/v2/dags/aftershock_transform/dagRuns/{run_id}/taskInstances?limit=100", token)
        states = {ti["task_id"]: ti["state"] for ti in tis["task_instances"]}
        assert state == "success", states
        assert states["publish"] == "success" and states["dbt_build"] == "success"
    finally:
        pidfile = home / "standalone.pid"
        pgid = int(pidfile.read_text()) if pidfile.exists() else None
        subprocess.run([str(script), "stop"], env=env, capture_output=True, text=True, timeout=120)
        _stop_group(home)

    assert pgid is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)  # `airflow.sh stop` left no process of the group behind
    nvda = published_nvda_impact(data)
    assert round(nvda[0], 2) == -16.97 and round(nvda[1] / 1e9, 1) == -592.7
