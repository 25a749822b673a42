"""The news file reader: a feed file or a folder of them lands the same batch as the live collector."""

from __future__ import annotations

import glob

import pandas as pd

from conftest import SAMPLE, run_cli

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">]>'
    '<rss version="2.0"><channel><title>&lol1;</title><item><title>&lol1;</title>'
    "<link>https://news.test/lol</link></item></channel></rss>"
)


def lake(data_dir, source):
    files = glob.glob(str(data_dir / "lake" / "raw" / source / "*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def test_sample_folder_lands_every_feed(data_dir):
    proc = run_cli("ingest", "news", "--source", "file", "--path", str(SAMPLE / "news"), data_dir=data_dir)
    items = lake(data_dir, "news")
    polls = lake(data_dir, "feed_polls")
    assert set(items["feed_id"]) == {"sample-markets-en", "sample-tech-en", "sample-kinh-doanh-vi"}
    assert (polls["status"] == "ok").all() and polls["items"].sum() == len(items)
    assert f"news: {len(items)} rows landed" in proc.stdout
    vi = items[items["feed_id"] == "sample-kinh-doanh-vi"]
    assert set(vi["language"]) == {"vi"} and set(items[items["feed_id"] != "sample-kinh-doanh-vi"]["language"]) == {
        "en"
    }
    assert items["published_at"].min() >= pd.Timestamp("2025-01-01", tz="UTC")
    assert items["published_at"].max() < pd.Timestamp("2025-03-01", tz="UTC")
    # the syndicated story has one key in both feeds although one copy carries a tracking parameter
    plunge = items[items["title"] == "Nvidia plunges in a broad AI chip sell-off"]
    assert len(plunge) == 2 and plunge["item_key"].nunique() == 1


def test_folder_with_a_refused_file_lands_the_rest(data_dir, tmp_path):
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "good.xml").write_bytes((SAMPLE / "news" / "sample-markets-en.xml").read_bytes())
    (folder / "lol.xml").write_text(LAUGHS)
    (folder / "page.rss").write_text("<!doctype html><html><body>not a feed</body></html>")
    (folder / "notes.txt").write_text("ignored: not a feed file suffix")
    proc = run_cli("ingest", "news", "--source", "file", "--path", str(folder), data_dir=data_dir)
    assert "feed lol: refused, the document declares XML entities" in proc.stderr
    assert "feed page: answered an HTML page" in proc.stderr
    polls = lake(data_dir, "feed_polls").set_index("feed_id")
    assert polls.loc["good", "status"] == "ok" and polls.loc["lol", "status"] == "failed"
    assert set(lake(data_dir, "news")["feed_id"]) == {"good"}


def test_file_matching_a_seed_url_takes_the_seed_feed(data_dir, tmp_path):
    doc = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        "<title>Kinh doanh</title><link>https://vnexpress.net/kinh-doanh</link>"
        '<atom:link href="https://vnexpress.net/rss/kinh-doanh.rss" rel="self"/>'
        "<item><title>Chứng khoán</title><link>https://news.test/vn/1</link>"
        "<pubDate>Mon, 27 Jan 2025 01:00:00 +0700</pubDate></item></channel></rss>"
    )
    f = tmp_path / "saved-copy.xml"
    f.write_text(doc, encoding="utf-8")
    run_cli("ingest", "news", "--source", "file", "--path", str(f), data_dir=data_dir)
    row = lake(data_dir, "news").iloc[0]
    assert row["feed_id"] == "vnexpress-kinh-doanh" and row["publisher"] == "VnExpress" and row["language"] == "vi"
    assert str(row["published_at"]) == "2025-01-26 18:00:00+00:00"  # +07:00 converted to UTC


def test_missing_path_is_a_clear_error(data_dir, tmp_path):
    proc = run_cli(
        "ingest", "news", "--source", "file", "--path", str(tmp_path / "nope"), data_dir=data_dir, check=False
    )
    assert proc.returncode != 0 and "no such file or folder" in proc.stderr


def test_start_and_end_restrict_published_dates(data_dir):
    run_cli(
        "ingest",
        "news",
        "--source",
        "file",
        "--path",
        str(SAMPLE / "news"),
        "--start",
        "2025-01-27",
        "--end",
        "2025-01-27",
        data_dir=data_dir,
    )
    days = lake(data_dir, "news")["published_at"].dt.date.astype(str)
    assert set(days) == {"2025-01-27"} and len(days) >= 10
