"""What the bad-input corpus cases of issue 14 (values, wealth, leftovers) and issue 13 item 6 (batch
ids) land, quarantine and say, in detail: the corpus test checks the outcome and message of each file;
these check the rows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from aftershock import cli
from ingest import landing, prices
from kernel import settings

from conftest import SAMPLE
from fakes.forbes import ScriptedServer

CORPUS = Path(__file__).parent / "corpus"


def ingest(*args: str) -> int:
    return cli.main(["ingest", *args])


def quarantine(source: str, batch: str) -> pd.DataFrame:
    return pd.read_csv(settings.quarantine_dir(source) / f"{batch}.csv", dtype=str, keep_default_na=False)


def landed(source: str, batch: str) -> pd.DataFrame:
    return pd.read_parquet(settings.raw_dir(source) / f"{batch}.parquet")


# ---- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,column,raw", [("unreadable_volume.csv", "volume", "1e5x"), ("unreadable_open.csv", "open", "abc")]
)
def test_an_unreadable_number_is_quarantined_as_read_never_landed_as_null(data_dir, name, column, raw):
    assert ingest("prices", "--source", "file", "--path", str(CORPUS / "prices" / name), "--batch-id", "b") == 0
    q = quarantine("prices", "b")
    assert q[[column, "_reject_reason"]].values.tolist() == [[raw, f"{column} is not a number"]]
    good = landed("prices", "b")
    assert good["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-23"] and good[column].notna().all()


def test_quarantine_keeps_every_field_as_read(data_dir):
    assert (
        ingest(
            "prices",
            "--source",
            "file",
            "--path",
            str(CORPUS / "prices" / "raw_text_kept_in_quarantine.csv"),
            "--batch-id",
            "b",
        )
        == 0
    )
    [row] = quarantine("prices", "b").to_dict("records")
    assert row == {
        "_batch_id": "b",
        "date": "2025-13-45",
        "ticker": "NVDA",
        "open": "148.37",
        "high": "148.97",
        "low": "141.88",
        "close": "1,234.5",
        "adj_close": "142.59",
        "volume": "234657600",
        "_reject_reason": "date is missing or unparseable",
    }


def test_thousands_separators_are_read_the_same_by_every_reader(data_dir, tmp_path):
    # A Yahoo web export (the pandas reader) and the same rows as a long CSV (the DuckDB reader).
    assert (
        ingest(
            "prices",
            "--source",
            "file",
            "--path",
            str(CORPUS / "prices" / "yahoo_web_export_thousands.csv"),
            "--ticker",
            "NVDA",
            "--batch-id",
            "yahoo",
        )
        == 0
    )
    long = tmp_path / "long.csv"
    long.write_text(
        "date,ticker,open,high,low,close,adj_close,volume\n"
        '2025-01-23,NVDA,143.06,147.23,143.72,147.22,147.19,"155,915,500"\n'
        '2025-01-24,NVDA,148.37,148.97,141.88,142.62,142.59,"1,000,000"\n'
        '2025-01-27,NVDA,124.80,128.40,116.70,118.42,118.38,"1,0000"\n'
    )  # a ragged group: no reading
    assert ingest("prices", "--source", "file", "--path", str(long), "--batch-id", "long") == 0
    assert landed("prices", "yahoo")["volume"].tolist() == [155_915_500.0, 1_000_000.0]
    assert landed("prices", "long")["volume"].tolist() == [155_915_500.0, 1_000_000.0]
    assert quarantine("prices", "long")[["volume", "_reject_reason"]].values.tolist() == [
        ["1,0000", "volume is not a number"]
    ]
    shares = CORPUS / "shares" / "thousands_separators.csv"
    assert ingest("shares", "--source", "file", "--path", str(shares), "--batch-id", "s") == 0
    assert sorted(landed("shares", "s")["shares_outstanding"]) == [15_037_874_000.0, 24_477_000_000.0]


def test_mixed_timezones_name_the_file_and_row(data_dir, capsys):
    path = CORPUS / "prices" / "mixed_timezones.csv"
    assert ingest("prices", "--source", "file", "--path", str(path)) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {path}: date mixes timezones: data row 2 (line 3) has "
        "'2025-01-24T00:00:00-05:00' (UTC offset -1 day, 19:00:00), unlike 2 other rows "
        "(no timezone); write them all one way"
    ), err


def test_start_that_is_not_a_date_is_a_usage_error_on_every_source(data_dir, capsys):
    for source in ("prices", "shares", "wealth", "news"):
        with pytest.raises(SystemExit) as exit_:
            ingest(source, "--source", "file", "--path", "x.csv", "--start", "garbage")
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert "usage: aftershock ingest" in err and "argument --start: 'garbage' is not a date" in err, err


def test_a_huge_ticker_is_quoted_cut_short(data_dir, tmp_path, capsys):
    path = tmp_path / "huge.csv"
    path.write_text(
        f"date,ticker,open,high,low,close,adj_close,volume\n2025-01-24,{'Z' * 3_000_000},1,1.2,0.9,1.1,1.1,9\n"
    )
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "huge") == 0
    out = capsys.readouterr()
    assert len(out.out) + len(out.err) < 2000
    assert "'ZZZZZ" in out.err and "(3,000,000 characters)" in out.err


def test_implausible_prices_are_rejected_at_ingest_with_the_bound(tmp_path, monkeypatch):
    long = tmp_path / "p.csv"
    long.write_text(
        "date,ticker,open,high,low,close,adj_close,volume\n"
        "2025-01-23,NVDA,1e-300,147.23,143.72,147.22,147.19,1\n"
        "2025-01-24,NVDA,148.37,148.97,141.88,142.62,2e7,1\n"
        "2025-01-27,NVDA,124.80,128.40,116.70,118.42,118.38,1\n"
    )
    yahoo = tmp_path / "y.csv"  # the same rows for the pandas (Yahoo export) reader
    df = pd.read_csv(long, dtype=str).drop(columns="ticker")
    df.columns = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
    df.to_csv(yahoo, index=False)
    for reader, args in (("duckdb", ["--path", str(long)]), ("pandas", ["--path", str(yahoo), "--ticker", "NVDA"])):
        monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / reader))
        assert ingest("prices", "--source", "file", *args, "--batch-id", "b") == 0
        reasons = quarantine("prices", "b")["_reject_reason"].tolist()
        assert reasons == [
            "open must be between 0.0001 and 10,000,000",
            "adj_close must be between 0.0001 and 10,000,000",
        ], reader


def test_data_dir_with_a_quote_ingests(tmp_path, monkeypatch):
    monkeypatch.setenv("AFTERSHOCK_DATA_DIR", str(tmp_path / "it's data"))
    bad = CORPUS / "prices" / "unreadable_open.csv"  # rejects: the re-read for the quarantine too
    assert ingest("prices", "--source", "file", "--path", str(bad), "--batch-id", "b") == 0
    assert len(landed("prices", "b")) == 1 and len(quarantine("prices", "b")) == 1


def test_empty_lake_build_says_what_to_run(data_dir, capsys):
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert "no prices have landed in" in err and "aftershock ingest prices" in err and "FAIL" not in err


# ---- wealth --------------------------------------------------------------------------------------


def test_a_huge_rank_costs_that_record_only(data_dir):
    assert (
        ingest("wealth", "--source", "file", "--path", str(CORPUS / "wealth" / "huge_rank.csv"), "--batch-id", "w") == 0
    )
    assert landed("wealth", "w")["person_uri"].tolist() == ["jensen-huang"]
    q = quarantine("wealth", "w")
    assert q[["person_uri", "rank", "_reject_reason"]].values.tolist() == [
        ["larry-ellison", "99999999999999999999", "rank is over 1,000,000"]
    ]


def test_a_future_record_does_not_date_the_snapshot(data_dir):
    assert ingest("wealth", "--source", "file", "--path", str(CORPUS / "wealth" / "future_record.json")) == 0
    good = landed("wealth", "forbes-2024-06-03")  # dated by the sane record
    assert good["person_uri"].tolist() == ["jensen-huang"]
    q = quarantine("wealth", "forbes-2024-06-03")
    assert q[["person_uri", "snapshot_at", "_reject_reason"]].values.tolist() == [
        ["larry-ellison", "4070908800000", "timestamp is in the future or not epoch milliseconds"]
    ]


def test_wrong_json_types_are_quarantined_as_read(data_dir):
    assert ingest("wealth", "--source", "file", "--path", str(CORPUS / "wealth" / "wrong_json_types.json")) == 0
    assert landed("wealth", "forbes-2024-06-03")["person_uri"].tolist() == ["jensen-huang"]
    q = quarantine("wealth", "forbes-2024-06-03")
    assert q[["person_uri", "net_worth_musd", "_reject_reason"]].values.tolist() == [
        ["42", "100", "uri is not a JSON string"],
        ['{"x": 1}', "100", "uri is not a JSON string"],
        ["true-worth", "true", "finalWorth is not a JSON number"],
    ]


def test_deep_nesting_from_a_url_is_a_message(data_dir, capsys):
    with ScriptedServer([{"body": b"[" * 100_000 + b"]" * 100_000}]) as srv:
        rc = ingest("wealth", "--source", "live", "--url", srv.url)
    err = capsys.readouterr().err
    assert rc == 2 and "nested too deeply" in err and srv.url in err and "Traceback" not in err


def test_a_dripping_server_meets_the_overall_deadline(data_dir, capsys):
    body = (Path(__file__).parent / "fixtures" / "forbes_rtb_2025-01-27.json").read_bytes()
    started = time.monotonic()
    with ScriptedServer([{"body": body, "drip": 0.2}]) as srv:
        rc = ingest("wealth", "--source", "live", "--url", srv.url, "--deadline", "2")
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert rc == 2 and "body still arriving at the 2s download deadline" in err, err
    assert took < 30  # bounded: without the deadline this body takes hours (not a speed target)
    assert not settings.raw_dir("wealth").exists() or not any(settings.raw_dir("wealth").iterdir())


# ---- leftovers -----------------------------------------------------------------------------------


def test_relanding_cleanly_removes_the_old_quarantine(data_dir, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text((CORPUS / "prices" / "unreadable_open.csv").read_text())
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "b") == 0
    assert (settings.quarantine_dir("prices") / "b.csv").exists()
    path.write_text(path.read_text().replace("abc", "148.37"))
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "b") == 0
    assert not (settings.quarantine_dir("prices") / "b.csv").exists()
    assert len(landed("prices", "b")) == 2
    shares = tmp_path / "s.csv"
    shares.write_text("ticker,as_of_date,shares_outstanding\nNVDA,2025-01-26,-1\nAAPL,2025-01-17,15037874000\n")
    assert ingest("shares", "--source", "file", "--path", str(shares), "--batch-id", "s") == 0
    assert (settings.quarantine_dir("shares") / "s.csv").exists()
    shares.write_text(shares.read_text().replace(",-1\n", ",24477000000\n"))
    assert ingest("shares", "--source", "file", "--path", str(shares), "--batch-id", "s") == 0
    assert not (settings.quarantine_dir("shares") / "s.csv").exists()


def test_scratch_of_a_killed_landing_is_swept_but_not_a_live_ones(data_dir, tmp_path):
    lake_raw = settings.raw_dir("prices").parent
    lake_raw.mkdir(parents=True)
    # A real landing killed with -9 while it writes its scratch folder.
    big = tmp_path / "big.csv"
    with big.open("w") as fh:
        fh.write("date,ticker,open,high,low,close,adj_close,volume\n")
        for i in range(400_000):
            fh.write(f"2025-01-24,T{i},1,2,1,1.5,1.4,10\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aftershock.cli",
            "ingest",
            "prices",
            "--source",
            "file",
            "--path",
            str(big),
            "--batch-id",
            "killed",
        ],
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 60
    while not list(lake_raw.glob(".prices-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    killed = list(lake_raw.glob(".prices-*"))
    if not killed:
        pytest.skip("the landing finished before it could be killed")
    # A landing still running in another process keeps its scratch.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = lake_raw / f".prices-{alive.pid}@{landing.socket.gethostname()}@abcd"
        live.mkdir()
        assert (
            ingest(
                "prices",
                "--source",
                "file",
                "--path",
                str(SAMPLE / "prices" / "prices_daily.csv"),
                "--batch-id",
                "next",
            )
            == 0
        )
        assert not any(p.exists() for p in killed)
        assert live.is_dir()
    finally:
        alive.kill()
        alive.wait()


# ---- issue 13 item 6: batch ids ------------------------------------------------------------------


def test_batch_ids_keep_their_digest_and_say_the_ticker(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    stem = "x" * 160
    ids = {prices.file_batch_id(d / f"{stem}.csv", "prices") for d in (a, b)}
    assert len(ids) == 2 and all(len(i) <= 150 and landing.safe_batch_id(i) == i for i in ids)
    nvda = prices.file_batch_id(a / "export.csv", "prices", "NVDA")
    amd = prices.file_batch_id(a / "export.csv", "prices", "AMD")
    assert nvda != amd and "-NVDA-" in nvda and "-AMD-" in amd


def test_relanding_an_id_with_other_data_says_so(data_dir, tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text((CORPUS / "prices" / "unreadable_volume.csv").read_text())
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "b") == 0
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "b") == 0
    assert "replaced" not in capsys.readouterr().out  # the same data again: nothing to say
    path.write_text(path.read_text().replace("147.22", "150.00"))
    assert ingest("prices", "--source", "file", "--path", str(path), "--batch-id", "b") == 0
    out = capsys.readouterr().out
    assert "batch b replaced an earlier prices landing that held different data (1 rows before, 1 now)" in out
