"""Shared fixtures. Every test gets its own AFTERSHOCK_DATA_DIR; the sample warehouse is built once."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample"
BIN = Path(sys.executable).parent


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(d))
    return d


# Commands run inside the test process: each is `aftershock.cli.main` with the environment, streams and
# exit code of the command line, and leaves no process-wide state behind (settings are read per call).
# A process of its own would import GX, pandas and DuckDB again: about 4 CPU s per build, which the
# test process pays once (dbt still runs as the build's child process). `sql` execs the DuckDB shell
# and `docs --serve` serves until killed: those, and any call passing subprocess options, run the
# installed command in a process of its own, as do the tests that stop or kill a build midway.
IN_PROCESS = {"build", "demo", "docs", "events", "export", "freshness", "ingest", "report", "site", "watchlist"}


def run_cli(*args: str, data_dir: Path, check: bool = True, timeout: int = 600, **kw) -> subprocess.CompletedProcess:
    """Run the `aftershock` command as a user would: its output, messages and exit code."""
    env = {"AFTERSHOCK_DATA_DIR": str(data_dir), **kw.pop("env", {})}
    if args[0] in IN_PROCESS and "--serve" not in args and not kw:
        with environment(env):
            proc = _main_in_process(list(args))
    else:
        proc = subprocess.run(
            [str(BIN / "aftershock"), *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            **kw,
        )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"aftershock {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The process environment with `values` set, then restored whole, with anything the code called set
    in it: library code called inside a test reads its settings from the environment on each call."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _main_in_process(argv: list[str]) -> subprocess.CompletedProcess:
    """`aftershock argv` as the installed command runs it (aftershock.cli.main, an uncaught exception
    printed as a traceback with exit code 1)."""
    import io
    import traceback

    from aftershock import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's usage errors, as sys.exit reports them
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # noqa: BLE001 - what the interpreter prints for an uncaught exception
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(["aftershock", *argv], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory, worker_id) -> Path:
    """A data directory on which `aftershock demo` has run once (shared, treat as read-only)."""
    return once_per_run(tmp_path_factory, worker_id, "demo", lambda d: run_cli("demo", data_dir=d).stdout)


def once_per_run(tmp_path_factory, worker_id, name: str, make) -> Path:
    """The data directory `name` made by `make(d)` once per test run, not once per xdist worker: the
    workers share the run's base folder, and the first to ask makes it under a file lock while the
    others wait. `make` returns its command's output, saved last as `<name>_stdout.txt`, so a
    directory whose making failed is made again."""
    from filelock import FileLock

    root = run_root(tmp_path_factory, worker_id)
    d = root / name / "data"
    with FileLock(str(root / f"{name}.lock")):
        if not (d / f"{name}_stdout.txt").is_file():
            shutil.rmtree(d.parent, ignore_errors=True)
            out = make(d)
            (d / f"{name}_stdout.txt").write_text(out)
    return d


# One events file in the format of the first releases (no optional columns), studied on the demo's
# lake by one build that several files' tests read: each event is a case of its own (an event on the
# last session, a weekend and a holiday date, another day's tickers), and each test reads its own events.
OLD_FORMAT_EVENTS = (
    "event_id,event_date,title,keywords,tickers\n"
    "old-format,2025-01-27,Old format,DeepSeek,NVDA|AMD|AVGO\n"
    "at-the-end,2025-06-30,Last sample session,x,NVDA|AMD\n"
    "liberation-day,2025-04-03,US tariff announcement,tariffs,NVDA|AAPL|^GSPC\n"
    "saturday-news,2025-01-25,News on a Saturday,x,NVDA\n"
    "mlk-day-news,2025-01-20,News on a market holiday,x,NVDA\n"
)


@pytest.fixture(scope="session")
def old_format_events_build(demo_dir, tmp_path_factory, worker_id) -> tuple[Path, str]:
    """A copy of the demo's lake built with `--events` OLD_FORMAT_EVENTS instead of the seed: its data
    directory and the build's output (shared like demo_dir, once per run; treat as read-only)."""

    def build(d: Path) -> str:
        shutil.copytree(demo_dir / "lake", d / "lake")
        copy_parse_cache(demo_dir, d)
        events = d.parent / "events.csv"
        events.write_text(OLD_FORMAT_EVENTS)
        return run_cli("build", "--events", str(events), data_dir=d).stdout

    d = once_per_run(tmp_path_factory, worker_id, "old-format-events", build)
    return d, (d / "old-format-events_stdout.txt").read_text()


