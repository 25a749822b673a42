"""Helpers for the Airflow tests: every Airflow call runs in a subprocess with its own AIRFLOW_HOME,
because Airflow reads its configuration once, at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"
PY = sys.executable
BIN = Path(PY).parent


def airflow_env(home: Path, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AFTERSHOCK_DATA_DIR": str(data),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AFTERSHOCK_SOURCE_MODE": "sample",
            # A failing task should fail the test now, not after minutes of backoff.
            "AFTERSHOCK_TASK_RETRIES": "0",
            # Tests never contact another address: no usage metrics from Airflow or astronomer-cosmos.
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            # as scripts/airflow.sh and the compose file set them (a first parse without a manifest runs dbt parse)
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "DO_NOT_TRACK": "1",
            "SCARF_NO_ANALYTICS": "true",
        }
    )
    env.update(extra)
    return env


def run_py(code: str, env: dict[str, str], timeout: int = 900) -> dict:
    """Run `code` in a fresh interpreter; it must print one line `RESULT <json>`."""
    proc = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise AssertionError(f"no RESULT (exit {proc.returncode})\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")


def airflow_cli(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    proc = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f"airflow {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def dag_manifest(data: Path) -> Path:
    """Where the transform DAG of data directory `data` reads its dbt manifest."""
    from aftershock.orchestration import manifest_path

    from conftest import environment

    with environment({"AFTERSHOCK_DATA_DIR": str(data)}):
        return manifest_path()


def init_home(home: Path, data: Path) -> dict[str, str]:
    """What `scripts/airflow.sh init` does: migrate a sqlite metadata DB and write the manifest, unless
    the data directory has one (a test gave it its build's). No pool: `dag.test()` runs the tasks
    without a scheduler, and pools are the scheduler's (`airflow.sh start` creates it for the
    standalone and Celery tests); `airflow pools set` costs 3 to 4 CPU s."""
    env = airflow_env(home, data)
    airflow_cli("db", "migrate", env=env)
    if dag_manifest(data).is_file():
        return env
    run_py(
        "from aftershock.orchestration import write_manifest; import json; "
        "print('RESULT', json.dumps(str(write_manifest())))",
        env,
    )
    return env


def rest(url: str, token: str | None = None, body: dict | None = None, method: str | None = None):
    """One call to Airflow's REST API: (status, decoded JSON body, or the error text)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def admin_password(home: Path) -> str:
    """The password the API server's simple auth manager generated for `admin` in this AIRFLOW_HOME."""
    return json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]


def admin_token(base: str, home: Path) -> str:
    """A REST API token for `admin`. A token instead of an `airflow` command per call: each command
    imports Airflow, 3 to 4 CPU s."""
    status, body = rest(f"{base}/auth/token", body={"username": "admin", "password": admin_password(home)})
    assert status in (200, 201), body
    return body["access_token"]


def published_nvda_impact(data: Path) -> tuple[float, float]:
    """NVDA's day-0 return (percent) and market value change (USD) in the published warehouse."""
    import duckdb

    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return con.execute(
            "select return_pct, market_cap_change_usd from marts.fct_event_stock_impact "
            "where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'"
        ).fetchone()
    finally:
        con.close()
