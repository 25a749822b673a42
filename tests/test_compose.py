"""docker-compose.yml cannot start here (no Docker engine), so check what `docker compose config`
would: it parses, every service can get an image, health checks and volumes resolve, and every
variable it reads is declared in .env.example (the only place secrets come from)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def test_services_and_build():
    services = _compose()["services"]
    assert {"postgres", "airflow-init", "api-server", "scheduler", "dag-processor", "triggerer", "site"} <= set(
        services
    )
    for name, svc in services.items():
        assert svc.get("image") or svc.get("build"), f"{name} has neither image nor build"
        if svc.get("build"):
            context = ROOT / (svc["build"] if isinstance(svc["build"], str) else svc["build"].get("context", "."))
            assert (context / "Dockerfile").is_file()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.2-python3\.11$", dockerfile, re.M)
    assert "requirements.lock" in dockerfile


def test_health_checks_and_dependencies_resolve():
    services = _compose()["services"]
    for name, svc in services.items():
        if name.endswith("-init"):  # one-shot set-up (migrations, the bucket): it runs once and exits
            assert svc.get("restart") == "no"
            continue
        hc = svc.get("healthcheck")
        assert hc and hc["test"][0] in ("CMD", "CMD-SHELL") and len(hc["test"]) > 1, f"{name} has no health check"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            target = services[dep]
            if cond["condition"] == "service_healthy":
                assert target.get("healthcheck"), f"{name} waits for {dep} to be healthy, but it has no health check"
            elif cond["condition"] == "service_completed_successfully":
                assert target.get("restart") == "no"
    for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_volumes_are_named_and_declared():
    doc = _compose()
    declared = set(doc.get("volumes") or {})
    used = set()
    for name, svc in doc["services"].items():
        for v in svc.get("volumes", []):
            source = v.split(":")[0] if isinstance(v, str) else v["source"]
            assert not source.startswith((".", "/")), f"{name} mounts a host path {source}; use a named volume"
            used.add(source)
    assert used <= declared, f"undeclared volumes {used - declared}"
    data_mounts = {
        name: v
        for name, svc in doc["services"].items()
        for v in svc.get("volumes", [])
        if v.startswith("aftershock-data:")
    }
    assert {"api-server", "scheduler", "dag-processor", "triggerer", "airflow-init", "site"} <= set(data_mounts)
    assert data_mounts["site"].endswith(":ro")


def test_every_variable_comes_from_env_example_and_no_secret_is_inline():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(VAR.findall(text))
    env = _env_example()
    assert used, "the compose file reads its settings from .env"
    assert used <= set(env), f"not in .env.example: {sorted(used - set(env))}"
    for key in (
        "POSTGRES_PASSWORD",
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_FERNET_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert env[key] == "change-me", f".env.example must not ship a real {key}"
    doc = _compose()
    common = doc["x-airflow-common"]["environment"]
    assert common["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET}"
    for name in (
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
        "airflow-init",
        "airflow-worker-1",
        "airflow-worker-2",
    ):
        assert doc["services"][name]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET}"
    assert re.search(r"^\.env$", (ROOT / ".gitignore").read_text(), re.M)


def test_scaleout_profile_has_redis_two_workers_and_an_object_store():
    """The settings the Celery test (tests/test_celery_executor.py) runs with, as services."""
    services = _compose()["services"]
    profiled = {name for name, svc in services.items() if "scaleout" in (svc.get("profiles") or [])}
    assert {"redis", "minio", "minio-init", "airflow-worker-1", "airflow-worker-2"} <= profiled
    assert not profiled & {"postgres", "api-server", "scheduler", "dag-processor", "triggerer", "site"}, (
        "the default `docker compose up` must stay the single-machine deployment"
    )
    common = _compose()["x-airflow-common"]["environment"]
    assert common["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert common["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
    for var in ("AFTERSHOCK_LAKE_URL", "AFTERSHOCK_WAREHOUSE_URL", "AWS_ENDPOINT_URL", "AFTERSHOCK_WAREHOUSE_QUEUE"):
        assert var in common
    w1, w2 = services["airflow-worker-1"], services["airflow-worker-2"]
    assert w1["command"][:2] == ["celery", "worker"] and w2["command"][:2] == ["celery", "worker"]
    # Only the builder serves the warehouse queue; ingest (the default queue) runs on both.
    assert "${AFTERSHOCK_WAREHOUSE_QUEUE:-default}" in w1["command"][3] and w2["command"][3] == "default"
    # Each worker has its own scratch volume: they share the object store and the databases, no folder.
    data1 = {v.split(":")[0] for v in w1["volumes"] if v.endswith(":/opt/aftershock/data")}
    data2 = {v.split(":")[0] for v in w2["volumes"] if v.endswith(":/opt/aftershock/data")}
    assert data1 and data2 and not data1 & data2 and "aftershock-data" not in data1 | data2
    for w in (w1, w2):
        for dep in ("redis", "postgres", "airflow-init", "minio-init"):
            assert dep in w["depends_on"]
