"""Every batch file in the lake when a build reads it is wholly in that build or wholly in the next,
whatever order batches start, finish or are read in; the next build then equals a full build.

The two orders the integrity issue named, forced (tests/batch_support.py); a random schedule of them
is tests/test_batch_schedule.py, a file of its own so the two run on separate test workers.
"""

from __future__ import annotations

import duckdb
import pytest

from batch_support import (
    BIN,
    WAREHOUSE,
    Stopped,
    after_listing,
    after_stamping,
    corrected,
    full_build_of,
    ingest_argv,
    land,
    rows_of,
    staged_close,
)
from conftest import run_cli
from warehouse_compare import assert_same_warehouse

pytestmark = pytest.mark.slow


def test_batches_landing_while_a_build_runs_reach_the_next_build(published_copy, tmp_path):
    """The issue's order: build B lists the lake; a large landing N starts; a small landing M
    finishes; B finishes; N finishes; build C. Before, M's later stamp moved the mark past N."""
    data = published_copy
    big = corrected(tmp_path / "big.csv", {("NVDA", "2025-01-27"): 100.0})
    small = rows_of(corrected(tmp_path / "amd.csv", {("AMD", "2025-01-27"): 111.0}), ["AMD"], ["2025-01-27"])

    b = Stopped([str(BIN / "aftershock"), "build"], data, after_listing)
    n = Stopped(ingest_argv(big, "big"), data, after_stamping(data, "big"))
    land(data, small, "small")
    b_out = b.finish()
    assert "lake: 5 batch files, 0 to read (incremental)" in b_out  # neither landing was half-read by B
    n.finish()
    c_out = run_cli("build", data_dir=data).stdout
    assert "lake: 7 batch files, 2 to read (incremental)" in c_out, c_out[-2000:]

    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert staged_close(inc, "NVDA", "2025-01-27") == 100.0
        assert staged_close(inc, "AMD", "2025-01-27") == 111.0  # M landed later than N: its row wins
        day0 = inc.execute("""select day0_close from marts.fct_event_stock_impact
                              where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'""").fetchone()[0]
        assert day0 == 100.0
        assert_same_warehouse(inc, full)


def test_a_slow_landing_that_began_before_a_built_batch_rebuilds_the_lake(published_copy, tmp_path):
    """N stamps its rows, M lands after it and is built; N finishes: its rows are older than rows
    the warehouse holds, so an incremental mark would skip them. The next build reads the whole lake."""
    data = published_copy
    big = corrected(tmp_path / "big.csv", {("NVDA", "2025-01-27"): 100.0, ("AMD", "2025-01-27"): 99.0})
    small = rows_of(corrected(tmp_path / "amd.csv", {("AMD", "2025-01-27"): 111.0}), ["AMD"], ["2025-01-27"])

    n = Stopped(ingest_argv(big, "big"), data, after_stamping(data, "big"))
    land(data, small, "small")
    run_cli("build", data_dir=data)
    n.finish()
    out = run_cli("build", data_dir=data).stdout
    assert (
        "lake batch prices/big.parquet landed before the newest batch already built (out of order): "
        "building from the whole lake" in out
    ), out[-2000:]
    with duckdb.connect(str(data / WAREHOUSE), read_only=True) as inc, full_build_of(data, tmp_path) as full:
        assert staged_close(inc, "NVDA", "2025-01-27") == 100.0
        assert staged_close(inc, "AMD", "2025-01-27") == 111.0  # the later landing still wins
        assert_same_warehouse(inc, full)
