"""News: the live collector and the file reader, both producing one batch of items and one of feed polls.

Every feed is handled on its own: a feed that times out, answers 500 or HTML, or sends a
refused document becomes a `failed` poll row and a warning naming it; the other feeds land.
Items are landed as read (one row per feed and item); duplicates across feeds and runs are
collapsed in dbt (stg_news_items), which sees every batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from ingest import landing, news_fetch
from ingest.errors import IngestError, SourceUnreadable
from ingest.landing import LandResult
from ingest.news_fetch import FetchError
from ingest.news_parse import Feed, parse
from ingest.schemas import register
from ingest.validate import Split, not_null, split_rows

NEWS = {
    "item_key": "string",
    "feed_id": "string",
    "publisher": "string",
    "language": "string",
    "guid": "string",
    "link": "string",
    "title": "string",
    "summary": "string",
    "published_at": "datetime64[us, UTC]",
    "date_is_fetch_time": "bool",
    "fetched_at": "datetime64[us, UTC]",
}

FEED_POLLS = {
    "feed_id": "string",
    "url": "string",
    "polled_at": "datetime64[us, UTC]",
    "status": "string",  # ok | partial (malformed, good entries kept) | not_modified | failed
    "http_status": "int64",
    "items": "int64",
    "error": "string",
}

register("news", NEWS)
register("feed_polls", FEED_POLLS)

FEED_FILE_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
# A clock a little ahead at the publisher is normal; a date far ahead is a broken feed.
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class Collected:
    items: list[dict] = field(default_factory=list)
    polls: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    validators: dict[str, dict] = field(default_factory=dict)  # feed_id -> new state after a 200


def load_feeds(path: Path) -> list[Feed]:
    """A feeds CSV (the seed's columns: feed_id,url,language,country,publisher)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise IngestError(f"feeds file {path}: unreadable ({exc})") from None
    missing = {"feed_id", "url"} - set(df.columns)
    if missing:
        raise IngestError(f"feeds file {path}: missing columns {sorted(missing)}")
    feeds, seen = [], set()
    for i, row in df.iterrows():
        fid = row["feed_id"].strip()
        if not fid or fid in seen:
            raise IngestError(f"feeds file {path}, row {i + 2}: feed_id empty or repeated ({fid!r})")
        seen.add(fid)
        feeds.append(
            Feed(
                fid,
                row["url"].strip(),
                row.get("language", "").strip() or None,
                row.get("country", "").strip() or None,
                row.get("publisher", "").strip() or None,
            )
        )
    return feeds


def feed_for_url(url: str, known: list[Feed]) -> Feed:
    """The seed's feed for a URL given on the command line, else one named after the URL."""
    for f in known:
        if f.url == url:
            return f
    slug = re.sub(r"[^a-z0-9]+", "-", url.lower().split("://", 1)[-1]).strip("-")[:80] or "feed"
    return Feed(slug, url)


def _poll(feed: Feed, polled_at: datetime, status: str, http_status: int | None, items: int, error: str | None) -> dict:
    return {
        "feed_id": feed.feed_id,
        "url": feed.url,
        "polled_at": polled_at,
        "status": status,
        "http_status": http_status,
        "items": items,
        "error": error,
    }


def collect_live(feeds: list[Feed], session=None, **fetch_kw) -> Collected:
    """Poll every feed once; never raises for one feed's failure."""
    out = Collected()
    state = news_fetch.load_state()
    for feed in feeds:
        now = datetime.now(timezone.utc)
        known = state.get(feed.feed_id, {})
        validators = known if known.get("url") == feed.url else {}
        try:
            got = news_fetch.fetch(feed.feed_id, feed.url, validators, session=session, **fetch_kw)
        except FetchError as exc:
            out.warnings.append(str(exc))
            out.polls.append(_poll(feed, now, "failed", exc.http_status, 0, str(exc)))
            continue
        if got.status == 304:
            out.polls.append(_poll(feed, now, "not_modified", 304, 0, None))
            continue
        try:
            parsed = parse(got.body, feed, now, got.content_type)
        except SourceUnreadable as exc:
            out.warnings.append(str(exc))
            out.polls.append(_poll(feed, now, "failed", got.status, 0, str(exc)))
            continue
        out.items.extend(parsed.items)
        out.warnings.extend(parsed.warnings)
        status = "partial" if parsed.warnings else "ok"
        out.polls.append(_poll(feed, now, status, got.status, len(parsed.items), "; ".join(parsed.warnings) or None))
        out.validators[feed.feed_id] = {
            "url": feed.url,
            "etag": got.etag,
            "last_modified": got.last_modified,
            "last_success_at": now.isoformat(),
        }
    return out


def feed_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FEED_FILE_SUFFIXES)
        if not files:
            raise IngestError(f"{path}: no feed files ({', '.join(sorted(FEED_FILE_SUFFIXES))}) in this folder")
        return files
    if not path.is_file():
        raise IngestError(f"{path}: no such file or folder")
    return [path]


