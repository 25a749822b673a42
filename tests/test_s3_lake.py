"""The lake and the published warehouse on S3-compatible object storage, against moto's server on 127.0.0.1.

AFTERSHOCK_LAKE_URL=s3://...: the demo lands every batch as one object, dbt reads the sources over
httpfs and the published warehouse holds the reference figures; nothing lands in the local lake
folder. AFTERSHOCK_WAREHOUSE_URL=s3://...: every publish is also a new version object plus a
pointer, which a reader with only the object store reads while a build runs. Then the integrity
guarantees in the object store: stray tickers change nothing published, a batch landed again
replaces its object (and the build rebuilds), a deleted object takes its rows with it.

The tests share one lake and run in file order (each build costs a minute here).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest
from servers import BUCKET, keys, moto_s3, s3_client

from conftest import BIN, ROOT, SAMPLE, run_cli

pytestmark = pytest.mark.slow
PREFIX = "lake-test"


@pytest.fixture(scope="module")
def s3():
    with moto_s3() as env:
        yield {
            **env,
            "AFTERSHOCK_LAKE_URL": f"s3://{BUCKET}/{PREFIX}",
            "AFTERSHOCK_WAREHOUSE_URL": f"s3://{BUCKET}/warehouse",
        }


@pytest.fixture(scope="module")
def s3_demo(s3, tmp_path_factory):
    data = tmp_path_factory.mktemp("s3demo") / "data"
    proc = run_cli("demo", data_dir=data, env=s3)
    return data, proc.stdout


def nvda(data) -> tuple[float, float]:
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return con.execute(
            "select return_pct, market_cap_change_usd from marts.fct_event_stock_impact "
            "where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'"
        ).fetchone()
    finally:
        con.close()


def staged_tickers(data) -> set[str]:
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        return {t for (t,) in con.execute("select distinct ticker from staging.stg_prices").fetchall()}
    finally:
        con.close()


def test_demo_lands_in_s3_and_publishes_the_reference_figures(s3, s3_demo):
    data, out = s3_demo
    ret, cap = nvda(data)
    assert round(ret, 2) == -16.97
    assert cap == pytest.approx(-592.7e9, rel=2e-3)
    assert "NVDA" in out and "-16.97" in out
    # Every batch is one object under the prefix; the local lake folder was never created.
    objects = keys(s3, f"{PREFIX}/raw/")
    for source in ("prices", "shares", "wealth", "news"):
        assert f"{PREFIX}/raw/{source}/sample-{source}.parquet" in objects
    assert f"s3://{BUCKET}/{PREFIX}/raw/prices/sample-prices.parquet" in out
    assert f"published s3://{BUCKET}/warehouse/versions/" in out  # and for readers elsewhere
    assert not (data / "lake").exists()
    assert not any((data / "scratch").iterdir()) if (data / "scratch").exists() else True
    # The build recorded the objects it read, with their ETags.
    con = duckdb.connect(str(data / "warehouse" / "aftershock.duckdb"), read_only=True)
    try:
        etags = dict(con.execute("select batch_id, etag from raw.lake_batches where source = 'prices'").fetchall())
    finally:
        con.close()
    head = s3_client(s3).head_object(Bucket=BUCKET, Key=f"{PREFIX}/raw/prices/sample-prices.parquet")
    assert etags["sample-prices"] == head["ETag"].strip('"')


def test_rejected_rows_are_quarantined_in_s3(s3, s3_demo):
    data, _ = s3_demo
    proc = run_cli(
        "ingest",
        "prices",
        "--source",
        "file",
        "--path",
        str(ROOT / "tests/corpus/prices/negative_price.csv"),
        "--batch-id",
        "bad-rows",
        data_dir=data,
        env=s3,
        check=False,
    )
    assert f"s3://{BUCKET}/{PREFIX}/quarantine/prices/bad-rows.csv" in proc.stdout + proc.stderr
    body = s3_client(s3).get_object(Bucket=BUCKET, Key=f"{PREFIX}/quarantine/prices/bad-rows.csv")["Body"].read()
    assert b"_reject_reason" in body
    s3_client(s3).delete_object(
        Bucket=BUCKET, Key=f"{PREFIX}/raw/prices/bad-rows.parquet"
    )  # keep the lake as the demo left it
    assert not (data / "lake").exists()


def reader_env(s3, tmp_path) -> dict[str, str]:
    """A reader on another machine: the object store's address and keys, no data directory of the builder."""
    import os

    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "AFTERSHOCK_DATA_DIR": str(tmp_path / "reader-has-no-data"),
        "AFTERSHOCK_WAREHOUSE_URL": s3["AFTERSHOCK_WAREHOUSE_URL"],
        **{k: v for k, v in s3.items() if k.startswith("AWS_")},
    }


