"""What the Airflow tasks do, as plain functions the DAG files call (and the tests call directly).

The DAG files in dags/ only wire these together. Nothing here imports Airflow, so every function
runs and is tested without a scheduler; heavy imports (pandas, dbt) happen inside the functions
because the DAG processor imports this module every time it re-parses a DAG file.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# Every task that writes the warehouse (building file, dbt, gate, publish) runs in this pool of
# one slot: DuckDB allows a single writer, and the pool is what serialises the writers across runs.
WAREHOUSE_POOL = "aftershock_warehouse"
# On the Celery executor the warehouse tasks also go to one queue, served by the one worker that
# holds the building file (it travels between the tasks as a local path); ingest tasks run on any
# worker. "default" is Airflow's default queue, the only one LocalExecutor knows.
WAREHOUSE_QUEUE_ENV = "AFTERSHOCK_WAREHOUSE_QUEUE"
SOURCE_MODE_ENV = "AFTERSHOCK_SOURCE_MODE"
SOURCE_MODES = ("live", "sample")
TIMEZONE = "America/New_York"


@dataclass(frozen=True)
class SourceSchedule:
    cron: str
    description: str
    # True: the run covers the data interval (prices backfill by interval); False: a trigger at cron time.
    interval: bool = False


# The US market closes at 16:00 New York time; Yahoo's daily bars are settled well before 18:30.
SCHEDULES: dict[str, SourceSchedule] = {
    "prices": SourceSchedule("30 18 * * 1-5", "weekdays 18:30 America/New_York, after the US close", interval=True),
    "shares": SourceSchedule("0 7 * * 1", "weekly, Monday 07:00 America/New_York"),
    "wealth": SourceSchedule("45 18 * * *", "daily 18:45 America/New_York, after the US close"),
    "news": SourceSchedule("*/30 * * * *", "every 30 minutes"),
}
# The transform runs whenever a lake source lands a batch, and at least once a day.
TRANSFORM_FLOOR_CRON = "0 20 * * *"


class SourceNotAvailable(RuntimeError):
    """The configured mode has nothing to ingest for this source (e.g. no bundled sample)."""


def warehouse_queue() -> str:
    return os.environ.get(WAREHOUSE_QUEUE_ENV, "").strip() or "default"


def source_mode() -> str:
    """live (default) or sample, from AFTERSHOCK_SOURCE_MODE: switches every ingest DAG without editing it."""
    mode = os.environ.get(SOURCE_MODE_ENV, "live").strip().lower() or "live"
    if mode not in SOURCE_MODES:
        raise ValueError(f"{SOURCE_MODE_ENV}={mode!r}: expected one of {', '.join(SOURCE_MODES)}")
    return mode


def lake_asset_uri(source: str) -> str:
    """The Airflow Asset an ingest task emits when it lands a batch of `source`."""
    return f"aftershock://lake/raw/{source}"


def lake_sources() -> list[str]:
    """The sources that get an ingest DAG and a lake Asset.

    Read from SCHEDULES, not from the ingest registry: importing the registry pulls in pandas,
    which would cost the DAG processor a second on every re-parse. A test keeps the two in step
    (every registered source must have a schedule); a scheduled source that is not registered
    yet gets a DAG whose task skips.
    """
    return list(SCHEDULES)


def registered_sources() -> list[str]:
    """The lake sources in the ingest registry (aftershock.ingest_commands.SOURCES)."""
    from aftershock.ingest_commands import SOURCES

    return list(SOURCES)


def _as_date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    datetime.strptime(text[:10], "%Y-%m-%d")  # a clear ValueError naming the bad value
    return text[:10]


def ingest_window(params: dict | None, interval_start=None, interval_end=None) -> tuple[str | None, str | None]:
    """The date range one ingest run covers: explicit params (a manual backfill) win over the
    run's data interval (a scheduled run or `airflow dags backfill`)."""
    params = params or {}
    start, end = _as_date(params.get("start")), _as_date(params.get("end"))
    if start or end:
        if start and end and start > end:
            raise ValueError(f"start {start} is after end {end}")
        return start, end
    return _as_date(interval_start), _as_date(interval_end)


def ingest_for_run(source: str, params: dict | None = None, interval_start=None, interval_end=None) -> dict:
    """What one ingest DAG run does: explicit start/end params backfill that range; otherwise a
    source scheduled by interval (prices) covers the run's data interval, so `airflow dags backfill`
    fetches each interval. The bundled sample is a fixed historical file, so in sample mode only
    explicit params restrict it (a run's interval, today, would select nothing)."""
    mode = source_mode()
    use_interval = SCHEDULES[source].interval and mode == "live"
    start, end = ingest_window(params, interval_start if use_interval else None,
                               interval_end if use_interval else None)
    return run_ingest(source, mode=mode, start=start, end=end)


def sample_path(source: str) -> Path:
    from aftershock.demo import SAMPLE_BATCHES
    from aftershock.paths import SAMPLE_DIR

    for name, rel in SAMPLE_BATCHES:
        if name == source:
            return SAMPLE_DIR / rel
    raise SourceNotAvailable(f"{source}: no bundled sample (see aftershock.demo.SAMPLE_BATCHES); nothing to ingest")


