"""Compare the marts of two warehouse files row by row: what a user can read must be the same.

Lineage columns (a leading underscore: landing times, batch ids) are left out, since two lakes of the
same rows landed at other times differ there by design; doubles are compared to 1e-9 (relative or
absolute), the tolerance of the event-study reference, because a sum's last bits depend on the order
DuckDB adds in.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb


def _rows(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[tuple]:
    cols = [
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = 'marts' "
            "and table_name = ? order by column_index",
            [db, table],
        ).fetchall()
        if not c.startswith("_")
    ]
    rows = con.execute(f"select {', '.join(chr(34) + c + chr(34) for c in cols)} from {db}.marts.{table}").fetchall()
    return sorted(
        rows, key=lambda r: tuple("" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v) for v in r)
    )


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def marts_differences(expected: Path, actual: Path) -> dict[str, str]:
    """Per marts table that differs, what differs (empty: every mart holds the same rows)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{expected}' as a (read_only)")
        con.execute(f"attach '{actual}' as b (read_only)")
        tables = {
            db: {
                t
                for (t,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'", [db]
                ).fetchall()
            }
            for db in ("a", "b")
        }
        out = {t: "missing" for t in tables["a"] - tables["b"]} | {t: "extra" for t in tables["b"] - tables["a"]}
        for t in sorted(tables["a"] & tables["b"]):
            x, y = _rows(con, "a", t), _rows(con, "b", t)
            if len(x) != len(y):
                out[t] = f"{len(x)} rows expected, {len(y)} found"
                continue
            bad = [(r, s) for r, s in zip(x, y) if not all(_same(u, v) for u, v in zip(r, s))]
            if bad:
                out[t] = f"{len(bad)} rows differ, first: expected {bad[0][0]}, found {bad[0][1]}"
    finally:
        con.close()
    return out
