"""How far back a live collector must reach so every event can be studied.

The market model estimates over relative sessions [estimation_start, estimation_end] before day 0
(dbt var estimation_start = -250, an event may override it). A live run that fetched only the last
interval would leave a new ticker (an empty lake, or one just added to the watchlist) without
those sessions, and every event would be studied on a short window. So a ticker whose landed
history does not reach back to `history_start()` is fetched from there, once: the state file
remembers the start a ticker was backfilled from, so a ticker Yahoo has no older bars for (a
recent listing) is not fetched in full on every run.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from kernel import settings

# Sessions before the earliest estimation start: day 0 is found by the exchange calendar, and a
# few sessions of slack keep the first return (which needs the previous close) inside the window.
MARGIN_SESSIONS = 10
_STATE = "history_backfill.json"


def _project_var(name: str, default: int) -> int:
    import yaml

    from aftershock.paths import dbt_project

    doc = yaml.safe_load((dbt_project() / "dbt_project.yml").read_text()) or {}
    return int((doc.get("vars") or {}).get(name, default))


def _events_seed() -> pd.DataFrame:
    from aftershock.paths import dbt_project

    return pd.read_csv(dbt_project() / "seeds" / "events.csv", dtype=str)


def history_start(events: pd.DataFrame | None = None) -> date:
    """The first session any event's estimation window needs: per event, day 0 minus its
    estimation_start sessions (the seed's override, else the project default) and a margin."""
    import exchange_calendars as xcals

    events = _events_seed() if events is None else events
    default = _project_var("estimation_start", -250)
    cal = xcals.get_calendar("XNYS", start="1990-01-01")
    starts = []
    for _, ev in events.iterrows():
        day = pd.Timestamp(str(ev["event_date"]).strip())
        override = str(ev.get("estimation_start") or "").strip()
        reach = -int(float(override)) if override not in ("", "nan") else -default
        day0 = cal.date_to_session(day, direction="next")
        starts.append(cal.session_offset(day0, -(reach + MARGIN_SESSIONS)))
    if not starts:
        raise ValueError("the events seed lists no event; nothing sets how much history to fetch")
    return min(starts).date()


def landed_first_dates(source: str, date_column: str) -> dict[str, date]:
    """Per ticker, the earliest date landed in the lake for `source` (nothing landed: empty)."""
    import duckdb

    folder = settings.raw_dir(source)
    if not any(folder.glob("*.parquet")):
        return {}
    rows = duckdb.sql(
        f"select ticker, min({date_column})::date from read_parquet('{folder}/*.parquet', "
        "union_by_name=true) where ticker is not null group by ticker"
    ).fetchall()
    return {t: d for t, d in rows}


def _state_path() -> Path:
    return settings.state_dir() / _STATE


def _load_state() -> dict[str, dict[str, str]]:
    path = _state_path()
    return json.loads(path.read_text()) if path.is_file() else {}


def needs_history(source: str, tickers: list[str], date_column: str, start: date | None = None) -> list[str]:
    """The tickers whose landed `source` history does not reach `start` (default history_start())
    and that were not already backfilled from there."""
    start = start or history_start()
    first = landed_first_dates(source, date_column)
    done = _load_state().get(source, {})
    return [
        t for t in tickers if (t not in first or first[t] > start) and not (t in done and done[t] <= start.isoformat())
    ]


def record_backfilled(source: str, tickers: list[str], start: date) -> None:
    """Remember that `tickers` were fetched from `start`, after their batch landed."""
    from kernel.files import atomic_write

    state = _load_state()
    state.setdefault(source, {}).update({t: start.isoformat() for t in tickers})
    atomic_write(_state_path(), lambda p: Path(p).write_text(json.dumps(state, indent=1, sort_keys=True)))
