"""`run_cli` runs most commands inside the test process (conftest.IN_PROCESS): what it reports must be
what the installed `aftershock` command prints and returns, or every test reading it checks the wrong thing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, run_cli

CASES = [
    ("build",),  # nothing landed: a clear error, exit 1
    ("ingest", "prices", "--source", "file", "--path", "no-such-file.csv"),  # a missing file, named
    ("ingest", "prices", "--source", "bogus"),  # argparse's usage error, exit 2
    ("events", "list"),  # success: the bundled events
    ("freshness",),  # an empty lake: every source named, exit 1
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_in_process_reports_what_the_installed_command_does(args, tmp_path):
    # Each run in a data directory of its own (a run may leave folders behind), named the same in the
    # output so the two can be compared.
    def data(name: str) -> Path:
        return tmp_path / name / "data"

    inside = run_cli(*args, data_dir=data("inside"), check=False)
    assert inside.args[0] == "aftershock", "not run in process: the comparison would mean nothing"
    installed = subprocess.run(
        [str(BIN / "aftershock"), *args],
        env={**os.environ, "AFTERSHOCK_DATA_DIR": str(data("installed"))},
        capture_output=True,
        text=True,
        timeout=120,
    )

    def seen(proc: subprocess.CompletedProcess, name: str) -> tuple:
        return proc.returncode, *(text.replace(str(tmp_path / name), "<dir>") for text in (proc.stdout, proc.stderr))

    assert seen(inside, "inside") == seen(installed, "installed")
    assert "Traceback" not in inside.stderr
