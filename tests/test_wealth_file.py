"""The wealth file readers (CSV history, saved Forbes JSON): validation, quarantine, landing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from aftershock.ingest_commands import SnapshotAlreadyLanded, run
from ingest.errors import IngestError, SourceUnreadable

from conftest import SAMPLE, run_cli

FIXTURES = Path(__file__).parent / "fixtures"


def run_wealth(options: dict):
    return run("wealth", "file", **options)


def file_args(path, **kw) -> dict:
    return {"path": path} | kw


def test_sample_history_lands_every_row_with_extra_columns_ignored(data_dir):
    [res] = run_wealth(file_args(SAMPLE / "wealth" / "billionaires_networth_daily.csv"))
    assert res.rows == 900 and res.rejected == 0
    assert res.batch_id.startswith("file-wealth-billionaires_networth_daily-")
    table = pq.read_table(res.path).to_pandas()
    assert list(table.columns[:6]) == ["date", "person_uri", "person_name", "net_worth_musd", "rank", "snapshot_at"]
    assert "change_musd" not in table.columns and "source" not in table.columns
    row = table[(table["person_uri"] == "jensen-huang") & (table["date"] == pd.Timestamp("2025-01-27"))].iloc[0]
    assert row["net_worth_musd"] == 103584.031 and row["rank"] == 17 and pd.isna(row["snapshot_at"])


def test_bad_rows_are_quarantined_with_reasons(data_dir, tmp_path):
    csv = tmp_path / "w.csv"
    csv.write_text(
        "date,person_uri,person_name,net_worth_musd,rank,note\n"
        "2025-01-27,jensen-huang,Jensen Huang,103584.031,17,ok\n"
        "2025-01-27,larry-ellison,Larry Ellison,200451.373,5,ok\n"
        "not-a-date,x,X,1,1,bad date\n"
        "2999-01-01,y,Y,1,1,future\n"
        "2025-01-27,z,Z,-3,4,negative\n"
        "2025-01-27,inf,Inf,inf,4,infinite\n"
        "2025-01-27,r,R,5,1.5,fractional rank\n"
        "2025-01-27,r0,R0,5,0,rank zero\n"
        "2025-01-28,dup,Dup,5,3,dup\n"
        "2025-01-28,dup,Dup,6,3,dup\n"
    )
    [res] = run_wealth(file_args(csv))
    assert res.rows == 2 and res.rejected == 8
    q = pd.read_csv(res.quarantine_path)
    reasons = dict(zip(q["person_uri"], q["_reject_reason"]))
    assert reasons["x"] == "date is missing or unparseable"
    assert reasons["y"] == "date is in the future"
    assert reasons["z"] == reasons["inf"] == "net_worth_musd must be positive and finite"
    assert reasons["r"] == reasons["r0"] == "rank must be a positive integer"
    assert reasons["dup"] == "duplicate key (date, person_uri) in batch"


def test_missing_column_names_the_file_and_the_column(tmp_path, data_dir):
    csv = tmp_path / "nope.csv"
    csv.write_text("date,person_uri,person_name,rank\n2025-01-27,a,A,1\n")
    with pytest.raises(SourceUnreadable, match=r"nope\.csv: missing columns \['net_worth_musd'\]"):
        run_wealth(file_args(csv))


def test_all_rejected_batch_lands_nothing(tmp_path, data_dir):
    csv = tmp_path / "bad.csv"
    csv.write_text("date,person_uri,person_name,net_worth_musd,rank\n2025-01-27,a,A,-1,1\n")
    with pytest.raises(IngestError, match="no valid rows"):
        run_wealth(file_args(csv))
    assert not (data_dir / "lake" / "raw" / "wealth").exists()


def test_saved_forbes_json_lands_as_that_days_snapshot_once(data_dir):
    path = FIXTURES / "forbes_rtb_2025-01-27.json"
    [res] = run_wealth(file_args(path))
    assert res.batch_id == "forbes-2025-01-27" and res.rows == 10
    [again] = run_wealth(file_args(path))
    assert isinstance(again, SnapshotAlreadyLanded)
    [forced] = run_wealth(file_args(path, batch_id="forbes-2025-01-27-rerun"))
    assert forced.rows == 10


def test_date_range_restricts_a_history(data_dir):
    [res] = run_wealth(
        file_args(SAMPLE / "wealth" / "billionaires_networth_daily.csv", start="2025-01-24", end="2025-01-27")
    )
    assert res.rows == 40


def test_cli_file_ingest(data_dir):
    proc = run_cli(
        "ingest",
        "wealth",
        "--source",
        "file",
        "--path",
        str(SAMPLE / "wealth" / "billionaires_networth_daily.csv"),
        data_dir=data_dir,
    )
    assert "wealth: 900 rows landed" in proc.stdout
    missing = run_cli(
        "ingest", "wealth", "--source", "file", "--path", "/nonexistent.csv", data_dir=data_dir, check=False
    )
    assert missing.returncode == 2 and "/nonexistent.csv: no such file" in missing.stderr
