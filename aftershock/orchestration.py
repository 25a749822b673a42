"""What the Airflow tasks do, as plain functions the DAG files call (and the tests call directly).

The DAG files in dags/ only wire these together. Nothing here imports Airflow, so every function
runs and is tested without a scheduler; heavy imports (pandas, dbt) happen inside the functions
because the DAG processor imports this module every time it re-parses a DAG file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kernel.settings import settings

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
    # True: a scheduled run whose interval ends on a day the exchange is closed skips (no new bars).
    sessions_only: bool = False


# The US market closes at 16:00 New York time; Yahoo's daily bars are settled well before 18:30.
SCHEDULES: dict[str, SourceSchedule] = {
    "prices": SourceSchedule(
        "30 18 * * 1-5", "NYSE sessions 18:30 America/New_York, after the US close", interval=True, sessions_only=True
    ),
    "shares": SourceSchedule("0 7 * * 1", "weekly, Monday 07:00 America/New_York"),
    "wealth": SourceSchedule("45 18 * * *", "daily 18:45 America/New_York, after the US close"),
    "news": SourceSchedule("*/30 * * * *", "every 30 minutes"),
}
# The transform runs whenever a lake source lands a batch, and at least once a day.
TRANSFORM_FLOOR_CRON = "0 20 * * *"


# The exchange whose calendar decides which weekdays are sessions (exchange-calendars' code for NYSE).
EXCHANGE = "XNYS"


class SkipRun(RuntimeError):
    """This run has nothing to do; the task is marked skipped (not failed) with this message."""


class SourceNotAvailable(SkipRun):
    """The configured mode has nothing to ingest for this source (e.g. no bundled sample)."""


class NotASession(SkipRun):
    """The scheduled run falls on a day the exchange is closed."""


def is_session(day) -> bool:
    """Whether the exchange (EXCHANGE) trades on `day` (a date or a YYYY-MM-DD string)."""
    import exchange_calendars as xcals
    import pandas as pd

    day = pd.Timestamp(str(day)[:10])
    cal = xcals.get_calendar(
        EXCHANGE,
        start=(day - pd.Timedelta(days=7)).strftime("%Y-%m-%d"),
        end=(day + pd.Timedelta(days=7)).strftime("%Y-%m-%d"),
    )
    return bool(cal.is_session(day))


def warehouse_queue() -> str:
    return settings().warehouse_queue.strip() or "default"


def source_mode() -> str:
    """live (default) or sample, from AFTERSHOCK_SOURCE_MODE: switches every ingest DAG without editing it."""
    mode = settings().source_mode.strip().lower() or "live"
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
    explicit = any(_as_date(v) for v in (params or {}).values())
    if SCHEDULES[source].sessions_only and mode == "live" and not explicit and interval_end is not None:
        # The run after a holiday's close would fetch no new bar: skip it, visibly (the cron is
        # weekdays; the exchange calendar knows the holidays). A range in params always runs, and so
        # does sample mode (a fixed file: a first start on the day after a holiday must still land it).
        from pendulum import instance

        day = (
            instance(interval_end).in_timezone(TIMEZONE).date()
            if isinstance(interval_end, datetime)
            else _as_date(interval_end)
        )
        if not is_session(day):
            raise NotASession(f"{day} is not an {EXCHANGE} session (exchange holiday or weekend): no new {source} bars")
    use_interval = SCHEDULES[source].interval and mode == "live"
    start, end = ingest_window(params, interval_start if use_interval else None, interval_end if use_interval else None)
    return run_ingest(source, mode=mode, start=start, end=end)


def run_ingest(
    source: str, mode: str | None = None, start: str | None = None, end: str | None = None, batch_id: str | None = None
) -> dict:
    """Land one batch of `source` through its registered runner; returns a JSON-able summary (XCom)."""
    from aftershock.ingest_commands import SOURCES, run

    if source not in SOURCES:
        raise SourceNotAvailable(f"{source}: not in the ingest registry (aftershock.ingest_commands.SOURCES)")
    mode = mode or source_mode()
    results = run(source, mode, start=start, end=end, batch_id=batch_id)
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


AIRFLOW_PROJECT = "airflow_dbt_project"  # the build workspace folder the transform's dbt tasks run from


def airflow_project() -> Path:
    """The dbt project the transform's dbt tasks execute: the repository's project with the user's
    configuration folder as its seeds, written by prepare_building at the start of every run."""
    from aftershock.paths import build_workspace

    return build_workspace() / AIRFLOW_PROJECT


def prepare_building() -> str:
    """Sweep building files a failed run left behind and start a fresh one (seeded from the published);
    write the run's dbt project from the user's configuration (events, watchlist, people, feeds), as
    `aftershock build` does, so the CLI and Airflow study the same events. SkipRun while no prices
    have landed: on a first start the other sources' batches can land (and trigger this DAG) before
    the prices do, and a build without prices has nothing to publish."""
    from aftershock import publish as pub
    from aftershock.build import NothingLanded, check_prices_landed
    from aftershock.dbt_runner import prepare_project

    try:
        check_prices_landed()
    except NothingLanded as exc:
        raise SkipRun(f"{exc}; the prices DAG's next batch starts the transform again") from exc
    with pub.build_lock("airflow transform: prepare_building"):
        # first: a configuration error (it names the file and line) fails the run before any file is made
        project = prepare_project(name=AIRFLOW_PROJECT)
        for p in pub.sweep_building():
            print(f"removed leftover building file {p}")
        # Not this task's pid: the run's later tasks are other processes, so the folder is judged by age.
        building = pub.new_building_file(owner="airflow")
    print(f"dbt project {project} (seeds from the configuration folder)")
    print(f"building file {building}")
    return str(building)


def dbt_env(building: str) -> dict[str, str]:
    """Environment of every dbt task: the building file the profile writes, and the lake to read."""
    from aftershock.paths import data_dir
    from ingest import lake_store

    return {
        "AFTERSHOCK_BUILD_DB": str(building),
        "AFTERSHOCK_DATA_DIR": str(data_dir()),
        **lake_store.dbt_env(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


DBT_TASKS_ENV = "AFTERSHOCK_DBT_TASKS"


def dbt_task_mode() -> str:
    """`model` (default): one Airflow task per dbt node (cosmos); `single`: one `dbt build` task,
    for a small machine where starting a task process per model costs more than the models."""
    mode = settings().dbt_tasks.strip().lower() or "model"
    if mode not in ("model", "single"):
        raise ValueError(f"{DBT_TASKS_ENV}={mode!r}: expected model or single")
    return mode


def dbt_build_all(building: str) -> str:
    """One `dbt build` of the whole project into the building file (AFTERSHOCK_DBT_TASKS=single)."""
    from aftershock.dbt_runner import BUILD, run_dbt
    from aftershock.publish import build_lock

    with build_lock("airflow transform: dbt build"):  # dbt's target and logs are the shared build workspace's
        run_dbt(BUILD, airflow_project(), Path(building))
    return building


def manifest_path() -> Path:
    """The dbt manifest the transform DAG renders its per-model tasks from (JSON: parsing stays fast)."""
    from aftershock.paths import build_workspace

    return build_workspace() / "manifest" / "manifest.json"


def write_manifest() -> Path:
    """`dbt parse` of the repository's project into manifest_path(); no database is opened.

    It parses a private copy of the project in a scratch folder: the DAG processor calls this
    (through ensure_manifest) while a build may be using the shared build workspace."""
    import tempfile

    from aftershock.dbt_runner import copy_project, run_dbt
    from aftershock.paths import build_workspace
    from kernel.files import atomic_write

    build_workspace().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="manifest-", dir=build_workspace()) as scratch:
        project = copy_project(Path(scratch) / "dbt_project")
        run_dbt(["parse"], project, None, echo=False, workspace=Path(scratch))
        target = manifest_path()
        atomic_write(target, lambda p: shutil.copyfile(Path(scratch) / "dbt_target" / "manifest.json", p))
    return target


def ensure_manifest() -> Path:
    """The manifest the transform DAG renders from, written by `dbt parse` when it is missing (a
    fresh data directory, `make clean-data`, a scheduler that starts before its init): cosmos's
    own parser cannot read this project (it stops at the `do` tag), so there is no fallback."""
    path = manifest_path()
    if not path.is_file():
        write_manifest()
    return path


def refresh_manifest_for_dags() -> str:
    """`airflow.sh init`: in `model` mode, the manifest the transform DAG renders its node tasks from,
    parsed again at each start so an edited project shows up. `single` mode renders no node task and
    reads no manifest, so it is spared the `dbt parse` (5 to 8 CPU s)."""
    if dbt_task_mode() != "model":
        return f"no dbt manifest needed ({DBT_TASKS_ENV}=single: one dbt build task)"
    return f"dbt manifest {write_manifest()}"


WATCHER_PRODUCER = "dbt_producer_watcher"  # task id of the one `dbt build` the node tasks watch
NODE_RESULTS_XCOM = "node_results"  # the producer's one XCom: every node task's outcome
_OK = ("success", "pass", "warn", "no-op")


def node_results(target: Path) -> dict[str, dict] | None:
    """Each rendered node's outcome from one `dbt build` (its run_results.json and manifest.json in
    `target`), None when dbt wrote no results. A model or seed is reported with the tests that
    depend on it alone (dbt ran them right after it); a test of two models (a relationships test)
    has its own entry, as it has its own task. {unique_id: {"ok": bool, "log": [lines]}}."""
    import json

    results_file = target / "run_results.json"
    if not results_file.is_file():
        return None
    results = {r["unique_id"]: r for r in json.loads(results_file.read_text())["results"]}
    manifest_json = json.loads((target / "manifest.json").read_text())
    manifest = {**manifest_json["nodes"], **manifest_json.get("unit_tests", {})}

    def line(uid: str) -> str:
        r = results[uid]
        message = f": {r['message']}" if r.get("message") and r["status"] not in _OK else ""
        return f"{uid} {r['status']} in {r.get('execution_time') or 0:.2f}s{message}"

    tests_of: dict[str, list[str]] = {}
    report: dict[str, dict] = {}
    for uid in results:
        node = manifest.get(uid, {})
        parents = node.get("depends_on", {}).get("nodes", [])
        if node.get("resource_type") in ("test", "unit_test") and len(parents) == 1:
            tests_of.setdefault(parents[0], []).append(uid)
    reported_by_parent = {t for ts in tests_of.values() for t in ts}
    for uid, r in results.items():
        if uid in reported_by_parent:
            continue
        tests = sorted(tests_of.get(uid, []))
        failed = [t for t in tests if results[t]["status"] not in _OK]
        ok = r["status"] in _OK and not failed
        log = [line(uid)]
        if tests:
            log.append(f"{len(tests) - len(failed)} of {len(tests)} tests passed")
            log += [line(t) for t in (failed or tests)]
        report[uid] = {"ok": ok, "log": log}
    return report


def dbt_build_watched(building: str, report) -> None:
    """The producer of the transform's node tasks: one `dbt build` into the building file, as
    `aftershock build` runs it (same runner, every test right after its model), then
    `report(node_results(...))` with every node's outcome, also when the build failed (then the
    DbtFailed is raised after the report)."""
    from aftershock.dbt_runner import BUILD, run_dbt
    from aftershock.paths import build_workspace
    from aftershock.publish import build_lock

    target = build_workspace() / "dbt_target"
    with build_lock("airflow transform: dbt build"):  # dbt's target and logs are the shared build workspace's
        (target / "run_results.json").unlink(missing_ok=True)  # never report an earlier build's results
        try:
            run_dbt(BUILD, airflow_project(), Path(building))
        finally:
            results = node_results(target)
            if results is not None:
                report(results)


def node_outcome(results: dict[str, dict] | None, unique_id: str) -> tuple[bool, list[str]]:
    """(passed, log lines) of one node task from the producer's node_results."""
    if results is None:
        return False, [f"the dbt build reported no results (see the {WATCHER_PRODUCER} log): {unique_id} was not built"]
    if unique_id not in results:
        return False, [f"the dbt build did not run {unique_id}"]
    return results[unique_id]["ok"], results[unique_id]["log"]


