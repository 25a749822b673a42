"""`aftershock build`: dbt build into a private file, the quality gate, then an atomic publish."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aftershock import publish as pub
from aftershock.dbt_runner import prepare_project, run_dbt

# A gate takes the building warehouse and returns a list of failure messages (empty = pass).
Gate = Callable[[Path], list[str]]


class GateFailed(RuntimeError):
    def __init__(self, failures: list[str]):
        self.failures = failures
        super().__init__("quality gate failed; the published warehouse was left as it was:\n  "
                         + "\n  ".join(failures))


@dataclass
class BuildResult:
    published: Path
    seconds: float
    steps: list[str] = field(default_factory=list)


def default_gates() -> list[Gate]:
    return []


def run_build(events_file: Path | None = None, gates: list[Gate] | None = None, full_refresh: bool = False,
              echo: bool = True) -> BuildResult:
    started = time.monotonic()
    steps = []
    with pub.build_lock():
        pub.sweep_building()
        project = prepare_project(events_file)
        building = pub.new_building_file()
        try:
            args = ["build"] + (["--full-refresh"] if full_refresh else [])
            run_dbt(args, project, building, echo=echo)
            steps.append("dbt build")
            failures: list[str] = []
            for gate in default_gates() if gates is None else gates:
                failures += gate(building)
            if failures:
                raise GateFailed(failures)
            steps.append("gate")
            published = pub.publish(building)
            steps.append("publish")
        except BaseException:
            pub.discard(building)
            raise
    return BuildResult(published, time.monotonic() - started, steps)
