"""The `aftershock` command line. Exit code 0 only on success."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.errors import IngestError


def _ingest(args: argparse.Namespace) -> int:
    from aftershock.ingest_commands import SOURCES

    results = SOURCES[args.what].run(args)
    for r in results:
        print(r.summary())
    return 0


def _build(args: argparse.Namespace) -> int:
    from aftershock.build import run_build

    result = run_build(events_file=Path(args.events) if args.events else None, full_refresh=args.full_refresh)
    print(f"published {result.published} ({', '.join(result.steps)}) in {result.seconds:.0f}s")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from aftershock.demo import run_demo

    run_demo()
    return 0


def _remote_sql(args: argparse.Namespace) -> int:
    """The shell on the version the object store's pointer names (AFTERSHOCK_WAREHOUSE_URL), attached read-only.

    The set-up statements hold the S3 secret, so they go in a private init file (not on the command
    line, where every user's `ps` shows them), removed when the shell ends."""
    import subprocess
    import tempfile

    from aftershock import remote_warehouse
    from aftershock.paths import venv_bin

    try:
        setup = remote_warehouse.reader_sql()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="aftershock-sql-") as tmp:
        init = Path(tmp) / "init.sql"
        init.touch(mode=0o600)
        # .output /dev/null: CREATE SECRET answers with a result table, which would precede the user's output.
        init.write_text(".output /dev/null\n" + ";\n".join(setup) + ";\n.output\n")
        return subprocess.run([venv_bin("duckdb"), "-init", str(init), *args.duckdb_args]).returncode


def _sql(args: argparse.Namespace) -> int:
    from aftershock import remote_warehouse
    from aftershock.paths import venv_bin, warehouse_path

    if remote_warehouse.url():
        return _remote_sql(args)
    db = warehouse_path()
    if not db.exists():
        print(f"error: no published warehouse at {db}; run `aftershock build` (or `make demo`) first", file=sys.stderr)
        return 1
    cmd = [venv_bin("duckdb"), "-readonly", str(db), *args.duckdb_args]
    os.execv(cmd[0], cmd) if os.path.isabs(cmd[0]) else os.execvp(cmd[0], cmd)
    return 0  # not reached


