"""Long-format price CSVs parsed, validated and landed by DuckDB, without pandas.

The pandas reader (`ingest.prices`) holds a whole file as Python-level strings and
needs several gigabytes and minutes for ten million rows. This path applies the same rules
(`prices.CHECKS` in the same order, the same duplicate-key rule, the same date restriction)
in one DuckDB pass and streams the valid rows straight into the batch's Parquet file; only the
rejected rows come back to Python, for the same quarantine CSV writer.

It takes only what it can read exactly as pandas would. Dates that are not plain ISO
`YYYY-MM-DD` are parsed by pandas (`prices.coerce`'s own rules), one call per distinct string.
Anything else it is not sure of (a header that is not the long format, a file DuckDB cannot
parse with pandas' CSV dialect) returns None, and the caller uses the pandas reader, which also
owns every error message about unreadable files.
"""
from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from ingest import landing, prices, settings
from ingest import validate as v
from ingest.errors import IngestError
from ingest.landing import LandResult

NUMERIC = ["open", "high", "low", "close", "adj_close", "volume"]
ISO_DATE = r"\s*\d{4}-\d{2}-\d{2}\s*"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _check_sql() -> list[tuple[str, str]]:
    """prices.CHECKS as SQL, in the same order with the same labels (the row-level failure)."""
    labels = [label for label, _ in prices.CHECKS]
    exprs = [
        "date is null",
        "date > {today}",
        "ticker is null or ticker = ''",
        "not (open is null or (isfinite(open) and open > 0))",
        "not (high is null or (isfinite(high) and high > 0))",
        "not (low is null or (isfinite(low) and low > 0))",
        "close is null or not (isfinite(close) and close > 0)",
        "not (adj_close is null or (isfinite(adj_close) and adj_close > 0))",
        "high is not null and low is not null and high < low",
        "not (volume is null or (isfinite(volume) and volume >= 0))",
    ]
    if len(labels) != len(exprs):  # a rule added to prices.CHECKS must be added here too
        raise RuntimeError("ingest.prices_fast is out of step with prices.CHECKS")
    return list(zip(labels, exprs))


def _header(con: duckdb.DuckDBPyConnection, csv_sql: str) -> list[str] | None:
    cols = [r[0] for r in con.execute(f"describe select * from {csv_sql}").fetchall()]
    lowered = [c.strip().lower() for c in cols]
    if len(set(lowered)) != len(lowered):
        return None
    if any(c not in lowered for c in prices.LONG_COLUMNS if c != "adj_close"):
        return None  # the pandas reader names the missing columns (or the Yahoo export) itself
    return cols


