"""Runs dbt (the sole writer of the warehouse) as a subprocess against a building file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from aftershock.paths import build_workspace, data_dir, dbt_project, venv_bin
from ingest import lake_store
from kernel.errors import AftershockError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class DbtFailed(AftershockError):
    pass


# Every build of the warehouse (the CLI's, the Airflow transform's, a node task's retry) leaves the
# unit tests out, as dbt advises for production: they check the SQL on the fixed rows in each model's
# YAML, so a build's data cannot change their outcome, and the sample's 19 cost 2-5 s of each build.
# The suite runs them once against the demo warehouse (tests/test_dbt_unit_tests.py).
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def _die_with_parent() -> None:
    """Runs in the dbt child before exec: if the build process is killed (even -9), the kernel kills
    dbt too, so no orphan keeps writing a building file the next build sweeps."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# What dbt writes into a project folder; never part of a copy of the project.
GENERATED = ("target", "logs", "dbt_packages", "__pycache__", ".user.yml")


def copy_project(dest: Path, source: Path | None = None) -> Path:
    """A copy of the dbt project (`source`, default the configured one) at `dest`, without what dbt
    generated in it."""
    shutil.copytree(source or dbt_project(), dest, ignore=shutil.ignore_patterns(*GENERATED))
    return dest


def prepare_project(events_file: Path | None = None, name: str = "dbt_project") -> Path:
    """Copy the dbt project into the data directory's build workspace (folder `name`).

    The user's configuration folder (aftershock.config) replaces the bundled seeds, so events and
    watchlist edits last for every build; `--events FILE` replaces the events seed for one build.
    The copy never touches the repository, and keeps target/ and logs/ of concurrent data
    directories apart. The Airflow transform prepares its own folder (orchestration.AIRFLOW_PROJECT):
    its dbt tasks run from it after the task that prepared it, while a CLI build may rewrite the other.
    """
    from aftershock import config

    if events_file is not None:
        events_file = Path(events_file)
        if not events_file.exists():
            raise FileNotFoundError(f"--events {events_file}: no such file")
    config.read_events(events_file or config.events_file())  # the one id rule, before anything is copied
    ws = build_workspace() / name
    if ws.exists():
        shutil.rmtree(ws)
    copy_project(ws)
    for user_file in config.files():
        shutil.copyfile(user_file, ws / "seeds" / user_file.name)
    if events_file is not None:
        shutil.copyfile(events_file, ws / "seeds" / "events.csv")
    return ws


def dbt_env(building: Path | None, project: Path) -> dict[str, str]:
    """dbt's environment. The paths dbt's parse records (the database, the lake in the source
    definitions) are given relative to the project folder dbt runs in, as is the project itself (`.`):
    its saved parse (partial_parse.msgpack) then holds no absolute path of this data directory, so a
    copy of the directory (a test's copy of the demo's) parses partially instead of from scratch."""
    env = dict(os.environ)
    env["AFTERSHOCK_DATA_DIR"] = str(data_dir())
    env.update(lake_store.dbt_env())
    if not lake_store.is_remote():  # an object-store lake keeps its s3:// root
        env["AFTERSHOCK_LAKE_ROOT"] = os.path.relpath(env["AFTERSHOCK_LAKE_ROOT"], project)
    if building is not None:
        env["AFTERSHOCK_BUILD_DB"] = os.path.relpath(building, project)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DO_NOT_TRACK"] = "1"
    return env


_NODE_DONE = re.compile(r"^\S+\s+(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")


def log_path(args: list[str], workspace: Path | None = None) -> Path:
    """The full output of the last `dbt <command>` of this data directory (or of `workspace`)."""
    return (workspace or build_workspace()) / f"dbt-{args[0]}.log"


DB_LINK_FOLDER = "db"  # in the dbt workspace: the one path dbt is given for any building file


