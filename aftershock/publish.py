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
from ingest.landing import fsync_path


class BuildLocked(RuntimeError):
    pass


@contextmanager
def build_lock():
    """One build at a time per data directory (the warehouse has one writer)."""
    lock_path = warehouse_path().parent / ".build.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildLocked(f"another build holds {lock_path}; wait for it to finish") from exc
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def sweep_building() -> list[Path]:
    """Remove building files left by a build that died. Called under the build lock."""
    removed = []
    folder = building_dir()
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
    return removed


def published_is_readable(published: Path | None = None) -> bool:
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
        print(f"the published warehouse {published} is not a readable DuckDB file ({first_line}): "
              "building from the whole lake, not incrementally; the next publish replaces it")
        return False
    return True


def new_building_file(full_refresh: bool = False) -> Path:
    """A fresh building file, seeded with the published warehouse so incremental models keep their state.

    It has the published file's name, in a private folder: DuckDB names a file's catalog after
    its stem and views record that catalog, so a view built here must still resolve once the
    file is renamed into place. It starts empty instead (a full rebuild) when asked to, or when a
    lake batch the published warehouse was built from has since been removed or landed again
    (see aftershock.lake_batches); either way it records the lake's batches as they are now.
    """
    from aftershock import lake_batches

    folder = building_dir() / f"{os.getpid()}-{int(time.time() * 1000)}"
    folder.mkdir(parents=True, exist_ok=True)
    published = warehouse_path()
    path = folder / published.name
    batches = lake_batches.current()
    if published.exists() and not full_refresh and published_is_readable(published):
        reasons = lake_batches.changes(lake_batches.recorded(published), batches)
        for why in reasons[:5]:
            print(f"{why}: building from the whole lake, not incrementally")
        if len(reasons) > 5:
            print(f"... and {len(reasons) - 5} more batches removed or landed again")
        if not reasons:
            tmp = path.with_name(path.name + ".copy")
            shutil.copyfile(published, tmp)
            os.replace(tmp, path)
    lake_batches.record(path, batches)
    return path


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
    checkpoint(building)
    target = warehouse_path()
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
