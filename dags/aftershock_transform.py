"""Transform: building file -> one dbt build, one Airflow task per dbt node (cosmos WATCHER) -> quality gate
-> publish -> dbt docs and the site (event reports).

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
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from aftershock import orchestration as orch
from aftershock.paths import DBT_PROJECT, venv_bin

BUILDING = "{{ ti.xcom_pull(task_ids='prepare_building') }}"
LAKE_ASSETS = [Asset(name=f"lake_{s}", uri=orch.lake_asset_uri(s)) for s in orch.lake_sources()]


@dag(
    dag_id="aftershock_transform",
    description="one dbt build watched by a task per dbt node, quality gate, atomic publish, dbt docs, event reports",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(orch.TRANSFORM_FLOOR_CRON, timezone=orch.TIMEZONE),
        assets=AssetAny(*LAKE_ASSETS),
    ),
    # No start_date: the daily floor's first run waits for its next time instead of firing when
    # the DAG is unpaused (the lake Assets trigger it sooner whenever a batch lands).
    catchup=False,
    # Active from its first parse: the first ingest runs of a fresh install land within seconds,
    # and an Asset event that arrives while the transform is paused starts no run.
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args=orch.default_args(),
    tags=["aftershock", "transform", "dbt"],
    doc_md=__doc__,
)
def aftershock_transform():
    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def prepare_building() -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        try:
            return orch.prepare_building()
        except orch.SkipRun as exc:  # no prices yet: every later task is skipped, nothing is published
            raise AirflowSkipException(str(exc)) from exc

    if orch.dbt_task_mode() == "single":

        @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
        def dbt_build(building: str) -> str:
            return orch.dbt_build_all(building)

        dbt = dbt_build(BUILDING)
        node_tasks = [dbt]
    else:
        # Rendered from dbt's own manifest (cosmos's custom parser cannot read this project); a fresh
        # data directory gets one from `dbt parse` on this first parse (a few seconds, once).
        manifest = orch.ensure_manifest()
        project = ProjectConfig(project_name="aftershock", manifest_path=manifest)
        # cosmos wraps the path in an ObjectStoragePath, whose first use loads every Airflow plugin
        # (~0.8 s on each re-parse); the manifest is a local file, so a plain Path reads the same bytes.
        project.manifest_path = manifest
        dbt = DbtTaskGroup(
            group_id="dbt",
            project_config=project,
            profile_config=ProfileConfig(
                profile_name="aftershock", target_name="build", profiles_yml_filepath=DBT_PROJECT / "profiles.yml"
            ),
            # WATCHER: one `dbt build` (the producer task, in the warehouse pool) builds every node with
            # dbt's own ordering and tests; each node keeps its task, which reports that node's result
            # and, when retried or cleared, rebuilds just that node. dbt in a subprocess: an in-process
            # dbt-duckdb keeps the building file open, and DuckDB refuses the gate's connection beside it.
            # The tasks run dbt from the project prepare_building wrote: the repository's models with
            # the user's configuration folder as seeds (the graph is the same, so the manifest of the
            # repository's project renders it).
            execution_config=ExecutionConfig(
                dbt_project_path=orch.airflow_project(),
                execution_mode=ExecutionMode.WATCHER,
                invocation_mode=InvocationMode.SUBPROCESS,
                dbt_executable_path=venv_bin("dbt"),
                # the producer never runs a second build (cosmos's retry
                # of it only skips): a failed node is retried by its task
                setup_operator_args={"pool": orch.WAREHOUSE_POOL, "queue": orch.warehouse_queue(), "retries": 0},
            ),
            # AFTER_EACH: the producer's `dbt build` runs every test right after its model (as the CLI
            # build does); a test task per model reports them (BUILD has no watcher operator).
            render_config=RenderConfig(
                dbt_project_path=DBT_PROJECT,
                load_method=LoadMode.DBT_MANIFEST,
                test_behavior=TestBehavior.AFTER_EACH,
                # a relationships test reads two models: its task waits for both
                should_detach_multiple_parents_tests=True,
                emit_datasets=False,
            ),
            # Node tasks only watch (a retried one rebuilds its node); on Celery they run on the builder
            # worker, which alone holds the building file.
            operator_args={
                "queue": orch.warehouse_queue(),
                "env": {"AFTERSHOCK_BUILD_DB": BUILDING},
                "install_deps": False,
            },
        )
        node_tasks = orch.watch_after_build(dbt)

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

    # Reads only the published file and rewrites the pages atomically, one by one; on the builder
    # worker, whose disk holds the published warehouse and the site (another worker has neither).
    @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
    def refresh_site() -> dict:
        return orch.refresh_site()

    building = prepare_building()
    building >> dbt
    checked = gate(building)
    node_tasks >> checked
    published = publish(checked)
    published >> docs()
    published >> refresh_site()


aftershock_transform()
