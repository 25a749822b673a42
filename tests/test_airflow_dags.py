"""The Airflow DAGs: they import cleanly, parse fast, are wired as designed, and run with dag.test()."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pendulum
import pytest

from aftershock import orchestration as orch
from aftershock.dbt_runner import copy_project

from airflow_support import (
    DAGS,
    ROOT,
    airflow_cli,
    dag_manifest,
    init_home,
    published_nvda_impact,
    run_py,
)
from conftest import copy_parse_cache, run_cli

# ---- the task functions, without Airflow --------------------------------------------------------


def test_params_win_over_the_data_interval():
    assert orch.ingest_window({"start": "2025-01-02", "end": "2025-01-31"}, "2025-03-01", "2025-03-02") == (
        "2025-01-02",
        "2025-01-31",
    )
    assert orch.ingest_window(
        {"start": None, "end": None}, "2025-03-03T23:30:00+00:00", "2025-03-04T23:30:00+00:00"
    ) == ("2025-03-03", "2025-03-04")
    assert orch.ingest_window(None) == (None, None)


def test_bad_backfill_params_are_refused():
    with pytest.raises(ValueError, match="2025-13-01"):
        orch.ingest_window({"start": "2025-13-01"})
    with pytest.raises(ValueError, match="after end"):
        orch.ingest_window({"start": "2025-02-01", "end": "2025-01-01"})


def test_scheduled_prices_run_skips_days_the_exchange_is_closed(data_dir, monkeypatch):
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "live")  # it skips before any request: nothing leaves the machine
    assert not orch.is_session("2025-01-20") and not orch.is_session("2025-07-04")  # MLK day, Independence Day
    assert orch.is_session("2025-01-27") and not orch.is_session("2025-01-25")  # a Monday; a Saturday
    # the run after the close of MLK day (its data interval ends 2025-01-20 18:30 New York)
    mlk = pendulum.datetime(2025, 1, 20, 18, 30, tz=orch.TIMEZONE)
    with pytest.raises(orch.NotASession, match="2025-01-20 is not an XNYS session"):
        orch.ingest_for_run("prices", {}, mlk.subtract(days=3), mlk)
    # a backfill range given in params always runs, the fixed sample always lands, other sources never skip
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "sample")
    assert orch.ingest_for_run("prices", {}, mlk.subtract(days=3), mlk)["rows"] > 0
    assert orch.ingest_window({"start": "2025-01-21", "end": "2025-01-28"}, None, mlk) == ("2025-01-21", "2025-01-28")
    assert not orch.SCHEDULES["shares"].sessions_only


def test_source_mode_is_configuration(monkeypatch):
    monkeypatch.delenv(orch.SOURCE_MODE_ENV, raising=False)
    assert orch.source_mode() == "live"
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "sample")
    assert orch.source_mode() == "sample"
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "bogus")
    with pytest.raises(ValueError, match="bogus"):
        orch.source_mode()


def test_every_source_has_a_bundled_sample_and_the_typed_api_names_a_wrong_call():
    from aftershock.ingest_commands import SOURCES, run, sample_path
    from ingest.errors import IngestError

    for source in SOURCES:
        assert sample_path(source).exists(), source
    with pytest.raises(IngestError, match="no-such-source"):
        run("no-such-source", "sample")
    with pytest.raises(IngestError, match="'bogus' is not live, file or sample"):
        run("prices", "bogus")
    with pytest.raises(orch.SourceNotAvailable, match="no-such-source"):
        orch.run_ingest("no-such-source", mode="sample")


def test_every_registered_source_has_a_schedule_and_so_a_dag():
    missing = set(orch.registered_sources()) - set(orch.SCHEDULES)
    assert not missing, f"add a schedule to aftershock.orchestration.SCHEDULES for {sorted(missing)}"


def test_sample_ingest_lands_the_requested_range(data_dir):
    summary = orch.run_ingest("prices", mode="sample", start="2025-01-21", end="2025-01-28")
    assert summary["batches"] == ["sample-prices-2025-01-21-2025-01-28"] and summary["rows"] > 0
    dates = duckdb.sql(f"select min(date)::date, max(date)::date from read_parquet('{summary['paths'][0]}')").fetchone()
    assert str(dates[0]) >= "2025-01-21" and str(dates[1]) <= "2025-01-28"


def _build_target(tmp_path, statuses: dict[str, str]) -> Path:
    """A dbt target folder of one `dbt build`: a model, its two tests, a test of two models."""
    nodes = {
        "seed.aftershock.events": {"resource_type": "seed", "depends_on": {"nodes": []}},
        "model.aftershock.dim_events": {"resource_type": "model", "depends_on": {"nodes": ["seed.aftershock.events"]}},
        "test.aftershock.not_null_dim_events_event_id.1": {
            "resource_type": "test",
            "depends_on": {"nodes": ["model.aftershock.dim_events"]},
        },
        "test.aftershock.unique_dim_events_event_id.2": {
            "resource_type": "test",
            "depends_on": {"nodes": ["model.aftershock.dim_events"]},
        },
        "test.aftershock.relationships_x.3": {
            "resource_type": "test",
            "depends_on": {"nodes": ["model.aftershock.dim_events", "seed.aftershock.events"]},
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    results = [
        {"unique_id": uid, "status": statuses.get(uid, "pass" if uid.startswith("test.") else "success"),
         "message": "Got 2 results, configured to fail if != 0", "execution_time": 0.1}
        for uid in nodes
    ]  # fmt: skip
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    return tmp_path


def test_a_model_task_reports_its_tests_and_a_failed_test_fails_it(tmp_path):
    results = orch.node_results(_build_target(tmp_path, {}))
    # one entry per node task: the seed, the model (with its two tests), the test of two models
    assert set(results) == {
        "seed.aftershock.events",
        "model.aftershock.dim_events",
        "test.aftershock.relationships_x.3",
    }
    ok, log = orch.node_outcome(results, "model.aftershock.dim_events")
    assert ok and "2 of 2 tests passed" in log
    failing = orch.node_results(_build_target(tmp_path, {"test.aftershock.unique_dim_events_event_id.2": "fail"}))
    ok, log = orch.node_outcome(failing, "model.aftershock.dim_events")
    assert not ok and "1 of 2 tests passed" in log
    assert any("unique_dim_events_event_id" in line and "configured to fail" in line for line in log)
    assert orch.node_outcome(failing, "seed.aftershock.events")[0]
    # a build that wrote no results, or did not run the node, fails the node's task (its retry runs dbt)
    (tmp_path / "run_results.json").unlink()
    assert orch.node_results(tmp_path) is None
    assert not orch.node_outcome(None, "model.aftershock.dim_events")[0]
    assert not orch.node_outcome(failing, "model.aftershock.other")[0]


def test_a_retried_node_task_runs_dbt_for_its_node_alone(data_dir, monkeypatch):
    calls = []
    monkeypatch.setattr("aftershock.dbt_runner.run_dbt", lambda args, project, building, **kw: calls.append(args))
    orch.rebuild_node("/tmp/b.duckdb", "model", "dim_events")
    orch.rebuild_node("/tmp/b.duckdb", "test", "relationships_x")
    assert calls == [
        # its tests, not those of two models; never the unit tests (builds leave them out)
        ["build", "--exclude-resource-type", "unit_test", "--select", "dim_events", "--indirect-selection", "cautious"],
        ["build", "--exclude-resource-type", "unit_test", "--select", "relationships_x"],
    ]


# ---- the DAG files under Airflow ----------------------------------------------------------------

PARSE = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
DagBag(dag_folder='/dev/null')  # Airflow itself is loaded once by the DAG processor, not per file
t = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1] if len(sys.argv) > 1 else {path!r})
print('RESULT', json.dumps({{'seconds': time.perf_counter() - t, 'errors': bag.import_errors, 'dags': sorted(bag.dags)}}))
"""

