"""The `aftershock` command line. Exit code 0 only on success."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from ingest.errors import IngestError
from kernel.errors import AftershockError
from kernel.settings import settings


def _date_arg(text: str) -> str:
    """--start/--end: a calendar date, refused with a usage message otherwise."""
    import pandas as pd

    from ingest.validate import shorten

    try:
        day = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        day = None
    if day is None or day is pd.NaT or len(text) > 40:
        raise argparse.ArgumentTypeError(f"{shorten(text)} is not a date; give YYYY-MM-DD")
    return day.strftime("%Y-%m-%d")


def _ingest(args: argparse.Namespace) -> int:
    from aftershock.ingest_commands import request_options, run

    results = run(args.what, args.source, **request_options(args))
    for r in results:
        print(r.summary())
    return 0


def _build(args: argparse.Namespace) -> int:
    from aftershock.build import run_build

    if args.events:
        from aftershock import config

        print(
            f"one-off: this build studies the events of {args.events}; the configured events "
            f"({config.events_file()}) are unchanged and the next plain build uses them again "
            "(`aftershock events add` keeps an event)"
        )
    result = run_build(events_file=Path(args.events) if args.events else None, full_refresh=args.full_refresh)
    print(f"published {result.published} ({', '.join(result.steps)}) in {result.seconds:.0f}s")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from aftershock.demo import run_demo

    run_demo(verbose=args.verbose)
    return 0


def _duckdb_shell() -> str:
    """The DuckDB shell binary of the pinned duckdb-cli wheel. Not its `duckdb` launcher script: that
    one prepends a `SET extension_directories` the safe mode's locked configuration refuses, and no
    extension can load in safe mode anyway."""
    from importlib.util import find_spec

    from aftershock.paths import venv_bin

    spec = find_spec("duckdb_cli")
    if spec and spec.origin and (binary := Path(spec.origin).parent / "duckdb").is_file():
        return str(binary)
    return venv_bin("duckdb")


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
    from aftershock.paths import warehouse_path

    if remote_warehouse.url():
        return _remote_sql(args)
    db = warehouse_path()
    if not db.exists():
        print(f"error: no published warehouse at {db}; run `aftershock build` (or `make demo`) first", file=sys.stderr)
        return 1
    # -readonly: this connection cannot write the file. -safe: no .open (a second, writable connection),
    # no .shell/.system, no COPY/ATTACH/read_* of any other file; results leave through `aftershock export`.
    cmd = [_duckdb_shell(), "-readonly", "-safe", str(db), *args.duckdb_args]
    os.execv(cmd[0], cmd) if os.path.isabs(cmd[0]) else os.execvp(cmd[0], cmd)
    return 0  # not reached


def _export(args: argparse.Namespace) -> int:
    from aftershock.export import export

    result = export(args.query_or_table, Path(args.to))
    print(f"wrote {result.rows} rows to {result.path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from aftershock.report import build_report

    result = build_report(args.event_id, out_dir=Path(args.out_dir) if args.out_dir else None, force=args.force)
    print(f"wrote {result.html}")
    for png in result.pngs:
        print(f"wrote {png}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from aftershock.promote import default_events_file, promote

    target = Path(args.events_file) if args.events_file else default_events_file()
    row = promote(args.event_id, target, new_id=args.id, title=args.title)
    nxt = "`aftershock build`" if not args.events_file else f"`aftershock build --events {target}`"
    print(
        f"appended {row['event_id']} ({row['event_date']}, tickers {row['tickers'] or 'all'}) to {target}; "
        f"the next {nxt} studies it"
    )
    return 0


def _events_list(args: argparse.Namespace) -> int:
    from aftershock import config
    from aftershock.tables import render

    file = config.events_file()
    table = config.read_events(file)
    print(f"curated events in {file}")
    print(
        render(
            ["event_id", "date", "tickers", "title"],
            [[r["event_id"], r["event_date"], r["tickers"] or "all", r["title"][:70]] for r in table.rows],
            align="llll",
        )
    )
    if args.detected:
        import duckdb

        from aftershock.paths import warehouse_path

        db = warehouse_path()
        if not db.exists():
            print(f"no published warehouse at {db}: no detected events yet", file=sys.stderr)
            return 1
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute(
                "select event_id, event_date, coalesce(linked_event_id, ''), title from marts.dim_events "
                "where origin = 'detected' order by event_date"
            ).fetchall()
        finally:
            con.close()
        print(f"\ndetected events in {db} (`aftershock events promote EVENT_ID` makes one curated)")
        print(
            render(
                ["event_id", "date", "day 0 of", "title"], [[a, str(b), c, d[:70]] for a, b, c, d in rows], align="llll"
            )
        )
    return 0


def _events_add(args: argparse.Namespace) -> int:
    from aftershock import config

    row = config.add_event(
        args.event_id,
        args.date,
        args.title,
        keywords=config.split_list(args.keywords or ""),
        tickers=config.split_list(args.tickers or ""),
        benchmark=args.benchmark,
    )
    print(
        f"added {row['event_id']} ({row['event_date']}, tickers {row['tickers'] or 'all'}) to "
        f"{config.events_file()}; the next `aftershock build` studies it"
    )
    for msg in config.unknown_event_tickers(
        config.Table(config.events_file(), list(row), [row]), set(config.watchlist())
    ):
        print(f"warning: {msg}", file=sys.stderr)
    return 0


def _events_remove(args: argparse.Namespace) -> int:
    from aftershock import config

    config.remove_row(config.events_file(), config.EVENT_COLUMNS, "event_id", args.event_id, "event")
    print(f"removed {args.event_id} from {config.events_file()}; the next `aftershock build` drops it")
    return 0


def _watchlist(args: argparse.Namespace) -> int:
    from aftershock import config
    from aftershock.tables import render

    file = config.path(config.WATCHLIST)
    if args.watchlist_command == "add":
        for t in args.tickers:
            row = config.add_ticker(
                t, company=args.company, sector=args.sector or "", benchmark=args.benchmark, asset_type=args.asset_type
            )
            print(f"added {row['ticker']} ({row['company']}, benchmark {row['benchmark'] or 'none'}) to {file}")
        print("`aftershock ingest prices` fetches its history; the next `aftershock build` studies it")
    elif args.watchlist_command == "remove":
        for t in args.tickers:
            config.remove_row(file, config.WATCHLIST_COLUMNS, "ticker", t, "ticker")
            print(f"removed {t.upper()} from {file}; its landed prices stay in the lake, unused")
    else:
        rows = config.watchlist().values()
        print(f"watchlist in {file}")
        print(
            render(
                list(config.WATCHLIST_COLUMNS), [[r[c] for c in config.WATCHLIST_COLUMNS] for r in rows], align="lllll"
            )
        )
    return 0


def _docs(args: argparse.Namespace) -> int:
    from aftershock import docs
    from aftershock.paths import site_dir
    from aftershock.site import build_index

    target = docs.generate(echo=not args.quiet, force=args.force)
    print(f"dbt docs in {target / 'index.html'}")
    print(f"site index in {build_index(reports=not args.no_reports, force=args.force).index}")
    if args.serve:
        srv = docs.server(site_dir(), port=args.port)
        print(f"serving http://127.0.0.1:{srv.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            srv.server_close()
    return 0


def _site(args: argparse.Namespace) -> int:
    from aftershock.site import build_index

    result = build_index(reports=not args.no_reports, force=args.force)
    print(
        f"wrote {result.index} ({len(result.reports)} reports, {len(result.tickers)} ticker pages; "
        f"charts: {result.charts_drawn} drawn, {result.charts_reused} unchanged, copied from the chart cache)"
    )
    for event_id, why in result.failed.items():
        print(f"warning: no report for {event_id}: {why}", file=sys.stderr)
    return 0


def _freshness(args: argparse.Namespace) -> int:
    import pandas as pd
    import yaml

    from aftershock.freshness import check
    from aftershock.paths import dbt_project
    from ingest.lake_store import store

    spec = yaml.safe_load((dbt_project() / "models/staging/lake/_lake__sources.yml").read_text())
    sources = [t["name"] for src in spec["sources"] if src["name"] == "lake" for t in src["tables"]]
    lake = store()
    landed = [s for s in sources if lake.list(f"raw/{s}")]
    never = [s for s in sources if s not in landed]
    try:
        now = pd.Timestamp(args.as_of) if args.as_of else None
    except ValueError:
        print(f"error: --as-of {args.as_of[:40]!r}: expected a date or time, e.g. 2025-01-28T00:00Z", file=sys.stderr)
        return 2
    verdicts = check(landed, now)
    for v in verdicts:
        print(v.line)
    for s in never:
        print(
            f"error: lake source {s} has no batch in {lake.url('raw/' + s)}; run `aftershock ingest {s}`",
            file=sys.stderr,
        )
    return 1 if never or any(v.status.startswith("ERROR") for v in verdicts) else 0


def parser() -> argparse.ArgumentParser:
    from aftershock.ingest_commands import SOURCES

    top = argparse.ArgumentParser(
        prog="aftershock",
        description="Measure the aftershock of news events on markets and fortunes. "
        "Data lives under $AFTERSHOCK_DATA_DIR (default ./data).",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ing = sub.add_parser(
        "ingest",
        help="land one batch of a source in the lake",
        description="Fetch or read one batch of a source, validate it, quarantine bad rows, "
        "and land it in the lake as one Parquet file.",
    )
    ing_sub = ing.add_subparsers(dest="what", required=True, metavar="SOURCE")
    for name, cmd in SOURCES.items():
        p = ing_sub.add_parser(name, help=cmd.help, description=f"Ingest {name}: {cmd.help}.")
        p.add_argument(
            "--source", choices=["live", "file"], default="live", help="live client or a local file (default live)"
        )
        p.add_argument("--path", help="input file with --source file")
        p.add_argument("--start", type=_date_arg, help="first date, YYYY-MM-DD")
        p.add_argument("--end", type=_date_arg, help="last date, YYYY-MM-DD (inclusive)")
        p.add_argument("--batch-id", help="override the batch id (landing the same id again replaces it)")
        cmd.add_arguments(p)
        p.set_defaults(func=_ingest)

    b = sub.add_parser(
        "build",
        help="dbt build, quality gate, atomic publish",
        description="Build the warehouse from the lake into a private file, run the quality gate, "
        "and publish it to data/warehouse/aftershock.duckdb only if the gate passes.",
    )
    b.add_argument("--events", help="one-off: a CSV that replaces the configured events for this build only")
    b.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from the whole lake")
    b.set_defaults(func=_build)

    d = sub.add_parser(
        "demo",
        help="ingest the bundled sample, build, print the sample event",
        description="Ingest sample/ through the file readers, build, and print the impact of "
        "the DeepSeek R1 sell-off (2025-01-27).",
    )
    d.add_argument(
        "--verbose",
        action="store_true",
        help="stream dbt's whole log (default: a few status lines; "
        "the full log is kept in $AFTERSHOCK_DATA_DIR/build/dbt-build.log)",
    )
    d.set_defaults(func=_demo)

    r = sub.add_parser(
        "report",
        help="write the HTML report (and PNG charts) of one event",
        description="Write one self-contained HTML page for an event, with PNG versions of its "
        "charts beside it, under data/site/reports/ (from the published warehouse).",
    )
    r.add_argument("event_id", help="an event_id of marts.dim_events")
    r.add_argument("--out-dir", help="directory to write to (default data/site/reports)")
    r.add_argument(
        "--force",
        action="store_true",
        help="redraw even what was already made from this published warehouse by this version",
    )
    r.set_defaults(func=_report)

    cfg_note = (
        "Configuration lives in $AFTERSHOCK_CONFIG_DIR (default $AFTERSHOCK_DATA_DIR/config/), "
        "seeded from the bundled dbt/seeds/ on first use; every build reads it."
    )
    ev = sub.add_parser(
        "events",
        help="list, add, promote or remove the events every build studies",
        description="Manage the curated events file of the configuration. " + cfg_note,
    )
    ev_sub = ev.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    ls = ev_sub.add_parser(
        "list",
        help="the curated events (and, with --detected, the detected ones)",
        description="List the curated events of the configuration.",
    )
    ls.add_argument("--detected", action="store_true", help="also list the detected events of the published warehouse")
    ls.set_defaults(func=_events_list)
    ad = ev_sub.add_parser("add", help="add a curated event", description="Add a curated event. " + cfg_note)
    ad.add_argument("event_id", help="id: lower-case letters, digits, '.', '_', '-' (not starting with detected-)")
    ad.add_argument("--date", required=True, help="event date, YYYY-MM-DD (day 0 is the first session on or after it)")
    ad.add_argument("--title", required=True, help="one-line description")
    ad.add_argument("--keywords", help="'|'-separated words that identify its news")
    ad.add_argument("--tickers", help="'|'-separated tickers to study (default: every ticker with prices on day 0)")
    ad.add_argument("--benchmark", help="benchmark ticker for every ticker of the event (default: each one's own)")
    ad.set_defaults(func=_events_add)
    rm = ev_sub.add_parser("remove", help="remove a curated event", description="Remove a curated event. " + cfg_note)
    rm.add_argument("event_id")
    rm.set_defaults(func=_events_remove)
    pr = ev_sub.add_parser(
        "promote",
        help="append a detected event to the curated events",
        description="Append a detected event (origin = detected in marts.dim_events) to the "
        "curated events, so the next build studies it. " + cfg_note,
    )
    pr.add_argument("event_id", help="a detected event, e.g. detected-2025-01-27")
    pr.add_argument("--events-file", help="another events CSV to append to (default: the configuration's events.csv)")
    pr.add_argument("--id", help="event_id for the curated row (default: promoted-YYYY-MM-DD)")
    pr.add_argument("--title", help="title for the curated row (default: the detector's)")
    pr.set_defaults(func=_promote)

    wl = sub.add_parser(
        "watchlist",
        help="list, add or remove the tickers Aftershock follows",
        description="Manage the watchlist of the configuration. " + cfg_note,
    )
    wl_sub = wl.add_subparsers(dest="watchlist_command", required=True, metavar="ACTION")
    wl_sub.add_parser("list", help="the followed tickers").set_defaults(func=_watchlist)
    wa = wl_sub.add_parser("add", help="follow one or more tickers", description="Add tickers to the watchlist.")
    wa.add_argument("tickers", nargs="+", metavar="TICKER", help="Yahoo Finance symbol, e.g. NVDA or ^GSPC")
    wa.add_argument("--company", help="company name (default: the ticker)")
    wa.add_argument("--sector", help="sector (default empty)")
    wa.add_argument("--benchmark", help="benchmark of the market model (default: the one most of the watchlist uses)")
    wa.add_argument("--asset-type", default="stock", choices=["stock", "index", "etf"], help="default stock")
    wa.set_defaults(func=_watchlist)
    wr = wl_sub.add_parser("remove", help="stop following tickers", description="Remove tickers from the watchlist.")
    wr.add_argument("tickers", nargs="+", metavar="TICKER")
    wr.set_defaults(func=_watchlist)

    dc = sub.add_parser(
        "docs",
        help="generate (and serve) the site: index, reports, dbt docs, Data Docs",
        description="Generate the dbt docs (one static page) from a copy of the published "
        "warehouse, every event's report and the site index (data/site/index.html); "
        "with --serve, serve data/site on 127.0.0.1.",
    )
    dc.add_argument("--serve", action="store_true", help="serve the site after generating it")
    dc.add_argument(
        "--port",
        type=int,
        default=settings().docs_port,
        help="port on 127.0.0.1 (default $AFTERSHOCK_DOCS_PORT or 8081)",
    )
    dc.add_argument("--quiet", action="store_true", help="do not echo dbt's output")
    dc.add_argument("--no-reports", action="store_true", help="write the site index only, not every event's report")
    dc.add_argument(
        "--force",
        action="store_true",
        help="redraw even what was already made from this published warehouse by this version",
    )
    dc.set_defaults(func=_docs)

    st = sub.add_parser(
        "site",
        help="write the site index and every event's report (no dbt docs run)",
        description="Write data/site/index.html, a report per event and a page per ticker from "
        "the published warehouse. `aftershock docs` also regenerates the dbt docs.",
    )
    st.add_argument("--no-reports", action="store_true", help="write the index and ticker pages only")
    st.add_argument(
        "--force",
        action="store_true",
        help="redraw even what was already made from this published warehouse by this version",
    )
    st.set_defaults(func=_site)

    fr = sub.add_parser(
        "freshness",
        help="how current each lake source is, on the data's own dates",
        description="Judge each lake source on its own dates: prices and wealth by the completed "
        "XNYS sessions since their last date, shares and news by age (rules in "
        "aftershock/freshness.py). Exit 1 when a source is stale or never landed.",
    )
    fr.add_argument("--as-of", help="judge as of this time (default now), e.g. 2025-01-28T00:00Z")
    fr.set_defaults(func=_freshness)

    s = sub.add_parser(
        "sql",
        help="DuckDB shell, read-only, on the published warehouse",
        description="Open the official DuckDB shell read-only and in safe mode on the published "
        "warehouse: it reads the warehouse and nothing else, writes no file and runs no "
        "command (write a result to a file with `aftershock export`). Extra arguments go "
        "to the shell, e.g. aftershock sql -c 'from marts.dim_events'.",
    )
    s.set_defaults(func=_sql)

    ex = sub.add_parser(
        "export",
        help="write a query's result, or a table, to a CSV, Parquet or JSON file",
        description="Run one query (or read one table) on the published warehouse, read-only, and "
        "write the result to a file; the suffix of --to sets the format.",
    )
    ex.add_argument(
        "query_or_table", metavar="QUERY_OR_TABLE", help="a table or view (marts.fct_event_caar) or one SELECT query"
    )
    ex.add_argument("--to", required=True, help="output file: .csv, .parquet or .json (a JSON array)")
    ex.set_defaults(func=_export)
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
    except (AftershockError, FileNotFoundError) as exc:  # every failure gets one clear line and a non-zero exit
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run() -> None:
    """The `aftershock` command. Before the interpreter exits, its objects are frozen for the garbage
    collector (`gc.freeze`), so the collection at exit skips them: every file is closed by then, and
    after a build that collection walked GX's, pandas' and DuckDB's objects for about 1 s of the
    command's time. Not in `main`, which the tests call in their own long-lived process."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