def node_rebuild_args(resource_type: str, name: str) -> list[str]:
    """The dbt command a retried or cleared node task runs: that node alone and the tests of it
    alone (`cautious`: a test that also reads another model has its own task)."""
    from aftershock.dbt_runner import BUILD

    if resource_type == "test":
        return [*BUILD, "--select", name]
    return [*BUILD, "--select", name, "--indirect-selection", "cautious"]


def rebuild_node(building: str, resource_type: str, name: str) -> None:
    """A node task's retry: dbt for its node alone into the run's building file. Its target and logs
    go to a scratch folder, so two retries never share one (DuckDB still lets one write at a time)."""
    import tempfile

    from aftershock.dbt_runner import run_dbt
    from aftershock.paths import build_workspace

    build_workspace().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="node-", dir=build_workspace()) as scratch:
        run_dbt(node_rebuild_args(resource_type, name), airflow_project(), Path(building), workspace=Path(scratch))


def run_gate(building: str) -> str:
    from aftershock.build import gate

    gate(Path(building))
    return building


def run_publish(building: str) -> str:
    from aftershock.build import publish
    from aftershock.publish import PublishedMeanwhile, build_lock, discard

    with build_lock("airflow transform: publish"):
        try:
            published = publish(Path(building))
        except PublishedMeanwhile:
            discard(Path(building))
            raise
    print(f"published {published}")
    return str(published)


