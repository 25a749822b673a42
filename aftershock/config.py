"""The user's configuration: one folder outside the source tree, read by the CLI and by Airflow alike.

Every CSV seed the dbt project bundles (events, watchlist, people, feeds, and any seed added later)
is user configuration. It lives in `$AFTERSHOCK_CONFIG_DIR`, default `$AFTERSHOCK_DATA_DIR/config/`;
a file missing there is copied from `dbt/seeds/` on first use, and never overwritten afterwards.
Every build copies the folder over the dbt workspace's seeds (aftershock.dbt_runner.prepare_project),
so a change made with `aftershock events add` or by hand lasts for every later build.

Changes go through `edit()`, which holds an fcntl lock on a sidecar file for the whole
read-modify-write: concurrent writers queue instead of losing each other's rows.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import io
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aftershock.paths import dbt_project
from kernel.errors import AftershockError
from kernel.files import atomic_write
from kernel.settings import data_dir, settings

CONFIG_DIR_ENV = "AFTERSHOCK_CONFIG_DIR"
EVENTS = "events.csv"
WATCHLIST = "watchlist.csv"
EVENT_COLUMNS = ("event_id", "event_date", "title", "keywords", "tickers")
WATCHLIST_COLUMNS = ("ticker", "company", "sector", "benchmark", "asset_type")

# The one rule for event ids, checked wherever an events file is read (verbs, build, report): lower case,
# no path separators or markup, so an id is safe as a file name and in HTML. `detected-` is the detector's
# namespace (marts.dim_events): a curated id there would collide with the detected event of that session.
EVENT_ID_RULE = "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 80 characters"
_EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
DETECTED_PREFIX = "detected-"


class ConfigError(AftershockError):
    pass


def event_id_problem(event_id: str, curated: bool = True) -> str | None:
    """Why `event_id` is not a valid id (None when it is)."""
    if not _EVENT_ID.match(event_id or ""):
        return f"event id {event_id[:100]!r}: use {EVENT_ID_RULE}"
    if curated and event_id.startswith(DETECTED_PREFIX):
        return (
            f"event id {event_id!r}: ids starting with {DETECTED_PREFIX!r} belong to detected events; "
            "choose another id (e.g. `aftershock events promote` uses promoted-YYYY-MM-DD)"
        )
    return None


def config_dir() -> Path:
    env = settings().config_dir.strip()
    return Path(env).resolve() if env else data_dir() / "config"


def bundled_seeds() -> list[Path]:
    return sorted((dbt_project() / "seeds").glob("*.csv"))


def ensure() -> Path:
    """The config folder, with every bundled seed it does not have yet copied in (first use, or a seed
    a newer version bundles). Files already there are the user's and are left as they are."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    missing = [s for s in bundled_seeds() if not (folder / s.name).exists()]
    if missing:
        with _locked(folder / ".seeding.lock"):
            for seed in missing:
                if not (folder / seed.name).exists():
                    atomic_write(folder / seed.name, lambda tmp, seed=seed: shutil.copyfile(seed, tmp))
    return folder


def path(name: str) -> Path:
    """A configuration file (seeded first if needed), e.g. path('watchlist.csv')."""
    return ensure() / name


def files() -> list[Path]:
    return sorted(ensure().glob("*.csv"))


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits: config edits take milliseconds
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def lock_path_for(csv_path: Path) -> Path:
    # A sidecar, not the file itself: the atomic rename replaces the file's inode, and a lock on the
    # old inode would not stop the next writer.
    return csv_path.with_name(f".{csv_path.name}.lock")