INSPECT = """
import json
import pendulum
import airflow.timetables.trigger as trigger
from airflow.dag_processing.dagbag import DagBag
from airflow.timetables.base import TimeRestriction
bag = DagBag(dag_folder={dags!r})


def first_run_after(dag, now):
    # what the scheduler computes for a DAG that has never run, at a given time of day
    trigger.utcnow = lambda: pendulum.parse(now)
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup)
    info = dag.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    return info.run_after.isoformat()


# 20:00 New York is 01:00 UTC in January: at, just after, two hours after and long after the floor
NOWS = ['2025-01-28T01:00:00+00:00', '2025-01-28T01:30:00+00:00', '2025-01-28T03:00:00+00:00', '2025-01-28T12:00:00+00:00']
out = {{}}
for dag_id, dag in bag.dags.items():
    out[dag_id] = {{
        'first_run_after': {{now: first_run_after(dag, now) for now in NOWS}} if dag_id == 'aftershock_transform' else {{}},
        'max_active_runs': dag.max_active_runs,
        'timetable': type(dag.timetable).__name__,
        'summary': dag.timetable.summary,
        'params': sorted(dag.params.keys()),
        'tasks': {{t.task_id: {{'pool': t.pool, 'retries': t.retries, 'backoff': t.retry_exponential_backoff,
                               'timeout': t.execution_timeout.total_seconds() if t.execution_timeout else None,
                               'upstream': sorted(t.upstream_task_ids), 'trigger_rule': str(t.trigger_rule),
                               'outlets': [getattr(o, 'uri', None) for o in t.outlets]}}
                  for t in dag.tasks}},
    }}
print('RESULT', json.dumps(out))
"""


