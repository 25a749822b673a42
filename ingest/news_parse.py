"""Turn the bytes of one RSS/Atom document into normalised news items.

feedparser is only ever handed bytes (it has no timeout, so it must never fetch). Before it
sees them, documents that declare XML entities are refused (entity expansion, "billion
laughs") and HTML pages answered in place of a feed are recognised. HTML in titles and
summaries becomes plain text through nh3, a sanitiser, never through regular expressions.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ingest.errors import SourceUnreadable

# Tracking parameters differ between copies of one article; they never identify it.
_TRACKING = {"fbclid", "gclid", "mc_cid", "mc_eid", "cmpid"}


@dataclass
class Feed:
    feed_id: str
    url: str | None = None
    language: str | None = None
    country: str | None = None
    publisher: str | None = None


@dataclass
class Parsed:
    items: list[dict]
    warnings: list[str] = field(default_factory=list)
    title: str | None = None
    links: set[str] = field(default_factory=set)  # the feed's own URLs (self and site links)


def plain_text(value: str | None) -> str | None:
    """Markup -> text: nh3 drops every tag (and the content of script/style), then entities are decoded."""
    if value is None:
        return None
    cleaned = nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}, attributes={})
    text = " ".join(html.unescape(cleaned).split())
    return text or None


def normalise_link(url: str | None) -> str | None:
    """The form of a link used as an identity: https, lower-case host, no fragment, no tracking, sorted query."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = parts.hostname.lower() if parts.hostname else ""
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower().startswith("utm_") or k.lower() in _TRACKING)
    )
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", host, path, urlencode(query), ""))


def item_key(guid: str | None, link: str | None, title: str | None, published: datetime | None, scope: str) -> str:
    """guid (a URL guid counts as a link), else the normalised link, else a hash of title and published time.

    An opaque guid is only unique within its publisher, so it is scoped by it.
    """
    guid = (guid or "").strip()
    as_link = normalise_link(guid) if guid else None
    if as_link:
        return "url:" + as_link
    if guid:
        return f"guid:{scope}:{guid}"
    norm = normalise_link(link)
    if norm:
        return "url:" + norm
    stamp = published.isoformat() if published else ""
    return "hash:" + hashlib.sha256(f"{title or ''}\x00{stamp}".encode()).hexdigest()[:32]


_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>", re.S)


def _head(data: bytes) -> bytes:
    """The start of the document, lower-cased, without BOM, XML declaration or leading comments."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    head = _XML_DECL.sub(b"", head, count=1).lstrip()
    return head.lower()


def looks_like_html(data: bytes, content_type: str | None = None) -> bool:
    head = _head(data)
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        return True
    ctype = (content_type or "").lower()
    return "text/html" in ctype and not (
        head.startswith(b"<rss") or head.startswith(b"<feed") or head.startswith(b"<rdf")
    )


def refuse_entities(data: bytes, feed_id: str) -> None:
    """Refuse any document that declares entities or external references (billion laughs, XXE).

    defusedxml stops at the first declaration, before anything is expanded. A document too
    broken for it to reach the DTD is checked for declarations directly, because feedparser's
    loose parser would still read it.
    """
    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceUnreadable(
            f"feed {feed_id}: refused, the document declares XML entities ({type(exc).__name__})"
        ) from None
    except (ParseError, ValueError, SyntaxError):
        if b"<!entity" in data.lower():
            raise SourceUnreadable(f"feed {feed_id}: refused, the document declares XML entities") from None


def _utc(struct) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def parse(data: bytes, feed: Feed, fetched_at: datetime, content_type: str | None = None) -> Parsed:
    """Parse one document; raises SourceUnreadable (naming the feed) when nothing usable is in it."""
    fid = feed.feed_id
    if not data or not data.strip():
        raise SourceUnreadable(f"feed {fid}: empty response")
    if looks_like_html(data, content_type):
        raise SourceUnreadable(
            f"feed {fid}: answered an HTML page, not RSS/Atom"
            + (f" (content-type {content_type})" if content_type else "")
        )
    refuse_entities(data, fid)
    # A text/* type without charset means us-ascii to feedparser (RFC 3023), which would override a
    # correct XML declaration; only a declared charset is worth passing on.
    headers = {"content-type": content_type} if content_type and "charset=" in content_type.lower() else None
    doc = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=False)
    warnings = []
    if doc.bozo:
        exc = doc.get("bozo_exception")
        reason = f"{type(exc).__name__}: {exc}" if exc else "malformed document"
        if not doc.entries:
            raise SourceUnreadable(f"feed {fid}: not a readable RSS/Atom document ({reason})")
        warnings.append(f"feed {fid}: kept {len(doc.entries)} readable entries despite {reason}")
    if not doc.version and not doc.entries:
        raise SourceUnreadable(f"feed {fid}: not an RSS/Atom document")
    channel = doc.get("feed", {})
    feed_title = plain_text(channel.get("title"))
    language = feed.language or (channel.get("language") or "").split("-")[0].lower() or None
    publisher = feed.publisher or feed_title or fid
    scope = feed.publisher or fid
    items = []
    for e in doc.entries:
        title = plain_text(e.get("title"))
        summary = plain_text(e.get("summary") or e.get("description"))
        link = (e.get("link") or "").strip() or None
        if link and urlsplit(link).scheme.lower() not in ("http", "https"):
            link = None  # javascript:, data: and friends are never stored as links
        published = _utc(e.get("published_parsed") or e.get("updated_parsed") or e.get("created_parsed"))
        undated = published is None
        guid = e.get("id") or e.get("guid")
        items.append(
            {
                "item_key": item_key(guid, link, title, published, scope),
                "feed_id": fid,
                "publisher": publisher,
                "language": language or (e.get("language") or None),
                "guid": (guid or None),
                "link": link,
                "title": title,
                "summary": summary,
                "published_at": published or fetched_at,
                "date_is_fetch_time": undated,
                "fetched_at": fetched_at,
            }
        )
    links = {ln.get("href") for ln in channel.get("links", []) if ln.get("href")}
    links |= {channel.get("link")} if channel.get("link") else set()
    return Parsed(items=items, warnings=warnings, title=feed_title, links=links)
