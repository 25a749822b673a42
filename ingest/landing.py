"""The landing writer: one Parquet file per (source, batch), written atomically.

A batch is written to a temp file and then put in the lake in one piece (ingest.lake_store: a
rename in the local lake, one PUT in an object-store lake), so a reader of the lake sees the old
file or the new one, never half of one. Landing the same batch id again replaces its file:
re-runs never duplicate rows; a replacement that holds different data says so. The batch's
quarantine file always lists the rejects of its latest landing (none: no file).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import lake_store
from ingest.errors import IngestError
from ingest.schemas import LINEAGE, SCHEMAS

# Re-exported: the warehouse and state files use the same local helpers.
from kernel.files import TMP_MARK, pid_alive

if TYPE_CHECKING:  # imported where used: the DuckDB landing of a CSV needs none of pandas or pyarrow
    import pandas as pd
    import pyarrow as pa

_SAFE = re.compile(r"[^A-Za-z0-9._=-]+")


@dataclass
class LandResult:
    source: str
    batch_id: str
    path: Path | str | None  # str: a URL in an object-store lake (s3://...)
    rows: int
    rejected: int
    quarantine_path: Path | str | None
    warnings: list[str] = field(default_factory=list)  # items that failed or need a look (tickers, feeds)

    def summary(self) -> str:
        where = str(self.path) if self.path else "nothing landed"
        text = f"{self.source}: {self.rows} rows landed in batch {self.batch_id} -> {where}"
        if self.rejected:
            text += f"; {self.rejected} rows rejected -> {self.quarantine_path}"
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' * (len(self.warnings) > 1)}: " + "; ".join(self.warnings)
        return text


def batch_key(source: str, batch_id: str) -> str:
    """Where a batch lives in the lake (see ingest.lake_store)."""
    return f"raw/{source}/{batch_id}.parquet"


def safe_batch_id(raw: str) -> str:
    cleaned = _SAFE.sub("-", raw).strip("-.")
    if not cleaned:
        raise IngestError(f"batch id {raw!r} has no usable characters")
    return cleaned[:150]


# Scratch folders of a landing in progress (`.prices-<pid>@<host>@xxxx` beside the lake folders):
# a writer killed with -9 cannot remove its own, so the next landing removes those whose process is
# gone. Only this host's pids can be judged; another host's (a container sharing the lake) and
# unnamed ones are removed only once they are a day old.
_SCRATCH = re.compile(r"^\.(?P<source>[a-z_]+)-(?P<pid>[0-9]+)@(?P<host>[^@]*)@")
SCRATCH_MAX_AGE_S = 24 * 3600


def scratch_prefix(source: str) -> str:
    return f".{source}-{os.getpid()}@{socket.gethostname()}@"


def sweep_stale_scratch(folder: Path, source: str = "prices") -> list[Path]:
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.glob(f".{source}-*"):
        if not p.is_dir():
            continue
        m = _SCRATCH.match(p.name)
        if m and m["host"] == socket.gethostname():
            stale = int(m["pid"]) != os.getpid() and not pid_alive(int(m["pid"]))
        else:
            try:
                stale = time.time() - p.stat().st_mtime > SCRATCH_MAX_AGE_S
            except FileNotFoundError:
                continue
        if stale:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def conform(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Select and type the schema's columns in order."""
    import pandas as pd

    schema = SCHEMAS[source]
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise IngestError(f"{source}: normalised batch lacks columns {missing}")
    out = pd.DataFrame(index=df.index)
    for col, dtype in schema.items():
        s = df[col]
        if dtype.startswith("datetime64"):
            s = pd.to_datetime(s, utc=dtype.endswith("UTC]"))
            if not dtype.endswith("UTC]"):
                s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
            s = s.astype(dtype)
        elif dtype == "float64":
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        elif dtype == "int64":
            s = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif dtype == "bool":
            s = s.astype("boolean")
        else:
            s = s.astype("string")
        out[col] = s
    return out.reset_index(drop=True)


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pandas(df, preserve_index=False)


def _put(key: str, write) -> str:
    """Write a lake file through a local temp file, then put it in the lake as one piece."""
    store = lake_store.store()
    folder = key.rsplit("/", 1)[0]
    store.sweep(folder)
    name = key.rsplit("/", 1)[-1]
    tmp = store.scratch_dir(folder) / f".{name}.part{TMP_MARK}{os.getpid()}"
    try:
        write(tmp)
        return store.put_file(key, tmp)
    finally:
        tmp.unlink(missing_ok=True)