def generate_docs() -> str:
    """dbt docs for the published warehouse into data/site/docs/ (served by the static web server),
    through the same code as `aftershock docs`; the manifest also feeds the next DAG parse."""
    from aftershock import docs
    from aftershock.paths import build_workspace
    from aftershock.publish import build_lock
    from kernel.files import atomic_write

    with build_lock("airflow transform: docs"):
        out = docs._generate(echo=False)
        # The next parse of the transform DAG renders its tasks from this manifest: a new model shows up.
        target = build_workspace() / "dbt_target"
        atomic_write(manifest_path(), lambda p: shutil.copyfile(target / "manifest.json", p))
    print(f"dbt docs at {out / 'index.html'}")
    return str(out / "index.html")


def published_event_ids() -> list[str]:
    """Every event (curated and detected) of the published warehouse, newest first."""
    import duckdb

    from aftershock.paths import warehouse_path

    con = duckdb.connect(str(warehouse_path()), read_only=True)
    try:
        return [
            r[0]
            for r in con.execute("select event_id from marts.dim_events order by event_date desc, event_id").fetchall()
        ]
    finally:
        con.close()


def refresh_site() -> dict:
    """After each publish: regenerate what the site shows from the new warehouse, so no page
    describes an older one. Today the per-event reports (aftershock.report, as `aftershock report`);
    the site index is generated here too once it exists. One event whose report fails does not stop
    the others; the task fails afterwards, naming each."""
    from aftershock.report import refresh_reports

    # any error: the task names every event that failed, after the others refreshed
    done = refresh_reports(published_event_ids(), catch=(Exception,))
    written = [str(p) for p in done.written]
    for path in written:
        print(f"report {path}")
    print(f"charts: {done.charts_drawn} drawn, {done.charts_reused} unchanged, copied from the chart cache")
    if done.failed:
        failed = [f"{event_id}: {why}" for event_id, why in done.failed.items()]
        raise RuntimeError(
            f"{len(failed)} of {len(failed) + len(written)} event reports failed:\n  " + "\n  ".join(failed)
        )
    return {"reports": written}


SITE_URL_ENV = "AFTERSHOCK_SITE_URL"


def site_links() -> list[tuple[str, str]]:
    """(name, URL) of the site's pages for the Airflow UI's menu (plugins/aftershock_site.py). The
    site is data/site served over HTTP (compose `site`, `aftershock docs --serve`) at AFTERSHOCK_SITE_URL."""
    base = settings().site_url.rstrip("/")
    return [
        ("Event reports", f"{base}/reports/"),
        ("dbt docs", f"{base}/docs/index.html"),
        ("Data Docs (quality gate)", f"{base}/quality/index.html"),
    ]


def default_args() -> dict:
    """Retries with exponential backoff and a timeout on every task (DAG files pass this as default_args)."""
    from datetime import timedelta

    retries = settings().task_retries
    return {
        "owner": "aftershock",
        "retries": retries,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(minutes=30),
    }
