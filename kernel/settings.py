"""Every AFTERSHOCK_* setting in one object, and the data locations derived from it.

`settings()` reads the environment on each call (cheap): the tests, `dag.test()` and the Airflow task
processes set variables after this module is imported. Everything sits under one data directory,
AFTERSHOCK_DATA_DIR (default ./data). A value that does not parse is an AftershockError naming it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.errors import AftershockError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSHOCK_", extra="ignore")

    # where things live
    data_dir: Path = Field(Path("data"), description="the data directory: lake, warehouse, build, site, config")
    config_dir: str = Field("", description="the user's configuration folder (default <data dir>/config)")
    dbt_project: str = Field("", description="another dbt project to build (default the repository's dbt/)")
    lake_url: str = Field("", description="an s3:// lake instead of <data dir>/lake")
    warehouse_url: str = Field("", description="an s3:// prefix the published warehouse is also copied to")
    # ingest
    source_mode: str = Field("live", description="Airflow ingest: live clients or the bundled sample")
    ingest_memory: str = Field("1GB", description="DuckDB memory_limit of a landing (spills past it)")
    # build, gate, publish
    lock_wait_seconds: float = Field(1800, description="how long a build waits for another one to finish")
    building_max_age_seconds: float = Field(7200, description="age past which a left-over building file is stale")
    gate_part_rows: int = Field(250_000, description="rows per slice the quality gate validates at a time")
    # Airflow
    dbt_tasks: str = Field("model", description="transform DAG: one task per dbt node (model) or one (single)")
    warehouse_queue: str = Field("", description="Celery queue of the tasks that write the warehouse")
    task_retries: int = Field(3, description="retries of every Airflow task")
    site_url: str = Field("http://127.0.0.1:8081", description="where the Airflow UI links to the site")
    docs_port: int = Field(8081, description="port of `aftershock docs --serve`")
    # site
    chart_cache: str = Field(
        "", description="a chart cache folder shared by data directories (default <site>/reports/.charts, pruned)"
    )
    # Set by the code for dbt's profiles.yml (env_var), documented here so every variable is in one place.
    build_db: str = Field("", description="(set for dbt) the building warehouse file dbt writes")
    dbt_target: str = Field("", description="(set for dbt) the profile target, build_s3 for an object-store lake")
    lake_root: str = Field("", description="(set for dbt) the lake root dbt's staging models read")
    httpfs_extension: str = Field("", description="(set for dbt) the bundled httpfs extension file")
    s3_endpoint: str = Field("", description="(set for dbt) host:port of an object-store lake")
    s3_use_ssl: str = Field("", description="(set for dbt) true or false, from the lake URL's endpoint")
    s3_url_style: str = Field("", description="(set for dbt) path or vhost addressing of the object store")
    duckdb_memory: str = Field("1536MB", description="DuckDB memory_limit of the dbt build (profiles.yml) and the gate")


def settings() -> Settings:
    # Parsing costs about half a millisecond and the paths ask for it on every call: parse once per
    # distinct AFTERSHOCK_* environment (variable names are matched case-insensitively, as pydantic does).
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("AFTERSHOCK_")))
    return _parsed(env)


@functools.lru_cache(maxsize=16)
def _parsed(env: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        bad = "; ".join(f"AFTERSHOCK_{str(e['loc'][0]).upper()}={e.get('input')!r}: {e['msg']}" for e in exc.errors())
        raise AftershockError(f"invalid setting: {bad}") from None


def data_dir() -> Path:
    return settings().data_dir.resolve()


def lake_dir() -> Path:
    return data_dir() / "lake"


def raw_dir(source: str) -> Path:
    return lake_dir() / "raw" / source


def quarantine_dir(source: str) -> Path:
    return lake_dir() / "quarantine" / source


def state_dir() -> Path:
    """Small per-source state kept by collectors (ETags, last snapshot dates)."""
    return data_dir() / "state"


def warehouse_path() -> Path:
    return data_dir() / "warehouse" / "aftershock.duckdb"


def read_building_config() -> dict[str, str]:
    """DuckDB settings for reading a building warehouse after dbt (the gate, the failed-test rows): the
    build's ceiling, so the reader does not cache up to DuckDB's default of 80 % of the machine."""
    return {"memory_limit": settings().duckdb_memory}


def site_dir() -> Path:
    return data_dir() / "site"
