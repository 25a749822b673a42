"""`aftershock events promote EVENT_ID`: copy a detected event into the curated events file.

The next build then studies it like any curated event (stock impact, CAR, CAAR). The target is the
user's configuration (aftershock.config), never the repository, unless `--events-file` names another
file. The row is appended with the file's own header, so files without the optional study columns
still work, under the file's lock, so concurrent promotions all land.

A promoted event gets a curated id (default promoted-YYYY-MM-DD): the detected event of that session
keeps its own id in marts.dim_events and names the curated one in linked_event_id, so the two never
collide on event_id.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from aftershock import config
from aftershock.paths import warehouse_path
from kernel.errors import AftershockError


class PromoteError(AftershockError):
    pass


def default_events_file() -> Path:
    return config.events_file()


def default_promoted_id(event_date) -> str:
    return f"promoted-{event_date}"


def promote(
    event_id: str,
    events_file: Path | None = None,
    new_id: str | None = None,
    title: str | None = None,
    db: Path | None = None,
) -> dict[str, str]:
    events_file = Path(events_file) if events_file else default_events_file()
    db = db or warehouse_path()
    if not db.exists():
        raise PromoteError(f"no published warehouse at {db}; run `aftershock build` first")
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select event_id, origin, event_date, title, keywords, tickers, linked_event_id "
            "from marts.dim_events where event_id = ?",
            [event_id],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise PromoteError(f"event {event_id!r} is not in marts.dim_events")
    _, origin, event_date, auto_title, companies, tickers, linked = row
    if origin != "detected":
        raise PromoteError(f"event {event_id!r} is already curated")
    if linked:
        raise PromoteError(f"event {event_id!r} is the day 0 of curated event {linked!r}, which already studies it")
    new_id = new_id or default_promoted_id(event_date)
    if problem := config.event_id_problem(new_id):
        raise PromoteError(problem)
    if not events_file.exists():
        raise PromoteError(f"events file {events_file}: no such file")

    keywords = [re.sub(r"\s*\(.*\)", "", c).strip() for c in companies or []]
    try:
        with config.edit(events_file, config.EVENT_COLUMNS) as table:
            config.read_events_rows(table)  # refuse to add to a file the build would reject
            if any(r["event_id"] == new_id for r in table.rows):
                raise PromoteError(f"events file {events_file} already has an event {new_id!r}")
            return table.add(
                {
                    "event_id": new_id,
                    "event_date": str(event_date),
                    "title": title or auto_title,
                    "keywords": "|".join(dict.fromkeys(k for k in keywords if k)),
                    "tickers": "|".join(tickers or []),
                }
            )
    except config.ConfigError as exc:
        raise PromoteError(str(exc)) from exc
