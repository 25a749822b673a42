"""The wealth index (Forbes real-time billionaires): normalised batch, validation and file readers.

One batch row is one person on one snapshot date: net worth in USD millions (the unit Forbes
publishes; dbt converts to dollars) and rank. The live client (`ingest.wealth_live`) and the
readers here (a CSV history, a saved Forbes JSON response) produce the same batch.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ingest import lake_store
from ingest import validate as v
from ingest.errors import SourceUnreadable
from ingest.prices import _read_table, check_file, restrict_dates  # noqa: F401 (same date window as prices)
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
FORBES_FIELDS = {
    "uri": "person_uri",
    "personName": "person_name",
    "finalWorth": "net_worth_musd",
    "rank": "rank",
    "timestamp": "snapshot_at",
}
# Forbes' day is the US trading day: a timestamp is dated in New York time, so an update stamped
# 01:00 UTC on Tuesday still belongs to Monday's session.
SNAPSHOT_TZ = ZoneInfo("America/New_York")
# A Forbes record's value must have this JSON type: a uri given as an object, or finalWorth as
# `true`, is not read as text or as 1.0 but quarantined.
JSON_TYPES = {"uri": "string", "personName": "string", "finalWorth": "number", "rank": "number", "timestamp": "number"}
# A record stamped later than this past the clock is not today's data (a broken record): it neither
# dates the snapshot nor lands.
FUTURE_SKEW_MS = 3600 * 1000
MAX_RANK = 1_000_000  # the list has about 2,750 people; a larger rank is not one (and overflows an int64 past 9.2e18)


def _rank_ok(d: pd.DataFrame) -> pd.Series:
    r = pd.to_numeric(d["rank"], errors="coerce").astype("float64")
    return np.isfinite(r) & (r > 0) & (r == np.floor(r))


def _text_ok(col: str):
    return lambda d: d[col].notna() & (d[col].astype("string").str.strip() != "")


def _flag_clear(flag: str):
    return lambda d: ~d[flag].fillna(False).astype(bool) if flag in d.columns else pd.Series(True, index=d.index)


CHECKS: list[v.Check] = [
    *((f"{field} is not a JSON {kind}", _flag_clear(f"_wrong_type_{field}")) for field, kind in JSON_TYPES.items()),
    ("timestamp is in the future or not epoch milliseconds", _flag_clear("_bad_timestamp")),
    v.not_null("date"),
    v.not_in_future("date"),
    ("person_uri is missing", _text_ok("person_uri")),
    ("person_name is missing", _text_ok("person_name")),
    v.readable_number("net_worth_musd"),
    v.positive_finite("net_worth_musd"),
    v.readable_number("rank"),
    ("rank must be a positive integer", _rank_ok),
    (f"rank is over {MAX_RANK:,}", lambda d: d["rank"].isna() | (d["rank"] <= MAX_RANK)),
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


def coerce(df: pd.DataFrame, raw: list[str] = CSV_COLUMNS) -> pd.DataFrame:
    """Parse types without dropping rows: unparseable values become NA and fail a check (the
    values as read of the `raw` columns are kept for that check and the quarantine)."""
    extra = [c for c in df.columns if c.startswith(("_raw_", "_wrong_type_", "_bad_"))]
    out = v.keep_raw(df, [c for c in raw if v.RAW + c not in df.columns])
    out["date"] = v.to_dates(out["date"], "date")
    out["person_uri"] = out["person_uri"].astype("string").str.strip().str.lower()
    out["person_name"] = out["person_name"].astype("string").str.strip()
    out["net_worth_musd"] = v.to_number(out["net_worth_musd"])
    # Kept as float until validation so 10.5 is rejected rather than silently truncated.
    out["rank"] = v.to_number(out["rank"])
    if "snapshot_at" not in out.columns:
        out["snapshot_at"] = pd.NaT
    out["snapshot_at"] = pd.to_datetime(out["snapshot_at"], errors="coerce", utc=True)
    kept = [c for c in out.columns if c.startswith(v.RAW)] + [c for c in extra if not c.startswith(v.RAW)]
    return out[list(WEALTH) + kept]


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
            raise SchemaDrift(
                f"{where}: no personList.personsLists in the response "
                f"(top-level keys: {sorted(payload)[:10] if isinstance(payload, dict) else type(payload).__name__})"
            ) from None
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
            raise SchemaDrift(
                f"{where}: Forbes records have no '{field}' field "
                f"(schema drift; {len(records)} records, fields seen: {sorted(records[0])[:15]})"
            )
    df = pd.DataFrame([_record_row(r) for r in records])
    stamps = df["snapshot_at"].astype("float64")
    if stamps.notna().sum() == 0:
        raise SchemaDrift(f"{where}: no record has a numeric 'timestamp' (epoch milliseconds)")
    # Out of range (1e300, negative, later than the clock) is a broken record, not a date for the list.
    bad = stamps.notna() & ~stamps.between(0, time.time() * 1000 + FUTURE_SKEW_MS)
    df["_bad_timestamp"] = bad
    sane = stamps.mask(bad)
    if sane.notna().sum() == 0:
        raise SourceUnreadable(
            f"{where}: no record has a usable 'timestamp' (epoch milliseconds, not in the "
            f"future); the newest given is {v.shorten(df.loc[stamps.idxmax(), '_raw_snapshot_at'])}"
        )
    df["snapshot_at"] = pd.to_datetime(sane, unit="ms", utc=True)
    # One list, one date: the newest sane stamp dates the snapshot (records updated earlier are
    # still that list's values), so a person is never split across two dates by a slow update.
    newest = df["snapshot_at"].max()
    df["date"] = newest.tz_convert(SNAPSHOT_TZ).tz_localize(None).normalize()
    return coerce(df, raw=[])


def _is_json_kind(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _record_row(record: dict) -> dict:
    """One Forbes record as a batch row: each field as read (JSON text for non-strings, for the
    quarantine), its value when it has the expected JSON type, and a flag when it has another."""
    row = {}
    for field, col in FORBES_FIELDS.items():
        value = record.get(field)
        wrong = value is not None and not _is_json_kind(value, JSON_TYPES[field])
        if not wrong and JSON_TYPES[field] == "number":
            try:
                value = float(value)
            except OverflowError:  # a JSON integer past any float: out of every range below
                value = float("inf")
        row[col] = None if wrong else value
        given = record.get(field)
        row[v.RAW + col] = given if isinstance(given, str) or given is None else json.dumps(given)
        row[f"_wrong_type_{field}"] = wrong
    return row


def parse_json(data: bytes | str, where: str) -> pd.DataFrame:
    try:
        payload = json.loads(data)
    except RecursionError:
        raise SourceUnreadable(f"{where}: JSON nested too deeply to read (not a Forbes list)") from None
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
        raise SourceUnreadable(
            f"{path}: missing columns {missing}; expected {','.join(CSV_COLUMNS)} "
            "(more columns are allowed), or a saved Forbes JSON response"
        )
    try:
        return coerce(df[CSV_COLUMNS])
    except SourceUnreadable as exc:
        raise SourceUnreadable(f"{path}: {exc}") from None


def read_file(path: Path) -> tuple[pd.DataFrame, bool]:
    """A CSV history or a saved Forbes JSON response. Returns (rows, is_snapshot)."""
    check_file(path)
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    if path.suffix.lower() == ".json" or head[:1] in (b"{", b"["):
        return parse_json(path.read_bytes(), str(path)), True
    return read_csv(path), False
