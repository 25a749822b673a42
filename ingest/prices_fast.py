"""The price row rules (RULES, in SQL), and the long-format CSV landing that applies them in DuckDB.

Every price path judges its rows here, with the same SQL: a long CSV in one DuckDB pass over the
file (`land_long_csv`), and every frame a pandas reader makes (a Parquet or Yahoo-export file, the
live yfinance batch, `prices.read_file`'s fallback for a CSV this path cannot read) through `split`.
A rule is declared once, in RULES, with the message a rejected row carries in quarantine.

The pandas reader (`ingest.prices`) holds a whole file as Python-level strings and needs several
gigabytes and minutes for ten million rows. `land_long_csv` parses a long CSV in DuckDB, with the
duplicate-key rule and the date restriction of the pandas path. It first writes every row into one
Parquet file, as DuckDB's own copy would, and judges RULES from that file's column statistics (each
rule of one column holds on every row when it holds on the column's extremes; high >= low is
checked row by row as the file is written). Only a batch that this does not prove clean is read
again and written by verdict (RULES passed or not). The passed rows are checked for duplicate keys
(a columnar scan of two columns) and, when they have none, renamed into the lake as the batch; only
the failed rows come back to Python, for the same quarantine CSV writer.

A file whose every value DuckDB's typed CSV reader takes is read typed (fast). Any other file
is read as text and cast value by value (try_cast, like pandas' errors="coerce").

It takes only what it can read exactly as pandas would. Dates that are not plain ISO
`YYYY-MM-DD` are parsed by pandas (`prices.coerce`'s own rules), one call per distinct string.
Anything else it is not sure of (a header that is not the long format, a file DuckDB cannot
parse with pandas' CSV dialect) returns None, and the caller uses the pandas reader, which also
owns every error message about unreadable files.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingest import lake_store, landing, prices
from ingest import validate as v
from ingest.errors import SourceUnreadable
from ingest.landing import LandResult
from kernel.settings import settings

# pandas and pyarrow are imported where used: a CSV that DuckDB reads typed and that has no rejected
# row, the usual one, is landed without them (a second of imports).
if TYPE_CHECKING:
    import pandas as pd

NUMERIC = ["open", "high", "low", "close", "adj_close", "volume"]
PRICE_COLUMNS = ["open", "high", "low", "close", "adj_close"]
KEY = ["ticker", "date"]
# A price outside this range is a typo or a unit error, not a quote (the cheapest listed quotes are
# fractions of a cent, Berkshire A is under $1M): kept out at ingest, where the row can be named,
# instead of failing the build's return tests or its variance arithmetic (1e-300 overflows it).
MIN_PRICE, MAX_PRICE = 1e-4, 1e7
PRICE_RANGE = f"must be between {MIN_PRICE:g} and {MAX_PRICE:,.0f}"

_INF = "'inf'::double"


def _positive(c: str) -> str:
    return f"{c} > 0 and {c} < {_INF}"


def _when_present(test: str) -> str:
    return f"coalesce({test}, true)"


# Every price row rule, once: (the reason a rejected row is quarantined with, SQL true on a row that
# passes). A row is rejected with the first rule it does not pass; a rule that is null fails (the
# rules that allow a missing value say so with coalesce). The columns: date (timestamp), ticker
# (trimmed, upper case), the NUMERIC columns as doubles (NaN read as null), and `_unreadable_<c>`,
# the reader's flag of a value given but not a number. `{today}` is today's UTC date.
# Plain comparisons rather than is-null / isfinite tests: they run on every row of a big file.
# A rule of one column must accept an interval of its values (and a missing one, or not): a batch
# is proven clean from each column's smallest and largest value (`_proven_by_stats`). A rule of
# more columns is checked on every row as that batch is written (`_write_if_clean`).
RULES: list[tuple[str, str]] = [
    ("date is missing or unparseable", "date is not null"),
    ("date is in the future", "date <= {today}"),
    ("ticker is missing", "ticker <> ''"),
    *((f"{c} is not a number", f"not _unreadable_{c}") for c in NUMERIC),
    *((f"{c} must be positive and finite when present", _when_present(_positive(c))) for c in ["open", "high", "low"]),
    ("close must be positive and finite", _positive("close")),
    ("adj_close must be positive and finite when present", _when_present(_positive("adj_close"))),
    ("high < low", _when_present("high >= low")),
    ("volume must be >= 0", _when_present(f"volume >= 0 and volume < {_INF}")),
    *((f"{c} {PRICE_RANGE}", _when_present(f"{c} between {MIN_PRICE!r} and {MAX_PRICE!r}")) for c in PRICE_COLUMNS),
]
DUPLICATE_KEY = v.duplicate_key_reason(KEY)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _rules() -> list[tuple[str, str]]:
    today = _sql_str(v.today_iso()) + "::timestamp"
    return [(label, passes.format(today=today)) for label, passes in RULES]


def _reason_sql() -> str:
    """The message of the first rule the row does not pass (null when it passes them all)."""
    return (
        "case "
        + " ".join(f"when not coalesce({passes}, false) then {_sql_str(label)}" for label, passes in _rules())
        + " end"
    )


# Rules a later rule implies, left out of the verdict (not out of the reasons): a price within
# PRICE_RANGE is positive and finite, and a missing one passes both. Four fewer conjuncts on every
# row. Not close's: a missing close passes its range rule but fails "must be positive and finite".
IMPLIED = {f"{c} must be positive and finite when present" for c in ["open", "high", "low", "adj_close"]}


def _ok_sql() -> str:
    """True when the row passes every rule (a null rule fails the row)."""
    return "coalesce(" + " and ".join(f"({passes})" for label, passes in _rules() if label not in IMPLIED) + ", false)"


def split(df: pd.DataFrame) -> v.Split:
    """RULES and the key rule on a frame from a pandas reader (`prices.coerce`: the parsed columns
    and `_raw_<column>`, each value as read): the SQL the CSV landing runs, in DuckDB.

    Only rows that pass RULES compete for a key: every copy of a duplicated (ticker, date) is
    rejected, a broken copy does not sink a good one."""
    import pandas as pd
    import pyarrow as pa

    df = df.reset_index(drop=True)
    cols = {"_row": pa.array(range(len(df)), pa.int64())}
    cols["date"] = pa.array(pd.to_datetime(df["date"]).astype("datetime64[us]"), pa.timestamp("us"))
    cols["ticker"] = pa.array(df["ticker"].astype("string"), pa.string())
    for c in NUMERIC:
        cols[c] = pa.array(pd.to_numeric(df[c], errors="coerce").astype("float64"), pa.float64())
        raw = df.get(v.RAW + c)
        # v.MISSING: text both readers take as no value; compared stripped and lower-cased, as pandas reads it.
        text = raw.astype("string").str.strip().str.lower() if raw is not None else pd.Series(pd.NA, index=df.index)
        cols[f"_text_{c}"] = pa.array(text.astype("string"), pa.string())
    con = duckdb.connect()
    try:
        con.register("frame", pa.table(cols))
        missing = ", ".join(_sql_str(m) for m in v.MISSING)
        nums = ", ".join(f"nullif({c}, 'nan'::double) as {c}" for c in NUMERIC)
        flags = ", ".join(
            f"coalesce(_text_{c} not in ({missing}) and nullif({c}, 'nan'::double) is null, false) as _unreadable_{c}"
            for c in NUMERIC
        )
        reasons = con.execute(f"""
            with judged as (
                select _row, ticker, date, {_ok_sql()} as _ok, {_reason_sql()} as _rule
                from (select _row, date, trim(ticker) as ticker, {nums}, {flags} from frame)
            )
            select case when not _ok then _rule
                        when sum(_ok::int) over (partition by ticker, date) > 1 then {_sql_str(DUPLICATE_KEY)}
                   end
            from judged order by _row
        """).fetchall()
    finally:
        con.close()
    reason = pd.Series([r for (r,) in reasons], index=df.index, dtype="string")
    return v.split_by_reason(df, reason)


def _header(con: duckdb.DuckDBPyConnection, path: Path) -> list[str] | None:
    sniff = (
        f"read_csv({_sql_str(str(path))}, delim=',', quote='\"', escape='\"', header=true, "
        "all_varchar=true, auto_detect=true)"
    )
    cols = [r[0] for r in con.execute(f"describe select * from {sniff}").fetchall()]
    lowered = [c.strip().lower() for c in cols]
    if len(set(lowered)) != len(lowered):
        return None
    if any(c not in lowered for c in prices.LONG_COLUMNS if c != "adj_close"):
        return None  # the pandas reader names the missing columns (or the Yahoo export) itself
    return cols


def _source(con: duckdb.DuckDBPyConnection, path: Path, cols: list[str], typed: bool, as_read: bool = False) -> str:
    """SQL of the file's rows as (date, ticker, open, ..., volume), parsed as pandas would.

    Read as text it also carries each value as read (`_raw_<column>`, for the quarantine) and
    flags a numeric value given but unreadable (`_unreadable_<column>`). `as_read=True` (typed only)
    leaves a NaN read as NaN and a ticker as read (not trimmed or upper-cased), for a caller that
    makes sure there is no NaN and no ticker to normalise (`_write_if_clean`)."""
    by_name = {c.strip().lower(): c for c in cols}
    types = {c: "VARCHAR" for c in cols}
    if typed:
        for c in NUMERIC:
            if c in by_name:
                types[by_name[c]] = "DOUBLE"
    # The explicit column list keeps DuckDB from guessing a dialect pandas would not use.
    columns = "{" + ", ".join(f"{_sql_str(c)}: {_sql_str(t)}" for c, t in types.items()) + "}"
    csv = (
        f"read_csv({_sql_str(str(path))}, delim=',', quote='\"', escape='\"', header=true, "
        f"auto_detect=false, strict_mode=true, null_padding=false, columns={columns})"
    )

    def raw(name: str) -> str:
        return _ident(by_name[name]) if name in by_name else "null::varchar"

    def col(name: str) -> str:
        if name not in by_name:
            return "null::double"
        if typed:
            return _ident(by_name[name])
        text = f"trim({raw(name)})"  # v.to_number: thousands separators where v.THOUSANDS matches
        return (
            f"try_cast(nullif(case when regexp_full_match({text}, {_sql_str(v.THOUSANDS)}) "
            f"then replace({text}, ',', '') else {text} end, '') as double)"
        )

    nums = ", ".join(
        f"{col(c)} as {c}" if as_read and typed else f"nullif({col(c)}, 'nan'::double) as {c}" for c in NUMERIC
    )
    # A ticker that is empty once trimmed is null: the rule "ticker is missing" fails it either way,
    # and a count of nulls (Parquet statistics) then finds every one (see _write_if_clean).
    ticker = f"nullif(upper(trim({_ident(by_name['ticker'])})), '')"
    if as_read and typed:
        ticker = _ident(by_name["ticker"])
    date = _ident(by_name["date"])
    if typed:
        flags = ", ".join(f"false as _unreadable_{c}" for c in NUMERIC)
        # Typed, a date is read the way the text read below reads a plain one (ten characters cast to
        # a date), and any other date raises, which sends the file to the text read: a DATE column
        # would also cut a timestamp with an offset to its date, hiding a column that mixes timezones.
        # Read as text and cast, not with dateformat='%Y-%m-%d': DuckDB's strptime costs 1.5 CPU s
        # more at 5M rows than its ISO cast.
        plain = (
            f"case when {date} is null then null when length({date}) = 10 then {date}::date "
            f"else error('not a plain YYYY-MM-DD date') end"
        )
        return f"(select ({plain})::timestamp as date, {ticker} as ticker, {nums}, {flags} from {csv})"
    import pandas as pd

    missing = ", ".join(_sql_str(m) for m in v.MISSING)
    flags = ", ".join(
        f"coalesce(lower(trim({raw(c)})) not in ({missing}) and {col(c)} is null, false) as _unreadable_{c}"
        for c in NUMERIC
    )
    raws = ", ".join(f"{raw(c)} as _raw_{c}" for c in prices.LONG_COLUMNS)
    # As text, DuckDB parses plain YYYY-MM-DD dates; any other date is parsed by pandas (odd_map),
    # so no date is read differently from the pandas reader.
    text = f"nullif({_ident(by_name['date'])}, '')"
    iso = f"case when length({text}) = 10 then try_cast({text} as date) end"
    odd = [
        r[0]
        for r in con.execute(f"select distinct {text} from {csv} where {text} is not null and {iso} is null").fetchall()
    ]
    # A date column mixing timezone-aware and plain dates has no one reading: the caller hands the
    # file to the pandas reader, which names the row.
    aware = sum(v.has_timezone(d) for d in odd)
    if aware and (aware < len(odd) or con.execute(f"select count(*) from {csv} where {iso} is not null").fetchone()[0]):
        raise SourceUnreadable(f"{path}: date mixes dates with and without a timezone")
    parsed = prices.coerce(
        pd.DataFrame({"date": odd, "ticker": [""] * len(odd), **{c: [None] * len(odd) for c in NUMERIC}})
    )["date"]
    con.register("odd_map", pd.DataFrame({"s": pd.Series(odd, dtype="object"), "d": parsed.astype("datetime64[us]")}))
    return (
        f"(select coalesce({iso}::timestamp, m.d) as date, {ticker} as ticker, {nums}, {flags}, {raws} "
        f"from {csv} left join odd_map m on m.s = {text})"
    )


def _in_range_sql(start: str | None, end: str | None) -> str:
    if not (start or end):
        return "true"
    import pandas as pd  # the same reading of --start/--end as the pandas path's restrict_dates

    keep = []
    if start:
        keep.append(f"date >= {_sql_str(pd.Timestamp(start).isoformat())}::timestamp")
    if end:
        keep.append(f"date <= {_sql_str(pd.Timestamp(end).isoformat())}::timestamp")
    return f"(date is null or ({' and '.join(keep)}))" if keep else "true"


def _split_file(
    con: duckdb.DuckDBPyConnection, source: str, start: str | None, end: str | None, lineage: str, out: Path
) -> None:
    """One pass: every row in range into out/_ok=true|false/*.parquet by its RULES verdict."""
    con.execute(f"""
        copy (
            select date::timestamp_ms as date, ticker, {", ".join(NUMERIC)}, {lineage}, ({_ok_sql()}) as _ok
            from {source} where {_in_range_sql(start, end)}
        ) to {_sql_str(str(out))} (format parquet, compression snappy, partition_by (_ok), overwrite)
    """)


# The columns RULES read, with the type each has in the source (the `_unreadable_<c>` flags are
# false in a typed read).
_RULE_COLUMNS = {"date": "timestamp", "ticker": "varchar", **{c: "double" for c in NUMERIC}}
# The error a row failing a rule of two columns raises in `_write_if_clean`'s write.
_ROW_RULE_FAILED = "aftershock: a row fails a rule of two columns"


def _columns_of(sql: str) -> list[str]:
    return [c for c in _RULE_COLUMNS if re.search(rf"(?<![A-Za-z0-9_]){c}(?![A-Za-z0-9_])", sql)]


def _proven_by_stats(con: duckdb.DuckDBPyConnection, stats: dict, rows: int) -> bool:
    """True when the written file's column statistics show that every row passes every rule of one
    column: each such rule accepts an interval of its column's values (comparisons, `between`,
    `<> ''`) and, per its coalesce, a missing one or not, so it holds on every row when it holds
    on the column's smallest and largest value and, if the column has a null, on null. A NaN
    (which RULES read as missing, and which is neither) proves nothing. Missing statistics prove
    nothing either: the caller then judges the rows one by one."""
    values: dict[str, list[str | None]] = {}
    for c in _RULE_COLUMNS:
        st = stats.get(_ident(c), stats.get(c))
        if st is None or st.get("has_nan", "false") != "false" or "null_count" not in st:
            return False
        nulls = int(st["null_count"])
        ends = []
        if nulls < rows:
            if st.get("min") is None or st.get("max") is None:
                return False
            ends = [st["min"], st["max"]]
        values[c] = ends + [None] * (nulls > 0)
    flags = ", ".join(f"false as _unreadable_{c}" for c in NUMERIC)
    for _label, passes in _rules():
        used = _columns_of(passes)
        if len(used) > 1:
            continue  # judged on every row as the file is written
        if not used:
            checks = [f"(select {passes} from (select {flags}))"]
        else:
            c, t = used[0], _RULE_COLUMNS[used[0]]
            checks = [
                f"(select {passes} from (select {('null' if x is None else _sql_str(x))}::{t} as {c}, {flags}))"
                for x in values[c]
            ]
        if not con.execute(f"select coalesce({' and '.join(checks) or 'true'}, false)").fetchone()[0]:
            return False
    return True


def _write_if_clean(
    con: duckdb.DuckDBPyConnection, source: str, start: str | None, end: str | None, lineage: str, out: Path
) -> int | None:
    """The usual batch, every row good, in one pass as plain as DuckDB's own copy: every row in
    range into out, as read (`_source(as_read=True)`), judged without a per-row verdict. A rule of
    two columns (high >= low) raises on the row that fails it; every other rule is judged from the
    statistics of the written file (`_proven_by_stats`), and the distinct tickers must need no
    normalising. Returns the rows written when every row passes; None when some row may not, or a
    ticker or NaN would be written differently (out is then to be discarded and the rows split by
    verdict)."""
    multi = " and ".join(f"({passes})" for _label, passes in _rules() if len(_columns_of(passes)) > 1) or "true"
    cur = con.execute(f"""
        copy (
            select date::timestamp_ms as date, ticker, {", ".join(NUMERIC)}, {lineage}
            from {source}
            where case when not {_in_range_sql(start, end)} then false
                       when coalesce({multi}, false) then true
                       else error({_sql_str(_ROW_RULE_FAILED)}) end
        ) to {_sql_str(str(out))} (format parquet, compression snappy, return_stats)
    """)
    names = [d[0] for d in cur.description]
    got = dict(zip(names, cur.fetchone()))
    rows = int(got["count"])
    if rows == 0 or not _proven_by_stats(con, got["column_statistics"] or {}, rows):
        return None
    # Tickers were written as read: the batch is clean only if each is already trimmed and upper
    # case (the few distinct ones are compared, not every row); else it is split, which normalises.
    to_normalise = con.execute(
        f"select count(*) from (select distinct ticker from read_parquet({_sql_str(str(out))})) "
        f"where ticker is distinct from nullif(upper(trim(ticker)), '')"
    ).fetchone()[0]
    return None if to_normalise else rows


# A first look for repeated keys through one bit per ticker and day takes this much memory at most;
# past it, the look sorts key hashes instead.
_KEY_BITS_BUDGET = 64 << 20


def _key_shortfall(con: duckdb.DuckDBPyConnection, rows_sql: str) -> int:
    """0 proves every (ticker, date) of the rows distinct; otherwise some may repeat (or hashes collide).

    Per ticker, the number of rows against the number of distinct days among its dates (one bit per
    day, `bitstring_agg`): equal for every ticker, no two rows share a key (distinct days <= distinct
    dates <= rows). Only when the tickers times the days would take more memory than the budget,
    the rows whose key hash equals the one before it in hash order are counted (one sort)."""
    lo, hi, tickers = con.execute(
        f"select min(date)::date, max(date)::date, count(distinct ticker) from {rows_sql}"
    ).fetchone()
    if lo is None:
        return 0
    span = (hi - lo).days
    if tickers * (span + 1) <= 8 * _KEY_BITS_BUDGET:
        return con.execute(
            f"select count(*) from (select count(*) as n, bit_count(bitstring_agg((date::date - {_sql_str(lo.isoformat())}::date)::integer, 0, {span})) as days "
            f"from {rows_sql} group by ticker) where n <> days"
        ).fetchone()[0]
    return con.execute(
        f"select count(*) from (select h, lag(h) over (order by h) as prev from "
        f"(select hash(ticker, date) as h from {rows_sql})) where h = prev"
    ).fetchone()[0]


def _parquet_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_str(str(p)) for p in paths) + "]"


def land_long_csv(
    path: Path, batch_id: str, start: str | None = None, end: str | None = None, ingested_at: datetime | None = None
) -> LandResult | None:
    """Land a long-format price CSV like `prices.read_file` + `split` + `landing.land_batch`.

    Returns None when this path cannot read the file the way pandas would.
    """
    if path.suffix.lower() != ".csv" or not path.is_file() or path.stat().st_size == 0:
        return None
    batch_id = landing.safe_batch_id(batch_id)
    ingested_at = ingested_at or datetime.now(timezone.utc)
    store = lake_store.store()
    store.sweep("raw/prices")
    # Scratch on the lake's file system (the final move is a rename) or, for an object-store lake,
    # a local folder the finished batch is uploaded from; never inside raw/prices, so no reader of
    # the lake ever sees a half-checked file. Scratch of a landing killed with -9 is swept here.
    scratch_root = store.scratch_dir("raw")
    landing.sweep_stale_scratch(scratch_root)
    scratch = Path(tempfile.mkdtemp(prefix=landing.scratch_prefix("prices"), dir=scratch_root))
    con = duckdb.connect(
        config={
            "memory_limit": settings().ingest_memory,
            "temp_directory": str(scratch / "spill"),
        }
    )
    con.execute("set TimeZone='UTC'")
    # The two text lineage columns are one value each: as one-value ENUMs the Parquet writer stores
    # them as a dictionary index per row instead of hashing the (150-character) batch id on every
    # row. The file holds plain strings either way (an ENUM is written as a UTF8 column).
    con.execute(f"create type lineage_source as enum ({_sql_str('prices')})")
    con.execute(f"create type lineage_batch as enum ({_sql_str(batch_id)})")
    lineage = (
        f"{_sql_str('prices')}::lineage_source as _source, {_sql_str(batch_id)}::lineage_batch as _batch_id, "
        f"{_sql_str(ingested_at.astimezone(timezone.utc).isoformat())}::timestamptz as _ingested_at"
    )
    try:
        clean = scratch / "clean.parquet"
        good: list[Path] = []
        bad: list[Path] = []
        try:
            cols = _header(con, path)
            if cols is None:
                return None
            # Almost every batch has no rejected row: written as DuckDB's own copy would write it, and
            # judged from the written file's statistics. Only a batch where that proves nothing is
            # read again and split by verdict.
            typed = True
            try:
                if _write_if_clean(con, _source(con, path, cols, typed=True, as_read=True), start, end, lineage, clean):
                    good = [clean]
            except duckdb.Error as exc:  # a value the typed reader refuses, or a row failing a rule
                typed = _ROW_RULE_FAILED in str(exc)
            if not good:
                clean.unlink(missing_ok=True)
                if typed:
                    try:
                        _split_file(con, _source(con, path, cols, typed=True), start, end, lineage, scratch / "split")
                    except duckdb.Error:
                        typed = False
                if not typed:  # a value the typed reader refuses: read it as text instead
                    shutil.rmtree(scratch / "split", ignore_errors=True)
                    _split_file(con, _source(con, path, cols, typed=False), start, end, lineage, scratch / "split")
                good = sorted((scratch / "split" / "_ok=true").glob("*.parquet"))
                bad = sorted((scratch / "split" / "_ok=false").glob("*.parquet"))
        except (duckdb.Error, SourceUnreadable):
            return None  # not readable the way pandas reads it: the pandas reader decides (and names the row)
        good_sql = f"read_parquet({_parquet_list(good)}, hive_partitioning=false)" if good else None
        has_dups = False
        if good_sql:
            # Only rows that passed the row checks compete for a key: a broken copy does not sink a good one.
            # A cheap first look (`_key_shortfall`) proves the keys distinct; only a shortfall (a
            # duplicate, or two dates of one day) pays for grouping the keys themselves.
            shortfall = _key_shortfall(con, good_sql)
            con.execute(
                f"create temp table dup_keys as select ticker as dup_ticker, date as dup_date "
                f"from {good_sql} where {'true' if shortfall else 'false'} group by all having count(*) > 1"
            )
            has_dups = con.execute("select count(*) from dup_keys").fetchone()[0] > 0
        rejected = None  # land_file: no rejected row
        if bad or has_dups:
            # The rejected rows (rare) are read again as text, so the quarantine holds every field as read.
            if not good_sql:
                con.execute("create temp table dup_keys (dup_ticker varchar, dup_date timestamp)")
            dup = "exists (select 1 from dup_keys where dup_ticker = ticker and dup_date = date)"
            rejected = con.execute(f"""
                select {", ".join(f"_raw_{c} as {c}" for c in prices.LONG_COLUMNS)},
                       case when not {_ok_sql()} then {_reason_sql()} else {_sql_str(DUPLICATE_KEY)} end as _reject_reason
                from {_source(con, path, cols, typed=False)}
                where {_in_range_sql(start, end)} and (not {_ok_sql()} or {dup})
            """).df()

        final = scratch / "batch.parquet"
        if good_sql and (has_dups or len(good) > 1):
            con.execute(f"""
                copy (select * replace (date::timestamp_ms as date) from {good_sql} anti join dup_keys on dup_ticker = ticker and dup_date = date)
                to {_sql_str(str(final))} (format parquet, compression snappy)
            """)
        elif good:
            os.replace(good[0], final)
        n_good = (
            con.execute(f"select count(*) from read_parquet({_sql_str(str(final))})").fetchone()[0]
            if final.exists()
            else 0
        )
        write = (lambda tmp: os.replace(final, tmp)) if n_good else None
        return landing.land_file("prices", batch_id, write, int(n_good), rejected)
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
