"""The Airflow DAGs: they import cleanly, parse fast, are wired as designed, and run with dag.test()."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from airflow_support import DAGS, ROOT, init_home, published_nvda_impact, run_py

from aftershock import orchestration as orch


# ---- the task functions, without Airflow --------------------------------------------------------

def test_params_win_over_the_data_interval():
    assert orch.ingest_window({"start": "2025-01-02", "end": "2025-01-31"}, "2025-03-01", "2025-03-02") == \
        ("2025-01-02", "2025-01-31")
    assert orch.ingest_window({"start": None, "end": None}, "2025-03-03T23:30:00+00:00", "2025-03-04T23:30:00+00:00") == \
        ("2025-03-03", "2025-03-04")
    assert orch.ingest_window(None) == (None, None)


def test_bad_backfill_params_are_refused():
    with pytest.raises(ValueError, match="2025-13-01"):
        orch.ingest_window({"start": "2025-13-01"})
    with pytest.raises(ValueError, match="after end"):
        orch.ingest_window({"start": "2025-02-01", "end": "2025-01-01"})


def test_source_mode_is_configuration(monkeypatch):
    monkeypatch.delenv(orch.SOURCE_MODE_ENV, raising=False)
    assert orch.source_mode() == "live"
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "sample")
    assert orch.source_mode() == "sample"
    monkeypatch.setenv(orch.SOURCE_MODE_ENV, "bogus")
    with pytest.raises(ValueError, match="bogus"):
        orch.source_mode()


def test_ingest_arguments_per_mode():
    sample = orch.ingest_argv("prices", "sample", "2025-01-21", "2025-01-28")
    assert sample[:4] == ["ingest", "prices", "--source", "file"]
    assert Path(sample[5]).is_file() and sample[-4:] == ["--start", "2025-01-21", "--end", "2025-01-28"]
    assert orch.ingest_argv("prices", "live") == ["ingest", "prices", "--source", "live"]
    with pytest.raises(orch.SourceNotAvailable, match="no-such-source"):
        orch.ingest_argv("no-such-source", "sample")


def test_every_registered_source_has_a_schedule_and_so_a_dag():
    missing = set(orch.registered_sources()) - set(orch.SCHEDULES)
    assert not missing, f"add a schedule to aftershock.orchestration.SCHEDULES for {sorted(missing)}"


def test_sample_ingest_lands_the_requested_range(data_dir):
    summary = orch.run_ingest("prices", mode="sample", start="2025-01-21", end="2025-01-28")
    assert summary["batches"] == ["sample-prices-2025-01-21-2025-01-28"] and summary["rows"] > 0
    dates = duckdb.sql(f"select min(date)::date, max(date)::date from read_parquet('{summary['paths'][0]}')").fetchone()
    assert str(dates[0]) >= "2025-01-21" and str(dates[1]) <= "2025-01-28"


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
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={dags!r})
out = {{}}
for dag_id, dag in bag.dags.items():
    out[dag_id] = {{
        'max_active_runs': dag.max_active_runs,
        'timetable': type(dag.timetable).__name__,
        'summary': dag.timetable.summary,
        'params': sorted(dag.params.keys()),
        'tasks': {{t.task_id: {{'pool': t.pool, 'retries': t.retries, 'backoff': t.retry_exponential_backoff,
                               'timeout': t.execution_timeout.total_seconds() if t.execution_timeout else None,
                               'upstream': sorted(t.upstream_task_ids), 'outlets': [getattr(o, 'uri', None) for o in t.outlets]}}
                  for t in dag.tasks}},
    }}
print('RESULT', json.dumps(out))
"""


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    base = tmp_path_factory.mktemp("airflow")
    env = init_home(base / "home", base / "data")
    return env


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_dag_file_imports_without_errors_and_parses_fast(airflow_home, dag_file):
    # The best of three: the machine is shared, and one slow parse is noise, not the file's cost.
    runs = [run_py(PARSE.format(path=str(DAGS / dag_file)), airflow_home) for _ in range(3)]
    assert all(not r["errors"] for r in runs), runs[0]["errors"]
    assert runs[0]["dags"], f"{dag_file} defines no DAG"
    fastest = min(r["seconds"] for r in runs)
    assert fastest < 1.0, f"{dag_file} takes {fastest:.2f}s to parse"


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
    tasks = transform["tasks"]
    models = {p.stem for p in (ROOT / "dbt" / "models").rglob("*.sql")}
    assert {f"dbt.{m}_model_build" for m in models} <= set(tasks), "every dbt model is its own task"
    writers = [t for t in tasks if t.startswith("dbt.")] + ["prepare_building", "gate", "publish"]
    assert all(tasks[t]["pool"] == orch.WAREHOUSE_POOL for t in writers)
    assert tasks["publish"]["upstream"] == ["gate"]
    assert all(t["backoff"] and t["timeout"] for t in tasks.values())
    # the marts wait for their upstream models, so the single writer builds them in dependency order
    assert "dbt.int_event_window_returns_model_build" in tasks["dbt.fct_event_stock_impact_model_build"]["upstream"]


def test_single_dbt_task_mode_keeps_the_pool(airflow_home):
    dags = run_py(INSPECT.format(dags=str(DAGS)), {**airflow_home, "AFTERSHOCK_DBT_TASKS": "single"})
    tasks = dags["aftershock_transform"]["tasks"]
    assert set(tasks) == {"prepare_building", "dbt_build", "gate", "publish", "docs"}
    assert tasks["dbt_build"]["pool"] == orch.WAREHOUSE_POOL and tasks["dbt_build"]["upstream"] == ["prepare_building"]


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
for dag_id in sorted(bag.dags):
    if dag_id.startswith('aftershock_ingest_'):
        run(dag_id)
run('aftershock_transform')
print('RESULT', json.dumps(out))
"""


@pytest.mark.slow
def test_every_dag_runs_with_dag_test_on_the_sample(airflow_home):
    data = Path(airflow_home["AFTERSHOCK_DATA_DIR"])
    result = run_py(DAG_TEST.format(dags=str(DAGS)), airflow_home, timeout=1500)
    for dag_id, run in result.items():
        assert run["state"] == "success", (dag_id, run)
    registered = set(orch.registered_sources())
    for source in orch.SCHEDULES:
        state = result[f"aftershock_ingest_{source}"]["tasks"][f"land_{source}"]
        # a source without a runner or a bundled sample skips cleanly instead of failing
        assert state == ("success" if source in registered and source in dict(_sample_batches()) else "skipped"), source
    assert (data / "lake" / "raw" / "prices" / "sample-prices-2025-01-21-2025-01-28.parquet").is_file()
    assert (data / "lake" / "raw" / "prices" / "sample-prices.parquet").is_file()
    assert all(s == "success" for s in result["aftershock_transform"]["tasks"].values())

    nvda = published_nvda_impact(data)
    assert round(nvda[0], 2) == -16.97 and round(nvda[1] / 1e9, 1) == -592.7
    assert not list((data / "warehouse" / "building").rglob("*.duckdb")), "the building file was published"
    docs = data / "site" / "docs"
    assert (docs / "index.html").is_file() and "fct_event_stock_impact" in (docs / "manifest.json").read_text()


def _sample_batches():
    from aftershock.demo import SAMPLE_BATCHES

    return SAMPLE_BATCHES
