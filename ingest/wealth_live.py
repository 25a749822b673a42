"""Live client of the Forbes real-time billionaires JSON.

Forbes keeps no public history: the list exists only as "now", so history is whatever this
collector snapshots each day. One GET returns the whole list (about 2,700 people). The body is
read in chunks under a size cap, transient failures (timeouts, dropped connections, truncated
bodies, 5xx, 429) are retried with exponential backoff, and a Retry-After header is obeyed; one
overall deadline bounds the whole download, retries and waits included (a server dripping a byte
under the read timeout would otherwise hold the collector for hours).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

from ingest.defaults import DEADLINE_S, FORBES_URL, LIMIT  # noqa: F401 (re-exported)
from ingest.errors import SourceUnreadable
from ingest.http_body import BodyTooLarge, BodyTooSlow, read_capped

# Only what the batch needs: the full records carry bios and images, ~20x the bytes.
FIELDS = "uri,rank,position,personName,finalWorth,estWorthPrev,timestamp"
MAX_BYTES = 32 * 1024 * 1024
USER_AGENT = "aftershock/0.1 (+daily wealth snapshot)"


class FetchFailed(SourceUnreadable):
    """The endpoint did not give a usable response after every attempt."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Fetched:
    """What the server sent, not yet read: `wealth.parse_json(body, url)` parses it, as
    news_parse.parse does for a fetched feed, so a recorded payload tests the parser without HTTP."""

    body: bytes
    url: str
    attempts: int
    bytes_read: int
    waits: list[float] = field(default_factory=list)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _read_capped(resp: requests.Response, url: str, max_bytes: int, deadline: float, deadline_s: float) -> bytes:
    try:
        return read_capped(resp, max_bytes, deadline)
    except BodyTooSlow:
        raise FetchFailed(f"{url}: body still arriving at the {deadline_s:g}s download deadline") from None
    except BodyTooLarge as exc:
        if exc.declared_bytes is not None:
            raise FetchFailed(
                f"{url}: response declares {exc.declared_bytes:,} bytes, over the {max_bytes:,}-byte cap"
            ) from None
        raise FetchFailed(f"{url}: response exceeds the {max_bytes:,}-byte cap (stopped reading)") from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
        raise _Retryable(f"{url}: body truncated ({type(exc).__name__})") from exc


def _attempt(
    session: requests.Session,
    url: str,
    params: dict,
    timeout: tuple[float, float],
    max_bytes: int,
    deadline: float,
    deadline_s: float,
) -> bytes:
    try:
        resp = session.get(
            url,
            params=params,
            timeout=timeout,
            stream=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
    except requests.exceptions.Timeout as exc:
        raise _Retryable(f"{url}: timed out ({exc.__class__.__name__})") from exc
    except requests.exceptions.ConnectionError as exc:
        raise _Retryable(f"{url}: connection failed ({exc})") from exc
    with resp:
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Retryable(
                f"{url}: HTTP {resp.status_code} {resp.reason}", parse_retry_after(resp.headers.get("Retry-After"))
            )
        if resp.status_code != 200:
            raise FetchFailed(f"{url}: HTTP {resp.status_code} {resp.reason}")
        try:
            return _read_capped(resp, url, max_bytes, deadline, deadline_s)
        except requests.exceptions.Timeout as exc:
            raise _Retryable(f"{url}: read timed out") from exc


def fetch(
    url: str = FORBES_URL,
    *,
    fields: str = FIELDS,
    limit: int = LIMIT,
    session: requests.Session | None = None,
    attempts: int = 4,
    backoff_s: float = 2.0,
    max_wait_s: float = 300.0,
    connect_timeout_s: float = 10.0,
    read_timeout_s: float = 60.0,
    max_bytes: int = MAX_BYTES,
    deadline_s: float = DEADLINE_S,
    sleep=time.sleep,
) -> Fetched:
    """GET the list: the bytes of the first whole answer, with how many attempts and waits it took."""
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    deadline = time.monotonic() + deadline_s
    params = {"fields": fields, "limit": str(limit)}
    own = session is None
    session = session or requests.Session()
    waits: list[float] = []
    try:
        for attempt in range(1, attempts + 1):
            left = max(deadline - time.monotonic(), 0.1)
            try:
                body = _attempt(
                    session,
                    url,
                    params,
                    (min(connect_timeout_s, left), min(read_timeout_s, left)),
                    max_bytes,
                    deadline,
                    deadline_s,
                )
            except _Retryable as exc:
                if attempt == attempts:
                    raise FetchFailed(f"{exc} (gave up after {attempts} attempts)") from exc
                wait = exc.retry_after if exc.retry_after is not None else backoff_s * 2 ** (attempt - 1)
                wait = min(wait, max_wait_s)
                if time.monotonic() + wait >= deadline:
                    raise FetchFailed(
                        f"{exc} (gave up after {attempt} attempts: the next would start past "
                        f"the {deadline_s:g}s download deadline)"
                    ) from exc
                waits.append(wait)
                sleep(wait)
                continue
            return Fetched(body, url, attempt, len(body), waits)
    finally:
        if own:
            session.close()
    raise AssertionError("unreachable: the last attempt returns or raises")