def _take_demo_build(demo_dir: Path, data: Path) -> None:
    """Give `data` what the demo's build of this project left: its manifest as the transform DAG's (the
    same graph: no `dbt parse`; writing one is tested in a fresh directory below) and its saved parse,
    so the DAG runs' dbt commands parse partially (conftest.copy_parse_cache)."""
    manifest = dag_manifest(data)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_dir / "build" / "dbt_target" / "manifest.json", manifest)
    copy_parse_cache(demo_dir, data)


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory, demo_dir):
    base = tmp_path_factory.mktemp("airflow")
    _take_demo_build(demo_dir, base / "data")
    return init_home(base / "home", base / "data")


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_dag_file_imports_without_errors_and_parses_fast(airflow_home, dag_file):
    # The best of three: the machine is shared, and one slow parse is noise, not the file's cost.
    runs = [run_py(PARSE.format(path=str(DAGS / dag_file)), airflow_home) for _ in range(3)]
    assert all(not r["errors"] for r in runs), runs[0]["errors"]
    assert runs[0]["dags"], f"{dag_file} defines no DAG"
    fastest = min(r["seconds"] for r in runs)
    assert fastest < 1.0, f"{dag_file} takes {fastest:.2f}s to parse"


def test_transform_dag_imports_in_a_fresh_data_directory(airflow_home, tmp_path):
    # no manifest yet (nothing written by `make airflow`, or after `make clean-data`): the first
    # parse writes it with `dbt parse`; cosmos's own parser cannot read this project
    fresh = tmp_path / "fresh-data"
    env = {**airflow_home, "AFTERSHOCK_DATA_DIR": str(fresh)}
    run = run_py(PARSE.format(path=str(DAGS)), env, timeout=300)
    assert not run["errors"], run["errors"]
    assert "aftershock_transform" in run["dags"]
    assert (fresh / "build" / "manifest" / "manifest.json").is_file()
    # ... and the next parse renders from that manifest (the parse-time test covers its speed)
    again = run_py(PARSE.format(path=str(DAGS / "aftershock_transform.py")), env, timeout=300)
    assert not again["errors"] and again["dags"] == ["aftershock_transform"]


def test_site_plugin_loads_with_links_to_the_site(airflow_home):
    env = {**airflow_home, orch.SITE_URL_ENV: "http://127.0.0.1:9999"}
    plugins = json.loads(airflow_cli("plugins", "-o", "json", env=env))
    [site] = [p for p in plugins if p["name"] == "aftershock_site"]
    views = {v["name"]: v["href"] for v in site["external_views"]}
    assert views == {
        "Event reports": "http://127.0.0.1:9999/reports/",
        "dbt docs": "http://127.0.0.1:9999/docs/index.html",
        "Data Docs (quality gate)": "http://127.0.0.1:9999/quality/index.html",
    }


