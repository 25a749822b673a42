"""`python -m aftershock.dbt_command ARGS`: dbt's own command line, as the `dbt` script runs it, with
the garbage collector told that what dbt imported stays for the life of the process.

Why: dbt imports about 1,500 modules before it reads the project, and each full collection during
the run walks all of their objects again, as does the interpreter's collection at exit. Frozen
(`gc.freeze`), they are skipped; nothing is freed any later than it would be, since a module lives
until exit anyway. Measured on the bench's one-year case (docs/performance.md): a `dbt parse` 3.53
CPU s against 4.25 (five alternating pairs), a no-change `dbt build` 21.1 s against 22.4.
"""

from __future__ import annotations

import gc


def main() -> None:
    from dbt.cli.main import cli

    gc.freeze()  # the imports
    try:
        cli(prog_name="dbt")  # click exits with dbt's code (SystemExit)
    finally:
        gc.freeze()  # the run's objects: the collection at exit skips them too


if __name__ == "__main__":
    main()
