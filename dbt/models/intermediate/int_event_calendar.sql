-- Each studied event's day 0 (first session on or after the event date) and its study settings:
-- the curated events of the seed, and every session the detector flagged (int_detected_moves)
-- that is not a curated event's day 0, studied with the default settings and every ticker that
-- traded that day. A curated event on the same day wins, so a session is studied once.
with curated as (
    select * from {{ ref('stg_events') }}
),

curated_day0 as (
    select
        e.event_id,
        min(s.trade_date) as day0_date
    from curated as e
    inner join {{ ref('int_trading_sessions') }} as s on s.trade_date >= e.event_date
    group by e.event_id
),

studied as (
    select
        e.event_id,
        e.origin,
        e.event_date,
        e.tickers,
        d.day0_date,
        e.estimation_start,
        e.estimation_end,
        e.model,
        e.benchmark_override,
        e.car_windows
    from curated as e
    inner join curated_day0 as d using (event_id)
    union all
    select distinct
        {{ detected_event_id('m.trade_date') }} as event_id,
        'detected' as origin,
        m.trade_date as event_date,
        cast(null as varchar[]) as tickers,
        m.trade_date as day0_date,
        {{ var('estimation_start') }} as estimation_start,
        {{ var('estimation_end') }} as estimation_end,
        '{{ var("default_model") }}' as model,
        cast(null as varchar) as benchmark_override,
        cast(null as struct(window_start integer, window_end integer)[]) as car_windows
    from {{ ref('int_detected_moves') }} as m
    where m.moved
      and m.trade_date not in (select day0_date from curated_day0)
)

select
    e.event_id,
    e.origin,
    e.event_date,
    e.tickers,
    e.day0_date,
    s.session_index as day0_index,
    e.estimation_start,
    e.estimation_end,
    {{ var('window_start') }} as window_start,
    {{ var('window_end') }} as window_end,
    e.model,
    e.benchmark_override,
    e.car_windows
from studied as e
inner join {{ ref('int_trading_sessions') }} as s on s.trade_date = e.day0_date