def run_root(tmp_path_factory, worker_id) -> Path:
    """The folder of this test run, shared by its xdist workers (above each worker's own)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if worker_id != "master" else root


@pytest.fixture(scope="session", autouse=True)
def shared_chart_cache(tmp_path_factory, worker_id):
    """One chart cache for every data directory of the run (AFTERSHOCK_CHART_CACHE, inherited by the
    commands and Airflow processes the tests start): the sample's charts are drawn once per run, not
    once per data directory that refreshes its site (about 30 CPU s each). A chart is named by its
    figures and the drawing code, so a copy is the chart a fresh drawing would make; the tests of
    the cache itself (tests/test_report.py) use the reports folder's own."""
    folder = run_root(tmp_path_factory, worker_id) / "chart-cache"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:  # the session's monkeypatch: restored after the run
        mp.setenv("AFTERSHOCK_CHART_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def demo_db(demo_dir):
    con = duckdb.connect(str(demo_dir / "warehouse" / "aftershock.duckdb"), read_only=True)
    yield con
    con.close()


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published_copy(demo_dir, tmp_path, monkeypatch) -> Path:
    """A private data directory holding the demo's lake, its good published warehouse and the dbt
    manifest of the build that made it (the gate reads the bounds dbt declares from it)."""
    d = tmp_path / "data"
    shutil.copytree(demo_dir / "lake", d / "lake")
    (d / "warehouse").mkdir(parents=True)
    shutil.copyfile(demo_dir / "warehouse" / "aftershock.duckdb", d / "warehouse" / "aftershock.duckdb")
    copy_parse_cache(demo_dir, d)
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(d))
    return d


# The --full-refresh build an incremental warehouse is compared with builds its models and seeds only:
# the comparison reads relations, which dbt's data tests do not write, and the builds under test run
# every test (a quarter of a sample build's dbt time; dbt reads DBT_RESOURCE_TYPES as --resource-type).
REFERENCE_BUILD_ENV = {"DBT_RESOURCE_TYPES": "model seed"}


def copy_parse_cache(source: Path, data: Path) -> None:
    """Give `data` the dbt manifest and saved parse of the build in `source`, as if that build had run
    there: the gate reads dbt's bounds from the manifest, and dbt parses the copy partially (its saved
    parse holds no path of `source`, aftershock.dbt_runner.dbt_env) instead of spending 4 to 5 CPU s on
    a whole parse. What is built is unchanged: dbt checks every file's checksum, and the seeds, the
    profile and the lake's location against what it saved."""
    target = data / "build" / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "partial_parse.msgpack"):
        shutil.copyfile(source / "build" / "dbt_target" / name, target / name)


# The longest files first; in brackets the seconds of each file's longest test (its setup where that
# was longer) in the run of 2026-12-03 (`make test`, 446 tests in 4,269 s on a machine also running two
# benchmarks; test_batch_integrity.py then held test_batch_schedule.py's test too). `make test`
# hands whole files to two workers in this order (--no-loadscope-reorder), so a long file collected
# late does not leave one worker running it alone at the end. Kept after a trial on 2026-12-06: the same
# files longest-first by that day's figures (the standalone Airflow test second instead of last) took
# 1,378 s against this order's 1,294 s, one fresh-clone run each (the standalone test 334 s against 204 s).
# On 2026-12-07 (a pytest run of 0a02d14 on a faster machine, 665 s) the two workers' files ended 7 s apart.
LONGEST_FIRST = [
    "test_batch_integrity.py",  # (853) two forced orders of landings and builds
    "test_celery_executor.py",  # (551) Airflow on Celery, Redis, Postgres and an object store
    "test_incremental.py",  # (426 setup) three builds compared relation by relation
    "test_batch_schedule.py",  # (416) a random schedule of landings and builds
    "test_airflow_dags.py",  # (387) dag.test() of every DAG
    "test_lake_batches.py",  # (360)
    "test_trading_calendar.py",  # (342)
    "test_docs.py",  # (281 setup) the site, dbt docs and Chromium
    "test_config.py",  # (256)
    "test_crash_safety.py",  # (229)
    "test_s3_lake.py",  # (222)
    "test_demo_e2e.py",  # (197)
    "test_write_audit_publish.py",  # (179)
    "test_airflow_standalone.py",  # (168) first start of a fresh install
    # Then the middling files, longest first (their seconds in a fresh clone's run of 2026-12-08,
    # 683.9 s): a worker is handed its next file while its current one still has two tests to go, so
    # a 25 s file handed out last kept one worker busy 25 s after the other had run out (644 against
    # 669.5 s); ordered, the files handed out last are the ones of a few seconds.
    "test_bad_input_builds.py",  # (54)
    "test_build_lock.py",  # (42)
    "test_gate_suites.py",  # (32)
    "test_sql_shell.py",  # (25)
    "test_event_study.py",  # (19)
    "test_promote.py",  # (19)
    "test_news_marts.py",  # (17)
    "test_summary_wealth_news.py",  # (17)
    "test_bad_input_corpus.py",  # (15)
    "test_report.py",  # (13)
    "test_dbt_unit_tests.py",  # (10)
    "test_wealth_live.py",  # (8.5)
    "test_bad_input_details.py",  # (7.6)
    "test_prices_fast.py",  # (6)
]


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
