"""Project and data locations shared by the command line, the build and the DAGs."""

from __future__ import annotations

import sys
from pathlib import Path

from kernel.settings import (  # noqa: F401 (re-exported)
    data_dir,
    lake_dir,
    raw_dir,
    settings,
    site_dir,
    state_dir,
    warehouse_path,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = PROJECT_ROOT / "sample"
DEMO_EVENT = "deepseek-r1-selloff"


def dbt_project() -> Path:
    """The dbt project a build copies: AFTERSHOCK_DBT_PROJECT, read on each call like every setting,
    else the bundled one."""
    return Path(settings().dbt_project or PROJECT_ROOT / "dbt")


def venv_bin(name: str) -> str:
    """An executable installed beside this interpreter (dbt, duckdb), else whatever PATH finds."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def building_dir() -> Path:
    return warehouse_path().parent / "building"


def build_workspace() -> Path:
    return data_dir() / "build"