def collect_files(path: Path, known: list[Feed]) -> Collected:
    """Read one feed file or a folder of them; the feed is the seed's when a self link matches its URL."""
    out = Collected()
    by_url = {f.url: f for f in known}
    for file in feed_files(path):
        now = datetime.now(timezone.utc)
        feed = Feed(file.stem, file.resolve().as_uri())
        try:
            data = file.read_bytes()
        except OSError as exc:
            msg = f"feed {feed.feed_id}: cannot read {file} ({exc})"
            out.warnings.append(msg)
            out.polls.append(_poll(feed, now, "failed", None, 0, msg))
            continue
        try:
            parsed = parse(data, feed, now)
            # a saved copy of a seeded feed names the seed URL as its self link: it is that feed
            match = next((by_url[u] for u in sorted(parsed.links) if u in by_url), None)
            if match:
                feed = Feed(match.feed_id, feed.url, match.language, match.country, match.publisher)
                parsed = parse(data, feed, now)
        except SourceUnreadable as exc:
            out.warnings.append(f"{exc} ({file})")
            out.polls.append(_poll(feed, now, "failed", None, 0, str(exc)))
            continue
        out.items.extend(parsed.items)
        out.warnings.extend(parsed.warnings)
        out.polls.append(
            _poll(
                feed,
                now,
                "partial" if parsed.warnings else "ok",
                None,
                len(parsed.items),
                "; ".join(parsed.warnings) or None,
            )
        )
    return out


def within_dates(items: list[dict], start: str | None, end: str | None) -> list[dict]:
    """Items published (UTC date) in [start, end]; either bound may be open."""
    lo = pd.Timestamp(start).date() if start else None
    hi = pd.Timestamp(end).date() if end else None
    return [
        i
        for i in items
        if (lo is None or i["published_at"].date() >= lo) and (hi is None or i["published_at"].date() <= hi)
    ]


def split(frame: pd.DataFrame) -> Split:
    def not_far_future(d: pd.DataFrame) -> pd.Series:
        return d["published_at"] <= d["fetched_at"] + FUTURE_TOLERANCE

    checks = [
        not_null("item_key"),
        not_null("feed_id"),
        ("title and link are both missing", lambda d: d["title"].notna() | d["link"].notna()),
        ("published_at is more than a day after the fetch", not_far_future),
    ]
    return split_rows(frame, checks, key=["item_key", "feed_id"])


def items_frame(items: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(items, columns=list(NEWS))
    # One document repeating an entry is the same item twice: keep the first copy.
    return df.drop_duplicates(subset=["item_key", "feed_id"], keep="first").reset_index(drop=True)


def land(collected: Collected, batch_id: str) -> list[LandResult]:
    """Land the items (when there are any) and the polls. Raises when every feed failed."""
    results = []
    if collected.items:
        parts = split(items_frame(collected.items))
        try:
            res = landing.land_batch("news", batch_id, parts.good, parts.rejected)
        except IngestError as exc:
            # every item rejected: they are in quarantine; the polls still land below
            collected.warnings.append(str(exc))
        else:
            res.warnings = list(collected.warnings) + res.warnings
            results.append(res)
    if collected.polls:
        polls = landing.land_batch("feed_polls", batch_id, pd.DataFrame(collected.polls, columns=list(FEED_POLLS)))
        if not results:
            polls.warnings = list(collected.warnings)
        results.append(polls)
    if collected.polls and all(p["status"] == "failed" for p in collected.polls):
        raise IngestError(f"news batch {batch_id}: every feed failed: " + "; ".join(collected.warnings))
    return results
