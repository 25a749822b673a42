-- Market value around day 0: shares x close on day -1, and its change to day 0, with the shares
-- rule of int_daily_market_value (the same figure fct_records ranks).
with day_pair as (
    select
        event_id,
        ticker,
        max(case when relative_day = -1 then trade_date end) as prev_date,
        max(case when relative_day = 0 then trade_date end) as day0_date,
        max(case when relative_day = -1 then close end) as prev_close,
        max(case when relative_day = 0 then close end) as day0_close
    from {{ ref('int_event_window_returns') }}
    where relative_day in (-1, 0)
    group by event_id, ticker
)

select
    d.event_id,
    d.ticker,
    d.prev_close,
    d.day0_close,
    m.shares_outstanding,
    m.shares_as_of_date,
    m.market_cap_prev_usd,
    m.market_cap_change_usd
from day_pair as d
left join {{ ref('int_daily_market_value') }} as m
    on m.ticker = d.ticker and m.trade_date = d.day0_date and m.prev_date = d.prev_date
