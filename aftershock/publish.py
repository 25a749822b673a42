"""Write-audit-publish for the warehouse file.

dbt writes a private building file; only a file that passed the gate is renamed over the
published one. rename(2) is atomic, and a reader holding the old file open read-only keeps
reading the old inode, so readers never block the build and never see half a warehouse.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from aftershock.paths import building_dir, warehouse_path
from kernel.errors import AftershockError
from kernel.files import fsync_path, pid_alive
from kernel.settings import settings


class BuildLocked(AftershockError):
    pass


LOCK_WAIT_ENV = "AFTERSHOCK_LOCK_WAIT_SECONDS"


def lock_path() -> Path:
    return warehouse_path().parent / ".build.lock"


@contextmanager
def build_lock(what: str = "build", wait: float | None = None):
    """The one lock of a data directory: everything that reads or writes the build workspace
    (data/build), a building file or the published file takes it, so there is one writer and no
    command re-copies the workspace under a running dbt. A second holder waits up to `wait` seconds
    (AFTERSHOCK_LOCK_WAIT_SECONDS, default 1800), saying who it waits for, then refuses."""
    if wait is None:
        wait = settings().lock_wait_seconds
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"{what}: {path} is held by {holder}; gave up after {wait:.0f} s "
                        f"(set {LOCK_WAIT_ENV} to wait longer)"
                    ) from None
                if not told:
                    print(f"{what}: waiting for {holder} to release {path}", flush=True)
                    told = True
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{what} (pid {os.getpid()})")
        fh.flush()
        yield
    finally:
        fh.close()


def _owner_alive(folder: Path) -> bool:
    """A building folder is named <pid>-<ms>; it belongs to a live build while that process lives.
    A folder of another machine's process or of an Airflow run (airflow-<run>) is judged by age."""
    pid = folder.name.partition("-")[0]
    if pid.isdigit():
        return pid_alive(int(pid))
    max_age = settings().building_max_age_seconds
    return time.time() - folder.stat().st_mtime < max_age


def sweep_building() -> list[Path]:
    """Remove building folders left by builds that died (their process is gone). Called under the lock;
    a live build's folder (an Airflow run between its tasks, say) is left alone."""
    removed = []
    folder = building_dir()
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_dir() and _owner_alive(p):
                continue
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
    return removed


BUILD_INFO = "raw.build_info"


def _build_id(path: Path) -> str | None:
    """The id of the build that made a warehouse file (None for a file without one)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(f"select build_id from {BUILD_INFO}").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def published_is_readable(published: Path | None = None, say: bool = True) -> bool:
    """Whether the published warehouse opens as a DuckDB file with its marts. A file damaged outside a
    build (overwritten, truncated) cannot seed an incremental build: say so, and the caller builds from
    the lake; the publish that follows replaces it."""
    published = published or warehouse_path()
    try:
        con = duckdb.connect(str(published), read_only=True)
        try:
            con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if say:
            print(
                f"the published warehouse {published} is not a readable DuckDB file ({first_line}): "
                "building from the whole lake, not incrementally; the next publish replaces it"
            )
        return False
    return True


def new_building_file(full_refresh: bool = False, owner: str | None = None) -> Path:
    """A fresh building file, seeded with the published warehouse so incremental models keep their state.

    It has the published file's name, in a private folder: DuckDB names a file's catalog after
    its stem and views record that catalog, so a view built here must still resolve once the
    file is renamed into place. It starts empty instead (a full build) when asked to, or when the
    lake no longer matches the published record (see aftershock.lake_batches). Either way it gets
    the list of batch files this build reads (raw.lake_batches) and the id of the build it was
    seeded from (raw.build_info), which publish checks. Call it under build_lock().
    """
    from aftershock import lake_batches

    folder = building_dir() / f"{owner or os.getpid()}-{int(time.time() * 1000)}"
    folder.mkdir(parents=True, exist_ok=True)
    published = warehouse_path()
    path = folder / published.name
    now = lake_batches.current()
    before = None
    if published.exists() and not full_refresh:
        if published_is_readable(published):
            before = lake_batches.recorded(published)
    plan = lake_batches.plan(before, now, full_refresh=full_refresh or not published.exists())
    shown = [r for r in plan.full_reasons if published.exists() and r != "--full-refresh"]
    for why in shown[:5]:
        print(f"{why}: building from the whole lake, not incrementally")
    if len(shown) > 5:
        print(f"... and {len(shown) - 5} more batches removed, landed again or out of order")
    seeded_from = _build_id(published) if published.exists() else None
    if not plan.full:
        tmp = path.with_name(path.name + ".copy")
        shutil.copyfile(published, tmp)
        os.replace(tmp, path)
    lake_batches.record(path, plan)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            f"create or replace table {BUILD_INFO} (build_id varchar, seeded_from varchar, "
            "full_build boolean, new_batches integer, started_at timestamptz)"
        )
        con.execute(
            f"insert into {BUILD_INFO} values (?, ?, ?, ?, now())", [folder.name, seeded_from, plan.full, len(plan.new)]
        )
    finally:
        con.close()
    print(
        f"lake: {len(plan.batches)} batch files, {len(plan.new)} to read"
        + (" (whole lake)" if plan.full else " (incremental)")
    )
    return path


class PublishedMeanwhile(AftershockError):
    """Another build published after this building file was seeded: publishing it would go back in time."""


def checkpoint(path: Path) -> None:
    """Fold any WAL into the file so the single published file is complete on its own."""
    con = duckdb.connect(str(path))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise RuntimeError(f"{wal} still exists after checkpoint; refusing to publish")


def publish(building: Path) -> Path:
    """Rename a gated building file over the published one, unless another build published since this
    one was seeded (an Airflow run and a command-line build between the run's tasks): the newer
    warehouse stays, and this run says so. Call it under build_lock()."""
    checkpoint(building)
    target = warehouse_path()
    if target.exists() and published_is_readable(target, say=False):
        con = duckdb.connect(str(building), read_only=True)
        try:
            seeded_from = con.execute(f"select seeded_from from {BUILD_INFO}").fetchone()[0]
        finally:
            con.close()
        current = _build_id(target)
        if current != seeded_from:
            raise PublishedMeanwhile(
                f"another build ({current}) published {target} after this build "
                f"started from {seeded_from or 'an empty file'}; its warehouse is kept and "
                "this one discarded (the next build reads what this one would have)"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    fsync_path(building)
    os.replace(building, target)
    _remove_private_folder(building)
    fsync_path(target.parent)
    return target


def _remove_private_folder(building: Path) -> None:
    if building.parent.parent == building_dir() and building.parent.is_dir():
        shutil.rmtree(building.parent, ignore_errors=True)


def discard(building: Path) -> None:
    for p in (building, building.with_name(building.name + ".wal")):
        p.unlink(missing_ok=True)
    _remove_private_folder(building)
