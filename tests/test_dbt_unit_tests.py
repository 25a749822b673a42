"""The dbt unit tests (the `unit_tests:` in each model's YAML) run here, once per suite.

Builds of the warehouse leave them out (aftershock.dbt_runner.BUILD, as dbt advises for production):
they check a model's SQL on the fixed rows its YAML gives, so no landed batch can change their
outcome. dbt still needs each tested model's parents to exist (it reads their column types), so they
run against a copy of the demo's published warehouse.
"""

from __future__ import annotations

import json
import os
import subprocess

from aftershock.dbt_runner import copy_project

from conftest import BIN, ROOT


def test_every_unit_test_passes_against_the_published_warehouse(published_copy, tmp_path):
    project = copy_project(tmp_path / "dbt_project", ROOT / "dbt")
    target = tmp_path / "target"
    env = {**os.environ, "AFTERSHOCK_BUILD_DB": str(published_copy / "warehouse" / "aftershock.duckdb")}
    proc = subprocess.run(
        [str(BIN / "dbt"), "test", "--select", "test_type:unit", "--project-dir", str(project)]
        + ["--profiles-dir", str(project), "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    declared = set(json.loads((target / "manifest.json").read_text())["unit_tests"])
    results = json.loads((target / "run_results.json").read_text())["results"]
    # the project's unit tests, every one of them found (the rank test's and the residual correlation's
    # moved to tests/test_event_statistics.py with their models to Python)
    assert len(declared) >= 17
    assert {r["unique_id"] for r in results} == declared
    assert {r["status"] for r in results} == {"pass"}


def test_builds_leave_the_unit_tests_out(demo_dir):
    """The demo's build ran every model and data test and no unit test (they ran above)."""
    results = json.loads((demo_dir / "build" / "dbt_target" / "run_results.json").read_text())["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert kinds >= {"model", "test", "seed"}
    assert "unit_test" not in kinds
