"""An HTTP response body read under a size cap and, optionally, a deadline: the one place the live
clients (news feeds, the Forbes list) bound what a server can make them hold or wait for.

The callers turn these exceptions into their own errors, naming the feed or URL; a requests
exception raised while reading (a dropped connection, a read timeout) passes through for the
caller to judge (news reports it, wealth retries it).
"""

from __future__ import annotations

import time

import requests
import urllib3

CHUNK_BYTES = 65536


class BodyTooLarge(Exception):
    """The body is over the cap: declared so up front (declared_bytes) or found so while reading."""

    def __init__(self, max_bytes: int, declared_bytes: int | None = None):
        super().__init__(f"over the {max_bytes:,}-byte cap")
        self.max_bytes = max_bytes
        self.declared_bytes = declared_bytes


class BodyTooSlow(Exception):
    """The body was still arriving at the deadline (a server that drips bytes under the read timeout)."""


def read_capped(resp: requests.Response, max_bytes: int, deadline: float | None = None) -> bytes:
    """The body of a `stream=True` response, at most max_bytes after decompression.

    A declared Content-Length over the cap fails before reading, unless the body is compressed (the
    declared length is then the compressed one); the cap itself is enforced while streaming, since
    iter_content inflates as it goes, so neither a missing nor a false length can fill memory.
    `deadline` is a time.monotonic() value.
    """
    declared = resp.headers.get("Content-Length")
    encoded = resp.headers.get("Content-Encoding", "").strip().lower() not in ("", "identity")
    if declared and declared.isdigit() and int(declared) > max_bytes and not encoded:
        raise BodyTooLarge(max_bytes, int(declared))
    chunks, size = [], 0
    for chunk in _chunks(resp):
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        if deadline is not None and time.monotonic() > deadline:
            raise BodyTooSlow()
        chunks.append(chunk)
    return b"".join(chunks)


def _chunks(resp: requests.Response):
    """The (inflated) body as it arrives. requests' iter_content asks urllib3 for whole chunks and
    waits until one is full, so a server sending a byte at a time under the read timeout would hold
    a reader for hours between deadline checks; read1 returns whatever has arrived."""
    raw = resp.raw
    try:
        while True:
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
            if not chunk:
                return
            yield chunk
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