def _stage(con: duckdb.DuckDBPyConnection, path: Path, start: str | None, end: str | None):
    """Parse and check the file into temp table `flagged`; (rejected rows, good count), or None."""
    csv_sql = (f"read_csv({_sql_str(str(path))}, delim=',', quote='\"', escape='\"', header=true, "
               "all_varchar=true, auto_detect=false, strict_mode=true, null_padding=false)")
    cols = _header(con, csv_sql.replace("auto_detect=false", "auto_detect=true"))
    if cols is None:
        return None
    by_name = {c.strip().lower(): c for c in cols}
    # The explicit column list keeps DuckDB from guessing a dialect pandas would not use.
    columns = "{" + ", ".join(f"{_sql_str(c)}: 'VARCHAR'" for c in cols) + "}"
    csv_sql = csv_sql.replace("auto_detect=false", f"auto_detect=false, columns={columns}")

    def raw(name: str) -> str:
        return f"nullif({_ident(by_name[name])}, '')" if name in by_name else "null::varchar"

    iso = f"regexp_full_match({raw('date')}, '{ISO_DATE}')"
    nums = ",\n".join(
        f"case when isnan(try_cast({raw(c)} as double)) then null else try_cast({raw(c)} as double) end as {c}"
        for c in NUMERIC)
    # One pass over the file. A date that is not plain ISO keeps its text for pandas (below).
    con.execute(f"""
        create temp table staged as
        select
            case when {iso} then try_cast(trim({raw('date')}) as date)::timestamp end as date,
            case when not {iso} then {raw('date')} end as date_text,
            upper(trim({raw('ticker')})) as ticker,
            {nums}
        from {csv_sql}
    """)
    odd = [r[0] for r in con.execute("select distinct date_text from staged where date_text is not null").fetchall()]
    if odd:
        parsed = prices.coerce(pd.DataFrame({"date": odd, "ticker": [""] * len(odd),
                                             **{c: [None] * len(odd) for c in NUMERIC}}))["date"]
        con.register("odd_map", pd.DataFrame({"s": pd.Series(odd, dtype="object"),
                                              "d": parsed.astype("datetime64[us]")}))
        con.execute("update staged set date = m.d from odd_map m where staged.date_text = m.s")

    keep = []
    if start:
        keep.append(f"date >= {_sql_str(pd.Timestamp(start).isoformat())}::timestamp")
    if end:
        keep.append(f"date <= {_sql_str(pd.Timestamp(end).isoformat())}::timestamp")
    in_range = f"(date is null or ({' and '.join(keep)}))" if keep else "true"
    today = _sql_str(v.today_utc().isoformat()) + "::timestamp"
    reason = "case " + " ".join(f"when {expr.format(today=today)} then {_sql_str(label)}"
                                for label, expr in _check_sql()) + " end"
    dup_label = f"duplicate key ({', '.join(prices.KEY)}) in batch"
    # Only rows that are otherwise valid compete for a key: a broken copy does not sink a good one.
    con.execute(f"create temp table dup_keys as select ticker as dup_ticker, date as dup_date from staged "
                f"where {in_range} and ({reason}) is null group by all having count(*) > 1")
    con.execute(f"""
        create temp view flagged as
        select s.rowid as row_id, s.* exclude (date_text),
               coalesce({reason}, case when k.dup_ticker is not null then {_sql_str(dup_label)} end) as _reject_reason
        from staged s left join dup_keys k on k.dup_ticker = s.ticker and k.dup_date = s.date
        where {in_range}
    """)
    rejected = con.execute(
        "select * exclude (row_id) from flagged where _reject_reason is not null order by row_id").df()
    n_good = con.execute("select count(*) from flagged where _reject_reason is null").fetchone()[0]
    return rejected, n_good


def land_long_csv(path: Path, batch_id: str, start: str | None = None, end: str | None = None,
                  ingested_at: datetime | None = None) -> LandResult | None:
    """Land a long-format price CSV like `prices.read_file` + `prices.split` + `landing.land_batch`.

    Returns None when this path cannot read the file the way pandas would.
    """
    if path.suffix.lower() != ".csv" or not path.is_file() or path.stat().st_size == 0:
        return None
    batch_id = landing.safe_batch_id(batch_id)
    ingested_at = ingested_at or datetime.now(timezone.utc)
    raw_dir = settings.raw_dir("prices")
    raw_dir.mkdir(parents=True, exist_ok=True)
    spill = Path(tempfile.mkdtemp(prefix=".duckdb-spill-", dir=raw_dir.parent))
    con = duckdb.connect(config={
        # The staged batch spills to disk rather than grow past this: ingest stays small next to dbt.
        "memory_limit": os.environ.get("AFTERSHOCK_INGEST_MEMORY", "1GB"),
        "temp_directory": str(spill),
        "preserve_insertion_order": True,
    })
    try:
        try:
            staged = _stage(con, path, start, end)
        except duckdb.Error:
            return None  # not readable the way pandas reads it: the pandas reader decides
        if staged is None:
            return None
        rejected, n_good = staged
        qpath = None
        if len(rejected):
            rejected["date"] = rejected["date"].astype("datetime64[s]")
            qpath = landing.write_quarantine("prices", batch_id, rejected)
        if n_good == 0:
            raise IngestError(f"prices batch {batch_id}: no valid rows to land"
                              + (f" ({len(rejected)} rejected, see {qpath})" if len(rejected) else ""))

        target = raw_dir / f"{batch_id}.parquet"
        ts = _sql_str(ingested_at.astimezone(timezone.utc).isoformat())
        # Column types match what landing.conform + pyarrow write for the pandas path.
        select_good = f"""
            select date::timestamp_ms as date, ticker, open, high, low, close, adj_close, volume,
                   'prices' as _source, {_sql_str(batch_id)} as _batch_id,
                   {ts}::timestamptz as _ingested_at
            from flagged where _reject_reason is null
        """
        con.execute("set TimeZone='UTC'")
        landing.atomic_write(target, lambda tmp: con.execute(
            f"copy ({select_good}) to {_sql_str(str(tmp))} (format parquet, compression snappy)"))
        return LandResult("prices", batch_id, target, int(n_good), len(rejected), qpath)
    finally:
        con.close()
        for p in sorted(spill.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
        spill.rmdir()
