-- Event x ticker x relative trading day, from the start of the estimation window to the end of
-- the event window, with the ticker's and its benchmark's returns side by side.
select
    et.event_id,
    et.ticker,
    et.benchmark,
    r.session_index - c.day0_index as relative_day,
    r.trade_date,
    r.close,
    r.prev_close,
    r.price,
    r.daily_return,
    b.daily_return as benchmark_return
from {{ ref('int_event_tickers') }} as et
inner join {{ ref('int_event_calendar') }} as c using (event_id)
inner join {{ ref('int_daily_returns') }} as r
    on r.ticker = et.ticker
    and r.session_index between c.day0_index + c.estimation_start and c.day0_index + c.window_end
left join {{ ref('int_daily_returns') }} as b
    on b.ticker = et.benchmark and b.trade_date = r.trade_date
