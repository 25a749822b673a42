"""Which rows, and which lake batches, made a dbt data test fail.

dbt says "FAIL 1 value_between_fct_event_stock_impact_return_pct..." and nothing about the row. When a
build fails on a test, this reads dbt's own record of the run (run_results.json: the failed tests'
compiled SQL; manifest.json: the model each one tests) and runs each failing query again on the
building file, read-only, before the file is discarded. Each offending row is shown by its keys
and the tested column; a row of a ticker is traced to the staged price rows behind it (its date,
or its event's day 0, and the session before) and so to their lake batch (`_batch_id`).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kernel.settings import read_building_config

ROWS_SHOWN = 5
# A lake_batch_files test (dbt/tests/generic) names a batch file and what is wrong with it.
FILE_COLUMNS = ("file", "problem", "n_rows", "first_row")
KEY_COLUMNS = ("event_id", "ticker", "person_uri", "trade_date", "date", "relative_day", "window_start", "window_end")


def _value(v) -> str:
    from ingest.validate import shorten

    text = v.isoformat() if hasattr(v, "isoformat") else (f"{v:.6g}" if isinstance(v, float) else str(v))
    return shorten(text, 40).strip("'") if len(text) > 40 else text


def _lake_rows(con: duckdb.DuckDBPyConnection, row: dict) -> list[str]:
    """The staged price rows (with their lake batch) of the row's ticker on its day and the session before."""
    ticker = row.get("ticker")
    if ticker is None:
        return []
    day = row.get("trade_date") or row.get("date")
    try:
        if day is None and row.get("event_id") is not None:
            found = con.execute(
                "select day0_date from marts.dim_events where event_id = ?", [row["event_id"]]
            ).fetchone()
            day = found[0] if found else None
        if day is None:
            return []
        staged = con.execute(
            """
            select trade_date, close, _batch_id from staging.stg_prices
            where ticker = ? and trade_date <= ?::date
            order by trade_date desc limit 2
        """,
            [ticker, str(day)],
        ).fetchall()
    except duckdb.Error:  # a failure before staging or dim_events was built
        return []
    return [f"{ticker} {d} close {_value(c)} (lake batch {b})" for d, c, b in staged]


def describe(building: Path, target: Path) -> str:
    """Lines naming the offending rows of each failed data test ('' when none can be told)."""
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
        nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return ""
    failed = [
        r
        for r in results
        if r.get("unique_id", "").startswith("test.") and r.get("status") == "fail" and r.get("compiled_code")
    ]
    if not failed or not building.exists():
        return ""
    lines = []
    # Under the build's ceiling, as the gate reads it: the failing queries may scan the largest marts.
    con = duckdb.connect(str(building), read_only=True, config=read_building_config())
    try:
        for r in failed:
            node = nodes.get(r["unique_id"], {})
            model = nodes.get(node.get("attached_node") or "", {})
            sources = node.get("sources") or []
            table = (
                f"{model.get('schema')}.{model.get('name')}"
                if model
                else (f"source {'.'.join(sources[0])}" if sources else "?")
            )
            tested = node.get("column_name")
            try:
                cur = con.execute(f"select * from ({r['compiled_code']}) as failing limit {ROWS_SHOWN}")
            except duckdb.Error:
                continue
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, values)) for values in cur.fetchall()]
            shown = [c for c in names if c in FILE_COLUMNS] or [c for c in names if c in KEY_COLUMNS or c == tested]
            lines.append(
                f"{table} failed {node.get('name', r['unique_id'])} ({r.get('failures')} rows; the first {len(rows)}):"
            )
            for row in rows:
                # a file's path and its problem are shown whole: they say what to open and fix
                lines.append(
                    "  " + ", ".join(f"{c}={row[c] if c in ('file', 'problem') else _value(row[c])}" for c in shown)
                )
                lines += [f"    from {s}" for s in _lake_rows(con, row)]
    finally:
        con.close()
    return "\n".join(lines)
