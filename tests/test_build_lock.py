"""One writer, one workspace, one lock: every command and task that touches the build workspace, a
building file or the published file takes the data directory's lock, and a multi-task Airflow run
never publishes over a newer warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from batch_support import WAREHOUSE, Stopped, after_listing
from conftest import BIN, run_cli

pytestmark = pytest.mark.slow


def events_with_extra(path: Path, repo_events: Path) -> Path:
    df = pd.read_csv(repo_events, dtype=str, keep_default_na=False)
    extra = df.iloc[[0]].copy()
    extra["event_id"] = "lock-test-event"
    extra["title"] = "Lock test event"
    pd.concat([df, extra]).to_csv(path, index=False)
    return path


def event_ids(data) -> set[str]:
    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as con:
        return {e for (e,) in con.execute("select event_id from marts.dim_events").fetchall()}


def test_docs_and_a_second_build_during_a_build_wait_for_it_and_the_build_keeps_its_events(published_copy, tmp_path):
    from aftershock.paths import dbt_project

    data = published_copy
    mine = events_with_extra(tmp_path / "my_events.csv", dbt_project() / "seeds" / "events.csv")
    build = Stopped([str(BIN / "aftershock"), "build", "--events", str(mine)], data, after_listing)
    try:
        docs = run_cli("docs", data_dir=data, check=False, env={"AFTERSHOCK_LOCK_WAIT_SECONDS": "1"})
        assert docs.returncode == 1, docs.stdout + docs.stderr
        assert "is held by build (pid" in docs.stderr and "Traceback" not in docs.stderr
        # freshness reads only the lake's own dates: it neither needs the lock nor touches the workspace
        fresh = run_cli("freshness", data_dir=data, check=False, env={"AFTERSHOCK_LOCK_WAIT_SECONDS": "1"})
        assert "waiting for" not in fresh.stdout and "Traceback" not in fresh.stderr
        second = run_cli("build", data_dir=data, check=False, env={"AFTERSHOCK_LOCK_WAIT_SECONDS": "1"})
        assert second.returncode == 1 and "is held by build (pid" in second.stderr
    finally:
        build.finish()
    assert "lock-test-event" in event_ids(data)  # nothing re-copied the workspace under it


def test_an_airflow_run_does_not_publish_over_a_newer_build_and_keeps_its_building_file(published_copy):
    from aftershock import orchestration as orch
    from aftershock.publish import PublishedMeanwhile

    data = published_copy
    building = orch.prepare_building()  # an Airflow run between its tasks
    before = (data / WAREHOUSE).read_bytes()
    run_cli("build", data_dir=data)  # a command-line build publishes meanwhile (and sweeps building/)
    published = (data / WAREHOUSE).read_bytes()
    assert published != before
    assert Path(building).exists(), "the command-line build swept a live Airflow run's file"
    with pytest.raises(PublishedMeanwhile, match="another build .* published"):
        orch.run_publish(building)
    assert (data / WAREHOUSE).read_bytes() == published
    assert not Path(building).exists()  # discarded: the next run builds what it would have held


def test_an_airflow_run_before_any_prices_have_landed_is_skipped_not_failed(data_dir):
    # A first start lands wealth, shares or news (and triggers the transform) before the prices.
    from aftershock import orchestration as orch

    (data_dir / "lake" / "raw" / "wealth").mkdir(parents=True)
    with pytest.raises(orch.SkipRun, match=r"no prices have landed in .*raw/prices.*next batch starts"):
        orch.prepare_building()
    assert not (data_dir / "warehouse" / "building").exists() or not any(
        (data_dir / "warehouse" / "building").iterdir()
    )
