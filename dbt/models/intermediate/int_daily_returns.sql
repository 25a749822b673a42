-- Simple close-to-close returns on the adjusted close (the close where there is none, as for indices),
-- as a fraction. The first session of each ticker has no return.
with prices as (
    select
        p.ticker,
        p.trade_date,
        s.session_index,
        p.close,
        coalesce(p.adj_close, p.close) as price
    from {{ ref('stg_prices') }} as p
    inner join {{ ref('int_trading_sessions') }} as s using (trade_date)
)

select
    ticker,
    trade_date,
    session_index,
    close,
    lag(close) over w as prev_close,
    price,
    lag(price) over w as prev_price,
    price / lag(price) over w - 1 as daily_return
from prices
window w as (partition by ticker order by trade_date)
