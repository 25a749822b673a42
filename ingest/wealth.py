"""The wealth index (Forbes real-time billionaires): normalised batch, validation and file readers.

One batch row is one person on one snapshot date: net worth in USD millions (the unit Forbes
publishes; dbt converts to dollars) and rank. The live client (`ingest.wealth_live`) and the
readers here (a CSV history, a saved Forbes JSON response) produce the same batch.
"""
from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ingest import lake_store
from ingest import validate as v
from ingest.errors import SourceUnreadable
from ingest.prices import _read_table, restrict_dates  # noqa: F401 (same date window as prices)
from ingest.schemas import register

SOURCE = "wealth"
WEALTH = {
    "date": "datetime64[s]",
    "person_uri": "string",
    "person_name": "string",
    "net_worth_musd": "float64",
    "rank": "int64",
    # When Forbes stamped the data (UTC); empty for CSV histories, which carry only a date.
    "snapshot_at": "datetime64[us, UTC]",
}
register(SOURCE, WEALTH)

CSV_COLUMNS = ["date", "person_uri", "person_name", "net_worth_musd", "rank"]
KEY = ["date", "person_uri"]

# Forbes record field -> batch column. These must be present in a response: anything else is optional.
FORBES_FIELDS = {"uri": "person_uri", "personName": "person_name", "finalWorth": "net_worth_musd",
                 "rank": "rank", "timestamp": "snapshot_at"}
# Forbes' day is the US trading day: a timestamp is dated in New York time, so an update stamped
# 01:00 UTC on Tuesday still belongs to Monday's session.
SNAPSHOT_TZ = ZoneInfo("America/New_York")


def _rank_ok(d: pd.DataFrame) -> pd.Series:
    r = pd.to_numeric(d["rank"], errors="coerce").astype("float64")
    return np.isfinite(r) & (r > 0) & (r == np.floor(r))


def _text_ok(col: str):
    return lambda d: d[col].notna() & (d[col].astype("string").str.strip() != "")


CHECKS: list[v.Check] = [
    v.not_null("date"),
    v.not_in_future("date"),
    ("person_uri is missing", _text_ok("person_uri")),
    ("person_name is missing", _text_ok("person_name")),
    v.positive_finite("net_worth_musd"),
    ("rank must be a positive integer", _rank_ok),
]


class SchemaDrift(SourceUnreadable):
    """The response no longer has the shape the client was written for."""


def snapshot_batch_id(day: pd.Timestamp | str) -> str:
    return f"forbes-{pd.Timestamp(day):%Y-%m-%d}"


def landed_snapshot(batch_id: str) -> Path | str | None:
    """The lake file of a snapshot batch if it has already landed."""
    from ingest.landing import batch_key, landed_path

    store = lake_store.store()
    key = batch_key(SOURCE, batch_id)
    return landed_path(store.url(key)) if store.exists(key) else None


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Parse types without dropping rows: unparseable values become NA and fail a check."""
    out = df.copy()
    out["date"] = pd.to_datetime(out["date"], errors="coerce", format="mixed")
    if getattr(out["date"].dt, "tz", None) is not None:
        out["date"] = out["date"].dt.tz_localize(None)
    out["date"] = out["date"].dt.normalize()
    out["person_uri"] = out["person_uri"].astype("string").str.strip().str.lower()
    out["person_name"] = out["person_name"].astype("string").str.strip()
    out["net_worth_musd"] = pd.to_numeric(out["net_worth_musd"], errors="coerce").astype("float64")
    # Kept as float until validation so 10.5 is rejected rather than silently truncated.
    out["rank"] = pd.to_numeric(out["rank"], errors="coerce").astype("float64")
    if "snapshot_at" not in out.columns:
        out["snapshot_at"] = pd.NaT
    out["snapshot_at"] = pd.to_datetime(out["snapshot_at"], errors="coerce", utc=True)
    return out[list(WEALTH)]


def split(df: pd.DataFrame) -> v.Split:
    return v.split_rows(df, CHECKS, KEY)




# ---- Forbes JSON ------------------------------------------------------------

def records_of(payload, where: str) -> list[dict]:
    """The person records of a Forbes response (`personList.personsLists[]`) or of a bare list."""
    if isinstance(payload, list):
        records = payload
    else:
        try:
            records = payload["personList"]["personsLists"]
        except (KeyError, TypeError):
            raise SchemaDrift(f"{where}: no personList.personsLists in the response "
                              f"(top-level keys: {sorted(payload)[:10] if isinstance(payload, dict) else type(payload).__name__})")
    if not isinstance(records, list) or not records:
        raise SchemaDrift(f"{where}: personList.personsLists is empty or not a list")
    if not all(isinstance(r, dict) for r in records):
        raise SchemaDrift(f"{where}: personList.personsLists holds non-object entries")
    return records


def normalise_records(records: list[dict], where: str) -> pd.DataFrame:
    """Forbes person records -> batch rows dated by the data's own timestamp.

    A field absent from every record is schema drift and fails the batch, naming the field. A
    field absent from a few records leaves those rows empty and they are quarantined with a reason.
    """
    for field in FORBES_FIELDS:
        if not any(field in r for r in records):
            raise SchemaDrift(f"{where}: Forbes records have no '{field}' field "
                              f"(schema drift; {len(records)} records, fields seen: {sorted(records[0])[:15]})")
    df = pd.DataFrame([{col: r.get(field) for field, col in FORBES_FIELDS.items()} for r in records])
    stamps = pd.to_numeric(df["snapshot_at"], errors="coerce")
    if stamps.notna().sum() == 0:
        raise SchemaDrift(f"{where}: no record has a numeric 'timestamp' (epoch milliseconds)")
    df["snapshot_at"] = pd.to_datetime(stamps, unit="ms", utc=True)
    # One list, one date: the newest stamp dates the snapshot (records updated earlier are still
    # that list's values), so a person is never split across two dates by a slow update.
    newest = df["snapshot_at"].max()
    df["date"] = newest.tz_convert(SNAPSHOT_TZ).tz_localize(None).normalize()
    return coerce(df)


def parse_json(data: bytes | str, where: str) -> pd.DataFrame:
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        head = (data[:80] if isinstance(data, str) else data[:80].decode("utf-8", "replace")).replace("\n", " ")
        raise SourceUnreadable(f"{where}: not valid JSON ({exc}); body starts {head!r}") from exc
    return normalise_records(records_of(payload, where), where)


# ---- files ------------------------------------------------------------------

def read_csv(path: Path) -> pd.DataFrame:
    df = _read_table(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in CSV_COLUMNS if c not in df.columns]
    if missing:
        raise SourceUnreadable(f"{path}: missing columns {missing}; expected {','.join(CSV_COLUMNS)} "
                               "(more columns are allowed), or a saved Forbes JSON response")
    return coerce(df[CSV_COLUMNS])


def read_file(path: Path) -> tuple[pd.DataFrame, bool]:
    """A CSV history or a saved Forbes JSON response. Returns (rows, is_snapshot)."""
    if not path.is_file():
        raise SourceUnreadable(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    if path.suffix.lower() == ".json" or head[:1] in (b"{", b"["):
        return parse_json(path.read_bytes(), str(path)), True
    return read_csv(path), False
