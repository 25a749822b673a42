"""`make bench`: how Aftershock's cost grows with its work, against DuckDB's own load and a peer.

Writes bench/results/latest.json and bench/results/latest.md. Every timed figure is the median
of several runs (`runs` in the JSON says how many). Timings go through the installed
`aftershock` command in a subprocess, as a user runs it; nothing is timed inside pytest.

    python -m bench.harness            # the sizes the README quotes (takes a while)
    python -m bench.harness --quick    # tiny sizes: a smoke test of the whole harness
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench import generate, reference

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Sizes:
    landing_tickers: int
    landing_days: int
    landing_runs: int
    transform_tickers: int
    short_days: int
    long_days: int
    transform_runs: int
    transform_events: int
    study_tickers: int
    study_events: int
    study_days: int
    study_runs: int
    airflow_runs: int = 1


FULL = Sizes(
    landing_tickers=1999,
    landing_days=5000,
    landing_runs=3,
    transform_tickers=500,
    short_days=252,
    long_days=5040,
    transform_runs=3,
    transform_events=10,
    study_tickers=500,
    study_events=100,
    study_days=1260,
    study_runs=3,
    airflow_runs=2,
)
QUICK = Sizes(
    landing_tickers=20,
    landing_days=300,
    landing_runs=1,
    transform_tickers=10,
    short_days=40,
    long_days=200,
    transform_runs=1,
    transform_events=2,
    study_tickers=8,
    study_events=3,
    study_days=300,
    study_runs=1,
)

# The performance issue's targets, the one place they live: the verdicts and the table read them.
TARGETS = {
    "landing_vs_native": (">=", 0.65),
    "daily_build_1y_s": ("<=", 10.0),
    "incremental_cost_ratio_20y_vs_1y": ("<=", 1.2),
    "event_study_speedup_vs_pandas": (">=", 20.0),
    "whole_build_speedup_vs_pandas": (">=", 6.0),
    "peak_rss_mb": ("<=", 1229.0),
    "airflow_transform_vs_cli": ("<=", 1.5),
}
PARTS = ["landing", "transform", "event_study", "peak_memory", "airflow"]


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import dbt.version

    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": dbt.version.__version__,
        "platform": platform.platform(),
    }


def bench_project(work: Path, s: Sizes) -> Path:
    """The dbt project with every generated ticker in its watchlist (a ticker outside it is landed but
    never studied), for every `aftershock` command the bench runs."""
    from aftershock.dbt_runner import copy_project

    project = work / "dbt_project"
    if project.exists():
        shutil.rmtree(project)
    copy_project(project, ROOT / "dbt")
    generate.append_watchlist(
        project / "seeds" / "watchlist.csv", max(s.landing_tickers, s.transform_tickers, s.study_tickers)
    )
    return project


PROJECT: Path | None = None  # set by main() to bench_project(...)


def aftershock(*args: str, data_dir: Path) -> float:
    """Run the aftershock command; seconds of wall time. Fails loudly with its output."""
    env = {**os.environ, "AFTERSHOCK_DATA_DIR": str(data_dir)}
    if PROJECT is not None:
        env["AFTERSHOCK_DBT_PROJECT"] = str(PROJECT)
    t0 = time.perf_counter()
    proc = subprocess.run([str(BIN / "aftershock"), *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"aftershock {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return took


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


# ---- landing ------------------------------------------------------------------------------------


def native_copy(csv: Path, out: Path) -> float:
    """DuckDB's own shell reading the CSV into Parquet: the floor for any landing.

    A whole process, as our command is (the `aftershock` helper's timing: perf_counter around
    subprocess.run), so both sides pay their own start-up: the shell of the pinned duckdb-cli in
    the venv, not DuckDB inside this process."""
    out.unlink(missing_ok=True)
    sql = f"COPY (FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)"
    t0 = time.perf_counter()
    proc = subprocess.run([str(BIN / "duckdb"), "-c", sql], capture_output=True, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"duckdb -c {sql!r} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return took


def dlt_load(csv: Path, work: Path) -> float | None:
    """A dlt pipeline into DuckDB on the same rows, fed Arrow record batches (dlt's fast path).

    Timed inside this process (dlt already imported), unlike our command and DuckDB's shell."""
    try:
        import dlt
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ["DLT_DATA_DIR"] = str(work / "dlt_data")
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

    @dlt.resource(name="prices", write_disposition="replace")
    def rows():
        reader = pacsv.open_csv(str(csv), read_options=pacsv.ReadOptions(block_size=1 << 24))
        for batch in reader:
            yield batch

    t0 = time.perf_counter()
    pipe = dlt.pipeline(
        pipeline_name="bench_prices",
        pipelines_dir=str(work / "pipelines"),
        destination=dlt.destinations.duckdb(str(work / "dlt.duckdb")),
        dataset_name="raw",
    )
    pipe.run(rows())
    return time.perf_counter() - t0


def bench_landing(s: Sizes, work: Path) -> dict:
    info = generate.write_prices(work / "gen", s.landing_tickers, s.landing_days, daily_days=0)
    csv = Path(info["history"])
    rows = info["history_rows"]
    ours, native, peer = [], [], []
    for i in range(s.landing_runs):
        d = work / f"land-{i}"
        ours.append(aftershock("ingest", "prices", "--source", "file", "--path", str(csv), data_dir=d))
        shutil.rmtree(d)
        native.append(native_copy(csv, work / "native.parquet"))
        t = dlt_load(csv, work / "dlt")
        if t is not None:
            peer.append(t)
    shutil.rmtree(work / "dlt", ignore_errors=True)
    out = {
        "rows": rows,
        "csv_mb": round(csv.stat().st_size / 1e6, 1),
        "runs": s.landing_runs,
        "aftershock_rows_per_s": rows / median(ours),
        "duckdb_native_rows_per_s": rows / median(native),
        "aftershock_s": median(ours),
        "duckdb_native_s": median(native),
    }
    out["landing_vs_native"] = out["aftershock_rows_per_s"] / out["duckdb_native_rows_per_s"]
    if peer:
        out["dlt_rows_per_s"] = rows / median(peer)
        out["dlt_s"] = median(peer)
        out["landing_vs_dlt"] = out["aftershock_rows_per_s"] / out["dlt_rows_per_s"]
    return out, csv


# ---- transform ----------------------------------------------------------------------------------


def registered_sources() -> set[str]:
    from aftershock.ingest_commands import SOURCES

    return set(SOURCES)


def history_build(s: Sizes, days: int, work: Path, events: Path) -> tuple[float, list[float], Path, list[str]]:
    """Land `days` of history, full build, then `transform_runs` daily incremental builds.

    Wealth and news land beside prices only where this checkout has their ingest command.
    """
    gen = work / f"gen-{days}"
    batches = {"prices": generate.write_prices(gen, s.transform_tickers, days, daily_days=s.transform_runs)}
    have = registered_sources()
    if "wealth" in have:
        batches["wealth"] = generate.write_wealth(gen, s.transform_tickers, days, s.transform_runs)
    if "news" in have:
        batches["news"] = generate.write_news(gen, s.transform_tickers, days, s.transform_runs)
    d = work / f"data-{days}"
    for source, info in batches.items():
        aftershock("ingest", source, "--source", "file", "--path", info["history"], data_dir=d)
    full = aftershock("build", "--events", str(events), "--full-refresh", data_dir=d)
    daily = []
    for k in range(s.transform_runs):
        for source, info in batches.items():
            aftershock("ingest", source, "--source", "file", "--path", info["daily"][k], data_dir=d)
        daily.append(aftershock("build", "--events", str(events), data_dir=d))
    shutil.rmtree(gen)
    return full, daily, d, sorted(batches)


def bench_transform(s: Sizes, work: Path) -> dict:
    # The same seeded events (inside the short history) for both histories. The events the detector
    # finds grow with the history (8 at one year, 227 at twenty at full size) and every build studies
    # every event again, so the 20-year daily build does more event work: the product's, timed as it is.
    events = work / "events.csv"
    generate.write_events(events, s.transform_events, s.short_days, min_history=min(60, s.short_days // 2))
    full_1y, daily_1y, d1, sources = history_build(s, s.short_days, work, events)
    full_20y, daily_20y, d20, _ = history_build(s, s.long_days, work, events)
    for d in (d1, d20):
        shutil.rmtree(d)
    out = {
        "tickers": s.transform_tickers + 1,
        "short_days": s.short_days,
        "long_days": s.long_days,
        "runs": s.transform_runs,
        "events": s.transform_events,
        "sources": sources,
        "daily_build_1y_s": median(daily_1y),
        "daily_build_20y_s": median(daily_20y),
        "full_build_1y_s": full_1y,
        "full_build_20y_s": full_20y,
        "daily_build_1y_all_s": daily_1y,
        "daily_build_20y_all_s": daily_20y,
    }
    out["incremental_cost_ratio_20y_vs_1y"] = out["daily_build_20y_s"] / out["daily_build_1y_s"]
    return out


# ---- event study --------------------------------------------------------------------------------

EVENT_NODES = ("int_event_", "int_market_model", "fct_event_", "dim_events")
# The marts reference.from_marts reads: the figures the pandas loop computes too (alpha, beta, sigma,
# day-0 return and AR, CARs). The speedup compares the event models these are built from with that
# loop; the event analytics the loop has no counterpart for (CAAR tests, ranks, analogs, wealth,
# news) are timed beside it, as `other_event_models_s`, and counted in the whole build.
STUDY_MARTS = ("fct_event_stock_impact", "fct_event_stock_daily", "dim_events")


def event_model_times(data_dir: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Execution time dbt recorded for each event model in the last build: (the models the compared
    figures are built from, the other event models)."""
    target = data_dir / "build" / "dbt_target"
    res = json.loads((target / "run_results.json").read_text())
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    lineage, todo = set(), [f"model.aftershock.{m}" for m in STUDY_MARTS]
    while todo:
        uid = todo.pop()
        if uid not in lineage:
            lineage.add(uid)
            todo += nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])
    study, other = {}, {}
    for r in res["results"]:
        uid = r["unique_id"]
        if uid.startswith("model.") and uid.split(".")[-1].startswith(EVENT_NODES):
            (study if uid in lineage else other)[uid.split(".")[-1]] = r["execution_time"]
    return study, other


def bench_event_study(s: Sizes, work: Path) -> dict:
    info = generate.write_prices(work / "gen-study", s.study_tickers, s.study_days, daily_days=0)
    events = work / "study-events.csv"
    generate.write_events(events, s.study_events, s.study_days)
    d = work / "data-study"
    aftershock("ingest", "prices", "--source", "file", "--path", info["history"], data_dir=d)
    build_s, sql_s, other_s, per_model = [], [], [], []
    for _ in range(s.study_runs):
        build_s.append(aftershock("build", "--events", str(events), "--full-refresh", data_dir=d))
        study, other = event_model_times(d)
        per_model.append({**study, **other})
        sql_s.append(sum(study.values()))
        other_s.append(sum(other.values()))
    con = duckdb.connect(str(d / "warehouse" / "aftershock.duckdb"), read_only=True)
    ours = reference.from_marts(con)
    con.close()
    import pandas as pd

    ev = pd.read_csv(events, dtype=str, keep_default_na=False)
    pandas_s, ref = [], None
    for _ in range(s.study_runs):
        t0 = time.perf_counter()
        ref = reference.event_study(reference.load_prices(d / "lake" / "raw" / "prices"), ev)
        pandas_s.append(time.perf_counter() - t0)
    check = reference.compare(ours, ref)
    shutil.rmtree(d)
    shutil.rmtree(work / "gen-study")
    out = {
        "tickers": s.study_tickers + 1,
        "events": s.study_events,
        "days": s.study_days,
        "runs": s.study_runs,
        "pairs": len(ours),
        "event_models_sql_s": median(sql_s),
        "event_models": sorted(study),
        "other_event_models_s": median(other_s),
        "whole_build_s": median(build_s),
        "pandas_statsmodels_s": median(pandas_s),
        "check": check,
        # the slowest event models (both kinds), median over the runs: where the time goes
        "slowest_models_s": dict(
            sorted(((m, median([r.get(m, 0.0) for r in per_model])) for m in per_model[0]), key=lambda kv: -kv[1])[:5]
        ),
    }
    out["event_study_speedup_vs_pandas"] = out["pandas_statsmodels_s"] / out["event_models_sql_s"]
    out["whole_build_speedup_vs_pandas"] = out["pandas_statsmodels_s"] / out["whole_build_s"]
    return out


# ---- peak memory --------------------------------------------------------------------------------


def bench_peak_memory(csv: Path, work: Path) -> dict:
    """Peak RSS of any process of the pipeline (ingest, dbt, gate, publish) on the landing file.

    A fresh interpreter runs the pipeline and reports RUSAGE_CHILDREN: the largest resident set
    of any process it waited for, dbt's included (the CLI waits for dbt, the child waits for the CLI).
    """
    d = work / "data-peak"
    events = work / "peak-events.csv"
    generate.write_events(events, 5, 300)
    code = (
        "import os, resource, subprocess, sys, time\n"
        "bin, csv, events = sys.argv[1:4]\n"
        "t = time.perf_counter()\n"
        "subprocess.run([bin + '/aftershock', 'ingest', 'prices', '--source', 'file', '--path', csv], check=True, capture_output=True)\n"
        "t_ingest = time.perf_counter() - t\n"
        "subprocess.run([bin + '/aftershock', 'build', '--events', events], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, t_ingest, time.perf_counter() - t - t_ingest)\n"
    )
    env = {**os.environ, "AFTERSHOCK_DATA_DIR": str(d)}
    if PROJECT is not None:
        env["AFTERSHOCK_DBT_PROJECT"] = str(PROJECT)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(BIN), str(csv), str(events)], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"peak-memory pipeline failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    kb, ingest_s, build_s = proc.stdout.split()
    rows = duckdb.sql(f"select count(*) from read_parquet('{d}/lake/raw/prices/*.parquet')").fetchone()[0]
    shutil.rmtree(d)
    return {"rows": rows, "peak_rss_mb": int(kb) / 1024, "ingest_s": float(ingest_s), "full_build_s": float(build_s)}


# ---- report -------------------------------------------------------------------------------------

# ---- Airflow transform vs the CLI build ---------------------------------------------------------

# One transform run under `dag.test()` (Airflow's own in-process runner, no scheduler), in a
# subprocess with its own AIRFLOW_HOME; prints each task's start and end from Airflow's records.
AIRFLOW_RUN = """
import json, time
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder={dags!r}).dags['aftershock_transform']
t0 = time.time()
dr = dag.test()
t1 = time.time()
tis = [{{'task_id': ti.task_id, 'state': str(ti.state), 'start': ti.start_date.timestamp(), 'end': ti.end_date.timestamp()}}
       for ti in dr.get_task_instances() if ti.start_date and ti.end_date]
print('RESULT', json.dumps({{'state': str(dr.state), 'test_s': t1 - t0, 'called': t0, 'tasks': tis}}))
"""


def _airflow_env(home: Path, data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AFTERSHOCK_DATA_DIR": str(data),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "AFTERSHOCK_TASK_RETRIES": "0",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def _run(cmd: list[str], env: dict, what: str) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def sample_lake(data_dir: Path) -> None:
    from aftershock.ingest_commands import SOURCES, sample_path

    for source in SOURCES:
        aftershock("ingest", source, "--source", "file", "--path", str(sample_path(source)), data_dir=data_dir)


def bench_airflow(s: Sizes, work: Path) -> dict:
    """The transform DAG against `aftershock build` on the same lake (the bundled sample), each from an
    empty warehouse. Like for like, both up to the publish: the CLI's wall time (process start to
    exit) against the DAG run's, from its first task's start to the end of `publish` (Airflow's own
    records: the run as the UI shows it, without the `dag.test()` process start and DAG parse). The
    run's `docs` and `refresh_site` tasks come after, and are reported beside it, with the same work
    done by `aftershock docs` and `aftershock report`."""
    lake = work / "airflow-lake"
    sample_lake(lake)
    runs = {
        "cli_build_s": [],
        "cli_docs_reports_s": [],
        "airflow_to_publish_s": [],
        "airflow_whole_run_s": [],
        "airflow_dags_test_s": [],
        "producer_s": [],
        "node_tasks_s": [],
    }
    home = work / "airflow-home"
    env = _airflow_env(home, lake)
    _run([str(BIN / "airflow"), "db", "migrate"], env, "airflow db migrate")
    _run([str(BIN / "airflow"), "pools", "set", "aftershock_warehouse", "1", "bench"], env, "airflow pools set")
    for i in range(s.airflow_runs):
        cli = work / f"airflow-cli-{i}"
        shutil.copytree(lake, cli)
        runs["cli_build_s"].append(aftershock("build", data_dir=cli))
        t0 = time.perf_counter()
        aftershock("docs", "--quiet", data_dir=cli)
        for event_id in _events(cli):
            aftershock("report", event_id, data_dir=cli)
        runs["cli_docs_reports_s"].append(time.perf_counter() - t0)
        shutil.rmtree(cli)

        data = work / f"airflow-dag-{i}"
        shutil.copytree(lake, data)
        env = _airflow_env(home, data)
        # the manifest is written at the first DAG parse of a fresh data directory; not the run's cost
        _run(
            [str(BIN / "python"), "-c", "from aftershock.orchestration import write_manifest; write_manifest()"],
            env,
            "dbt parse",
        )
        out = _run([str(BIN / "python"), "-c", AIRFLOW_RUN.format(dags=str(ROOT / "dags"))], env, "dag.test()")
        run = json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT "))[len("RESULT ") :])
        if run["state"] != "success":
            raise RuntimeError(f"transform run {run['state']}: {[t for t in run['tasks'] if t['state'] != 'success']}")
        tasks = {t["task_id"]: t for t in run["tasks"]}
        first = min(t["start"] for t in run["tasks"])
        runs["airflow_to_publish_s"].append(tasks["publish"]["end"] - first)
        runs["airflow_whole_run_s"].append(max(t["end"] for t in run["tasks"]) - first)
        runs["airflow_dags_test_s"].append(run["test_s"])
        producer = tasks["dbt.dbt_producer_watcher"]
        runs["producer_s"].append(producer["end"] - producer["start"])
        nodes = [t for t in run["tasks"] if t["task_id"].startswith("dbt.") and "producer_watcher" not in t["task_id"]]
        runs["node_tasks_s"].append(sum(t["end"] - t["start"] for t in nodes))
        node_count = len(nodes)
        shutil.rmtree(data)
    out = {k: median(v) for k, v in runs.items()}
    out.update({"runs": s.airflow_runs, "node_tasks": node_count, "all": runs})
    out["airflow_transform_vs_cli"] = out["airflow_to_publish_s"] / out["cli_build_s"]
    out["airflow_whole_run_vs_cli_same_work"] = out["airflow_whole_run_s"] / (
        out["cli_build_s"] + out["cli_docs_reports_s"]
    )
    return out


def _events(data_dir: Path) -> list[str]:
    con = duckdb.connect(str(data_dir / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("select event_id from marts.dim_events").fetchall()]
    finally:
        con.close()


def headline(result: dict) -> dict:
    get = lambda part, key: result.get(part, {}).get(key)  # noqa: E731 (a part may not have run)
    return {
        "landing_vs_native": get("landing", "landing_vs_native"),
        "landing_vs_dlt": get("landing", "landing_vs_dlt"),
        "daily_build_1y_s": get("transform", "daily_build_1y_s"),
        "incremental_cost_ratio_20y_vs_1y": get("transform", "incremental_cost_ratio_20y_vs_1y"),
        "event_study_speedup_vs_pandas": get("event_study", "event_study_speedup_vs_pandas"),
        "whole_build_speedup_vs_pandas": get("event_study", "whole_build_speedup_vs_pandas"),
        "peak_rss_mb": get("peak_memory", "peak_rss_mb"),
        "airflow_transform_vs_cli": get("airflow", "airflow_transform_vs_cli"),
    }


def verdicts(h: dict) -> dict:
    out = {}
    for k, (op, target) in TARGETS.items():
        v = h.get(k)
        out[k] = None if v is None else (v >= target if op == ">=" else v <= target)
    return out


def target(name: str) -> str:
    op, value = TARGETS[name]
    return f"{op} {value:g}"


def fmt(x, nd=2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def markdown(r: dict) -> str:
    L, T, E = r["landing"], r["transform"], r["event_study"]
    # no peak-memory part when its pipeline failed (the part raises): the row says so instead of a figure
    P = r.get("peak_memory") or {"rows": None, "peak_rss_mb": None, "full_build_s": None}
    ok = r["meets_target"]
    mark = {True: "yes", False: "**no**", None: "-"}
    # when each part ended, and whether the parts are one run or merged from separate runs (merge)
    ends = r.get("part_finished_at", {})
    each_end = ", ".join(f"{p} {ends[p]}" for p in PARTS if p in ends)
    runs = {part_run(r, p) for p in PARTS if p in r}
    if len(runs) > 1:
        when = f"Benchmark parts from separate runs (each part's end: {each_end})"
    elif len(set(ends.values())) > 1:
        # its last part's end: a merge's own finished_at is when it merged
        when = f"One benchmark run, ended {max(ends.values())} (each part's end: {each_end})"
    else:
        when = f"Benchmark run {r['finished_at']}"
    # the machine of every part: one, or each part's when merged runs ran on different machines
    machines: dict[str, list[str]] = {}
    for p in PARTS:
        if p in r:
            machines.setdefault(machine_text(part_machine(r, p)), []).append(p)
    where = (
        f"machine: {next(iter(machines))}"
        if len(machines) == 1
        else "machines: " + "; ".join(f"{', '.join(parts)} on {m}" for m, parts in machines.items())
    )
    lines = [
        f"{when} ({'quick, smoke-test sizes' if r['quick'] else 'full sizes'}); "
        f"{where}. Each time is the median of the runs shown; "
        "other jobs shared the machine, so read the ratios rather than the seconds; "
        "within a part, the figures compared were measured in the same run.",
        "",
        "| figure | value | target | met | what was measured |",
        "| --- | --- | --- | --- | --- |",
    ]

    def row(name: str, value: str, what: str) -> None:
        # target and verdict from TARGETS, the one place they are set; a figure without one is reported only
        goal = target(name) if name in TARGETS else "-"
        label = f"`{name}`" if name in TARGETS or name in r.get("headline", {}) else name
        lines.append(f"| {label} | {value} | {goal} | {mark[ok.get(name)]} | {what} |")

    row(
        "landing_vs_native",
        fmt(L["landing_vs_native"], 3),
        f"`aftershock ingest prices --source file` {fmt(L['aftershock_rows_per_s'], 0)} rows/s vs the DuckDB shell's "
        f"`COPY (FROM read_csv(...)) TO parquet` {fmt(L['duckdb_native_rows_per_s'], 0)} rows/s, both whole processes; "
        f"{fmt(L['rows'])} rows, {L['csv_mb']} MB CSV, median of {L['runs']}",
    )
    row(
        "landing_vs_dlt",
        fmt(L.get("landing_vs_dlt")),
        f"dlt pipeline into DuckDB (Arrow batches), timed in-process: {fmt(L.get('dlt_rows_per_s'), 0)} rows/s",
    )
    row(
        "incremental_cost_ratio_20y_vs_1y",
        fmt(T["incremental_cost_ratio_20y_vs_1y"]),
        f"daily `aftershock build` (one new session landed) after {T['short_days']} vs {T['long_days']} sessions x "
        f"{T['tickers']} tickers, {T['events']} events: {fmt(T['daily_build_1y_s'])} s vs "
        f"{fmt(T['daily_build_20y_s'])} s, median of {T['runs']}",
    )
    row(
        "daily_build_1y_s",
        f"{fmt(T['daily_build_1y_s'])} s",
        f"the daily `aftershock build` above, after {T['short_days']} sessions",
    )
    row(
        "whole_build_speedup_vs_pandas",
        fmt(E["whole_build_speedup_vs_pandas"], 1),
        f"whole `aftershock build` of the event-study case {fmt(E['whole_build_s'])} s vs the same loop",
    )
    row(
        "full build",
        f"{fmt(T['full_build_20y_s'])} s",
        f"`aftershock build --full-refresh` on {T['long_days']} sessions x {T['tickers']} tickers "
        f"({fmt(T['full_build_1y_s'])} s on {T['short_days']})"
        + (f"; {fmt(P['full_build_s'])} s on {fmt(P['rows'])} rows" if P["full_build_s"] else ""),
    )
    row(
        "event_study_speedup_vs_pandas",
        fmt(E["event_study_speedup_vs_pandas"], 1),
        f"{E['tickers']} tickers x {E['events']} events ({fmt(E['pairs'])} pairs): the event models the "
        f"compared figures are built from {fmt(E['event_models_sql_s'])} s (dbt's execution time; the other "
        f"event analytics {fmt(E.get('other_event_models_s'))} s) vs pandas + statsmodels loop "
        f"{fmt(E['pandas_statsmodels_s'])} s; whole `aftershock build` {fmt(E['whole_build_s'])} s "
        f"({fmt(E['whole_build_speedup_vs_pandas'], 1)}x); results equal to 1e-9: {E['check']['equal']}; "
        f"median of {E['runs']}",
    )
    row(
        "peak_rss_mb",
        fmt(P["peak_rss_mb"], 0),
        f"largest resident set of any process of ingest + build on {fmt(P['rows'])} price rows"
        if P["peak_rss_mb"]
        else "no figure: the ingest + build of the 10,000,000-row file did not finish (docs/performance.md)",
    )
    A = r.get("airflow")
    if A:
        row(
            "airflow_transform_vs_cli",
            fmt(A["airflow_transform_vs_cli"]),
            f"the transform DAG (`dag.test()`, one dbt build, {A['node_tasks']} node tasks reporting it) from its "
            f"first task to the end of `publish` {fmt(A['airflow_to_publish_s'])} s vs `aftershock build` "
            f"{fmt(A['cli_build_s'])} s, the bundled sample, empty warehouse; the whole run with dbt docs and reports "
            f"{fmt(A['airflow_whole_run_s'])} s vs the same CLI work {fmt(A['cli_build_s'] + A['cli_docs_reports_s'])} s "
            f"({fmt(A['airflow_whole_run_vs_cli_same_work'])}x); median of {A['runs']}",
        )
    return "\n".join(lines) + "\n"


def utc_now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def part_ended(run: dict, part: str) -> str | None:
    """When `part` of a saved result was measured: its own end, or (results saved before parts
    recorded theirs) the end of the run that saved it; None if that run never finished."""
    ends = run.get("part_finished_at", {})
    return ends[part] if part in ends else run.get("finished_at")


def part_run(run: dict, part: str) -> str | None:
    """Which run measured `part` of a saved result (the time that run started): its own record, or
    (results saved before parts recorded theirs) the run that saved it, named by its end."""
    return run.get("part_run", {}).get(part) or run.get("finished_at")


def part_machine(run: dict, part: str) -> dict:
    """The machine `part` of a saved result was measured on: its own, or (results saved before parts
    recorded theirs) the machine of the run that saved it."""
    return run.get("part_machine", {}).get(part) or run["machine"]


def machine_text(m: dict) -> str:
    return (
        f"{m['cpu_count']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, Python {m['python']}, "
        f"DuckDB {m['duckdb']}, dbt-core {m['dbt_core']}"
    )


def carry_part(result: dict, saved: dict, part: str) -> None:
    """Copy `part` of a saved result into `result` with its records: when it ended, which run
    measured it and on which machine."""
    result[part] = saved[part]
    result["part_finished_at"][part] = part_ended(saved, part)
    result["part_run"][part] = part_run(saved, part)
    result["part_machine"][part] = part_machine(saved, part)


def finish(result: dict, out: Path) -> dict:
    result["headline"] = headline(result)
    result["meets_target"] = verdicts(result["headline"])
    result.setdefault("finished_at", utc_now())
    (out / "latest.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    if all(p in result for p in PARTS[:3]):
        (out / "latest.md").write_text(markdown(result))
        print(markdown(result))
    else:
        print(json.dumps(result["headline"], indent=2))
    return result


def merge(folders: list[Path], out: Path) -> dict:
    """One result from parts run separately (later folders win), each part keeping when it ended, the
    run that measured it and the machine it ran on."""
    result: dict = {"part_finished_at": {}, "part_machine": {}, "part_run": {}}
    for f in folders:
        part = json.loads((f / "latest.json").read_text())
        for k in ["quick", "machine", "sizes"]:
            result.setdefault(k, part[k])
        for k in PARTS:
            if k in part:
                carry_part(result, part, k)
    out.mkdir(parents=True, exist_ok=True)
    return finish(result, out)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description="Aftershock benchmarks")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test; figures mean nothing)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only these parts (the others are read from the existing latest.json)",
    )
    ap.add_argument("--study-runs", type=int, default=None, help="override the event study's number of runs")
    ap.add_argument(
        "--landing-days",
        type=int,
        default=None,
        help="override the landing file's sessions (rows = (tickers + 1) x days: 5000 is 10M rows, 2500 is 5M)",
    )
    ap.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        default=None,
        help="combine the parts of these result folders (each from an --only run) into --out",
    )
    a = ap.parse_args(argv)
    if a.merge:
        return merge(a.merge, a.out)
    s = QUICK if a.quick else FULL
    if a.study_runs:
        s = Sizes(**{**s.__dict__, "study_runs": a.study_runs})
    if a.landing_days:
        s = Sizes(**{**s.__dict__, "landing_days": a.landing_days})
    work = a.work or Path(tempfile.mkdtemp(prefix="aftershock-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    global PROJECT
    PROJECT = bench_project(work, s)
    a.out.mkdir(parents=True, exist_ok=True)
    previous = {}
    if a.only and (a.out / "latest.json").exists():
        previous = json.loads((a.out / "latest.json").read_text())
    parts = a.only or PARTS
    here, started = machine(), utc_now()
    result = {
        "quick": a.quick,
        "machine": here,
        "sizes": s.__dict__,
        "part_finished_at": {},
        "part_machine": {},
        "part_run": {},
    }
    try:
        csv = None
        for part in PARTS:
            if part not in parts:
                if part in previous:
                    carry_part(result, previous, part)
                continue
            print(f"bench: {part} ...", flush=True)
            t0 = time.perf_counter()
            if part == "landing":
                result["landing"], csv = bench_landing(s, work)
            elif part == "transform":
                result["transform"] = bench_transform(s, work)
            elif part == "event_study":
                result["event_study"] = bench_event_study(s, work)
            elif part == "airflow":
                result["airflow"] = bench_airflow(s, work)
            else:
                if csv is None:
                    csv = Path(
                        generate.write_prices(work / "gen", s.landing_tickers, s.landing_days, daily_days=0)["history"]
                    )
                result["peak_memory"] = bench_peak_memory(csv, work)
            print(f"bench: {part} done in {time.perf_counter() - t0:.0f} s", flush=True)
            result["part_finished_at"][part] = utc_now()
            result["part_machine"][part] = here
            result["part_run"][part] = started
            # Saved after every part: a later part failing does not lose the earlier figures.
            (a.out / "latest.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return finish(result, a.out)


if __name__ == "__main__":
    main()