def test_dags_are_wired_as_designed(airflow_home):
    dags = run_py(INSPECT.format(dags=str(DAGS)), airflow_home)
    assert {f"aftershock_ingest_{s}" for s in orch.SCHEDULES} | {"aftershock_transform"} == set(dags)

    prices = dags["aftershock_ingest_prices"]
    assert prices["timetable"] == "CronDataIntervalTimetable" and prices["summary"] == "30 18 * * 1-5"
    assert prices["params"] == ["end", "start"]
    land = prices["tasks"]["land_prices"]
    assert land["outlets"] == ["aftershock://lake/raw/prices"]
    assert dags["aftershock_ingest_news"]["summary"] == "*/30 * * * *"

    transform = dags["aftershock_transform"]
    assert transform["max_active_runs"] == 1
    assert transform["timetable"] == "AssetOrTimeSchedule"
    # A fresh install's floor waits for its next 20:00 whatever the hour (at 20:00 itself, now):
    # Airflow's default ran the last one if it was under 2.4 h old, so runs depended on the clock.
    assert all(pendulum.parse(after) >= pendulum.parse(now) for now, after in transform["first_run_after"].items()), (
        transform["first_run_after"]
    )
    tasks = transform["tasks"]
    producer = tasks["dbt.dbt_producer_watcher"]
    # one dbt build (the producer) in the single-writer pool, after the building file exists
    assert producer["pool"] == orch.WAREHOUSE_POOL and producer["upstream"] == ["prepare_building"]
    assert producer["retries"] == 0, "a second dbt build in the same run must never start"
    # ... and still one task per dbt node: every model and seed (reporting its tests too), and a
    # task per test of two models (a relationships test), after both
    models = {p.stem for p in (ROOT / "dbt" / "models").rglob("*.sql")} | {
        p.stem for p in (ROOT / "dbt" / "models").rglob("*.py")
    }
    seeds = {p.stem for p in (ROOT / "dbt" / "seeds").glob("*.csv")}
    node_tasks = {t for t in tasks if t.startswith("dbt.") and "producer_watcher" not in t}
    built = {f"dbt.{m}_model_build" for m in models} | {f"dbt.{s}_seed_build" for s in seeds}
    assert built <= node_tasks, f"nodes without a task: {sorted(built - node_tasks)}"
    detached = node_tasks - built
    assert detached and all(t.startswith("dbt.relationships_") and t.endswith("_test") for t in detached), detached
    moves_event = "dbt.relationships_fct_detected_moves_event_id__event_id__ref_dim_events__test"
    assert {"dbt.fct_detected_moves_model_build", "dbt.dim_events_model_build"} <= set(tasks[moves_event]["upstream"])
    # node tasks only read the build's results: not in the writers' pool, so they never wait behind it
    assert all(tasks[t]["pool"] != orch.WAREHOUSE_POOL for t in node_tasks)
    # the first node tasks start when the build has ended, successful or not
    roots = [t for t in node_tasks if "dbt.dbt_producer_watcher" in tasks[t]["upstream"]]
    assert roots and all(tasks[t]["trigger_rule"] == "one_done" for t in roots)
    assert all(tasks[t]["upstream"] for t in node_tasks)
    # the marts wait for their upstream models (whose tasks report their tests too)
    assert "dbt.int_event_window_returns_model_build" in tasks["dbt.fct_event_stock_impact_model_build"]["upstream"]
    writers = ["prepare_building", "gate", "publish", "docs"]
    assert all(tasks[t]["pool"] == orch.WAREHOUSE_POOL for t in writers)
    # the gate judges the building file once every node task has succeeded; then publish, docs, site
    leaves = {t for t in node_tasks if not any(t in tasks[d]["upstream"] for d in node_tasks)}
    assert leaves and leaves <= set(tasks["gate"]["upstream"]) and "dbt.fct_event_summary_model_build" in leaves
    assert tasks["publish"]["upstream"] == ["gate"]
    assert tasks["docs"]["upstream"] == ["publish"] and tasks["refresh_site"]["upstream"] == ["publish"]
    assert all(t["backoff"] and t["timeout"] for t in tasks.values())


def test_single_dbt_task_mode_keeps_the_pool(airflow_home):
    dags = run_py(INSPECT.format(dags=str(DAGS)), {**airflow_home, "AFTERSHOCK_DBT_TASKS": "single"})
    tasks = dags["aftershock_transform"]["tasks"]
    assert set(tasks) == {"prepare_building", "dbt_build", "gate", "publish", "docs", "refresh_site"}
    assert tasks["dbt_build"]["pool"] == orch.WAREHOUSE_POOL and tasks["dbt_build"]["upstream"] == ["prepare_building"]


