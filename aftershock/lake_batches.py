"""Which lake batches a warehouse was built from, so a build knows when incremental is not enough.

Incremental models read the rows landed after their high-water mark, which covers every new
batch. A batch file that was replaced (the same batch id landed again) or deleted is different:
rows it no longer carries would stay in the warehouse. So every build records the lake's batch
files (source, batch, size, modification time) in the table raw.lake_batches of the file it
builds, published with it; the next build compares the lake with the published record and, when
a recorded file is gone or changed, builds from an empty file instead of the published copy
(the same as `--full-refresh`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from ingest import lake_store

TABLE = "raw.lake_batches"


@dataclass(frozen=True)
class Batch:
    source: str
    batch_id: str
    bytes: int
    modified_ns: int
    etag: str = ""  # lake_store.StoredFile.etag: an object store's mtime has one-second steps


def current() -> dict[tuple[str, str], Batch]:
    """The landed batch files now (temp files of a landing in progress are not batches)."""
    store = lake_store.store()
    found = {}
    for source in store.subfolders("raw"):
        for f in store.list(f"raw/{source}"):
            found[(source, f.stem)] = Batch(source, f.stem, f.bytes, f.modified_ns, f.etag)
    return found


@dataclass
class Record:
    batches: dict[tuple[str, str], Batch]
    recorded_at: datetime


def recorded(warehouse: Path) -> Record | None:
    """The batches the warehouse was built from; None when it has no record (built by an older version)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            rows = con.execute(f"select source, batch_id, bytes, modified_ns, etag from {TABLE}").fetchall()
            at = con.execute(f"select max(recorded_at) from {TABLE}").fetchone()[0]
        except (duckdb.CatalogException, duckdb.BinderException):  # no table, or one without etag
            return None
    finally:
        con.close()
    return Record({(r[0], r[1]): Batch(*r) for r in rows}, at)


def _landing_started(batches: list[Batch]) -> dict[tuple[str, str], datetime]:
    """When each batch's landing began (its rows' _ingested_at), read from the files."""
    if not batches:
        return {}
    store = lake_store.store()
    paths = [store.url(f"raw/{b.source}/{b.batch_id}.parquet") for b in batches]
    con = duckdb.connect()
    try:
        lake_store.configure(con)
        rows = con.execute("select filename, min(_ingested_at) from read_parquet(?, filename = true, "
                           "union_by_name = true) group by filename", [paths]).fetchall()
    finally:
        con.close()
    by_path = dict(rows)
    return {(b.source, b.batch_id): by_path.get(p) for b, p in zip(batches, paths)}


def changes(before: Record | None, now: dict[tuple[str, str], Batch]) -> list[str]:
    """Why an incremental build would be wrong: recorded batches since removed or landed again, or a
    new batch whose landing began before the last build did (its rows are older than rows that
    build may have read, so a high-water mark would skip them)."""
    if before is None:
        return ["the published warehouse has no record of its lake batches (built by an older version)"]
    out = []
    for key, b in sorted(before.batches.items()):
        cur = now.get(key)
        if cur is None:
            out.append(f"lake batch {b.source}/{b.batch_id}.parquet was removed")
        elif (cur.bytes, cur.modified_ns, cur.etag) != (b.bytes, b.modified_ns, b.etag):
            out.append(f"lake batch {b.source}/{b.batch_id}.parquet was landed again")
    new = [b for key, b in sorted(now.items()) if key not in before.batches]
    if before.recorded_at is not None:
        for key, started in _landing_started(new).items():
            if started is not None and started < before.recorded_at:
                out.append(f"lake batch {key[0]}/{key[1]}.parquet began landing before the last build and "
                           "finished after it")
    return out


def record(building: Path, batches: dict[tuple[str, str], Batch]) -> None:
    """Write the batches into the building file (dbt leaves the table alone; it is published with the file)."""
    con = duckdb.connect(str(building))
    try:
        con.execute("create schema if not exists raw")
        con.execute(f"create or replace table {TABLE} (source varchar, batch_id varchar, bytes bigint, "
                    "modified_ns bigint, modified_at timestamptz, recorded_at timestamptz, etag varchar)")
        now = datetime.now(timezone.utc)
        con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                        [(b.source, b.batch_id, b.bytes, b.modified_ns,
                          datetime.fromtimestamp(b.modified_ns / 1e9, timezone.utc), now, b.etag)
                         for b in batches.values()])
    finally:
        con.close()
