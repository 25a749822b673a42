"""The quality gate: every lake batch and every mart through its GX suite, Data Docs on every run.

`run_gate(building)` matches `aftershock.build.Gate`: it takes the building warehouse and returns
failure messages (empty = pass). Each message names the expectation, the table and a few
offending rows, so the person reading a failed build knows what to open.

The frames are read through DuckDB into pandas and validated with GX's pandas datasource: GX's
SQL datasource over duckdb-engine reports every expectation as failed on this stack.
"""
from __future__ import annotations

import functools
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from expectations import lake_suites, mart_suites, registry  # noqa: F401 (the suites register themselves)
from expectations.gx_env import ProgressBarsConfig, gx
from expectations.registry import LAKE_SUITES, MART_SUITES, LakeSuite, MartSuite
from ingest import settings
from ingest.schemas import SCHEMAS

SAMPLE_ROWS = 3  # offending rows quoted per failed expectation
SITE_NAME = "quality"


def docs_dir() -> Path:
    return settings.site_dir() / SITE_NAME


@dataclass
class TableRun:
    table: str  # e.g. "lake prices batch file sample-prices.parquet" or "marts.fct_event_stock_impact"
    frame: pd.DataFrame
    expectations: list
    key: list[str]
    batch: str | None = None  # lake runs: the batch file's cache key


# ---- lake batches that already passed ----------------------------------------------------
# A landed batch never changes (a re-landing is a new file: new inode), so a batch that passed
# this version of its suite is not read again: the gate's cost follows the new data, not the lake.

def _cache_path() -> Path:
    return settings.state_dir() / "gate" / "passed_batches.json"


@functools.lru_cache(maxsize=None)
def _suite_code() -> bytes:
    return b"".join(Path(mod.__file__).read_bytes() for mod in (lake_suites, registry))


def _fingerprint(source: str) -> str:
    h = hashlib.sha256(_suite_code())
    h.update(json.dumps(SCHEMAS.get(source, {}), sort_keys=True).encode())
    return h.hexdigest()[:16]


def _stamp(path: Path, source: str) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino, "suite": _fingerprint(source)}


def _load_passed() -> dict:
    try:
        return json.loads(_cache_path().read_text())
    except (OSError, ValueError):
        return {}  # no cache, or a damaged one: validate everything


def _save_passed(passed: dict) -> None:
    from ingest.landing import atomic_write

    text = json.dumps(passed, indent=1, sort_keys=True)
    atomic_write(_cache_path(), lambda p: p.write_text(text))


class _Validator:
    """One ephemeral GX context per gate run; results go to the Data Docs site under data/site/quality/."""

    def __init__(self, site: Path):
        site.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="ephemeral")
        # Progress bars would flood the build's output with one bar per suite.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.context.add_data_docs_site(
            site_name=SITE_NAME,
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
            },
        )
        self.source = self.context.data_sources.add_pandas(name="aftershock")
        self.n = 0

    def validate(self, run: TableRun):
        self.n += 1
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in run.table)
        asset = self.source.add_dataframe_asset(name=f"{self.n:03d}_{safe}"[:120])
        batch_def = asset.add_batch_definition_whole_dataframe(name="whole")
        suite = self.context.suites.add(gx.ExpectationSuite(name=safe[:200], expectations=run.expectations))
        vd = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{self.n:03d}_{safe}"[:200], data=batch_def, suite=suite))
        return vd.run(batch_parameters={"dataframe": run.frame}, result_format={"result_format": "COMPLETE"})

    def build_docs(self) -> None:
        self.context.build_data_docs(site_names=[SITE_NAME])


# ---- describing failures ------------------------------------------------------------------

def _cell(v) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _columns_of(kwargs: dict) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    return cols + list(kwargs.get("column_list") or [])


_FIRST = ("column", "column_A", "column_B", "column_list", "min_value", "max_value", "value_set")


def _describe(kwargs: dict) -> str:
    """The expectation's arguments, columns first, defaults left out."""
    shown = {k: v for k, v in kwargs.items()
             if k not in ("batch_id", "result_format") and v is not None and v is not False}
    order = [k for k in _FIRST if k in shown] + [k for k in shown if k not in _FIRST]
    return ", ".join(f"{k}={_cell(shown[k]) if not isinstance(shown[k], list) else shown[k]}" for k in order)


def describe_failure(run: TableRun, r) -> str:
    cfg = r.expectation_config
    kwargs = dict(cfg.kwargs)
    head = f"{cfg.type}({_describe(kwargs)}) failed on {run.table}"
    if r.exception_info and r.exception_info.get("raised_exception"):
        return f"{head}: {r.exception_info.get('exception_message')}"
    res = r.result or {}
    idx = res.get("unexpected_index_list")
    if res.get("unexpected_count") is not None:
        head += f": {res['unexpected_count']} of {res.get('element_count', len(run.frame))} rows"
    if idx:
        cols = [c for c in ["_file", *run.key, *_columns_of(kwargs)] if c in run.frame.columns]
        cols = list(dict.fromkeys(cols))
        rows = run.frame.loc[[i for i in idx[:SAMPLE_ROWS] if i in run.frame.index], cols]
        quoted = ["{" + ", ".join(f"{c}: {_cell(v)}" for c, v in row.items()) + "}" for _, row in rows.iterrows()]
        head += "; e.g. " + "; ".join(quoted)
    elif res.get("partial_unexpected_list"):
        head += f"; e.g. {res['partial_unexpected_list'][:SAMPLE_ROWS]}"
    elif cfg.type == "expect_column_distinct_values_to_contain_set":
        have = set(run.frame[kwargs["column"]].dropna()) if kwargs["column"] in run.frame else set()
        head += f"; missing {[v for v in kwargs['value_set'] if v not in have]}"
    elif "observed_value" in res:
        head += f"; observed {res['observed_value']}"
    return head


