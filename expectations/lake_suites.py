"""Suites for landed lake batches: one run per batch file.

Every source gets the common part (its registered schema with types, lineage that matches the
file, at least one row); the source-specific part adds ranges, keys and dates. The common part
is what catches a file that reached the lake without going through ingest: a hand-copied file
has no lineage, or lineage naming another batch, or columns of the wrong type.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from expectations.gx_env import gxe
from expectations.registry import between, has, lake_suite, not_null, positive, unique_key
from ingest.schemas import LINEAGE, SCHEMAS

# Type families: the DuckDB types a Parquet column of each declared pandas dtype may carry.
_FLOATS = ["DOUBLE", "FLOAT", "BIGINT", "INTEGER", "DECIMAL"]  # whole numbers read back as integers are fine
_INTS = ["BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"]
_TIMESTAMPS = ["TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATE"]


def type_family(dtype: str) -> list[str]:
    if dtype.startswith("datetime64"):
        return ["TIMESTAMP WITH TIME ZONE"] if "UTC" in dtype else _TIMESTAMPS
    if dtype == "float64":
        return _FLOATS
    if dtype == "int64":
        return _INTS
    if dtype == "bool":
        return ["BOOLEAN"]
    return ["VARCHAR"]


def schema_suite(source: str, schema_frame: pd.DataFrame) -> list:
    """On the file's schema (column_name, column_type from DuckDB): every declared column, each of its type.

    Types are checked on the schema rather than with GX's type-list expectation on the data frame:
    that one cannot match pandas 3's string dtype or tz-aware timestamps.
    """
    schema = {**SCHEMAS.get(source, {}), **LINEAGE}
    exps: list = [gxe.ExpectColumnDistinctValuesToContainSet(column="column_name", value_set=list(schema))]
    present = set(schema_frame["column_name"])
    for col, dtype in schema.items():
        if col in present:
            exps.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column="column_type",
                    value_set=type_family(dtype),
                    row_condition=f'column_name=="{col}"',
                    condition_parser="pandas",
                )
            )
    return exps


def not_in_future(col: str, df: pd.DataFrame | None = None, slack_days: int = 1):
    """A date after today (plus a day of slack for time zones) cannot have been observed.

    The bound carries the column's time zone: pandas will not compare aware and naive times."""
    limit = pd.Timestamp(datetime.now(timezone.utc) + timedelta(days=slack_days)).floor("D")
    tz = getattr(df[col].dt, "tz", None) if df is not None and col in df and hasattr(df[col], "dt") else None
    return between(col, hi=limit.tz_convert(tz) if tz is not None else limit.tz_localize(None))


def common(source: str, df: pd.DataFrame, batch_id: str) -> list:
    exps: list = [gxe.ExpectTableRowCountToBeBetween(min_value=1)]
    if "_source" in df.columns:
        exps.append(gxe.ExpectColumnValuesToBeInSet(column="_source", value_set=[source]))
    if "_batch_id" in df.columns:
        # ingest names the file after the batch: a copied or renamed file gives itself away here.
        exps.append(gxe.ExpectColumnValuesToBeInSet(column="_batch_id", value_set=[batch_id]))
    exps += not_null(*[c for c in LINEAGE if c in df.columns])
    return exps


@lake_suite("prices", key=["ticker", "date"])
def prices(df: pd.DataFrame, batch_id: str) -> list:
    exps = common("prices", df, batch_id)
    if not has(df, *SCHEMAS["prices"]):
        return exps
    exps += not_null("date", "ticker", "close")
    exps += [positive(c) for c in ("open", "high", "low", "close", "adj_close")]
    exps += [
        between("volume", 0, 1e13),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="high", column_B="low", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        not_in_future("date", df),
        unique_key("ticker", "date"),
    ]
    return exps


@lake_suite("shares", key=["ticker", "as_of_date"])
def shares(df: pd.DataFrame, batch_id: str) -> list:
    exps = common("shares", df, batch_id)
    if not has(df, *SCHEMAS["shares"]):
        return exps
    exps += not_null("ticker", "as_of_date", "shares_outstanding")
    exps += [
        # Apple, the largest share count listed, has about 15e9 shares.
        between("shares_outstanding", 0, 1e12, strict_lo=True),
        not_in_future("as_of_date", df),
        unique_key("ticker", "as_of_date"),
    ]
    return exps


@lake_suite("wealth", key=["person_uri", "date"])
def wealth(df: pd.DataFrame, batch_id: str) -> list:
    exps = common("wealth", df, batch_id)
    if not has(df, "date", "person_uri", "net_worth_musd", "rank"):
        return exps
    exps += not_null("date", "person_uri", "net_worth_musd")
    exps += [
        not_in_future("date", df),
        positive("net_worth_musd"),
        between("rank", 1, 100_000),
        unique_key("date", "person_uri"),
    ]
    return exps


@lake_suite("news", key=["item_key", "feed_id", "published_at"])
def news(df: pd.DataFrame, batch_id: str) -> list:
    exps = common("news", df, batch_id)
    if not has(df, "item_key", "feed_id", "published_at", "title"):
        return exps
    exps += not_null("item_key", "published_at", "title")
    exps += [
        not_in_future("published_at", df),
        # The same item may come from several feeds in one poll: unique per (item, feed).
        unique_key("item_key", "feed_id"),
    ]
    return exps


@lake_suite("feed_polls", key=["feed_id", "polled_at"])
def feed_polls(df: pd.DataFrame, batch_id: str) -> list:
    exps = common("feed_polls", df, batch_id)
    if not has(df, "feed_id", "polled_at", "items", "http_status", "status"):
        return exps
    exps += not_null("feed_id", "polled_at")
    exps += [
        not_in_future("polled_at", df),
        between("items", 0, 1e7),
        between("http_status", 100, 599),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(FEED_POLL_STATUSES)),
    ]
    return exps


FEED_POLL_STATUSES = ("ok", "partial", "not_modified", "failed")
