"""The one record of which lake batch files a warehouse was built from.

A build lists the lake once, before dbt starts, and writes that list into the table
raw.lake_batches of the file it builds; dbt's staging models read exactly the files on that list
(`macros/lake_source.sql`), never a glob of the folder. A batch that lands while dbt runs is
therefore not half-read: it is not on the list, so it is wholly in the next build.

The record is published with the warehouse, and the next build compares the lake with it:
- a batch on the list and still in the lake, unchanged, is consumed: an incremental build does not
  read it again (`consumed` in the new record);
- a batch not on the list is new: the incremental build reads it (and only it);
- a recorded batch removed or landed again, or a new batch that landed before the newest batch the
  warehouse holds (its rows are older than rows the incremental models have seen, so their
  `_ingested_at` marks would skip it), makes the build start from an empty file and read the whole
  list (the same as `--full-refresh`), and say why.
So after any interleaving of ingests and builds, the next build equals a full build of the lake.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from ingest import lake_store

TABLE = "raw.lake_batches"
COLUMNS = (
    "source varchar, batch_id varchar, path varchar, bytes bigint, modified_ns bigint, etag varchar, "
    "first_ingested_at timestamptz, last_ingested_at timestamptz, consumed boolean, "
    "recorded_at timestamptz"
)


@dataclass(frozen=True)
class Batch:
    source: str
    batch_id: str
    path: str
    bytes: int
    modified_ns: int
    etag: str = ""  # lake_store.StoredFile.etag: an object store's mtime has one-second steps
    first_ingested_at: datetime | None = None
    last_ingested_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.batch_id)

    def same_file(self, other: "Batch") -> bool:
        return (self.bytes, self.modified_ns, self.etag) == (other.bytes, other.modified_ns, other.etag)


def current() -> dict[tuple[str, str], Batch]:
    """The landed batch files now, local or in the object store (lake_store). A landing puts a
    finished file in place in one piece (a rename, or one object upload), so only whole batches are
    listed; a landing in progress is a hidden temp file or scratch folder."""
    store = lake_store.store()
    found = {}
    for source in store.subfolders("raw"):
        for f in store.list(f"raw/{source}"):
            found[(source, f.stem)] = Batch(source, f.stem, store.url(f.key), f.bytes, f.modified_ns, f.etag)
    return found


@dataclass
class Record:
    batches: dict[tuple[str, str], Batch]

    @property
    def newest_ingested_at(self) -> datetime | None:
        marks = [b.last_ingested_at for b in self.batches.values() if b.last_ingested_at is not None]
        return max(marks) if marks else None


def recorded(warehouse: Path) -> Record | None:
    """The batches the warehouse was built from; None when it has no (readable) record."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"select source, batch_id, path, bytes, modified_ns, etag, first_ingested_at, last_ingested_at from {TABLE}"
        ).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):
        return None
    finally:
        con.close()
    return Record({(r[0], r[1]): Batch(*r) for r in rows})


def with_ingest_times(batches: list[Batch]) -> list[Batch]:
    """The batches with the span of their rows' _ingested_at, read from the files (one scan of one column)."""
    if not batches:
        return []
    con = duckdb.connect()
    try:
        lake_store.configure(con)
        rows = con.execute(
            "select filename, min(_ingested_at), max(_ingested_at) from read_parquet(?, "
            "filename = true, union_by_name = true) group by filename",
            [[b.path for b in batches]],
        ).fetchall()
    finally:
        con.close()
    spans = {r[0]: (r[1], r[2]) for r in rows}
    none = (None, None)
    return [
        replace(b, first_ingested_at=spans.get(b.path, none)[0], last_ingested_at=spans.get(b.path, none)[1])
        for b in batches
    ]


@dataclass
class Plan:
    """What one build reads: every batch listed, `new` being those an incremental build reads."""

    batches: dict[tuple[str, str], Batch]
    new: set[tuple[str, str]]
    full_reasons: list[str]

    @property
    def full(self) -> bool:
        return bool(self.full_reasons)


def plan(before: Record | None, now: dict[tuple[str, str], Batch], full_refresh: bool = False) -> Plan:
    """Which listed batches are new to the published warehouse, and why (if so) it must be a full build."""
    reasons: list[str] = []
    if full_refresh:
        reasons.append("--full-refresh")
    elif before is None:
        reasons.append("the published warehouse has no record of its lake batches")
    else:
        for key, b in sorted(before.batches.items()):
            cur = now.get(key)
            if cur is None:
                reasons.append(f"lake batch {b.source}/{b.batch_id}.parquet was removed")
            elif not cur.same_file(b):
                reasons.append(f"lake batch {b.source}/{b.batch_id}.parquet was landed again")
    # A consumed batch keeps the ingest span the record holds; its path is where the lake is now.
    kept = (
        {}
        if before is None
        else {
            k: replace(now[k], first_ingested_at=b.first_ingested_at, last_ingested_at=b.last_ingested_at)
            for k, b in before.batches.items()
            if k in now and now[k].same_file(b)
        }
    )
    new = with_ingest_times([b for k, b in sorted(now.items()) if k not in kept])
    if not reasons and before is not None:
        mark = before.newest_ingested_at
        for b in new:
            if mark is not None and b.first_ingested_at is not None and b.first_ingested_at <= mark:
                reasons.append(
                    f"lake batch {b.source}/{b.batch_id}.parquet landed before the newest batch "
                    "already built (out of order)"
                )
    batches = {**kept, **{b.key: b for b in new}}
    if reasons:
        # A full build reads every batch: all of them are "new" to the empty file.
        return Plan(batches, set(batches), reasons)
    return Plan(batches, {b.key for b in new}, [])


def record(building: Path, p: Plan) -> None:
    """Write the plan into the building file, before dbt runs: the staging models read it, and it is
    published with the file as the record the next build compares the lake with."""
    con = duckdb.connect(str(building))
    try:
        con.execute("create schema if not exists raw")
        con.execute(f"create or replace table {TABLE} ({COLUMNS})")
        now = datetime.now(timezone.utc)
        rows = [
            (
                b.source,
                b.batch_id,
                b.path,
                b.bytes,
                b.modified_ns,
                b.etag,
                b.first_ingested_at,
                b.last_ingested_at,
                key not in p.new,
                now,
            )
            for key, b in sorted(p.batches.items())
        ]
        if rows:  # an empty lake is an empty list: the build then says no prices have landed
            con.executemany(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
