"""The live news collector against feeds served on 127.0.0.1: every way a feed can fail is
reported by feed_id, never stops the other feeds, and never loses what already landed."""

from __future__ import annotations

import glob
import json

import pandas as pd
import pytest

from aftershock.ingest_commands import run
from ingest.errors import IngestError

from conftest import run_cli
from fakes.feeds import FeedServer, Route, rss

DATE = "Mon, 27 Jan 2025 10:00:00 GMT"
LM = "Sun, 26 Jan 2025 08:00:00 GMT"


def ok_feed(tag: str, n: int = 2) -> bytes:
    return rss([(f"Nvidia story {tag} {i}", f"https://news.test/{tag}/{i}", DATE) for i in range(n)]).encode()


def feeds_csv(tmp_path, server: FeedServer, paths: dict[str, str]):
    p = tmp_path / "feeds.csv"
    rows = ["feed_id,url,language,country,publisher"] + [
        f"{fid},{server.url(path)},en,US,Pub {fid}" for fid, path in paths.items()
    ]
    p.write_text("\n".join(rows) + "\n")
    return p


def run_news(options: dict):
    return run("news", "live", **options)


def args(feeds_file, **kw) -> dict:
    return {"feeds": feeds_file, "timeout": 1.0, "max_bytes": 20_000} | kw


