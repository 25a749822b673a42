-- The trading session each news item belongs to: the first session on or after its UTC
-- calendar date, so weekend and holiday news counts toward the next session.
select
    i.item_key,
    i.news_date,
    s.trade_date as session_date,
    s.session_index
from {{ ref('stg_news_items') }} as i
asof inner join {{ ref('int_trading_sessions') }} as s
    on s.trade_date >= i.news_date
