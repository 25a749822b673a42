-- Event x ticker x relative day over the event window. Percent columns hold percent points.
with ar as (
    select a.*
    from {{ ref('int_event_window_returns') }} as a
    inner join {{ ref('int_event_calendar') }} as c using (event_id)
    where a.relative_day between c.window_start and c.window_end
),

base as (
    select event_id, ticker, price as base_price
    from {{ ref('int_event_window_returns') }}
    where relative_day = -1
)

select
    ar.event_id,
    ar.ticker,
    ar.relative_day,
    ar.trade_date,
    ar.close,
    ar.daily_return * 100 as return_pct,
    ar.benchmark_return * 100 as benchmark_return_pct,
    ar.abnormal_return * 100 as abnormal_return_pct,
    sum(ar.abnormal_return) over (
        partition by ar.event_id, ar.ticker order by ar.relative_day
        rows between unbounded preceding and current row
    ) * 100 as car_pct,
    ar.price / b.base_price * 100 as index_100
from ar
left join base as b using (event_id, ticker)
