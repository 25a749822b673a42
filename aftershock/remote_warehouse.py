"""The published warehouse on object storage, for readers on other machines (AFTERSHOCK_WAREHOUSE_URL).

After the gate passes and the local file is published, the same file is uploaded as a new,
never-overwritten object `<url>/versions/<UTC time>-<sha256 prefix>.duckdb`, and only then the
small pointer object `<url>/current` is replaced with that version's name. A PUT is atomic, so a
reader resolves the pointer to a complete version or to the previous one; the version it
attached never changes under it. The last KEEP versions stay, so a reader that resolved the
pointer just before a publish still finds its file.

Readers need only the object store: `connect()` (or `aftershock sql` with the variable set)
resolves the pointer and ATTACHes the version read-only over httpfs, under the catalog name
`aftershock` that the warehouse's views were built with.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from ingest import lake_store
from ingest.lake_store import S3Store
from kernel.settings import settings

URL_ENV = "AFTERSHOCK_WAREHOUSE_URL"
POINTER = "current"
KEEP = 3
CATALOG = "aftershock"  # the published file's stem: views refer to their tables through it


def url() -> str | None:
    return settings().warehouse_url.strip() or None


def _store() -> S3Store:
    target = url()
    if target is None:
        raise RuntimeError(f"{URL_ENV} is not set")
    return S3Store(target, setting=URL_ENV)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def publish(published: Path) -> str | None:
    """Upload the published file as a new version, then point `current` at it. Called under the build
    lock right after the local publish; returns the version's URL (None when no URL is configured)."""
    if url() is None:
        return None
    store = _store()
    version = f"versions/{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-{_digest(published)}.duckdb"
    store.upload(version, published)
    store.put_bytes(POINTER, version.encode())
    # Version names sort by time; the newest KEEP stay (the current one always among them).
    for old in [f.key for f in store.list("versions", suffix=".duckdb")][:-KEEP]:
        if old != version:
            store.delete(old)
    return store.url(version)


def current_url() -> str:
    """The URL of the version `current` points at."""
    store = _store()
    if not store.exists(POINTER):
        raise FileNotFoundError(
            f"no published warehouse at {store.url(POINTER)}; run `aftershock build` with {URL_ENV} set first"
        )
    return store.url(store.read_bytes(POINTER).decode().strip())


def reader_sql() -> list[str]:
    """What a DuckDB session runs to read the published warehouse from the object store."""
    return [
        *lake_store.s3_setup_sql("aftershock_warehouse"),
        f"ATTACH '{current_url()}' AS {CATALOG} (READ_ONLY)",
        f"USE {CATALOG}",
    ]


def connect():
    """A read-only connection to the current published version (in-memory DuckDB with it attached)."""
    import duckdb

    # No progress bar: a query over the object store can pass DuckDB's 2 s threshold, and the bar would
    # go to the caller's stdout, into whatever a script prints.
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")  # a session option, not a connect() config
    for sql in reader_sql():
        con.execute(sql)
    return con