class Table:
    """A CSV file held as its header and rows (dicts), written back with the same header."""

    def __init__(self, file: Path, header: list[str], rows: list[dict[str, str]], raw: str = ""):
        self.file, self.header, self.rows = file, header, rows
        self._raw, self._read = raw, [dict(r) for r in rows]

    def add(self, row: dict[str, str]) -> dict[str, str]:
        new = {c: "" for c in self.header}
        new.update({k: v for k, v in row.items() if k in new})
        self.rows.append(new)
        return new

    def text(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=self.header, lineterminator="\n", extrasaction="ignore")
        kept = len(self._read)
        if self._raw and self.rows[:kept] == self._read:
            # only appended: the user's text stays byte for byte (quoting, comments in titles), the new rows follow
            w.writerows(self.rows[kept:])
            return (self._raw if self._raw.endswith("\n") else self._raw + "\n") + buf.getvalue()
        w.writeheader()
        w.writerows(self.rows)
        return buf.getvalue()


def read_table(file: Path, required: tuple[str, ...]) -> Table:
    if file.is_dir():
        raise ConfigError(f"{file}: is a directory, expected a CSV file")
    if not file.is_file():
        raise ConfigError(f"{file}: no such file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise ConfigError(f"{file}: header must have {','.join(required)} (missing {','.join(missing)})")
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    return Table(file, header, rows, text)


@contextmanager
def edit(file: Path, required: tuple[str, ...]) -> Iterator[Table]:
    """Read-modify-write of one CSV under its lock; the file is replaced atomically when the block exits
    without an exception (and left untouched when it raises)."""
    with _locked(lock_path_for(file)):
        table = read_table(file, required)
        yield table
        body = table.text()
        atomic_write(file, lambda tmp: Path(tmp).write_text(body, encoding="utf-8"))


# ---- events --------------------------------------------------------------------------------------


def events_file() -> Path:
    return path(EVENTS)


def split_list(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def read_events(file: Path) -> Table:
    """An events file, checked: every id valid and unique, every date a date. The error names the file
    and the row (line number as an editor shows it)."""
    return read_events_rows(read_table(file, EVENT_COLUMNS))


def read_events_rows(table: Table) -> Table:
    import datetime as dt

    seen: dict[str, int] = {}
    for line, row in enumerate(table.rows, start=2):
        where = f"{table.file}, line {line}"
        problem = event_id_problem(row["event_id"])
        if problem:
            raise ConfigError(f"{where}: {problem}")
        if row["event_id"] in seen:
            raise ConfigError(f"{where}: event id {row['event_id']!r} already on line {seen[row['event_id']]}")
        seen[row["event_id"]] = line
        try:
            dt.date.fromisoformat(row["event_date"])
        except ValueError:
            raise ConfigError(f"{where}: event_date {row['event_date'][:40]!r} is not a YYYY-MM-DD date") from None
        if problem := car_windows_problem(row.get("car_windows", "")):
            raise ConfigError(f"{where}: event {row['event_id']!r}: {problem}")
    return table


_CAR_WINDOW = re.compile(r"^(-?\d{1,4}):(-?\d{1,4})$")


def study_horizon() -> tuple[int, int]:
    """The relative days the build computes returns for: the event window and every default CAR
    window (dbt vars window_start, window_end, car_windows), [-10, +60] as bundled."""
    return _study_horizon((dbt_project() / "dbt_project.yml").read_text())


@functools.lru_cache(maxsize=2)
def _study_horizon(dbt_project_yml: str) -> tuple[int, int]:
    # Cached on the file's text: parsing it costs 40 ms, once per events row before (8 s for 100 events).
    import yaml

    doc = yaml.safe_load(dbt_project_yml) or {}
    v = doc.get("vars") or {}
    windows = v.get("car_windows") or []
    return (
        min([int(v.get("window_start", -10))] + [int(w[0]) for w in windows]),
        max([int(v.get("window_end", 10))] + [int(w[1]) for w in windows]),
    )


def car_windows_problem(value: str) -> str | None:
    """Why an events row's car_windows ("start:end" pairs separated by '|') cannot be studied (None when
    it can, or is empty): each window must read as two integers, start <= end, inside the study horizon."""
    parts = split_list(value)
    if not parts:
        return None
    lo, hi = study_horizon()
    for part in parts:
        m = _CAR_WINDOW.match(part.replace(" ", ""))
        if not m:
            return f"car_windows {value[:80]!r}: write start:end pairs separated by '|', e.g. 0:0|0:3|-2:2"
        start, end = int(m[1]), int(m[2])
        if start > end:
            return f"car_windows window {part!r} starts after it ends"
        if start < lo or end > hi:
            return f"car_windows window {part!r} reaches outside the days the build computes, [{lo}, +{hi}]"
    return None


def watchlist() -> dict[str, dict[str, str]]:
    """ticker -> its watchlist row, from the configuration."""
    table = read_table(path(WATCHLIST), WATCHLIST_COLUMNS)
    return {r["ticker"].upper(): r for r in table.rows if r["ticker"]}


def unknown_event_tickers(table: Table, known: set[str]) -> list[str]:
    """One message per event naming the tickers and benchmark it asks for that the watchlist lacks:
    the build would give them no prices to study, so every abnormal return would be NULL."""
    msgs = []
    for row in table.rows:
        tickers = [t.upper() for t in split_list(row.get("tickers", ""))]
        missing = [t for t in dict.fromkeys(tickers) if t not in known]
        bench = (row.get("benchmark") or "").strip().upper()
        parts = []
        if missing:
            parts.append(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(m[:40] for m in missing)}")
        if bench and bench not in known:
            parts.append(f"benchmark {bench[:40]}")
        if parts:
            msgs.append(
                f"event {row['event_id']} ({table.file.name}): {' and '.join(parts)} not in the watchlist "
                f"({path(WATCHLIST)}); not studied. `aftershock watchlist add TICKER` adds one"
            )
    return msgs


def add_event(
    event_id: str,
    event_date: str,
    title: str,
    keywords: list[str] = (),
    tickers: list[str] = (),
    benchmark: str | None = None,
    file: Path | None = None,
) -> dict[str, str]:
    file = file or events_file()
    if problem := event_id_problem(event_id):
        raise ConfigError(problem)
    with edit(file, EVENT_COLUMNS) as table:
        if any(r["event_id"] == event_id for r in table.rows):
            raise ConfigError(f"{file} already has an event {event_id!r}; `aftershock events remove {event_id}` first")
        if benchmark and "benchmark" not in table.header:
            raise ConfigError(f"{file}: no benchmark column; add it to the header to set a benchmark per event")
        new = table.add(
            {
                "event_id": event_id,
                "event_date": event_date,
                "title": title,
                "keywords": "|".join(keywords),
                "tickers": "|".join(t.upper() for t in tickers),
                "benchmark": (benchmark or "").upper(),
            }
        )
        read_events_rows(table)  # the whole file, with the new row, must pass the rule before it is written
    return new


def remove_row(file: Path, required: tuple[str, ...], key: str, value: str, what: str) -> None:
    with edit(file, required) as table:
        kept = [r for r in table.rows if r[key].upper() != value.upper()]
        if len(kept) == len(table.rows):
            raise ConfigError(f"{file} has no {what} {value!r}")
        table.rows = kept


def add_ticker(
    ticker: str, company: str | None = None, sector: str = "", benchmark: str | None = None, asset_type: str = "stock"
) -> dict[str, str]:
    ticker = ticker.strip().upper()
    if not re.match(r"^[A-Z0-9^][A-Z0-9.^=-]{0,19}$", ticker):
        raise ConfigError(f"ticker {ticker[:40]!r}: use a Yahoo Finance symbol (letters, digits, '.', '-', '^', '=')")
    file = path(WATCHLIST)
    with edit(file, WATCHLIST_COLUMNS) as table:
        if any(r["ticker"].upper() == ticker for r in table.rows):
            raise ConfigError(f"{file} already has {ticker}")
        if benchmark is None:
            # the benchmark most of the watchlist uses (the S&P 500 in the bundled one)
            used = [r["benchmark"] for r in table.rows if r["benchmark"]]
            benchmark = max(set(used), key=used.count) if used else ""
        return table.add(
            {
                "ticker": ticker,
                "company": company or ticker,
                "sector": sector,
                "benchmark": benchmark.upper(),
                "asset_type": asset_type,
            }
        )
