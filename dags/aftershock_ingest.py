"""One ingest DAG per lake source (aftershock.orchestration.SCHEDULES; a test keeps it in step with the registry).
A scheduled prices run whose day is not an NYSE session (exchange-calendars XNYS) skips.

Wiring only: the task calls aftershock.orchestration.run_ingest, which calls the same runner as
`aftershock ingest <source>`. A landed batch emits the source's lake Asset, which schedules the
transform DAG. Live or bundled sample is chosen by AFTERSHOCK_SOURCE_MODE, not here.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable

from aftershock import orchestration as orch

START = pendulum.datetime(2025, 1, 1, tz=orch.TIMEZONE)


def ingest_dag(source: str):
    sched = orch.SCHEDULES[source]
    timetable = (
        CronDataIntervalTimetable(sched.cron, timezone=orch.TIMEZONE)
        if sched.interval
        else CronTriggerTimetable(sched.cron, timezone=orch.TIMEZONE)
    )

    @dag(
        dag_id=f"aftershock_ingest_{source}",
        description=f"Land one batch of {source} in the lake ({sched.description})",
        schedule=timetable,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=orch.default_args(),
        tags=["aftershock", "ingest", source],
        params={
            "start": Param(
                None,
                type=["null", "string"],
                format="date",
                description="first date (YYYY-MM-DD); with end, backfills that range in one batch",
            ),
            "end": Param(None, type=["null", "string"], format="date", description="last date, inclusive"),
        },
        doc_md=__doc__,
    )
    def ingest():
        @task(task_id=f"land_{source}", outlets=[Asset(name=f"lake_{source}", uri=orch.lake_asset_uri(source))])
        def land(params=None, data_interval_start=None, data_interval_end=None) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            try:
                return orch.ingest_for_run(source, params, data_interval_start, data_interval_end)
            except orch.SkipRun as exc:  # no sample for this source, or not an exchange session
                raise AirflowSkipException(str(exc)) from exc

        land()

    return ingest()


for _source in orch.lake_sources():
    globals()[f"aftershock_ingest_{_source}"] = ingest_dag(_source)
