-- Each event's day 0 (first session on or after the event date) and its study settings.
with events as (
    select * from {{ ref('stg_events') }}
),

day0 as (
    select
        e.event_id,
        min(s.trade_date) as day0_date
    from events as e
    inner join {{ ref('int_trading_sessions') }} as s on s.trade_date >= e.event_date
    group by e.event_id
)

select
    e.event_id,
    e.event_date,
    e.tickers,
    d.day0_date,
    s.session_index as day0_index,
    e.estimation_start,
    e.estimation_end,
    {{ var('window_start') }} as window_start,
    {{ var('window_end') }} as window_end,
    e.model,
    e.benchmark_override
from events as e
inner join day0 as d using (event_id)
inner join {{ ref('int_trading_sessions') }} as s on s.trade_date = d.day0_date