NODE_TASK = """
import json
from aftershock import orchestration as orch
from aftershock.airflow_watcher import DbtNodeWatcher
calls = []
orch.rebuild_node = lambda building, kind, name: calls.append([building, kind, name])
class TI:
    def __init__(self, try_number, results):
        self.try_number, self.results = try_number, results
    def xcom_pull(self, task_ids, key='return_value'):
        return self.results if key == orch.NODE_RESULTS_XCOM else '/run/building.duckdb'
op = DbtNodeWatcher(task_id='dim_events_model_build', unique_id='model.aftershock.dim_events', resource_type='model',
                    resource_name='dim_events', producer_task_id='dbt.dbt_producer_watcher')
out = {{'template_fields': list(op.template_fields)}}
op.execute({{'ti': TI(1, {{'model.aftershock.dim_events': {{'ok': True, 'log': ['built']}}}})}})
for results in ({{'model.aftershock.dim_events': {{'ok': False, 'log': ['a test failed']}}}}, None):
    try:
        op.execute({{'ti': TI(1, results)}})
        out.setdefault('failed', []).append(None)
    except Exception as exc:
        out.setdefault('failed', []).append(type(exc).__name__)
op.execute({{'ti': TI(2, None)}})  # a retry, or a clear: dbt for this node alone, into the run's building file
out['calls'] = calls
print('RESULT', json.dumps(out))
"""


def test_a_node_task_fails_with_its_node_and_its_retry_rebuilds_the_node(airflow_home):
    out = run_py(NODE_TASK.format(), airflow_home)
    assert out["template_fields"] == [], "a node task writes no rendered template fields"
    assert out["failed"] == ["AirflowException", "AirflowException"]  # a failed node or test; no results at all
    assert out["calls"] == [["/run/building.duckdb", "model", "dim_events"]]  # only on the retry, not on the first try


DAG_TEST = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
out = {{}}
def run(dag_id, **kw):
    tag = kw.pop('tag', '')
    # a fresh DAG object per run: an in-process dag.test() leaves the run's conf in the DAG's params
    dr = DagBag(dag_folder={dags!r}).dags[dag_id].test(**kw)
    out[dag_id + tag] = {{'state': str(dr.state),
        'tasks': {{ti.task_id: str(ti.state) for ti in dr.get_task_instances()}}}}
import pendulum
# its own logical date: a second dag.test() at the same date would re-use the first run
run('aftershock_ingest_prices', run_conf={{'start': '2025-01-21', 'end': '2025-01-28'}},
    logical_date=pendulum.datetime(2025, 1, 28, 23, 30, tz='UTC'), tag='-backfill')
# the runs after the close of MLK day and of Independence Day, live: the exchange was closed, so they
# skip before any request (tasks run in this process, so the mode switch reaches them)
import os
os.environ['AFTERSHOCK_SOURCE_MODE'] = 'live'
run('aftershock_ingest_prices', logical_date=pendulum.datetime(2025, 1, 20, 23, 30, tz='UTC'), tag='-mlk')
run('aftershock_ingest_prices', logical_date=pendulum.datetime(2025, 7, 4, 22, 30, tz='UTC'), tag='-july4')
os.environ['AFTERSHOCK_SOURCE_MODE'] = 'sample'
for dag_id in sorted(bag.dags):
    if dag_id.startswith('aftershock_ingest_'):
        # the run after the close of 2025-01-27, a session
        run(dag_id, logical_date=pendulum.datetime(2025, 1, 27, 23, 30, tz='UTC'))
