"""The Forbes live client against a local HTTP server on 127.0.0.1 serving recorded JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from aftershock.ingest_commands import SnapshotAlreadyLanded, run
from ingest import wealth, wealth_live

from conftest import run_cli
from fakes.forbes import ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "forbes_rtb_2025-01-27.json").read_bytes()


def payload_without(field: str) -> bytes:
    doc = json.loads(GOOD)
    for rec in doc["personList"]["personsLists"]:
        rec.pop(field)
    return json.dumps(doc).encode()


def run_wealth(options: dict, sleep=None):
    return run("wealth", "live", sleep=sleep, **options)


def live_args(url: str, **kw) -> dict:
    return {"url": url, "limit": 4000} | kw


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def test_good_response_is_dated_by_its_timestamp_and_lands_as_the_days_snapshot(data_dir):
    with ScriptedServer([{"body": GOOD}]) as srv:
        [res] = run_wealth(live_args(srv.url))
    req = srv.requests[0]
    assert req["path"] == "/forbesapi/person/rtb/0/position/true.json"
    assert req["query"]["limit"] == ["4000"]
    assert set(req["query"]["fields"][0].split(",")) >= {"uri", "personName", "finalWorth", "rank", "timestamp"}
    assert res.batch_id == "forbes-2025-01-27" and res.rows == 10 and res.rejected == 0
    assert res.warnings == []
    assert res.path == data_dir / "lake" / "raw" / "wealth" / "forbes-2025-01-27.parquet"
    table = pq.read_table(res.path).to_pandas().set_index("person_uri")
    jensen = table.loc["jensen-huang"]
    assert jensen["net_worth_musd"] == 103584.031 and jensen["rank"] == 17
    assert jensen["person_name"] == "Jensen Huang"
    assert jensen["date"] == pd.Timestamp("2025-01-27")
    assert jensen["snapshot_at"] == pd.Timestamp("2025-01-27 21:05", tz="UTC")
    assert set(table["_batch_id"]) == {"forbes-2025-01-27"}


def test_snapshot_date_is_new_york_trading_day_not_utc_or_run_date():
    doc = json.loads(GOOD)
    for rec in doc["personList"]["personsLists"]:
        rec["timestamp"] = 1738026000000  # 2025-01-28 01:00 UTC = 2025-01-27 20:00 New York
    frame = wealth.parse_json(json.dumps(doc), "test")
    assert set(frame["date"]) == {pd.Timestamp("2025-01-27")}


def test_snapshot_already_landed_for_that_date_is_not_landed_twice(data_dir):
    with ScriptedServer([{"body": GOOD}]) as srv:
        [first] = run_wealth(live_args(srv.url))
        mtime = first.path.stat().st_mtime_ns
        [again] = run_wealth(live_args(srv.url))
    assert isinstance(again, SnapshotAlreadyLanded)
    assert again.batch_id == "forbes-2025-01-27" and again.rows == 0
    assert "already landed" in again.summary()
    assert sorted(p.name for p in (data_dir / "lake" / "raw" / "wealth").iterdir()) == ["forbes-2025-01-27.parquet"]
    assert first.path.stat().st_mtime_ns == mtime


def test_429_waits_as_long_as_retry_after_says_then_succeeds():
    sleeps = Sleeps()
    steps = [{"status": 429, "headers": {"Retry-After": "7"}, "body": b"slow down"}, {"body": GOOD}]
    with ScriptedServer(steps) as srv:
        got = wealth_live.fetch(srv.url, sleep=sleeps, backoff_s=0.5)
    assert sleeps == [7.0]
    assert got.attempts == 2 and len(wealth.parse_json(got.body, got.url)) == 10
    assert len(srv.requests) == 2


def test_retry_after_http_date_is_understood():
    from datetime import datetime, timezone

    now = datetime(2025, 1, 27, 12, 0, 0, tzinfo=timezone.utc)
    assert wealth_live.parse_retry_after("Mon, 27 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert wealth_live.parse_retry_after("soon") is None


def test_500_is_retried_with_exponential_backoff_then_fails_naming_the_url(data_dir):
    sleeps = Sleeps()
    with ScriptedServer([{"status": 500, "body": b"oops"}]) as srv:
        with pytest.raises(wealth_live.FetchFailed) as err:
            wealth_live.fetch(srv.url, sleep=sleeps, backoff_s=0.5, attempts=4)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(srv.requests) == 4
    assert "HTTP 500" in str(err.value) and srv.url in str(err.value) and "4 attempts" in str(err.value)


def test_500_then_good_recovers():
    sleeps = Sleeps()
    with ScriptedServer([{"status": 503, "body": b""}, {"body": GOOD}]) as srv:
        got = wealth_live.fetch(srv.url, sleep=sleeps, backoff_s=0.5)
    assert sleeps == [0.5] and len(wealth.parse_json(got.body, got.url)) == 10


def test_truncated_body_is_retried_and_reported(data_dir):
    sleeps = Sleeps()
    with ScriptedServer([{"body": GOOD, "truncate": 300}]) as srv:
        with pytest.raises(wealth_live.FetchFailed) as err:
            wealth_live.fetch(srv.url, sleep=sleeps, backoff_s=0.1, attempts=3)
    assert "truncated" in str(err.value)
    assert len(srv.requests) == 3 and sleeps == [0.1, 0.2]
    with ScriptedServer([{"body": GOOD, "truncate": 300}, {"body": GOOD}]) as srv:
        got = wealth_live.fetch(srv.url, sleep=Sleeps(), backoff_s=0.1)
    assert got.attempts == 2 and len(wealth.parse_json(got.body, got.url)) == 10


def test_truncated_body_without_length_fails_as_invalid_json(data_dir):
    with ScriptedServer([{"body": GOOD[:300], "no_length": True}]) as srv:
        got = wealth_live.fetch(srv.url, sleep=Sleeps())  # the client cannot tell: no length to check against
        with pytest.raises(wealth.SourceUnreadable, match="not valid JSON"):
            wealth.parse_json(got.body, got.url)
    with ScriptedServer([{"body": GOOD[:300], "no_length": True}]) as srv:
        with pytest.raises(wealth.SourceUnreadable, match="not valid JSON"):
            run_wealth(live_args(srv.url), sleep=Sleeps())
    assert not (data_dir / "lake" / "raw" / "wealth").exists()


def test_response_missing_finalworth_is_schema_drift_naming_the_field(data_dir):
    with ScriptedServer([{"body": payload_without("finalWorth")}]) as srv:
        with pytest.raises(wealth.SchemaDrift, match="'finalWorth'"):
            run_wealth(live_args(srv.url), sleep=Sleeps())
        assert len(srv.requests) == 1  # drift is not retried: the next answer would be the same
    assert not (data_dir / "lake" / "raw" / "wealth").exists()


def test_response_without_person_list_is_schema_drift():
    with pytest.raises(wealth.SchemaDrift, match="personList.personsLists"):
        wealth.parse_json(b'{"error": "gone"}', "test")


def test_oversized_declared_body_is_refused_before_reading():
    with ScriptedServer([{"body": GOOD}]) as srv:
        with pytest.raises(wealth_live.FetchFailed, match="declares .* over the 1,000-byte cap"):
            wealth_live.fetch(srv.url, max_bytes=1000, sleep=Sleeps())
    assert len(srv.requests) == 1


def test_oversized_body_without_length_is_stopped_while_streaming():
    big = GOOD + b" " * 200_000
    with ScriptedServer([{"body": big, "no_length": True}]) as srv:
        with pytest.raises(wealth_live.FetchFailed, match="exceeds the 100,000-byte cap"):
            wealth_live.fetch(srv.url, max_bytes=100_000, sleep=Sleeps())


def test_followed_person_missing_from_the_snapshot_is_reported_not_fatal(data_dir):
    doc = json.loads(GOOD)
    doc["personList"]["personsLists"] = [r for r in doc["personList"]["personsLists"] if r["uri"] != "jensen-huang"]
    with ScriptedServer([{"body": json.dumps(doc).encode()}]) as srv:
        [res] = run_wealth(live_args(srv.url))
    assert res.rows == 9
    assert res.warnings == ["jensen-huang: followed in the people seed but not in the snapshot of 2025-01-27"]
    assert "jensen-huang" in res.summary()


def test_bad_records_are_quarantined_and_the_rest_lands(data_dir):
    doc = json.loads(GOOD)
    recs = doc["personList"]["personsLists"]
    recs[0]["finalWorth"] = -5
    recs[1]["rank"] = 0
    del recs[2]["personName"]
    with ScriptedServer([{"body": json.dumps(doc).encode()}]) as srv:
        [res] = run_wealth(live_args(srv.url))
    assert res.rows == 7 and res.rejected == 3
    q = pd.read_csv(res.quarantine_path).set_index("person_uri")["_reject_reason"]
    assert q[recs[0]["uri"]] == "net_worth_musd must be positive and finite"
    assert q[recs[1]["uri"]] == "rank must be a positive integer"
    assert q[recs[2]["uri"]] == "person_name is missing"


def test_full_real_record_shape_parses():
    frame = wealth.parse_json((FIXTURES / "forbes_rtb_full_record_2024-10-10.json").read_bytes(), "fixture")
    row = frame.iloc[0]
    assert row["person_uri"] == "elon-musk" and row["net_worth_musd"] == 258873.922 and row["rank"] == 1
    assert row["date"] == pd.Timestamp("2024-10-10")


@pytest.mark.slow
def test_cli_live_against_local_server_and_schema_drift_exit_code(data_dir):
    with ScriptedServer([{"body": GOOD}]) as srv:
        proc = run_cli("ingest", "wealth", "--source", "live", "--url", srv.url, data_dir=data_dir)
        assert "10 rows landed in batch forbes-2025-01-27" in proc.stdout
        again = run_cli("ingest", "wealth", "--source", "live", "--url", srv.url, data_dir=data_dir)
        assert "already landed" in again.stdout
    with ScriptedServer([{"body": payload_without("finalWorth")}]) as srv:
        bad = run_cli("ingest", "wealth", "--source", "live", "--url", srv.url, data_dir=data_dir, check=False)
    assert bad.returncode == 2 and "finalWorth" in bad.stderr
