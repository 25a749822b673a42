"""Transform: building file -> one Airflow task per dbt node (cosmos) -> quality gate -> publish -> docs.

Runs whenever an ingest DAG lands a batch (one lake Asset per source) and once a day as a floor.
Every task that writes the warehouse takes the single slot of the `aftershock_warehouse` pool
(and, on Celery, the AFTERSHOCK_WAREHOUSE_QUEUE queue of the one builder worker), and
max_active_runs=1 keeps two runs from interleaving; the building file's path travels by XCom.
Wiring only: the steps are functions in aftershock.orchestration.
"""
from __future__ import annotations

from airflow.sdk import Asset, dag, task
from airflow.sdk.definitions.asset import AssetAny
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from aftershock import orchestration as orch
from aftershock.paths import DBT_PROJECT, venv_bin

BUILDING = "{{ ti.xcom_pull(task_ids='prepare_building') }}"
LAKE_ASSETS = [Asset(name=f"lake_{s}", uri=orch.lake_asset_uri(s)) for s in orch.lake_sources()]


@dag(
    dag_id="aftershock_transform",
    description="dbt build (one task per model), quality gate, atomic publish, dbt docs",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(orch.TRANSFORM_FLOOR_CRON, timezone=orch.TIMEZONE),
        assets=AssetAny(*LAKE_ASSETS),
    ),
    # No start_date: the daily floor's first run waits for its next time instead of firing when
    # the DAG is unpaused (the lake Assets trigger it sooner whenever a batch lands).
    catchup=False,
    max_active_runs=1,
    default_args=orch.default_args(),
    tags=["aftershock", "transform", "dbt"],
    doc_md=__doc__,
)
def aftershock_transform():
    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def prepare_building() -> str:
        return orch.prepare_building()

    if orch.dbt_task_mode() == "single":
        @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
        def dbt_build(building: str) -> str:
            return orch.dbt_build_all(building)

        dbt = dbt_build(BUILDING)
    else:
        # The manifest (JSON, written by `make airflow`, the compose init and every docs task) renders
        # the tasks in milliseconds; without one, cosmos reads the project's YAML itself (slower, same tasks).
        manifest = orch.manifest_path()
        project = ProjectConfig(dbt_project_path=DBT_PROJECT, project_name="aftershock",
                                manifest_path=manifest if manifest.exists() else None)
        if manifest.exists():
            # cosmos wraps the path in an ObjectStoragePath, whose first use loads every Airflow plugin
            # (~0.8 s on each re-parse); the manifest is a local file, so a plain Path reads the same bytes.
            project.manifest_path = manifest
        dbt = DbtTaskGroup(
            group_id="dbt",
            project_config=project,
            profile_config=ProfileConfig(profile_name="aftershock", target_name="build",
                                         profiles_yml_filepath=DBT_PROJECT / "profiles.yml"),
            # dbt in a subprocess per task: an in-process dbt-duckdb keeps the building file open after
            # the task, and DuckDB refuses the gate's read-only connection beside it.
            execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL,
                                             invocation_mode=InvocationMode.SUBPROCESS,
                                             dbt_executable_path=venv_bin("dbt")),
            # Never `dbt ls` at parse time (seconds per re-parse); BUILD runs each node's tests (and
            # unit tests) inside its own task, so a failing test fails the model it belongs to.
            render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST if manifest.exists() else LoadMode.CUSTOM,
                                       test_behavior=TestBehavior.BUILD,
                                       # a relationships test reads two models: it runs in its own task once both exist
                                       should_detach_multiple_parents_tests=True,
                                       emit_datasets=False),
            operator_args={
                "pool": orch.WAREHOUSE_POOL,
                "queue": orch.warehouse_queue(),
                "env": {"AFTERSHOCK_BUILD_DB": BUILDING},
                "install_deps": False,
            },
        )


    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def gate(building: str) -> str:
        return orch.run_gate(building)

    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def publish(building: str) -> str:
        return orch.run_publish(building)

    # Not a warehouse writer, but it shares the build workspace (data/build) with the dbt steps.
    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def docs() -> str:
        return orch.generate_docs()

    building = prepare_building()
    building >> dbt
    checked = gate(building)
    dbt >> checked
    publish(checked) >> docs()


aftershock_transform()
