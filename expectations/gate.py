"""The quality gate: every mart of the building warehouse through its GX suite, Data Docs on every run.

`run_gate(building)` matches `aftershock.build.Gate`: it takes the building warehouse and returns
failure messages (empty = pass). Each message names the expectation, the table and a few
offending rows, so the person reading a failed build knows what to open.

It validates only the building warehouse. The lake's batch files are checked by dbt before any model
reads them (the lake_batch_files test on each lake source: columns, types, lineage naming the file), and
their rows by ingest (ingest.prices_fast.RULES and each source's checks); numeric bounds a mart shares
with dbt are read from the dbt manifest (expectations.dbt_bounds), not repeated here.

The frames are read through DuckDB into pandas and validated with GX's pandas datasource: GX's
SQL datasource over duckdb-engine reports every expectation as failed on this stack. A table
larger than a part (AFTERSHOCK_GATE_PART_ROWS, default 250,000 rows) is read and validated a
part at a time, and the parts' results are added up into one message per expectation.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import numpy as np
import pandas as pd

# After gx_env, which turns GX's analytics off before GX loads.
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.expectations.expectation import (  # noqa: E402
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)

from expectations import mart_suites, registry  # noqa: F401 (the suites register themselves)
from expectations.gx_env import ProgressBarsConfig, gx
from expectations.registry import MART_SUITES
from kernel import settings

SAMPLE_ROWS = 3  # offending rows quoted per failed expectation
SITE_NAME = "quality"


def docs_dir() -> Path:
    return settings.site_dir() / SITE_NAME


HISTORY_RUNS = 10  # gate runs of each suite kept in the Data Docs


def _prune_history(history: Path, site: Path) -> None:
    """Keep the newest HISTORY_RUNS run folders (<suite>/<run name>/<run time>/) of every suite, and
    remove the Data Docs pages of the runs dropped (the site's validations/ mirrors the store's folders)."""
    if not history.is_dir():
        return
    runs: dict[Path, list[Path]] = {}
    for result in history.rglob("*.json"):
        run_time = result.parent
        runs.setdefault(run_time.parent.parent, []).append(run_time)
    for times in runs.values():
        for old in sorted(set(times), key=lambda p: p.name, reverse=True)[HISTORY_RUNS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(site / "validations" / old.relative_to(history), ignore_errors=True)


def _pages_missing(history: Path, site: Path) -> bool:
    """Whether a stored result has no page in the site (a first run, a deleted or older site)."""
    if not (site / "index.html").is_file():
        return True
    return any(
        not (site / "validations" / r.relative_to(history)).with_suffix(".html").is_file()
        for r in history.rglob("*.json")
    )


class _Validator:
    """One ephemeral GX context per gate run; results go to the Data Docs site under data/site/quality/."""

    def __init__(self, site: Path):
        site.mkdir(parents=True, exist_ok=True)
        self.site = site
        self.context = gx.get_context(mode="ephemeral")
        # An ephemeral context keeps its configuration in memory, where it already is, yet GX writes
        # it out as YAML into an in-memory store after every add or delete of a data source, asset,
        # batch definition or suite (four to five a table, about 45 a gate run) that nothing reads back:
        # 0.42 of the sample's 2.76 CPU s of gate (median of six runs each). Its own results and Data
        # Docs go to the stores configured below, which this does not touch.
        self.context._save_project_config = lambda: None
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
        # Results go to a store that outlives the run, so the Data Docs index lists the last HISTORY_RUNS runs
        # of every suite, not only this one (the ephemeral context's own store dies with the gate).
        history = settings.state_dir() / "gx_validations"
        self.context.add_store(
            "aftershock_history",
            {
                "class_name": "ValidationResultsStore",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(history)},
            },
        )
        self.context.validation_results_store_name = "aftershock_history"
        _prune_history(history, site)
        # Judged before this run stores anything: its own results have no page yet.
        self.render_all = _pages_missing(history, site)
        # One run id for every validation of this gate run: its results are the ones build_docs renders.
        self.run_id = RunIdentifier(run_time=datetime.now(timezone.utc))
        self.n = 0
        self.names: dict[str, int] = {}

    def _stable_name(self, name: str) -> str:
        """The table's own name (the same on every run, so Data Docs pages keep their address); a table
        checked in several parts gets .part-2, .part-3 after its first."""
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:180]
        self.names[safe] = self.names.get(safe, 0) + 1
        return safe if self.names[safe] == 1 else f"{safe}.part-{self.names[safe]}"

    def validate(self, name: str, expectations: list, frame: pd.DataFrame):
        self.n += 1
        stable = self._stable_name(name)
        # A data source per validation, deleted after it: one shared source keeps every frame it was
        # given alive until the gate ends, so memory grew by a part's size with every part.
        source = self.context.data_sources.add_pandas(name=f"aftershock-{self.n:03d}")
        asset = source.add_dataframe_asset(name=stable[:120])
        batch_def = asset.add_batch_definition_whole_dataframe(name="whole")
        suite = self.context.suites.add(gx.ExpectationSuite(name=stable, expectations=expectations))
        vd = self.context.validation_definitions.add(gx.ValidationDefinition(name=stable, data=batch_def, suite=suite))
        try:
            return vd.run(
                batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"}, run_id=self.run_id
            )
        finally:
            self.context.data_sources.delete(source.name)

    def build_docs(self) -> None:
        """Render this run's pages (its results and its suites) and the index, which lists every stored run.

        The pages of the earlier runs were rendered by their own run and stay: rendering a page per
        stored result on every build (GX's default) was half the gate's time once the history was
        full (HISTORY_RUNS x tables pages). A stored result without its page renders everything."""
        from expectations.data_docs_offline import localize

        # Suites are this run's only (the context is ephemeral): stale pages of other suites go.
        shutil.rmtree(self.site / "expectations", ignore_errors=True)
        only = None
        if not self.render_all:
            ours = [k for k in self.context.validation_results_store.list_keys() if k.run_id == self.run_id]
            only = ours + list(self.context.expectations_store.list_keys())
        self.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=only)
        localize(self.site)


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
    shown = {
        k: v for k, v in kwargs.items() if k not in ("batch_id", "result_format") and v is not None and v is not False
    }
    order = [k for k in _FIRST if k in shown] + [k for k in shown if k not in _FIRST]
    return ", ".join(f"{k}={_cell(shown[k]) if not isinstance(shown[k], list) else shown[k]}" for k in order)


_ROW_COUNT = "expect_table_row_count_to_be_between"
_CONTAIN_SET = "expect_column_distinct_values_to_contain_set"


@dataclass
class Outcome:
    """One expectation over every part of a table: counts add up, offending rows are quoted as they are seen."""

    config: object
    parts_passed: list[bool] = field(default_factory=list)
    unexpected: int | None = None
    elements: int = 0
    missing: int = 0
    rows: list[str] = field(default_factory=list)  # offending rows, quoted
    partial: list = field(default_factory=list)
    observed: object = None
    error: str | None = None
    seen: set = field(default_factory=set)  # distinct values, for a contain-set expectation

    def add(self, r, frame: pd.DataFrame, key: list[str]) -> None:
        self.parts_passed.append(bool(r.success))
        kwargs = dict(self.config.kwargs)
        if r.exception_info and r.exception_info.get("raised_exception"):
            self.error = self.error or r.exception_info.get("exception_message")
            return
        res = r.result or {}
        if res.get("unexpected_count") is not None:
            self.unexpected = (self.unexpected or 0) + res["unexpected_count"]
        self.elements += res.get("element_count", len(frame))
        self.missing += res.get("missing_count") or 0
        if self.config.type == _ROW_COUNT:
            self.observed = (self.observed or 0) + (res.get("observed_value") or 0)
        elif self.config.type == _CONTAIN_SET:
            col = kwargs["column"]
            self.seen |= set(frame[col].dropna()) if col in frame else set()
        elif not r.success and "observed_value" in res:
            self.observed = res["observed_value"]
        if r.success:
            return
        idx = res.get("unexpected_index_list")
        if idx and len(self.rows) < SAMPLE_ROWS:
            cols = list(dict.fromkeys(c for c in [*key, *_columns_of(kwargs)] if c in frame.columns))
            picked = frame.loc[[i for i in idx[: SAMPLE_ROWS - len(self.rows)] if i in frame.index], cols]
            self.rows += [
                "{" + ", ".join(f"{c}: {_cell(v)}" for c, v in row.items()) + "}" for _, row in picked.iterrows()
            ]
        elif res.get("partial_unexpected_list") and len(self.partial) < SAMPLE_ROWS:
            self.partial += res["partial_unexpected_list"][: SAMPLE_ROWS - len(self.partial)]

    @property
    def success(self) -> bool:
        if self.error:
            return False
        if len(self.parts_passed) <= 1:
            return all(self.parts_passed)
        # Several parts: table-level expectations are judged on the totals, not part by part.
        kwargs = dict(self.config.kwargs)
        if self.config.type == _ROW_COUNT:
            lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
            return (lo is None or self.observed >= lo) and (hi is None or self.observed <= hi)
        if self.config.type == _CONTAIN_SET:
            return set(kwargs["value_set"]) <= self.seen
        if kwargs.get("mostly") is not None and self.unexpected is not None:
            return self.unexpected <= (1 - kwargs["mostly"]) * (self.elements - self.missing)
        return all(self.parts_passed)

    def message(self, table: str) -> str:
        kwargs = dict(self.config.kwargs)
        head = f"{self.config.type}({_describe(kwargs)}) failed on {table}"
        if self.error:
            return f"{head}: {self.error}"
        if self.unexpected is not None:
            head += f": {self.unexpected} of {self.elements} rows"
        if self.rows:
            head += "; e.g. " + "; ".join(self.rows)
        elif self.partial:
            head += f"; e.g. {self.partial}"
        elif self.config.type == _CONTAIN_SET:
            head += f"; missing {[v for v in kwargs['value_set'] if v not in self.seen]}"
        elif self.observed is not None:
            head += f"; observed {self.observed}"
        return head


# ---- what the gate reads, a part at a time --------------------------------------------------
# A table is validated in parts of at most part_rows() rows, so the gate's memory follows the part
# size, not the table: ten million landed price rows read whole into pandas took 4.6 GB. Rows are
# split by a hash of the columns every uniqueness expectation shares, so equal keys always meet in
# one part and a duplicate is still found; row-wise expectations add up part by part, and the
# table-level ones (row count, distinct values) are judged on the totals.

_SPLITTABLE = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
_TOTALLED = (_ROW_COUNT, _CONTAIN_SET)


def part_rows() -> int:
    return max(1, settings.settings().gate_part_rows)


def _unique_columns(expectations: list) -> list[list[str]]:
    sets = []
    for e in expectations:
        if e.expectation_type == "expect_compound_columns_to_be_unique":
            sets.append(list(e.column_list))
        elif e.expectation_type == "expect_column_values_to_be_unique":
            sets.append([e.column])
    return sets


class Uncheckable(Exception):
    """The table cannot be checked: its suite fails to build on it (a column it needs has an unexpected
    type), or it is larger than a part and its suite cannot be judged part by part."""


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _widen_integers(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB's INTEGER and narrower columns arrive as int32 (or smaller); GX's pandas
    expect_column_values_to_be_between is vectorised only for int64 and float64 columns and calls a
    Python function per value otherwise: 1.3 million calls for the two rank columns of
    fct_event_wealth_impact at 20 years (about 0.5 s of the 2.3 to 3.4 CPU s its suite took).
    Widening to int64 changes no value; a column with NULLs (pandas' nullable Int32) is left as it is."""
    narrow = {
        c: "int64" for c, t in frame.dtypes.items() if isinstance(t, np.dtype) and t.kind in "iu" and t.itemsize < 8
    }
    return frame.astype(narrow) if narrow else frame


@dataclass
class TableCheck:
    """One table: the rows `sql` selects on `con`, the suite `build` makes from a part's frame."""

    table: str  # e.g. "marts.fct_event_stock_impact"
    con: duckdb.DuckDBPyConnection
    sql: str
    params: list
    build: Callable[[pd.DataFrame], list]
    key: list[str]  # columns that name an offending row in messages

    def expectations(self, frame: pd.DataFrame) -> list:
        try:
            return self.build(frame)
        except Exception as exc:  # noqa: BLE001 - any error here means the table is not what the suite expects
            raise Uncheckable(f"its suite could not be built: {type(exc).__name__}: {exc}") from exc

    def _frame(self, where: str = "", limit: int | None = None) -> pd.DataFrame:
        sql = f"select * from ({self.sql}) as t {where}" + (f" limit {limit}" if limit is not None else "")
        return _widen_integers(self.con.execute(sql, self.params).df())

    def parts(self) -> Iterator[tuple[int, int, pd.DataFrame]]:
        """(part number, parts, frame); one part when the table fits, else hash-split parts, empty ones left out."""
        rows = self.con.execute(f"select count(*) from ({self.sql}) as t", self.params).fetchone()[0]
        if rows <= part_rows():
            yield 1, 1, self._frame()
            return
        head = self._frame(limit=1000)
        expectations = self.expectations(head)
        others = [
            e.expectation_type
            for e in expectations
            if not isinstance(e, _SPLITTABLE) and e.expectation_type not in _TOTALLED
        ]
        if others:
            raise Uncheckable(
                f"{rows} rows is more than a part ({part_rows()}) and {', '.join(others)} cannot be judged part by part"
            )
        unique = _unique_columns(expectations)
        shared = [c for c in head.columns if all(c in u for u in unique)] if unique else list(head.columns)
        if not shared:
            raise Uncheckable(
                f"{rows} rows is more than a part ({part_rows()}) and its uniqueness "
                f"expectations {unique} share no column to split on"
            )
        n = -(-rows // part_rows())
        split = f"hash({', '.join(_quote(c) for c in shared)})"
        for i in range(n):
            frame = self._frame(f"where {split} % {n} = {i}")
            if len(frame):
                yield i + 1, n, frame


def _relations(con) -> set[str]:
    return {
        f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }


def mart_checks(con, failures: list[str], skipped: list[str]) -> Iterator[TableCheck]:
    present = _relations(con)
    for suite in MART_SUITES.values():
        missing = [r for r in suite.requires if r not in present]
        if missing:
            skipped.append(f"{suite.name} (no {', '.join(missing)} in this warehouse)")
            continue
        if suite.columns:
            schema, table = suite.requires[0].split(".", 1)
            have = {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            lacking = [c for c in suite.columns if c not in have]
            if lacking:
                failures.append(
                    f"expect_table_columns_to_include({lacking}) failed on {suite.name}: "
                    f"columns users query it by are missing (listed by its suite in expectations/mart_suites.py)"
                )
                continue
        yield TableCheck(suite.name, con, suite.sql, [], suite.build, suite.key)


def check_table(check: TableCheck, validator: _Validator) -> list[str]:
    """Validate every part of one table; failure messages, one per failed expectation."""
    outcomes: list[Outcome] = []
    try:
        for i, n, frame in check.parts():
            name = check.table if n == 1 else f"{check.table} (part {i} of {n})"
            result = validator.validate(name, check.expectations(frame), frame)
            if not outcomes:
                outcomes = [Outcome(r.expectation_config) for r in result.results]
            for outcome, r in zip(outcomes, result.results):
                outcome.add(r, frame, check.key)
            del frame, result
    except duckdb.Error as exc:
        return [f"{check.table}: the suite's query failed: {str(exc).splitlines()[0]}"]
    except Uncheckable as exc:
        return [f"{check.table}: {exc}"]
    return [o.message(check.table) for o in outcomes if not o.success]


def run_gate(building: Path, echo: bool = True) -> list[str]:
    """Validate the marts of the building warehouse; return failure messages (empty = publish)."""
    failures: list[str] = []
    skipped: list[str] = []
    site = docs_dir()
    validator = _Validator(site)
    tables = passed = 0
    # The build's DuckDB ceiling (AFTERSHOCK_DUCKDB_MEMORY; dbt has finished, so the two never hold it
    # at once). Without it DuckDB may cache up to 80 % of the machine's memory: at 10 million price rows
    # the hash-split scans of fct_event_stock_daily kept 1.9 GB of its blocks, 0.7 GB under 500MB.
    con = duckdb.connect(str(building), read_only=True, config=settings.read_building_config())
    try:
        for check in mart_checks(con, failures, skipped):
            bad = check_table(check, validator)
            failures += bad
            tables += 1
            passed += not bad
    finally:
        con.close()
    validator.build_docs()
    if echo:
        print(f"  gate | {passed}/{tables} tables passed their suites; Data Docs: {site / 'index.html'}")
        for s in skipped:
            print(f"  gate | skipped {s}")
    return failures
