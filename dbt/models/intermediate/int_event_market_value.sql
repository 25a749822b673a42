-- Market value around day 0: shares x close on day -1, and its change to day 0.
-- Shares: the latest figure dated on or before day -1; when a ticker has none that old, the
-- earliest later figure (its date is kept so a reader sees which one was used).
with day_pair as (
    select
        event_id,
        ticker,
        max(case when relative_day = -1 then trade_date end) as prev_date,
        max(case when relative_day = -1 then close end) as prev_close,
        max(case when relative_day = 0 then close end) as day0_close
    from {{ ref('int_event_window_returns') }}
    where relative_day in (-1, 0)
    group by event_id, ticker
),

candidates as (
    select
        d.event_id,
        d.ticker,
        s.as_of_date,
        s.shares_outstanding,
        row_number() over (
            partition by d.event_id, d.ticker
            order by (s.as_of_date > d.prev_date), abs(date_diff('day', d.prev_date, s.as_of_date))
        ) as pick
    from day_pair as d
    inner join {{ ref('stg_shares') }} as s on s.ticker = d.ticker
)

select
    d.event_id,
    d.ticker,
    d.prev_close,
    d.day0_close,
    c.shares_outstanding,
    c.as_of_date as shares_as_of_date,
    d.prev_close * c.shares_outstanding as market_cap_prev_usd,
    (d.day0_close - d.prev_close) * c.shares_outstanding as market_cap_change_usd
from day_pair as d
left join candidates as c on c.event_id = d.event_id and c.ticker = d.ticker and c.pick = 1