def landed_path(url: str) -> Path | str:
    """A local lake file as a Path, an object-store one as its URL."""
    return url if "://" in url else Path(url)


def quarantine_key(source: str, batch_id: str) -> str:
    return f"quarantine/{source}/{safe_batch_id(batch_id)}.csv"


def write_quarantine(source: str, batch_id: str, rejected: pd.DataFrame) -> Path | str:
    """The batch's rejected rows (with `_reject_reason`) as lake/quarantine/<source>/<batch_id>.csv."""
    rej = rejected.copy()
    rej.insert(0, "_batch_id", batch_id)
    return landed_path(_put(quarantine_key(source, batch_id), lambda p: rej.to_csv(p, index=False)))


LINEAGE_COLUMNS = ", ".join(LINEAGE)


def _replacement_note(source: str, batch_id: str, new: Path) -> str | None:
    """A word when a landing replaces a batch file that held other data (lineage aside)."""
    import duckdb

    store = lake_store.store()
    key = batch_key(source, batch_id)
    if not store.exists(key):
        return None
    old = store.url(key)
    con = duckdb.connect()
    try:
        lake_store.configure(con)
        rel = f"select * exclude ({LINEAGE_COLUMNS}) from read_parquet(?)"
        n_old = con.execute("select count(*) from read_parquet(?)", [str(old)]).fetchone()[0]
        n_new = con.execute("select count(*) from read_parquet(?)", [str(new)]).fetchone()[0]
        try:
            differ = (
                n_old != n_new
                or con.execute(f"select count(*) from ({rel} except all {rel})", [str(old), str(new)]).fetchone()[0] > 0
            )
        except duckdb.Error:  # other columns: different data
            differ = True
    finally:
        con.close()
    if not differ:
        return None
    return (
        f"batch {batch_id} replaced an earlier {source} landing that held different data "
        f"({n_old:,} rows before, {n_new:,} now)"
    )


def land_file(source: str, batch_id: str, write, rows: int, rejected: pd.DataFrame | None) -> LandResult:
    """The last step of every landing: quarantine the rejects (or drop the quarantine file of an
    earlier landing of this batch), then put the batch file in the lake in one piece.

    `write(tmp)` writes the batch's Parquet file to tmp; `write` None (or rows 0) means no valid
    rows: nothing is landed (an earlier good landing of the same batch stays) and IngestError is raised.
    """
    batch_id = safe_batch_id(batch_id)
    n_rej = 0 if rejected is None else len(rejected)
    qpath = write_quarantine(source, batch_id, rejected) if n_rej else None
    if write is None or rows == 0:
        raise IngestError(
            f"{source} batch {batch_id}: no valid rows to land" + (f" ({n_rej} rejected, see {qpath})" if n_rej else "")
        )
    notes: list[str] = []

    def write_and_compare(tmp: Path) -> None:
        write(tmp)
        note = _replacement_note(source, batch_id, tmp)
        if note:
            notes.append(note)

    target = landed_path(_put(batch_key(source, batch_id), write_and_compare))
    if not n_rej:
        lake_store.store().delete(quarantine_key(source, batch_id))  # it listed rows now landed
    return LandResult(source, batch_id, target, rows, n_rej, qpath, warnings=notes)


def land_batch(
    source: str,
    batch_id: str,
    good: pd.DataFrame,
    rejected: pd.DataFrame | None = None,
    ingested_at: datetime | None = None,
) -> LandResult:
    """Land the valid rows of one batch and quarantine the rejected ones.

    A batch with no valid rows is not landed (an earlier good landing of the same batch
    stays) and raises, so the command exits non-zero.
    """
    import pandas as pd
    import pyarrow.parquet as pq

    batch_id = safe_batch_id(batch_id)
    ingested_at = ingested_at or datetime.now(timezone.utc)
    if good.empty:
        return land_file(source, batch_id, None, 0, rejected)
    table = conform(good, source)  # before anything is written: a value that cannot be stored fails here
    table["_source"] = pd.array([source] * len(table), dtype="string")
    table["_batch_id"] = pd.array([batch_id] * len(table), dtype="string")
    table["_ingested_at"] = pd.Series([ingested_at] * len(table)).astype(LINEAGE["_ingested_at"])
    arrow = _arrow_table(table)
    return land_file(source, batch_id, lambda p: pq.write_table(arrow, p), len(table), rejected)