def _report(args: argparse.Namespace) -> int:
    from aftershock.report import build_report

    result = build_report(args.event_id, out_dir=Path(args.out_dir) if args.out_dir else None)
    print(f"wrote {result.html}")
    for png in result.pngs:
        print(f"wrote {png}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from aftershock.promote import default_events_file, promote

    target = Path(args.events_file) if args.events_file else default_events_file()
    row = promote(args.event_id, target, new_id=args.id, title=args.title)
    print(f"appended {row['event_id']} ({row['event_date']}, tickers {row['tickers'] or 'all'}) to {target}; "
          "the next `aftershock build` studies it")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from aftershock import docs

    target = docs.generate(echo=not args.quiet)
    print(f"dbt docs site in {target}")
    if args.serve:
        srv = docs.server(target, port=args.port)
        print(f"serving http://127.0.0.1:{srv.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
    return 0


def _freshness(args: argparse.Namespace) -> int:
    from aftershock.dbt_runner import prepare_project, run_dbt
    from aftershock.paths import build_workspace
    from ingest.lake_store import store

    import yaml

    from aftershock.paths import DBT_PROJECT

    # A source with no batch at all has no age to measure; dbt would fail on the empty glob.
    spec = yaml.safe_load((DBT_PROJECT / "models/staging/_lake__sources.yml").read_text())
    sources = [t["name"] for src in spec["sources"] if src["name"] == "lake" for t in src["tables"]]
    lake = store()
    landed = [s for s in sources if lake.list(f"raw/{s}")]
    never = [s for s in sources if s not in landed]
    if landed:
        # freshness reads only the lake; the scratch file keeps dbt's connection off the published warehouse
        run_dbt(["source", "freshness", "--select", *(f"source:aftershock.lake.{s}" for s in landed)],
                prepare_project(), build_workspace() / "freshness.duckdb")
    for s in never:
        print(f"error: lake source {s} has no batch in {lake.url('raw/' + s)}; run `aftershock ingest {s}`", file=sys.stderr)
    return 1 if never else 0


def parser() -> argparse.ArgumentParser:
    from aftershock.ingest_commands import SOURCES

    top = argparse.ArgumentParser(
        prog="aftershock",
        description="Measure the aftershock of news events on markets and fortunes. "
                    "Data lives under $AFTERSHOCK_DATA_DIR (default ./data).",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ing = sub.add_parser("ingest", help="land one batch of a source in the lake",
                         description="Fetch or read one batch of a source, validate it, quarantine bad rows, "
                                     "and land it in the lake as one Parquet file.")
    ing_sub = ing.add_subparsers(dest="what", required=True, metavar="SOURCE")
    for name, cmd in SOURCES.items():
        p = ing_sub.add_parser(name, help=cmd.help, description=f"Ingest {name}: {cmd.help}.")
        p.add_argument("--source", choices=["live", "file"], default="live", help="live client or a local file (default live)")
        p.add_argument("--path", help="input file with --source file")
        p.add_argument("--start", help="first date, YYYY-MM-DD")
        p.add_argument("--end", help="last date, YYYY-MM-DD (inclusive)")
        p.add_argument("--batch-id", help="override the batch id (landing the same id again replaces it)")
        cmd.add_arguments(p)
        p.set_defaults(func=_ingest)

    b = sub.add_parser("build", help="dbt build, quality gate, atomic publish",
                       description="Build the warehouse from the lake into a private file, run the quality gate, "
                                   "and publish it to data/warehouse/aftershock.duckdb only if the gate passes.")
    b.add_argument("--events", help="CSV that replaces the events seed for this build")
    b.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from the whole lake")
    b.set_defaults(func=_build)

    d = sub.add_parser("demo", help="ingest the bundled sample, build, print the sample event",
                       description="Ingest sample/ through the file readers, build, and print the impact of "
                                   "the DeepSeek R1 sell-off (2025-01-27).")
    d.set_defaults(func=_demo)

    r = sub.add_parser("report", help="write the HTML report (and PNG charts) of one event",
                       description="Write one self-contained HTML page for an event, with PNG versions of its "
                                   "charts beside it, under data/site/reports/ (from the published warehouse).")
    r.add_argument("event_id", help="an event_id of marts.dim_events")
    r.add_argument("--out-dir", help="directory to write to (default data/site/reports)")
    r.set_defaults(func=_report)

    ev = sub.add_parser("events", help="manage events (promote a detected event)",
                        description="Manage the curated events seed.")
    ev_sub = ev.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    pr = ev_sub.add_parser("promote", help="append a detected event to the events seed",
                           description="Append a detected event (origin = detected in marts.dim_events) to the "
                                       "events seed, so the next build studies it.")
    pr.add_argument("event_id", help="a detected event, e.g. detected-2025-01-27")
    pr.add_argument("--events-file", help="the events CSV to append to (default dbt/seeds/events.csv)")
    pr.add_argument("--id", help="event_id for the curated row (default: the detected id)")
    pr.add_argument("--title", help="title for the curated row (default: the detector's)")
    pr.set_defaults(func=_promote)

    dc = sub.add_parser("docs", help="generate (and serve) the dbt docs site",
                        description="Generate the dbt docs site from a copy of the published warehouse; "
                                    "with --serve, serve it on 127.0.0.1.")
    dc.add_argument("--serve", action="store_true", help="serve the site after generating it")
    dc.add_argument("--port", type=int, default=int(os.environ.get("AFTERSHOCK_DOCS_PORT", "8081")),
                    help="port on 127.0.0.1 (default $AFTERSHOCK_DOCS_PORT or 8081)")
    dc.add_argument("--quiet", action="store_true", help="do not echo dbt's output")
    dc.set_defaults(func=_docs)

    fr = sub.add_parser("freshness", help="dbt source freshness on the lake",
                        description="Run `dbt source freshness` on the lake sources (warn/error ages in the sources yml).")
    fr.set_defaults(func=_freshness)

    s = sub.add_parser("sql", help="DuckDB shell, read-only, on the published warehouse",
                       description="Open the official DuckDB shell read-only on the published warehouse. "
                                   "Extra arguments go to the shell, e.g. aftershock sql -c 'from marts.dim_events'.")
    s.set_defaults(func=_sql)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if args.command == "sql":
        args.duckdb_args = extra  # everything after `sql` belongs to the DuckDB shell
    elif extra:
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # every failure gets one clear line and a non-zero exit
        from aftershock.build import GateFailed
        from aftershock.dbt_runner import DbtFailed
        from aftershock.docs import DocsError
        from aftershock.promote import PromoteError
        from aftershock.publish import BuildLocked
        from aftershock.report import ReportError

        if isinstance(exc, (GateFailed, DbtFailed, BuildLocked, FileNotFoundError, ReportError, PromoteError,
                            DocsError)):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
