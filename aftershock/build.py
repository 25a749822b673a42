"""`aftershock build`: dbt build into a private file, the quality gate, then an atomic publish.

The three steps are separate functions so the Airflow transform DAG can run them as separate
tasks (dbt build -> gate -> publish) on the same building file; `run_build` chains them.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aftershock import publish as pub
from aftershock.dbt_runner import BUILD, DbtFailed, prepare_project, run_dbt
from kernel.errors import AftershockError

# A gate takes the building warehouse and returns a list of failure messages (empty = pass).
Gate = Callable[[Path], list[str]]


class NothingLanded(AftershockError):
    """The lake holds no prices: every mart starts from them, so there is nothing to build."""


def check_prices_landed() -> None:
    from ingest.lake_store import store

    lake = store()
    if not lake.list("raw/prices"):
        raise NothingLanded(
            f"no prices have landed in {lake.url('raw/prices')}, so there is nothing to build; run "
            "`aftershock ingest prices` (live, or --source file --path FILE) first, "
            "or `aftershock demo` for the bundled sample"
        )


class GateFailed(AftershockError):
    def __init__(self, failures: list[str]):
        self.failures = failures
        from kernel.settings import site_dir

        super().__init__(
            "quality gate failed; the published warehouse was left as it was:\n  "
            + "\n  ".join(failures)
            + f"\nGX Data Docs of this run: {site_dir() / 'quality' / 'index.html'}"
        )


@dataclass
class BuildResult:
    published: Path
    seconds: float
    steps: list[str] = field(default_factory=list)


def default_gates() -> list[Gate]:
    # Imported here: GX takes seconds to import and only builds need it.
    from expectations.gate import run_gate

    return [run_gate]


def import_gate_meanwhile() -> None:
    """Start importing the gate (GX and pandas: 1.5 to 2 s of one core) in a thread while dbt runs.

    dbt is a child process and this one only relays its output, so the import runs beside it on the
    machine's other core instead of after it. default_gates() imports the same module: it waits for
    this import if still under way, and raises its error if it failed (the thread keeps none)."""
    import threading

    def load() -> None:
        try:
            import expectations.gate  # noqa: F401
        except Exception:  # noqa: BLE001 - default_gates() imports it again and reports the error
            pass

    threading.Thread(target=load, name="import-gate", daemon=True).start()


def dbt_build(events_file: Path | None = None, full_refresh: bool = False, echo: bool = True) -> Path:
    """Step 1: a fresh building file (seeded from the published one) and `dbt build` into it."""
    from aftershock import config

    pub.sweep_building()
    project = prepare_project(events_file)  # validates the events file first: its errors name the file
    check_prices_landed()
    events = config.read_events(Path(events_file) if events_file else config.events_file())
    for msg in config.unknown_event_tickers(events, set(config.watchlist())):
        print(f"warning: {msg}", file=sys.stderr)
    building = pub.new_building_file(full_refresh)
    try:
        run_dbt(BUILD + (["--full-refresh"] if full_refresh else []), project, building, echo=echo)
    except DbtFailed as exc:
        # A test failed by data: name its rows and their lake batches while the building file exists.
        from aftershock.build_failures import describe
        from aftershock.paths import build_workspace

        rows = describe(building, build_workspace() / "dbt_target")
        pub.discard(building)
        if rows:
            raise DbtFailed(f"{exc}\n{rows}") from None
        raise
    except BaseException:
        pub.discard(building)
        raise
    return building


def gate(building: Path, gates: list[Gate] | None = None) -> None:
    """Step 2: every gate must pass, else the building file is discarded and GateFailed raised."""
    failures: list[str] = []
    for g in default_gates() if gates is None else gates:
        failures += g(building)
    if failures:
        pub.discard(building)
        raise GateFailed(failures)


def publish(building: Path) -> Path:
    """Step 3: atomic rename over the published warehouse, then (AFTERSHOCK_WAREHOUSE_URL set) the same
    file as a new version in the object store, for readers on other machines."""
    from aftershock import remote_warehouse

    published = pub.publish(building)
    remote = remote_warehouse.publish(published)
    if remote:
        print(f"published {remote} for remote readers")
    return published


def run_build(
    events_file: Path | None = None, gates: list[Gate] | None = None, full_refresh: bool = False, echo: bool = True
) -> BuildResult:
    started = time.monotonic()
    with pub.build_lock():
        if gates is None:
            import_gate_meanwhile()
        building = dbt_build(events_file, full_refresh, echo)
        try:
            gate(building, gates)
            published = publish(building)
        except BaseException:
            pub.discard(building)
            raise
    return BuildResult(published, time.monotonic() - started, ["dbt build", "gate", "publish"])
