"""A random schedule of landings, landings again, slow landings held open across builds, and builds
ends equal to a full build of the same lake (the orders of tests/test_batch_integrity.py, mixed)."""

from __future__ import annotations

import os
import random

import duckdb
import pytest

from batch_support import (
    PRICES,
    WAREHOUSE,
    Stopped,
    after_stamping,
    close,
    corrected,
    full_build_of,
    ingest_argv,
    land,
    rows_of,
)
from conftest import run_cli
from warehouse_compare import assert_same_warehouse

pytestmark = pytest.mark.slow


SEED = int(os.environ.get("AFTERSHOCK_SCHEDULE_SEED", "20250127"))


def test_a_random_schedule_of_landings_and_builds_ends_equal_to_a_full_build(published_copy, tmp_path):
    """A bounded random interleaving (seeded; the schedule is printed) of new batches, batches landed
    again with other content, slow landings held open across builds, and builds."""
    data = published_copy
    rng = random.Random(SEED)
    tickers = sorted(set(PRICES["ticker"]) - {"^GSPC", "^IXIC", "^SOX"})
    sessions = sorted(set(PRICES["date"]))[-60:]
    held: list[Stopped] = []
    schedule: list[str] = []
    for step in range(9):
        kind = rng.choice(["land", "land", "reland", "slow", "build"]) if step < 8 else "build"
        if kind in ("land", "reland", "slow"):
            batch = f"b{step}" if kind != "reland" or step < 2 else f"b{rng.randrange(step)}"
            picks = rng.sample(tickers, 3)
            days = {t: rng.choice(sessions) for t in picks}
            changes = {(t, d): round(close(t, d) * rng.uniform(0.9, 1.1), 2) for t, d in days.items()}
            path = rows_of(corrected(tmp_path / f"s{step}.csv", changes), picks)
            if kind == "slow":
                held.append(Stopped(ingest_argv(path, batch), data, after_stamping(data, batch)))
            else:
                land(data, path, batch)
            schedule.append(f"{kind} {batch} {sorted(changes)}")
        else:
            if held and rng.random() < 0.7:
                held.pop(0).finish()
                schedule.append("finish a slow landing")
            run_cli("build", data_dir=data)
            schedule.append("build")
    for s in held:
        s.finish()
    run_cli("build", data_dir=data)
    print(f"seed {SEED}:", *schedule, sep="\n  ")
    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert_same_warehouse(inc, full)
