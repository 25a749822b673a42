-- Close-to-close returns per ticker (int_price_returns, kept incrementally) with each session's
-- position in the market calendar. A view: a late session that shifts the calendar renumbers
-- every later row for free, and a daily run rewrites nothing here.
{{ config(materialized='view') }}

select
    r.ticker,
    r.trade_date,
    s.session_index,
    r.close,
    r.prev_close,
    r.price,
    r.prev_price,
    r.daily_return
from {{ ref('int_price_returns') }} as r
inner join {{ ref('int_trading_sessions') }} as s using (trade_date)
