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
    assert {"postgres", "airflow-init", "api-server", "scheduler", "dag-processor", "triggerer", "site"} <= set(services)
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
        if name == "airflow-init":
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
    data_mounts = {name: v for name, svc in doc["services"].items() for v in svc.get("volumes", [])
                   if v.startswith("aftershock-data:")}
    assert {"api-server", "scheduler", "dag-processor", "triggerer", "airflow-init", "site"} <= set(data_mounts)
    assert data_mounts["site"].endswith(":ro")


def test_every_variable_comes_from_env_example_and_no_secret_is_inline():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(VAR.findall(text))
    env = _env_example()
    assert used, "the compose file reads its settings from .env"
    assert used <= set(env), f"not in .env.example: {sorted(used - set(env))}"
    for key in ("POSTGRES_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_FERNET_KEY"):
        assert env[key] == "change-me", f".env.example must not ship a real {key}"
    doc = _compose()
    common = doc["x-airflow-common"]["environment"]
    assert common["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET}"
    for name in ("api-server", "scheduler", "dag-processor", "triggerer", "airflow-init"):
        assert doc["services"][name]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET}"
    assert re.search(r"^\.env$", (ROOT / ".gitignore").read_text(), re.M)
