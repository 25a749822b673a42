"""The landing writer: one Parquet file per (source, batch), written atomically.

A batch is written to a temp file in the destination folder and renamed into place, so a
reader of the lake sees the old file or the new one, never half of one. Landing the same
batch id again replaces its file: re-runs never duplicate rows.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ingest import settings
from ingest.errors import IngestError
from ingest.schemas import LINEAGE, SCHEMAS

TMP_MARK = ".tmp-"
_SAFE = re.compile(r"[^A-Za-z0-9._=-]+")


@dataclass
class LandResult:
    source: str
    batch_id: str
    path: Path | None
    rows: int
    rejected: int
    quarantine_path: Path | None
    warnings: list[str] = field(default_factory=list)  # items that failed or need a look (tickers, feeds)

    def summary(self) -> str:
        where = str(self.path) if self.path else "nothing landed"
        text = f"{self.source}: {self.rows} rows landed in batch {self.batch_id} -> {where}"
        if self.rejected:
            text += f"; {self.rejected} rows rejected -> {self.quarantine_path}"
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' * (len(self.warnings) > 1)}: " + "; ".join(self.warnings)
        return text


def safe_batch_id(raw: str) -> str:
    cleaned = _SAFE.sub("-", raw).strip("-.")
    if not cleaned:
        raise IngestError(f"batch id {raw!r} has no usable characters")
    return cleaned[:150]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temp(folder: Path) -> list[Path]:
    """Remove temp files left by a writer that died (its pid no longer runs)."""
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if TMP_MARK not in p.name:
            continue
        try:
            pid = int(p.name.rsplit(TMP_MARK, 1)[1])
        except ValueError:
            pid = -1
        if pid < 0 or not _pid_alive(pid) or pid == os.getpid():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder, to make a rename in it durable) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        write(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def conform(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Select and type the schema's columns in order."""
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
    return pa.Table.from_pandas(df, preserve_index=False)


def write_quarantine(source: str, batch_id: str, rejected: pd.DataFrame) -> Path:
    """The batch's rejected rows (with `_reject_reason`) as lake/quarantine/<source>/<batch_id>.csv."""
    qdir = settings.quarantine_dir(source)
    sweep_stale_temp(qdir)
    qpath = qdir / f"{safe_batch_id(batch_id)}.csv"
    rej = rejected.copy()
    rej.insert(0, "_batch_id", batch_id)
    atomic_write(qpath, lambda p: rej.to_csv(p, index=False))
    return qpath


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
    batch_id = safe_batch_id(batch_id)
    raw = settings.raw_dir(source)
    qdir = settings.quarantine_dir(source)
    sweep_stale_temp(raw)
    sweep_stale_temp(qdir)
    ingested_at = ingested_at or datetime.now(timezone.utc)

    qpath = None
    n_rej = 0 if rejected is None else len(rejected)
    if n_rej:
        qpath = write_quarantine(source, batch_id, rejected)

    if good.empty:
        raise IngestError(
            f"{source} batch {batch_id}: no valid rows to land"
            + (f" ({n_rej} rejected, see {qpath})" if n_rej else "")
        )
    table = conform(good, source)
    table["_source"] = pd.array([source] * len(table), dtype="string")
    table["_batch_id"] = pd.array([batch_id] * len(table), dtype="string")
    table["_ingested_at"] = pd.Series([ingested_at] * len(table)).astype(LINEAGE["_ingested_at"])
    path = raw / f"{batch_id}.parquet"
    arrow = _arrow_table(table)
    atomic_write(path, lambda p: pq.write_table(arrow, p))
    return LandResult(source, batch_id, path, len(table), n_rej, qpath)

