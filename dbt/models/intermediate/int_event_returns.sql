-- Event x ticker x relative trading day, from the start of the estimation window to the end of
-- the event window, with the ticker's and its benchmark's returns side by side.
-- The event calendar is expanded to (event, session) first, so the returns join on equal keys
-- (ticker, date): a hash join, instead of a range join over every session of every ticker.
with event_days as (
    select
        c.event_id,
        s.trade_date,
        s.session_index - c.day0_index as relative_day
    from {{ ref('int_event_calendar') }} as c
    inner join {{ ref('int_trading_sessions') }} as s
        on s.session_index between c.day0_index + c.estimation_start and c.day0_index + c.window_end
)

select
    et.event_id,
    et.ticker,
    et.benchmark,
    d.relative_day,
    r.trade_date,
    r.close,
    r.prev_close,
    r.price,
    r.daily_return,
    b.daily_return as benchmark_return
from {{ ref('int_event_tickers') }} as et
inner join event_days as d using (event_id)
inner join {{ ref('int_daily_returns') }} as r
    on r.ticker = et.ticker and r.trade_date = d.trade_date
left join {{ ref('int_daily_returns') }} as b
    on b.ticker = et.benchmark and b.trade_date = d.trade_date