run('aftershock_transform')
print('RESULT', json.dumps(out))
"""


@pytest.mark.slow
def test_every_dag_runs_with_dag_test_on_the_sample(airflow_home):
    data = Path(airflow_home["AFTERSHOCK_DATA_DIR"])
    # the user's configuration folder, not the bundled seeds, is what the Airflow build studies
    run_cli(
        "events", "add", "broadcom-ai", "--date", "2024-12-13", "--title", "Broadcom AI revenue",
        "--tickers", "AVGO|MRVL", data_dir=data,
    )  # fmt: skip
    result = run_py(DAG_TEST.format(dags=str(DAGS)), airflow_home, timeout=1500)
    for dag_id, run in result.items():
        assert run["state"] == "success", (dag_id, run)
    assert result["aftershock_ingest_prices-mlk"]["tasks"] == {"land_prices": "skipped"}
    assert result["aftershock_ingest_prices-july4"]["tasks"] == {"land_prices": "skipped"}
    assert result["aftershock_ingest_prices"]["tasks"] == {"land_prices": "success"}
    registered = set(orch.registered_sources())
    for source in orch.SCHEDULES:
        state = result[f"aftershock_ingest_{source}"]["tasks"][f"land_{source}"]
        # a source without a runner or a bundled sample skips cleanly instead of failing
        assert state == ("success" if source in registered and source in dict(_sample_batches()) else "skipped"), source
    assert (data / "lake" / "raw" / "prices" / "sample-prices-2025-01-21-2025-01-28.parquet").is_file()
    assert (data / "lake" / "raw" / "prices" / "sample-prices.parquet").is_file()
    transform = result["aftershock_transform"]["tasks"]
    # one dbt build, and every node's task reports its node as built and tested
    assert all(s == "success" for s in transform.values()), {t: s for t, s in transform.items() if s != "success"}
    assert transform["dbt.fct_event_stock_impact_model_build"] == "success"

    nvda = published_nvda_impact(data)
    assert round(nvda[0], 2) == -16.97 and round(nvda[1] / 1e9, 1) == -592.7
    assert not list((data / "warehouse" / "building").rglob("*.duckdb")), "the building file was published"
    docs = data / "site" / "docs"
    assert (docs / "index.html").is_file() and "fct_event_stock_impact" in (docs / "manifest.json").read_text()
    # after the publish, every event of the published warehouse has its report, written from it
    events = (
        duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
        .execute("select event_id from marts.dim_events")
        .fetchall()
    )
    assert ("broadcom-ai",) in events, events
    for (event_id,) in events:
        assert (data / "site" / "reports" / f"{event_id}.html").is_file(), event_id
    assert "-16.97" in (data / "site" / "reports" / "deepseek-r1-selloff.html").read_text()


def _sample_batches():
    from aftershock.ingest_commands import SOURCES

    return [(source, cmd.sample) for source, cmd in SOURCES.items()]


FAILING_RUN = """
import json
from airflow.dag_processing.dagbag import DagBag
dr = DagBag(dag_folder={dags!r}).dags['aftershock_transform'].test()
print('RESULT', json.dumps({{'state': str(dr.state), 'tasks': {{ti.task_id: str(ti.state) for ti in dr.get_task_instances()}}}}))
"""


@pytest.mark.slow
def test_a_failed_node_fails_its_task_and_nothing_is_published(airflow_home, demo_dir, tmp_path):
    # a mart that parses but fails when the build runs it (a column that does not exist)
    project = copy_project(tmp_path / "dbt", ROOT / "dbt")
    (project / "models" / "marts" / "fct_event_summary.sql").write_text(
        "select event_id, no_such_column from {{ ref('dim_events') }}\n"
    )
    data = tmp_path / "data"
    env = {**airflow_home, "AFTERSHOCK_DATA_DIR": str(data), "AFTERSHOCK_DBT_PROJECT": str(project)}
    _take_demo_build(demo_dir, data)  # the edit changes a model's SQL, not the graph the manifest holds
    run_py("from aftershock.demo import ingest_sample; ingest_sample(); print('RESULT', 1)", env)
    result = run_py(FAILING_RUN.format(dags=str(DAGS)), env, timeout=1500)
    tasks = result["tasks"]
    assert result["state"] == "failed"
    assert tasks["dbt.dbt_producer_watcher"] == "failed"
    # the node tasks say which node failed and which were built (and tested) before it
    assert tasks["dbt.fct_event_summary_model_build"] == "failed"
    assert tasks["dbt.dim_events_model_build"] == tasks["dbt.fct_event_stock_impact_model_build"] == "success"
    assert tasks["gate"] == tasks["publish"] == "upstream_failed"
    assert not (data / "warehouse" / "aftershock.duckdb").exists(), "a failed build must never be published"