READ_NVDA = (
    "select round(return_pct, 2), round(market_cap_change_usd / 1e9, 1) from marts.fct_event_stock_impact "
    "where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'"
)


def test_a_reader_with_only_the_object_store_reads_while_a_build_runs(s3, s3_demo, tmp_path):
    data, _ = s3_demo
    before = nvda(data)
    first_version = s3_client(s3).get_object(Bucket=BUCKET, Key="warehouse/current")["Body"].read().decode()
    # Two batches of tickers outside the watchlist (copies of NVDA's rows): they land and are named, and
    # change nothing published.
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
    for batch, ticker in (("stray-a", "ZZZA"), ("stray-b", "ZZZB")):
        prices[prices["ticker"] == "NVDA"].assign(ticker=ticker).to_csv(tmp_path / f"{batch}.csv", index=False)
        out = run_cli(
            "ingest",
            "prices",
            "--source",
            "file",
            "--path",
            str(tmp_path / f"{batch}.csv"),
            "--batch-id",
            batch,
            data_dir=data,
            env=s3,
        ).stdout
        assert f"unknown ticker {ticker}" in out

    env = reader_env(s3, tmp_path)
    build = subprocess.Popen(
        [str(BIN / "aftershock"), "build"],
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(data), **s3},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reads_during_build = 0
    try:
        while build.poll() is None:
            got = subprocess.run(
                [str(BIN / "aftershock"), "sql", "-csv", "-noheader", "-c", READ_NVDA],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            running = build.poll() is None
            assert got.returncode == 0, got.stderr
            assert got.stdout.strip() == "-16.97,-592.7"
            reads_during_build += running
            # A read every 2 s still spans the whole build, its publish included; back to back (23 reads
            # of the sample's build) they took the CPU the build runs on.
            time.sleep(2)
    finally:
        out = build.communicate(timeout=900)[0]
    assert build.returncode == 0, out[-3000:]
    assert reads_during_build >= 1
    assert not (tmp_path / "reader-has-no-data").exists()

    # The build published a new version and moved the pointer; the previous version is still there
    # for a reader that resolved the pointer just before.
    client = s3_client(s3)
    new_version = client.get_object(Bucket=BUCKET, Key="warehouse/current")["Body"].read().decode()
    assert new_version != first_version and new_version.startswith("versions/")
    assert {f"warehouse/{first_version}", f"warehouse/{new_version}"} <= set(keys(s3, "warehouse/versions/"))
    # Python readers get the same through remote_warehouse.connect().
    code = (
        "from aftershock import remote_warehouse as rw; con = rw.connect(); "
        f"print(con.execute({READ_NVDA!r}).fetchone(), flush=True); "
        "print(con.execute(\"select count(*) from staging.stg_prices where ticker in ('ZZZA', 'ZZZB')\").fetchone()[0],"
        " flush=True)"
    )
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert got.returncode == 0, got.stderr
    # flush=True: once, on a machine loaded 8 on 2 cores, this exited 0 with nothing on stdout (not reproduced alone)
    lines = got.stdout.splitlines()
    assert len(lines) == 2 and lines[0] == "(-16.97, -592.7)" and int(lines[1]) > 0, (got.stdout, got.stderr)
    assert nvda(data) == before


def test_relanded_and_deleted_objects_rebuild_without_their_old_rows(s3, s3_demo, tmp_path):
    data, _ = s3_demo
    before = nvda(data)
    assert {"ZZZA", "ZZZB"} <= staged_tickers(data)
    # stray-a landed again with AMD's rows: the same key, one object, replaced (its ETag changes).
    prices = pd.read_csv(SAMPLE / "prices" / "prices_daily.csv", dtype=str, keep_default_na=False)
    prices[prices["ticker"] == "AMD"].assign(ticker="ZZZC").to_csv(tmp_path / "again.csv", index=False)
    run_cli(
        "ingest",
        "prices",
        "--source",
        "file",
        "--path",
        str(tmp_path / "again.csv"),
        "--batch-id",
        "stray-a",
        data_dir=data,
        env=s3,
    )
    # stray-b deleted from the bucket.
    s3_client(s3).delete_object(Bucket=BUCKET, Key=f"{PREFIX}/raw/prices/stray-b.parquet")
    assert keys(s3, f"{PREFIX}/raw/prices/") == [
        f"{PREFIX}/raw/prices/{b}.parquet" for b in ("sample-prices", "stray-a")
    ]
    out = run_cli("build", data_dir=data, env=s3).stdout
    assert "lake batch prices/stray-a.parquet was landed again: building from the whole lake" in out
    assert "lake batch prices/stray-b.parquet was removed" in out
    staged = staged_tickers(data)
    assert "ZZZC" in staged and not {"ZZZA", "ZZZB"} & staged and "NVDA" in staged
    assert nvda(data) == before
    assert not (data / "lake").exists()