def _stable_database(building: Path, ws: Path) -> Path:
    """A path for `building` that is the same on every build of this workspace: a symlink named like
    the building file (DuckDB names the catalog after the stem of the path it opens, and the views
    record that catalog) in `ws/db/`, pointing at it.

    dbt hashes the profile's connection info (the database path included) into its partial-parse
    state, so a new building folder per build made every build parse the whole project again.

    DuckDB puts the WAL and its spill folder beside the path it opened, so beside the link: whatever a
    killed dbt left there belongs to a building file that was discarded, and is removed before the
    link is made (the workspace's callers hold build_lock(), or use a private scratch workspace)."""
    folder = ws / DB_LINK_FOLDER
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    link = folder / building.name
    link.symlink_to(building.resolve())
    return link


def _release_stable_database(link: Path) -> None:
    """After dbt: fold a WAL it left beside the link into the building file (a clean exit folds it
    already; a failed one may not, and the failing tests' rows are read from the file), then remove the
    link folder. A WAL that cannot be replayed is left to the next build's sweep of the folder: the
    building file is then discarded by the caller (dbt failed)."""
    wal = link.with_name(link.name + ".wal")
    if wal.exists():
        import duckdb

        try:
            con = duckdb.connect(str(link))
            try:
                con.execute("checkpoint")
            finally:
                con.close()
        except duckdb.Error:
            return
    shutil.rmtree(link.parent, ignore_errors=True)


def run_dbt(
    args: list[str], project: Path, building: Path | None, echo: bool | str = True, workspace: Path | None = None
) -> str:
    """Run one dbt command; raise DbtFailed on a non-zero exit. Its target, logs and whole output
    (log_path) go to `workspace` (default the build workspace). echo=True streams the output;
    echo="progress" prints a status line at each quarter of the nodes (and every failing node as it
    happens); echo=False prints nothing. dbt writes `building` through a stable path
    (_stable_database), so its partial parse of the last build of this workspace stays valid."""
    ws = workspace or build_workspace()
    ws.mkdir(parents=True, exist_ok=True)
    link = _stable_database(building, ws) if building is not None else None
    try:
        return _run(args, project, link, echo, ws)
    finally:
        if link is not None:
            _release_stable_database(link)


def _run(args: list[str], project: Path, building: Path | None, echo: bool | str, ws: Path) -> str:
    log = open(log_path(args, ws), "w", encoding="utf-8")  # noqa: SIM115 - closed by the `with log` below
    cmd = [
        venv_bin("python"),
        "-P",  # sys.path without the project folder dbt runs in
        "-m",
        "aftershock.dbt_command",  # dbt's command line, its imports frozen for the collector
        *args,
        # dbt runs in the project folder (cwd below): see dbt_env.
        "--project-dir",
        ".",
        "--profiles-dir",
        ".",
        "--target-path",
        str(ws / "dbt_target"),
        "--log-path",
        str(ws / "dbt_logs"),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dbt_env(building, project),
        cwd=str(project),
        preexec_fn=_die_with_parent,
    )
    lines = []
    shown_quarter = 0
    assert proc.stdout is not None
    with log:
        for line in proc.stdout:
            line = _ANSI.sub("", line)
            lines.append(line)
            log.write(line)
            # START lines double the output without saying anything the result line does not.
            if echo is True and " START " not in line:
                sys.stdout.write("  dbt | " + line)
                sys.stdout.flush()
            elif echo == "progress" and (m := _NODE_DONE.match(line)):
                done, total, status = int(m.group(1)), int(m.group(2)), m.group(3)
                if status in ("ERROR", "FAIL"):
                    print("  dbt | " + line.rstrip(), flush=True)
                if done * 4 // total > shown_quarter:
                    shown_quarter = done * 4 // total
                    print(f"  dbt {args[0]}: {done} of {total} nodes done", flush=True)
    rc = proc.wait()
    out = "".join(lines)
    if rc != 0:
        failing = [ln.strip() for ln in lines if "ERROR" in ln or "FAIL" in ln or "Error" in ln]
        detail = "\n".join(failing[-15:]) or out[-3000:]
        raise DbtFailed(f"dbt {' '.join(args)} failed (exit {rc}):\n{detail}")
    return out
