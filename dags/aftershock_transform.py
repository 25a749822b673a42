"""Transform: building file -> one dbt build, one Airflow task per dbt node that reports it -> quality gate
-> publish -> dbt docs and the site (event reports).

Runs whenever an ingest DAG lands a batch (one lake Asset per source) and once a day as a floor.
Every task that writes the warehouse takes the single slot of the `aftershock_warehouse` pool
(and, on Celery, the AFTERSHOCK_WAREHOUSE_QUEUE queue of the one builder worker), and
max_active_runs=1 keeps two runs from interleaving; the building file's path travels by XCom.
Wiring only: the steps are functions in aftershock.orchestration.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, dag, task
from airflow.sdk.definitions.asset import AssetAny
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from aftershock import orchestration as orch

LAKE_ASSETS = [Asset(name=f"lake_{s}", uri=orch.lake_asset_uri(s)) for s in orch.lake_sources()]


@dag(
    dag_id="aftershock_transform",
    description="one dbt build watched by a task per dbt node, quality gate, atomic publish, dbt docs, event reports",
    schedule=AssetOrTimeSchedule(
        # run_immediately=0: a fresh install's first floor run waits for the next 20:00. Airflow's
        # default runs the latest past time if it is less than a tenth of a day old, so whether a
        # fresh install built at once depended on the hour it was installed.
        timetable=CronTriggerTimetable(orch.TRANSFORM_FLOOR_CRON, timezone=orch.TIMEZONE, run_immediately=timedelta(0)),
        assets=AssetAny(*LAKE_ASSETS),
    ),
    # The lake Assets trigger it whenever a batch lands; the daily floor builds once a day anyway.
    # catchup=False: a floor missed while Airflow was down is built once, not once per missed day.
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

    building = prepare_building()
    if orch.dbt_task_mode() == "single":

        @task(pool=orch.WAREHOUSE_POOL, queue=orch.warehouse_queue())
        def dbt_build(building: str) -> str:
            return orch.dbt_build_all(building)

        node_tasks = [dbt_build(building)]
    else:
        from aftershock.airflow_watcher import dbt_node_tasks

        # One `dbt build` (the producer task, in the warehouse pool, dbt's own order with every test
        # right after its model, as `aftershock build` runs it), then a task per dbt node that reports
        # that node, a model or seed with its tests, from the build's one XCom of results; retried or
        # cleared, it runs dbt for its node alone. Rendered from dbt's own manifest (cosmos's custom
        # parser cannot read this project); a fresh data directory gets one from `dbt parse` on this
        # first parse (a few seconds, once). Node tasks only read XCom, outside the pool; on Celery
        # they run on the builder worker, which alone holds the building file.
        _, node_tasks = dbt_node_tasks("dbt", orch.ensure_manifest(), building, orch.warehouse_queue())

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

    checked = gate(building)
    node_tasks >> checked
    published = publish(checked)
    published >> docs()
    published >> refresh_site()


aftershock_transform()