def lake(data_dir, source: str) -> pd.DataFrame:
    files = glob.glob(str(data_dir / "lake" / "raw" / source / "*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame()


def polls_by_feed(data_dir, batch_id: str) -> dict[str, dict]:
    polls = lake(data_dir, "feed_polls")
    polls = polls[polls["_batch_id"] == batch_id]
    return {r["feed_id"]: r for r in polls.to_dict("records")}


def test_etag_then_304_costs_one_request_and_lands_nothing(data_dir, tmp_path):
    with FeedServer() as srv:
        srv.routes["/etag.xml"] = Route(ok_feed("e"), etag='"v1"', headers={"Content-Type": "application/rss+xml"})
        srv.routes["/lm.xml"] = Route(
            ok_feed("l", 3), last_modified=LM, headers={"Content-Type": "text/xml; charset=utf-8"}
        )
        f = feeds_csv(tmp_path, srv, {"etag": "/etag.xml", "lm": "/lm.xml"})
        first = run_news(args(f, batch_id="poll-1"))
        assert [r.source for r in first] == ["news", "feed_polls"]
        assert first[0].rows == 5
        state = json.loads((data_dir / "state" / "news_feeds.json").read_text())
        assert state["etag"]["etag"] == '"v1"' and state["lm"]["last_modified"] == LM

        second = run_news(args(f, batch_id="poll-2"))
        # nothing new: only the health rows land, no news file for poll-2
        assert [r.source for r in second] == ["feed_polls"]
        assert not (data_dir / "lake" / "raw" / "news" / "poll-2.parquet").exists()
        assert len(srv.hits["/etag.xml"]) == 2 and len(srv.hits["/lm.xml"]) == 2
        assert srv.hits["/etag.xml"][1].get("If-None-Match") == '"v1"'
        assert srv.hits["/lm.xml"][1].get("If-Modified-Since") == LM
        assert "If-None-Match" not in srv.hits["/lm.xml"][1]
        polls = polls_by_feed(data_dir, "poll-2")
        assert polls["etag"]["status"] == "not_modified" and polls["etag"]["http_status"] == 304
        assert polls["lm"]["status"] == "not_modified" and polls["lm"]["items"] == 0
    assert len(lake(data_dir, "news")) == 5  # the first poll's items are all still there


def test_failing_feeds_are_named_and_do_not_stop_the_others(data_dir, tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;">]><rss version="2.0"><channel><title>&lol2;</title>'
        b"<item><title>&lol2;</title><link>https://news.test/lol</link></item></channel></rss>"
    )
    html = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please log in</body></html>"
    big = rss([(f"Nvidia filler {i} " + "x" * 200, f"https://news.test/big/{i}", DATE) for i in range(200)]).encode()
    with FeedServer() as srv:
        srv.routes["/good.xml"] = Route(ok_feed("g", 3))
        srv.routes["/gz.xml"] = Route(ok_feed("z", 2), gzip=True)
        srv.routes["/500.xml"] = Route(b"oops", status=500)
        srv.routes["/slow.xml"] = Route(ok_feed("s"), delay_s=3.0)
        srv.routes["/big.xml"] = Route(big)
        srv.routes["/big-chunked.xml"] = Route(big, no_length=True)
        srv.routes["/gzbomb.xml"] = Route(big, gzip=True)  # small on the wire, over the cap inflated
        srv.routes["/laughs.xml"] = Route(laughs)
        srv.routes["/html.xml"] = Route(html, headers={"Content-Type": "text/html; charset=utf-8"})
        srv.routes["/garbage.xml"] = Route(b"{this is: not xml}")
        paths = {
            "good": "/good.xml",
            "gz": "/gz.xml",
            "err500": "/500.xml",
            "slow": "/slow.xml",
            "big": "/big.xml",
            "bigchunked": "/big-chunked.xml",
            "gzbomb": "/gzbomb.xml",
            "laughs": "/laughs.xml",
            "html": "/html.xml",
            "garbage": "/garbage.xml",
            "missing": "/nowhere.xml",
        }
        results = run_news(args(feeds_csv(tmp_path, srv, paths), batch_id="mixed"))
    news, polls_res = results
    assert news.rows == 5  # good (3) + gz (2)
    warned = " | ".join(news.warnings)
    expect = {
        "err500": "HTTP 500",
        "slow": "read timeout",
        "big": "cap",
        "bigchunked": "cap",
        "gzbomb": "cap",
        "laughs": "entities",
        "html": "HTML",
        "garbage": "not a readable RSS/Atom",
        "missing": "HTTP 404",
    }
    polls = polls_by_feed(data_dir, "mixed")
    for fid, words in expect.items():
        assert f"feed {fid}:" in warned, fid
        assert polls[fid]["status"] == "failed", fid
        assert words in polls[fid]["error"] and polls[fid]["error"].startswith(f"feed {fid}:"), polls[fid]["error"]
    assert polls["good"]["status"] == "ok" and polls["good"]["items"] == 3 and polls["good"]["http_status"] == 200
    assert polls["gz"]["items"] == 2
    assert polls["err500"]["http_status"] == 500
    titles = set(lake(data_dir, "news")["title"])
    assert not any("lol" in t for t in titles)


def test_every_feed_failing_exits_nonzero_but_earlier_items_stay(data_dir, tmp_path):
    with FeedServer() as srv:
        srv.routes["/a.xml"] = Route(ok_feed("a"))
        f = feeds_csv(tmp_path, srv, {"a": "/a.xml"})
        run_news(args(f, batch_id="first"))
        srv.routes["/a.xml"] = Route(b"down", status=503)
        with pytest.raises(IngestError, match="every feed failed: feed a: HTTP 503"):
            run_news(args(f, batch_id="second"))
    assert len(lake(data_dir, "news")) == 2
    assert polls_by_feed(data_dir, "second")["a"]["status"] == "failed"


def test_bozo_encoding_and_script_titles(data_dir, tmp_path):
    malformed = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>M</title>'
        b"<item><title>Kept despite the break</title><link>https://news.test/m/1</link></item>"
        b"<item><title>Broken & item</title><link>https://news.test/m/2</item></channel>"
    )
    wrong = rss([("Caf\u00e9 \u2014 Nvidia \u201cplunges\u201d", "https://news.test/w/1", DATE)]).encode("cp1252")
    missing = rss(
        [("Nvidia m\u1ea5t g\u1ea7n 600 t\u1ef7 USD v\u1ed1n h\u00f3a", "https://news.test/v/1", DATE)], decl=""
    ).encode("utf-8")
    script = rss(
        [
            (
                "&lt;script&gt;alert(1)&lt;/script&gt;Chip rout &amp; &lt;b&gt;Huang&lt;/b&gt;",
                "https://news.test/s/1",
                DATE,
            ),
            (
                "<![CDATA[<img src=x onerror=alert(2)>Broadcom <script>steal()</script>sinks]]>",
                "https://news.test/s/2",
                DATE,
            ),
        ]
    ).encode()
    undated = rss([("No date on this one", "https://news.test/u/1", None)]).encode()
    with FeedServer() as srv:
        srv.routes["/m.xml"] = Route(malformed)
        srv.routes["/w.xml"] = Route(wrong, headers={"Content-Type": "application/xml"})
        srv.routes["/v.xml"] = Route(missing, headers={"Content-Type": "text/xml"})
        srv.routes["/s.xml"] = Route(script)
        srv.routes["/u.xml"] = Route(undated)
        res = run_news(
            args(
                feeds_csv(tmp_path, srv, {"m": "/m.xml", "w": "/w.xml", "v": "/v.xml", "s": "/s.xml", "u": "/u.xml"}),
                batch_id="odd",
            )
        )
    items = lake(data_dir, "news").set_index("link")
    polls = polls_by_feed(data_dir, "odd")
    assert polls["m"]["status"] == "partial" and "feed m:" in polls["m"]["error"]
    assert any(w.startswith("feed m:") for w in res[0].warnings)
    assert items.loc["https://news.test/m/1", "title"] == "Kept despite the break"
    assert items.loc["https://news.test/w/1", "title"] == "Caf\u00e9 \u2014 Nvidia \u201cplunges\u201d"
    assert items.loc["https://news.test/v/1", "title"] == "Nvidia m\u1ea5t g\u1ea7n 600 t\u1ef7 USD v\u1ed1n h\u00f3a"
    t1, t2 = items.loc["https://news.test/s/1", "title"], items.loc["https://news.test/s/2", "title"]
    assert "<" not in t1 + t2 and "alert" not in t1 + t2 and "steal" not in t2 and "onerror" not in t2
    assert t1 == "Chip rout & Huang" and t2 == "Broadcom sinks"
    u = items.loc["https://news.test/u/1"]
    assert bool(u["date_is_fetch_time"]) and u["published_at"] == u["fetched_at"]
    assert not items.loc["https://news.test/s/1", "date_is_fetch_time"]
    assert str(items.loc["https://news.test/s/1", "published_at"]) == "2025-01-27 10:00:00+00:00"
    assert set(items["language"]) == {"en"}


def test_only_http_and_https(data_dir, tmp_path):
    p = tmp_path / "feeds.csv"
    p.write_text(
        "feed_id,url,language,country,publisher\nlocal,file:///etc/passwd,en,US,X\nftp,ftp://127.0.0.1/f,en,US,X\n"
    )
    with pytest.raises(IngestError, match="every feed failed"):
        run_news(args(p, batch_id="schemes"))
    polls = polls_by_feed(data_dir, "schemes")
    assert "only http and https" in polls["local"]["error"] and "only http and https" in polls["ftp"]["error"]


def test_cli_live_with_feed_url_and_exit_codes(data_dir):
    with FeedServer() as srv:
        srv.routes["/one.xml"] = Route(ok_feed("one", 4))
        srv.routes["/bad.xml"] = Route(b"x", status=500)
        proc = run_cli(
            "ingest",
            "news",
            "--source",
            "live",
            "--feed-url",
            srv.url("/one.xml"),
            "--feed-url",
            srv.url("/bad.xml"),
            "--batch-id",
            "cli",
            data_dir=data_dir,
        )
        assert "news: 4 rows landed in batch cli" in proc.stdout
        assert "HTTP 500" in proc.stderr and "127-0-0-1" in proc.stderr
        failed = run_cli(
            "ingest",
            "news",
            "--source",
            "live",
            "--feed-url",
            srv.url("/bad.xml"),
            "--batch-id",
            "cli2",
            data_dir=data_dir,
            check=False,
        )
    assert failed.returncode != 0 and "every feed failed" in failed.stderr
    assert len(lake(data_dir, "news")) == 4
