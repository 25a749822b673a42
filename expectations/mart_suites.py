"""Suites for the marts of the building warehouse, with the columns users query them by.

Consistency checks that GX has no pandas expectation for (a change equal to after minus
before) are computed in the suite's SQL as boolean chk_ columns and expected to be false, so
the failure still names the rows.
"""

from __future__ import annotations

import pandas as pd

from expectations.dbt_bounds import dbt_between
from expectations.gx_env import gxe
from expectations.registry import between, flag_false, has, mart_suite, not_null, positive, unique_key


@mart_suite(
    "marts.dim_events",
    key=["event_id"],
    columns=["event_id", "title", "event_date", "day0_date", "keywords", "origin"],
)
def dim_events(df: pd.DataFrame) -> list:
    return [
        unique_key("event_id"),
        *not_null("event_id", "event_date", "day0_date"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="day0_date", column_B="event_date", or_equal=True),
        gxe.ExpectColumnValuesToBeInSet(column="origin", value_set=["curated", "detected"]),
    ]


# An event dated after the last session in the lake cannot have a day 0 yet; that is not an error.
# Reads the events seed table, not the staging view: a view keeps the building file's catalog name,
# so it only resolves in the file dbt built (the gate may run on a copy).
EVENTS_DAY0_SQL = """
with last_session as (select max(trade_date) as d from intermediate.int_trading_sessions)
select
    e.event_id,
    cast(e.event_date as date) as event_date,
    d.day0_date,
    (select count(*) from marts.fct_event_stock_daily s
      where s.event_id = e.event_id and s.relative_day = 0) as day0_rows
from raw.events e
left join marts.dim_events d using (event_id)
where cast(e.event_date as date) <= (select d from last_session)
"""


@mart_suite(
    "every event has a day 0",
    sql=EVENTS_DAY0_SQL,
    key=["event_id", "event_date"],
    requires=["raw.events", "marts.dim_events", "marts.fct_event_stock_daily", "intermediate.int_trading_sessions"],
)
def events_have_day0(df: pd.DataFrame) -> list:
    return [*not_null("day0_date"), between("day0_rows", 1)]


@mart_suite(
    "marts.fct_event_stock_impact",
    key=["event_id", "ticker"],
    columns=[
        "event_id",
        "ticker",
        "company",
        "prev_close",
        "day0_close",
        "return_pct",
        "benchmark",
        "benchmark_return_pct",
        "abnormal_return_pct",
        "alpha",
        "beta",
        "sigma",
        "estimation_days",
        "t_ar",
        "market_cap_prev_usd",
        "market_cap_change_usd",
    ],
    sql="""
    select *,
        coalesce(abs(market_cap_change_usd - (day0_close - prev_close) * shares_outstanding)
                 > 1 + 1e-9 * abs(market_cap_prev_usd), false) as chk_market_cap_change_inconsistent
    from marts.fct_event_stock_impact
    """,
)
def stock_impact(df: pd.DataFrame) -> list:
    return [
        unique_key("event_id", "ticker"),
        *not_null("event_id", "ticker", "prev_close", "day0_close", "return_pct"),
        # Bounds dbt declares (value_between in the model's YAML), read from the manifest: one declaration.
        dbt_between("fct_event_stock_impact", "prev_close"),
        positive("day0_close"),
        dbt_between("fct_event_stock_impact", "return_pct"),
        between("benchmark_return_pct", -100, 500),
        between("abnormal_return_pct", -200, 600),
        between("sigma", 0, 10),
        between("estimation_days", 0, 400),
        dbt_between("fct_event_stock_impact", "market_cap_prev_usd"),
        positive("shares_outstanding"),
        flag_false("chk_market_cap_change_inconsistent"),
    ]


@mart_suite(
    "marts.fct_event_stock_daily",
    key=["event_id", "ticker", "relative_day"],
    columns=[
        "event_id",
        "ticker",
        "relative_day",
        "trade_date",
        "return_pct",
        "abnormal_return_pct",
        "car_pct",
        "index_100",
    ],
)
def stock_daily(df: pd.DataFrame) -> list:
    exps = [
        unique_key("event_id", "ticker", "relative_day"),
        *not_null("event_id", "ticker", "relative_day", "trade_date"),
        between("return_pct", -100, 500),
        between("abnormal_return_pct", -200, 600),
        between("car_pct", -1000, 5000),
        positive("index_100"),
    ]
    if has(df, "close"):
        exps.append(positive("close"))
    return exps


# ---- wealth and news marts ------------------------------------------------------------


