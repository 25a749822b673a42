"""HTTP for feeds: timeouts, a size cap, gzip, and conditional GET with per-feed validators.

The validators (ETag, Last-Modified) live in one small JSON state file. The caller saves them
only after the items of the poll have landed, so a crash between fetch and landing makes the
next poll download the feed again instead of answering 304 over items never landed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ingest import defaults
from ingest.http_body import BodyTooLarge, BodyTooSlow, read_capped
from kernel import settings
from kernel.files import atomic_write

USER_AGENT = "aftershock-news/0.1 (+https://github.com/aftershock; RSS/Atom collector)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = defaults.NEWS_READ_TIMEOUT_S
DEFAULT_MAX_BYTES = defaults.NEWS_MAX_BYTES
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The feed could not be fetched; the message names the feed."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


@dataclass
class Fetched:
    status: int
    body: bytes | None  # None on 304
    content_type: str | None
    etag: str | None
    last_modified: str | None


def state_path() -> Path:
    return settings.state_dir() / "news_feeds.json"


def load_state() -> dict[str, dict]:
    p = state_path()
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a lost validator only costs one full download
    return data if isinstance(data, dict) else {}


def save_state(state: dict[str, dict]) -> None:
    text = json.dumps(state, indent=1, sort_keys=True)
    atomic_write(state_path(), lambda p: p.write_text(text, encoding="utf-8"))


def check_url(url: str, feed_id: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise FetchError(f"feed {feed_id}: only http and https URLs are fetched, not {url!r}")


def fetch(
    feed_id: str,
    url: str,
    validators: dict | None = None,
    session: requests.Session | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
    read_timeout: float = DEFAULT_READ_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched:
    """One GET. Raises FetchError naming the feed for anything but a 200 with a body or a 304."""
    check_url(url, feed_id)
    validators = validators or {}
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    sess = session or requests.Session()
    sess.max_redirects = MAX_REDIRECTS
    # read_timeout bounds each socket read; the deadline bounds a server that drips bytes.
    deadline = time.monotonic() + connect_timeout + read_timeout * 2
    try:
        resp = sess.get(
            url, headers=headers, timeout=(connect_timeout, read_timeout), stream=True, allow_redirects=True
        )
    except requests.exceptions.ConnectTimeout:
        raise FetchError(f"feed {feed_id}: connect timeout after {connect_timeout:g}s ({url})") from None
    except requests.exceptions.ReadTimeout:
        raise FetchError(f"feed {feed_id}: no answer within the {read_timeout:g}s read timeout ({url})") from None
    except requests.exceptions.TooManyRedirects:
        raise FetchError(f"feed {feed_id}: more than {MAX_REDIRECTS} redirects ({url})") from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"feed {feed_id}: request failed: {type(exc).__name__}: {exc}") from None
    try:
        check_url(resp.url, feed_id)
        if resp.status_code == 304:
            return Fetched(
                304,
                None,
                None,
                resp.headers.get("ETag") or validators.get("etag"),
                resp.headers.get("Last-Modified") or validators.get("last_modified"),
            )
        if resp.status_code != 200:
            raise FetchError(
                f"feed {feed_id}: HTTP {resp.status_code} {resp.reason or ''}".rstrip() + f" ({url})",
                http_status=resp.status_code,
            )
        try:
            body = read_capped(resp, max_bytes, deadline)
        except BodyTooLarge as exc:
            if exc.declared_bytes is not None:
                raise FetchError(
                    f"feed {feed_id}: response of {exc.declared_bytes:,} bytes exceeds the {max_bytes:,}-byte cap",
                    http_status=200,
                ) from None
            raise FetchError(f"feed {feed_id}: response exceeds the {max_bytes:,}-byte cap", http_status=200) from None
        except BodyTooSlow:
            raise FetchError(
                f"feed {feed_id}: body still arriving after the download deadline", http_status=200
            ) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(
                f"feed {feed_id}: reading the body failed: {type(exc).__name__}: {exc}", http_status=200
            ) from None
        return Fetched(
            200, body, resp.headers.get("Content-Type"), resp.headers.get("ETag"), resp.headers.get("Last-Modified")
        )
    finally:
        resp.close()