# ---- what the gate reads ------------------------------------------------------------------

def _table_run(table: str, frame: pd.DataFrame, build, key: list[str], failures: list[str]) -> list[TableRun]:
    """A suite that cannot even be built (a column it needs has an unexpected type) fails the gate by name."""
    try:
        return [TableRun(table, frame, build(), key)]
    except Exception as exc:  # noqa: BLE001 - any error here means the table is not what the suite expects
        failures.append(f"{table}: its suite could not be built: {type(exc).__name__}: {exc}")
        return []


def lake_runs(failures: list[str], passed: dict | None = None) -> list[TableRun]:
    """One run per landed batch file of every source that has a suite or a registered schema,
    except batches in `passed` whose file and suite are unchanged since they passed."""
    passed = passed or {}
    runs = []
    con = duckdb.connect()
    try:
        for source in sorted(set(LAKE_SUITES) | set(SCHEMAS)):
            folder = settings.raw_dir(source)
            if not folder.is_dir():
                continue
            suite = LAKE_SUITES.get(source) or LakeSuite(source, lambda df, b, s=source: lake_suites.common(s, df, b))
            for path in sorted(folder.glob("*.parquet")):
                batch = f"{source}/{path.name}"
                if passed.get(batch) == _stamp(path, source):
                    continue
                table = f"lake {source} batch file {path.name}"
                try:
                    frame = con.execute("select * from read_parquet(?)", [str(path)]).df()
                except duckdb.Error as exc:
                    failures.append(f"{table}: cannot be read as Parquet ({str(exc).splitlines()[0]}); "
                                    "a file must land through `aftershock ingest`")
                    continue
                schema = con.execute("select column_name, column_type from (describe select * from read_parquet(?))",
                                     [str(path)]).df()
                found = _table_run(f"{table} (schema)", schema,
                                   lambda f=schema, s=source: lake_suites.schema_suite(s, f),
                                   ["column_name", "column_type"], failures)
                frame.insert(0, "_file", path.name)
                found += _table_run(table, frame, lambda f=frame, b=path.stem: suite.build(f, b), suite.key, failures)
                for run in found:
                    run.batch = batch
                runs += found
    finally:
        con.close()
    return runs


def _relations(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def mart_runs(building: Path, failures: list[str], skipped: list[str]) -> list[TableRun]:
    runs = []
    con = duckdb.connect(str(building), read_only=True)
    try:
        present = _relations(con)
        for suite in MART_SUITES.values():
            missing = [r for r in suite.requires if r not in present]
            if missing:
                skipped.append(f"{suite.name} (no {', '.join(missing)} in this warehouse)")
                continue
            if suite.columns:
                schema, table = suite.requires[0].split(".", 1)
                have = {c for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, table]).fetchall()}
                lacking = [c for c in suite.columns if c not in have]
                if lacking:
                    failures.append(f"expect_table_columns_to_include({lacking}) failed on {suite.name}: "
                                    f"the columns DESIGN.md promises are missing")
                    continue
            try:
                frame = con.execute(suite.sql).df()
            except duckdb.Error as exc:
                failures.append(f"{suite.name}: the suite's query failed: {str(exc).splitlines()[0]}")
                continue
            runs.extend(_table_run(suite.name, frame, lambda f=frame: suite.build(f), suite.key, failures))
    finally:
        con.close()
    return runs


def run_gate(building: Path, echo: bool = True, full: bool = False) -> list[str]:
    """Validate the lake and the building warehouse; return failure messages (empty = publish).

    `full` re-validates lake batches that already passed (the default skips them)."""
    failures: list[str] = []
    skipped: list[str] = []
    before = {} if full else _load_passed()
    lake = lake_runs(failures, before)
    runs = lake + mart_runs(Path(building), failures, skipped)
    site = docs_dir()
    if site.exists():
        shutil.rmtree(site)  # the site shows this run; stale pages of an earlier run would mislead
    validator = _Validator(site)
    passed = 0
    clean_runs: dict[str, int] = {}  # batch -> runs that passed; a batch passes when both (schema, rows) did
    for run in runs:
        result = validator.validate(run)
        bad = [r for r in result.results if not r.success]
        failures += [describe_failure(run, r) for r in bad]
        passed += not bad
        if run.batch and not bad:
            clean_runs[run.batch] = clean_runs.get(run.batch, 0) + 1
    validator.build_docs()
    # Remember the batches that passed (kept only while their file is there and unchanged).
    now = {}
    for batch, n in clean_runs.items():
        source, name = batch.split("/", 1)
        path = settings.raw_dir(source) / name
        if n == 2 and path.exists():
            now[batch] = _stamp(path, source)
    kept = {}
    for b, st in before.items():
        source, name = b.split("/", 1)
        path = settings.raw_dir(source) / name
        if path.exists() and _stamp(path, source) == st:
            kept[b] = st
    _save_passed({**kept, **now})
    if echo:
        print(f"  gate | {passed}/{len(runs)} tables passed their suites"
              f" ({len(kept)} lake batches unchanged since they passed, not re-read);"
              f" Data Docs: {site / 'index.html'}")
        for s in skipped:
            print(f"  gate | skipped {s}")
    return failures
