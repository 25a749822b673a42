"""`aftershock export QUERY_OR_TABLE --to FILE`: a query's result, or a table, written to a file.

The SQL shell (`aftershock sql`) runs in DuckDB's safe mode, so it cannot write files; this is the
way out. The query runs on a read-only connection to the published warehouse with external access
off (it can read the warehouse and nothing else, and write nothing), and must be one SELECT-like
statement; a second, empty connection streams the result into the file, which appears whole or
not at all (written beside the target, then renamed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aftershock.paths import warehouse_path
from kernel.errors import AftershockError
from kernel.files import atomic_write
from kernel.settings import lake_dir

# suffix -> DuckDB COPY options
FORMATS = {
    ".csv": "format csv, header true",
    ".parquet": "format parquet",
    ".json": "format json, array true",
}
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# What a read can be: SELECT (FROM-first and VALUES parse as SELECT), and the shell's DESCRIBE/SHOW/SUMMARIZE/PIVOT.
_READS = {"SELECT", "EXPLAIN"}


class ExportError(AftershockError):
    pass


@dataclass
class ExportResult:
    path: Path
    rows: int


def _protected(target: Path) -> str | None:
    """Why `target` must not be written: the published warehouse, its folder (building files, the
    lock) and the lake belong to ingest and the build."""
    resolved = target.resolve()
    for place, what in ((warehouse_path().parent, "the warehouse folder"), (lake_dir(), "the lake")):
        place = place.resolve()
        if resolved == place or place in resolved.parents:
            return (
                f"--to {target}: inside {what} ({place}); only `aftershock build` and `aftershock ingest` write there"
            )
    return None


def _select_sql(con: duckdb.DuckDBPyConnection, query_or_table: str) -> str:
    text = query_or_table.strip().rstrip(";").strip()
    if _TABLE_NAME.match(text):
        schema, _, name = text.rpartition(".")
        schemas = [
            r[0]
            for r in con.execute(
                "select table_schema from information_schema.tables where table_name = ? and (? = '' or table_schema = ?) "
                "order by table_schema != 'marts', table_schema",
                [name, schema, schema],
            ).fetchall()
        ]
        if not schemas:
            raise ExportError(
                f"no table or view {text} in the published warehouse (list them with: aftershock sql -c .tables)"
            )
        return f'select * from "{schemas[0]}"."{name}"'
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        raise ExportError(f"the query does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ExportError(f"give one query, not {len(statements)} statements")
    kind = statements[0].type.name
    if kind not in _READS:
        raise ExportError(f"only a query can be exported (got a {kind} statement)")
    return text


def export(query_or_table: str, to: Path) -> ExportResult:
    to = Path(to)
    options = FORMATS.get(to.suffix.lower())
    if options is None:
        raise ExportError(f"--to {to}: the suffix must be one of {', '.join(FORMATS)} (it sets the format)")
    if why := _protected(to):
        raise ExportError(why)
    db = warehouse_path()
    if not db.exists():
        raise ExportError(f"no published warehouse at {db}; run `aftershock build` (or `make demo`) first")
    if not to.parent.is_dir():
        raise ExportError(f"--to {to}: no folder {to.parent}")
    reader = duckdb.connect(str(db), read_only=True)
    try:
        # No file but the warehouse for the query: it cannot read other files or write any.
        reader.execute("set enable_external_access = false")
        reader.execute("set lock_configuration = true")
        sql = _select_sql(reader, query_or_table)
        try:
            batches = reader.execute(sql).fetch_record_batch()
        except duckdb.Error as exc:
            raise ExportError(f"the query failed: {exc}") from exc
        writer = duckdb.connect()
        written = []
        try:
            writer.register("result", batches)

            def write(tmp: Path) -> None:
                path = str(tmp).replace("'", "''")
                written.append(writer.execute(f"copy (from result) to '{path}' ({options})").fetchone()[0])

            atomic_write(to, write)
        finally:
            writer.close()
    finally:
        reader.close()
    return ExportResult(to, written[0])
