-- Every watchlist ticker-session move that fct_records ranks, one row per measure: the percent return
-- and the market value change (USD, tickers with a shares figure), up or down; a move of zero is
-- neither and is left out. Each row carries both of the session's figures, which fct_records shows.
-- A view: fct_records and int_ticker_move_since read it once each.
{{ config(materialized='view') }}

with moves as (
    select
        r.ticker,
        r.trade_date,
        r.daily_return * 100 as return_pct,
        mv.market_cap_change_usd
    from {{ ref('int_daily_returns') }} as r
    left join {{ ref('int_daily_market_value') }} as mv using (ticker, trade_date)
    where r.daily_return is not null
),

measures as (
    select *, 'market_cap_change_usd' as ranked_by, market_cap_change_usd as value
    from moves where market_cap_change_usd is not null and market_cap_change_usd <> 0
    union all
    select *, 'return_pct' as ranked_by, return_pct as value
    from moves where return_pct <> 0
)

select
    ticker,
    trade_date,
    ranked_by,
    case when value < 0 then 'down' else 'up' end as direction,
    value,
    return_pct,
    market_cap_change_usd
from measures
