"""Item identity, plain text and document checks of the news parser (no network, no lake)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest import news
from ingest.errors import SourceUnreadable
from ingest.news_parse import Feed, item_key, normalise_link, parse, plain_text

NOW = datetime(2025, 2, 1, 12, tzinfo=timezone.utc)


def test_normalise_link_drops_what_does_not_identify_an_article():
    a = normalise_link("HTTP://News.Example.COM:80/markets/nvidia/?utm_source=rss&b=2&a=1#top")
    b = normalise_link("https://news.example.com/markets/nvidia?a=1&b=2&fbclid=xyz")
    assert a == b == "https://news.example.com/markets/nvidia?a=1&b=2"
    assert normalise_link("javascript:alert(1)") is None and normalise_link("") is None


def test_item_key_prefers_guid_then_link_then_hash():
    assert item_key("https://x.test/a?utm_medium=x", "https://x.test/other", "T", NOW, "P") == "url:https://x.test/a"
    assert item_key("12345", "https://x.test/a", "T", NOW, "Pub") == "guid:Pub:12345"
    assert item_key(None, "https://x.test/a/", "T", NOW, "P") == "url:https://x.test/a"
    h1 = item_key(None, None, "Title", NOW, "P")
    assert h1.startswith("hash:") and h1 == item_key(None, None, "Title", NOW, "Other publisher")
    assert h1 != item_key(None, None, "Title", None, "P")


def test_plain_text_uses_the_sanitiser():
    assert plain_text("<p>Chip <b>rout</b> &amp; <script>alert(1)</script>recovery</p>") == "Chip rout & recovery"
    assert plain_text("  ") is None and plain_text(None) is None


def test_undated_items_keep_one_key_across_polls():
    doc = b'<rss version="2.0"><channel><title>T</title><item><title>No date, no link</title></item></channel></rss>'
    first = parse(doc, Feed("f"), NOW).items[0]
    later = parse(doc, Feed("f"), datetime(2025, 2, 2, tzinfo=timezone.utc)).items[0]
    assert first["item_key"] == later["item_key"] and first["date_is_fetch_time"]
    assert first["published_at"] == NOW


def test_external_entities_are_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'
    with pytest.raises(SourceUnreadable, match="feed f: refused"):
        parse(xxe, Feed("f"), NOW)


def test_future_dated_items_go_to_quarantine(data_dir):
    doc = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>From the future</title><link>https://x.test/f</link><pubDate>Mon, 01 Jan 2035 00:00:00 GMT</pubDate></item>"
        b"<item><title>Fine</title><link>https://x.test/ok</link><pubDate>Mon, 27 Jan 2025 00:00:00 GMT</pubDate></item>"
        b"</channel></rss>"
    )
    collected = news.Collected(items=parse(doc, Feed("f"), NOW).items)
    res = news.land(collected, "future")
    assert res[0].rows == 1 and res[0].rejected == 1
    assert "more than a day after the fetch" in res[0].quarantine_path.read_text()