def ingest_argv(source: str, mode: str, start: str | None = None, end: str | None = None,
                batch_id: str | None = None) -> list[str]:
    """The `aftershock ingest` arguments for one run, so Airflow and the command line share one parser."""
    argv = ["ingest", source]
    if mode == "sample":
        argv += ["--source", "file", "--path", str(sample_path(source))]
    else:
        argv += ["--source", "live"]
    if start:
        argv += ["--start", start]
    if end:
        argv += ["--end", end]
    if batch_id:
        argv += ["--batch-id", batch_id]
    return argv


def run_ingest(source: str, mode: str | None = None, start: str | None = None, end: str | None = None,
               batch_id: str | None = None) -> dict:
    """Land one batch of `source` through its registered runner; returns a JSON-able summary (XCom)."""
    from aftershock.cli import parser
    from aftershock.ingest_commands import SOURCES

    if source not in SOURCES:
        raise SourceNotAvailable(f"{source}: not in the ingest registry (aftershock.ingest_commands.SOURCES)")
    mode = mode or source_mode()
    if mode == "sample":
        # The sample is a fixed historical file: a scheduled run's interval (today) would select nothing.
        batch_id = batch_id or f"sample-{source}" + (f"-{start}-{end}" if (start or end) else "")
    args = parser().parse_args(ingest_argv(source, mode, start, end, batch_id))
    results = SOURCES[source].run(args)
    for r in results:
        print(r.summary())
    return {
        "source": source,
        "mode": mode,
        "batches": [r.batch_id for r in results],
        "rows": sum(r.rows for r in results),
        "rejected": sum(r.rejected for r in results),
        "paths": [str(r.path) for r in results if r.path],
        "warnings": [w for r in results for w in r.warnings],
    }


# ---- transform: building file -> dbt (per model) -> gate -> publish -> docs ---------------------

def prepare_building() -> str:
    """Sweep building files a failed run left behind and start a fresh one (seeded from the published)."""
    from aftershock import publish as pub

    swept = pub.sweep_building()
    for p in swept:
        print(f"removed leftover building file {p}")
    building = pub.new_building_file()
    print(f"building file {building}")
    return str(building)


def dbt_env(building: str) -> dict[str, str]:
    """Environment of every dbt task: the building file the profile writes, and the lake to read."""
    from aftershock.paths import data_dir
    from ingest import lake_store

    return {"AFTERSHOCK_BUILD_DB": str(building), "AFTERSHOCK_DATA_DIR": str(data_dir()),
            **lake_store.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}


DBT_TASKS_ENV = "AFTERSHOCK_DBT_TASKS"


def dbt_task_mode() -> str:
    """`model` (default): one Airflow task per dbt node (cosmos); `single`: one `dbt build` task,
    for a small machine where starting a task process per model costs more than the models."""
    mode = os.environ.get(DBT_TASKS_ENV, "model").strip().lower() or "model"
    if mode not in ("model", "single"):
        raise ValueError(f"{DBT_TASKS_ENV}={mode!r}: expected model or single")
    return mode


def dbt_build_all(building: str) -> str:
    """One `dbt build` of the whole project into the building file (AFTERSHOCK_DBT_TASKS=single)."""
    from aftershock.dbt_runner import prepare_project, run_dbt

    project = prepare_project()
    run_dbt(["build"], project, Path(building))
    return building


def manifest_path() -> Path:
    """The dbt manifest the transform DAG renders its per-model tasks from (JSON: parsing stays fast)."""
    from aftershock.paths import build_workspace

    return build_workspace() / "manifest" / "manifest.json"


def write_manifest() -> Path:
    """`dbt parse` of the repository's project into manifest_path(); no database is opened."""
    from aftershock.dbt_runner import prepare_project, run_dbt
    from aftershock.paths import build_workspace
    from ingest.landing import atomic_write

    project = prepare_project()
    run_dbt(["parse"], project, None, echo=False)
    produced = build_workspace() / "dbt_target" / "manifest.json"
    target = manifest_path()
    atomic_write(target, lambda p: shutil.copyfile(produced, p))
    return target


def run_gate(building: str) -> str:
    from aftershock.build import gate

    gate(Path(building))
    return building


def run_publish(building: str) -> str:
    from aftershock.build import publish

    published = publish(Path(building))
    print(f"published {published}")
    return str(published)


def discard_building(building: str | None) -> None:
    if building:
        from aftershock import publish as pub

        pub.discard(Path(building))


def generate_docs() -> str:
    """dbt docs for the published warehouse into data/site/docs/ (served by the static web server),
    through the same code as `aftershock docs`; the manifest also feeds the next DAG parse."""
    from aftershock import docs
    from aftershock.paths import build_workspace
    from ingest.landing import atomic_write

    out = docs.generate(echo=False)
    # The next parse of the transform DAG renders its tasks from this manifest: a new model shows up.
    target = build_workspace() / "dbt_target"
    atomic_write(manifest_path(), lambda p: shutil.copyfile(target / "manifest.json", p))
    print(f"dbt docs at {out / 'index.html'}")
    return str(out / "index.html")


def default_args() -> dict:
    """Retries with exponential backoff and a timeout on every task (DAG files pass this as default_args)."""
    from datetime import timedelta

    retries = int(os.environ.get("AFTERSHOCK_TASK_RETRIES", "3"))
    return {
        "owner": "aftershock",
        "retries": retries,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(minutes=30),
    }
