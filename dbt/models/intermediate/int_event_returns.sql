-- Event x ticker x relative trading day, from the start of the estimation window to the end of
-- the event window, with the ticker's and its benchmark's returns side by side.
-- The returns join int_event_days on equal keys (ticker, date): a hash join, instead of a range
-- join over every session of every ticker. A view: its ~261 rows per event and ticker cost more to
-- write than to compute, and a reader's filter on in_estimation / in_window reaches int_event_days.
{{ config(materialized='view') }}

select
    et.event_id,
    et.ticker,
    et.benchmark,
    d.relative_day,
    d.in_estimation,
    d.in_window,
    d.in_horizon,
    r.trade_date,
    r.close,
    r.prev_close,
    r.price,
    r.daily_return,
    b.daily_return as benchmark_return
from {{ ref('int_event_tickers') }} as et
inner join {{ ref('int_event_days') }} as d using (event_id)
inner join {{ ref('int_daily_returns') }} as r
    on r.ticker = et.ticker and r.trade_date = d.trade_date
left join {{ ref('int_daily_returns') }} as b
    on b.ticker = et.benchmark and b.trade_date = d.trade_date
