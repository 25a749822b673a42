"""The user's configuration folder: it lasts across builds, its verbs never write into the repository,
one event-id rule everywhere, unknown tickers named, concurrent edits all land, promote with defaults builds."""

from __future__ import annotations

import csv
import subprocess

import duckdb
import pytest

from conftest import BIN, ROOT, run_cli, sha256

pytestmark = pytest.mark.slow

REPO_SEEDS = sorted((ROOT / "dbt/seeds").glob("*.csv"))


def _events(db) -> dict[str, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            r[0]: r[1:]
            for r in con.execute(
                "select event_id, origin, linked_event_id, detected_event_id from marts.dim_events"
            ).fetchall()
        }
    finally:
        con.close()


def test_configuration_survives_builds_and_promote_defaults_build(published_copy):
    d = published_copy
    repo_before = {p.name: sha256(p) for p in REPO_SEEDS}
    # issue 13 item 3: promote with its defaults, then a plain build (failed with unique_dim_events_event_id)
    promoted = run_cli("events", "promote", "detected-2024-08-05", data_dir=d)
    assert (
        f"appended promoted-2024-08-05 (2024-08-05, tickers ASML|^GSPC) to {d / 'config/events.csv'}" in promoted.stdout
    )
    added = run_cli(
        "events",
        "add",
        "broadcom-ai",
        "--date",
        "2024-12-13",
        "--title",
        "Broadcom AI revenue",
        "--tickers",
        "AVGO|MRVL|ZZZT",
        data_dir=d,
    )
    assert "added broadcom-ai" in added.stdout
    assert "event broadcom-ai (events.csv): ticker ZZZT not in the watchlist" in added.stderr
    listed = run_cli("events", "list", data_dir=d).stdout
    assert "promoted-2024-08-05" in listed and "broadcom-ai" in listed

    for n in (1, 2):  # a plain build, twice: the configuration is read every time
        if n == 2:
            # The watchlist changes between the builds: the incremental detector scores every row again
            # (int_detected_moves' _settings_hash), so no row of the ticker no longer followed lingers.
            run_cli("watchlist", "remove", "CEG", data_dir=d)
        build = run_cli("build", data_dir=d)
        assert "ticker ZZZT not in the watchlist" in build.stderr, n
        events = _events(d / "warehouse/aftershock.duckdb")
        assert events["promoted-2024-08-05"] == ("curated", None, "detected-2024-08-05"), n
        assert events["detected-2024-08-05"] == ("detected", "promoted-2024-08-05", None), n
        assert events["broadcom-ai"][0] == "curated", n
        assert events["deepseek-r1-selloff"][0] == "curated", n
    con = duckdb.connect(str(d / "warehouse/aftershock.duckdb"), read_only=True)
    try:
        studied = {
            r[0]
            for r in con.execute(
                "select ticker from marts.fct_event_stock_impact where event_id = 'broadcom-ai'"
            ).fetchall()
        }
    finally:
        con.close()
    assert studied == {"AVGO", "MRVL"}
    with duckdb.connect(str(d / "warehouse/aftershock.duckdb"), read_only=True) as con:
        scored = {r[0] for r in con.execute("select distinct ticker from intermediate.int_detected_moves").fetchall()}
    assert "CEG" not in scored and {"NVDA", "VST", "^GSPC"} <= scored

    run_cli("events", "remove", "broadcom-ai", data_dir=d)
    assert "broadcom-ai" not in (d / "config/events.csv").read_text()
    assert {p.name: sha256(p) for p in REPO_SEEDS} == repo_before  # nothing above wrote into the repository


@pytest.mark.parametrize(
    "bad_id,message",
    [
        ("../../etc/passwd", "use lower-case letters"),
        ("<script>x</script>", "use lower-case letters"),
        ("detected-2024-08-05", "belong to detected events"),
    ],
)
def test_one_event_id_rule_for_build_verbs_and_report(data_dir, tmp_path, bad_id, message):
    events = tmp_path / "events.csv"
    with events.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event_id", "event_date", "title", "keywords", "tickers"])
        w.writerow(["deepseek-r1-selloff", "2025-01-27", "DeepSeek", "DeepSeek", ""])
        w.writerow([bad_id, "2025-01-28", "bad", "", ""])
    build = run_cli("build", "--events", str(events), data_dir=data_dir, check=False)
    assert build.returncode == 1 and f"{events}, line 3: event id" in build.stderr and message in build.stderr
    assert "Traceback" not in build.stderr
    add = run_cli("events", "add", bad_id, "--date", "2025-01-28", "--title", "x", data_dir=data_dir, check=False)
    assert add.returncode == 1 and message in add.stderr and "Traceback" not in add.stderr
    assert bad_id not in (data_dir / "config/events.csv").read_text()
    if not bad_id.startswith("detected-"):  # a detected id is a valid name to report on
        report = run_cli("report", bad_id, data_dir=data_dir, check=False)
        assert report.returncode == 1 and "use lower-case letters" in report.stderr


def test_six_concurrent_promotions_all_land(published_copy):
    d = published_copy
    detected = [
        "detected-2024-07-17",
        "detected-2024-07-31",
        "detected-2024-08-02",
        "detected-2024-09-10",
        "detected-2024-09-26",
        "detected-2024-10-17",
    ]
    run_cli("events", "list", data_dir=d)  # seeds the configuration folder first, as any first use does
    env = {"AFTERSHOCK_DATA_DIR": str(d), "PATH": str(BIN)}
    procs = [
        subprocess.Popen(
            [str(BIN / "aftershock"), "events", "promote", ev],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for ev in detected
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outs
    assert all("appended promoted-" in out for out, _ in outs)
    rows = list(csv.DictReader((d / "config/events.csv").open()))
    assert sorted(r["event_id"] for r in rows) == sorted(
        ["deepseek-r1-selloff"] + [ev.replace("detected-", "promoted-") for ev in detected]
    )


def test_watchlist_verbs(data_dir):
    add = run_cli("watchlist", "add", "pltr", "--company", "Palantir", data_dir=data_dir)
    assert "added PLTR (Palantir, benchmark ^GSPC)" in add.stdout
    assert "PLTR,Palantir,,^GSPC,stock" in (data_dir / "config/watchlist.csv").read_text()
    again = run_cli("watchlist", "add", "PLTR", data_dir=data_dir, check=False)
    assert again.returncode == 1 and "already has PLTR" in again.stderr
    assert "PLTR" in run_cli("watchlist", "list", data_dir=data_dir).stdout
    run_cli("watchlist", "remove", "PLTR", data_dir=data_dir)
    assert "PLTR" not in (data_dir / "config/watchlist.csv").read_text()
    assert "PLTR" not in (ROOT / "dbt/seeds/watchlist.csv").read_text()