@mart_suite(
    "marts.fct_event_wealth_impact",
    key=["event_id", "person_uri"],
    columns=[
        "event_id",
        "person_uri",
        "person_name",
        "net_worth_before_usd",
        "net_worth_after_usd",
        "change_usd",
        "change_pct",
        "rank_before",
        "rank_after",
        "implied_change_usd",
    ],
    sql="""
    select *,
        -- Forbes rounds to 1e3 USD per figure; half a percent covers a reported change against a
        -- carried-forward snapshot, not a before/after from another person or day.
        coalesce(abs(net_worth_after_usd - net_worth_before_usd - change_usd)
                 > 1e6 + 0.005 * abs(net_worth_before_usd), false) as chk_change_not_after_minus_before,
        coalesce(abs(change_pct - 100 * change_usd / nullif(net_worth_before_usd, 0)) > 0.05, false)
            as chk_change_pct_inconsistent,
        -- the attribution must add up: normal + abnormal = implied (to the dollar)
        coalesce(abs(normal_change_usd + abnormal_change_usd - implied_change_usd) > 1, false)
            as chk_attribution_not_adding_up
    from marts.fct_event_wealth_impact
    """,
)
def wealth_impact(df: pd.DataFrame) -> list:
    return [
        unique_key("event_id", "person_uri"),
        # before (and so the change) is null when the person is missing from the day -1 snapshot.
        *not_null("event_id", "person_uri", "net_worth_after_usd"),
        dbt_between("fct_event_wealth_impact", "net_worth_before_usd"),
        dbt_between("fct_event_wealth_impact", "net_worth_after_usd"),
        dbt_between("fct_event_wealth_impact", "change_pct"),
        between("rank_before", 1, 100_000),
        between("rank_after", 1, 100_000),
        flag_false("chk_change_not_after_minus_before"),
        flag_false("chk_change_pct_inconsistent"),
        flag_false("chk_attribution_not_adding_up"),
    ]


@mart_suite(
    "marts.fct_event_news_daily",
    key=["event_id", "relative_day"],
    columns=["event_id", "relative_day", "news_date", "articles_matched", "baseline", "spike_ratio"],
    sql="""
    select *,
        coalesce(abs(spike_ratio * baseline - articles_matched) > 1e-6, false) as chk_spike_not_articles_over_baseline
    from marts.fct_event_news_daily
    """,
)
def news_daily(df: pd.DataFrame) -> list:
    return [
        unique_key("event_id", "relative_day"),
        *not_null("event_id", "relative_day", "news_date", "articles_matched"),
        between("articles_matched", 0),
        between("baseline", 0),
        between("spike_ratio", 0),
        flag_false("chk_spike_not_articles_over_baseline"),
    ]


@mart_suite(
    "marts.fct_event_news_items",
    key=["event_id", "link"],
    columns=["event_id", "published_at", "source", "title", "link"],
    sql="""
    select *, coalesce(published_at::timestamp > now()::timestamp + interval 1 day, false) as chk_published_in_future
    from marts.fct_event_news_items
    """,
)
def news_items(df: pd.DataFrame) -> list:
    item = next((c for c in ("item_id", "item_key") if c in df.columns), "link")
    return [
        unique_key("event_id", item),
        *not_null("event_id", "published_at", "title"),
        flag_false("chk_published_in_future"),
    ]


@mart_suite(
    "marts.fct_event_summary",
    key=["event_id"],
    columns=["event_id", "tickers_studied", "market_value_change_usd", "market_value_coverage", "worst_ticker"],
)
def event_summary(df: pd.DataFrame) -> list:
    # a summary row says what it covers: no empty rows, the total's coverage always given
    return [
        unique_key("event_id"),
        *not_null("event_id", "market_value_coverage", "worst_ticker"),
        between("tickers_studied", 1),
    ]


@mart_suite(
    "marts.fct_claim_checks",
    key=["event_id", "claim_id"],
    columns=[
        "event_id",
        "claim_id",
        "subject",
        "metric",
        "published_value",
        "source",
        "measured_value",
        "difference",
        "verdict",
        "reason",
    ],
)
def claim_checks(df: pd.DataFrame) -> list:
    return [
        unique_key("event_id", "claim_id"),
        *not_null("verdict", "reason"),
        gxe.ExpectColumnValuesToBeInSet(column="verdict", value_set=["matches", "differs", "not supported"]),
    ]


@mart_suite(
    "marts.fct_records",
    key=["record_scope", "event_id", "ranked_by", "direction", "ticker", "trade_date"],
    columns=["record_scope", "ranked_by", "direction", "rank", "ticker", "trade_date", "largest_since_date"],
)
def records(df: pd.DataFrame) -> list:
    return [*not_null("record_scope", "rank", "ticker", "trade_date"), between("rank", 1)]
