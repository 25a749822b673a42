"""`aftershock events promote EVENT_ID`: copy a detected event into the curated events seed.

The next build then studies it like any curated event (stock impact, CAR, CAAR). The row is
appended with the seed file's own header, so files without the optional study columns still work.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb

from aftershock.paths import DBT_PROJECT, warehouse_path
from ingest.landing import atomic_write

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class PromoteError(RuntimeError):
    pass


def default_events_file() -> Path:
    return DBT_PROJECT / "seeds" / "events.csv"


def promote(event_id: str, events_file: Path | None = None, new_id: str | None = None,
            title: str | None = None, db: Path | None = None) -> dict[str, str]:
    events_file = Path(events_file) if events_file else default_events_file()
    db = db or warehouse_path()
    if not db.exists():
        raise PromoteError(f"no published warehouse at {db}; run `aftershock build` first")
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select event_id, origin, event_date, title, keywords, tickers, linked_event_id "
            "from marts.dim_events where event_id = ?", [event_id]).fetchone()
    finally:
        con.close()
    if row is None:
        raise PromoteError(f"event {event_id!r} is not in marts.dim_events")
    _, origin, event_date, auto_title, companies, tickers, linked = row
    if origin != "detected":
        raise PromoteError(f"event {event_id!r} is already curated")
    if linked:
        raise PromoteError(f"event {event_id!r} is the day 0 of curated event {linked!r}, which already studies it")
    new_id = new_id or event_id
    if not _ID.match(new_id):
        raise PromoteError(f"event id {new_id!r}: use lower-case letters, digits, '.', '_' and '-'")
    if not events_file.is_file():
        raise PromoteError(f"events file {events_file}: no such file")

    text = events_file.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)), None)
    if not header or not {"event_id", "event_date", "title", "keywords", "tickers"} <= set(header):
        raise PromoteError(f"events file {events_file}: header must have event_id,event_date,title,keywords,tickers")
    if any(r.get("event_id") == new_id for r in rows):
        raise PromoteError(f"events file {events_file} already has an event {new_id!r}")

    keywords = [re.sub(r"\s*\(.*\)", "", c).strip() for c in companies or []]
    new = {c: "" for c in header}
    new.update(event_id=new_id, event_date=str(event_date), title=title or auto_title,
               keywords="|".join(dict.fromkeys(k for k in keywords if k)), tickers="|".join(tickers or []))
    # the new row goes after the existing text unchanged; a missing final newline is added first
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([new[c] for c in header])
    body = text if text.endswith("\n") or not text else text + "\n"
    atomic_write(events_file, lambda tmp: Path(tmp).write_text(body + buf.getvalue(), encoding="utf-8"))
    return new
