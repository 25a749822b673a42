"""dbt as the builds run it: `python -m aftershock.dbt_command`, dbt's own command line with its objects
frozen for the garbage collector. Every build runs through it; here, its failures keep dbt's exit code
and message."""

from __future__ import annotations

import pytest

from aftershock.dbt_runner import DbtFailed, log_path, run_dbt


def test_a_failing_dbt_command_fails_with_dbts_code_and_message(tmp_path):
    with pytest.raises(DbtFailed) as failed:
        run_dbt(["parse"], tmp_path, None, echo=False, workspace=tmp_path / "ws")  # no dbt_project.yml here
    assert str(failed.value).startswith("dbt parse failed (exit 2):")
    assert "No dbt_project.yml found" in log_path(["parse"], tmp_path / "ws").read_text()
