"""`aftershock sql` reads the published warehouse and can change nothing: not the file, not another
file, no shell command; results leave through `aftershock export`. A published file damaged anyway
makes the next build say so and rebuild from the lake (issue 13, item 4)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import run_cli, sha256
from mart_compare import marts_differences


def _w(data_dir):
    return data_dir / "warehouse" / "aftershock.duckdb"


def _sql(data_dir, *args: str):
    return run_cli("sql", *args, data_dir=data_dir, check=False)


def test_the_shell_reads_the_warehouse(published_copy):
    proc = _sql(
        published_copy,
        "-csv",
        "-c",
        "select n from marts.fct_event_caar "
        "where event_id = 'deepseek-r1-selloff' and window_start = 0 and window_end = 0",
    )
    assert proc.returncode == 0 and proc.stdout.split() == ["n", "20"], proc.stderr


@pytest.mark.parametrize(
    "attack, message",
    [
        # a second, writable connection to the published file
        (lambda w: ["-c", f".open {w}", "-c", "create table marts.x(i int)"], ".open cannot be used in -safe mode"),
        (lambda w: ["-c", "create table marts.x(i int)"], "read-only mode"),
        (lambda w: ["-c", f"copy (select 1) to '{w}'"], "file system operations are disabled"),
        (lambda w: ["-c", f"attach '{w.with_name('other.duckdb')}' as o"], "file system operations are disabled"),
        (lambda w: ["-c", "set enable_external_access = true"], "the configuration has been locked"),
    ],
    ids=["open-then-create", "create", "copy-over-the-file", "attach-another-file", "re-enable-files"],
)
def test_the_shell_cannot_write_the_published_file(published_copy, attack, message):
    w = _w(published_copy)
    before = sha256(w)
    proc = _sql(published_copy, *attack(w))
    assert proc.returncode != 0 and message in proc.stderr, (proc.stdout, proc.stderr)
    assert sha256(w) == before
    assert sorted(p.name for p in w.parent.iterdir() if p.is_file()) == ["aftershock.duckdb"]
    con = duckdb.connect(str(w), read_only=True)
    assert con.execute("select count(*) from information_schema.tables where table_name = 'x'").fetchone() == (0,)
    con.close()


@pytest.mark.parametrize("command", [".system", ".shell"])
def test_the_shell_runs_no_command(published_copy, tmp_path, command):
    marker = tmp_path / "ran"
    proc = _sql(published_copy, "-c", f"{command} touch {marker}")
    assert proc.returncode != 0 and "cannot be used in -safe mode" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "suffix, read", [(".csv", pd.read_csv), (".parquet", pd.read_parquet), (".json", pd.read_json)]
)
def test_export_writes_a_table_to_csv_parquet_or_json(published_copy, tmp_path, suffix, read):
    out = tmp_path / f"caar{suffix}"
    proc = run_cli("export", "marts.fct_event_caar", "--to", str(out), data_dir=published_copy)
    con = duckdb.connect(str(_w(published_copy)), read_only=True)
    expected = con.execute("select * from marts.fct_event_caar order by event_id, window_start, window_end").df()
    con.close()
    got = read(out).sort_values(["event_id", "window_start", "window_end"]).reset_index(drop=True)
    assert f"wrote {len(expected)} rows to {out}" in proc.stdout
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_series_equal(got["caar_pct"], expected["caar_pct"], check_exact=False, rtol=1e-12)
    assert (got["n"] == expected["n"]).all()


def test_export_writes_a_query(published_copy, tmp_path):
    out = tmp_path / "impact.parquet"
    run_cli(
        "export",
        "select ticker, return_pct from marts.fct_event_stock_impact "
        "where event_id = 'deepseek-r1-selloff' order by return_pct",
        "--to",
        str(out),
        data_dir=published_copy,
    )
    got = pd.read_parquet(out)
    assert len(got) == 25 and got["return_pct"].is_monotonic_increasing
    assert round(got.set_index("ticker").loc["NVDA", "return_pct"], 2) == -16.97


@pytest.mark.parametrize(
    "query, to, message",
    [
        ("marts.fct_event_caar", "warehouse/aftershock.csv", "inside the warehouse folder"),
        ("marts.fct_event_caar", "lake/raw/prices/x.parquet", "inside the lake"),
        ("marts.fct_event_caar", "out.xlsx", "the suffix must be one of .csv, .parquet, .json"),
        ("select 1; copy (select 2) to 'x.csv'", "out.csv", "give one query, not 2 statements"),
        ("copy (select 1) to 'x.csv'", "out.csv", "only a query can be exported (got a COPY statement)"),
        ("select * from read_csv('/etc/passwd')", "out.csv", "file system operations are disabled"),
        ("marts.no_such_table", "out.csv", "no table or view marts.no_such_table"),
    ],
    ids=["into-warehouse", "into-lake", "suffix", "two-statements", "copy", "other-file", "no-table"],
)
def test_export_refuses_with_a_clear_message(published_copy, tmp_path, query, to, message):
    before = sha256(_w(published_copy))
    target = published_copy / to if "/" in to else tmp_path / to
    proc = run_cli("export", query, "--to", str(target), data_dir=published_copy, check=False)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not target.exists() and not (tmp_path / "x.csv").exists()
    assert sha256(_w(published_copy)) == before


@pytest.mark.slow
def test_a_damaged_published_file_is_rebuilt_from_the_lake(published_copy, demo_dir):
    w = _w(published_copy)
    w.write_bytes(b"1\n")  # what `copy (select 1) to '<published file>'` left before the shell was safe
    proc = run_cli("build", data_dir=published_copy)
    assert f"the published warehouse {w} is not a readable DuckDB file" in proc.stdout
    assert "building from the whole lake" in proc.stdout
    assert marts_differences(demo_dir / "warehouse" / "aftershock.duckdb", w) == {}
