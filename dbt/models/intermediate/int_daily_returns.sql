-- Close-to-close returns per watchlist ticker (int_price_returns, kept incrementally) with each
-- session's position in the market calendar. The one place prices meet the watchlist: a ticker
-- that landed but is not followed reaches no model from here on, and is studied as soon as it is
-- added (int_price_returns already holds its returns). A view: a late session that shifts the
-- calendar renumbers every later row for free, and a daily run rewrites nothing here.
{{ config(materialized='view') }}

select
    r.ticker,
    r.trade_date,
    s.session_index,
    r.close,
    r.prev_close,
    r.price,
    r.prev_price,
    r.daily_return,
    r._ingested_at
from {{ ref('int_price_returns') }} as r
inner join {{ ref('int_trading_sessions') }} as s using (trade_date)
inner join {{ ref('stg_watchlist') }} as w using (ticker)
