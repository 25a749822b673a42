-- Simple close-to-close returns on the adjusted close (the close where there is none, as for indices),
-- as a fraction, per ticker, over the exchange's sessions only: a row dated on a weekend or holiday
-- is no session and neither gets nor gives a return. The first session of each ticker has no return.
-- Every landed ticker, followed or not, so adding one to the watchlist needs no rebuild here;
-- int_daily_returns keeps the watchlist's and adds the session numbers.
-- Incremental: a run recomputes, for each ticker a batch landed since the last run touched, every
-- session from the first touched one onward (a corrected or late day also moves the next
-- session's return), with the ticker's last untouched session as the lag anchor. _ingested_at is
-- the landing time of the row's price, so its max is this model's high-water mark.
{{ config(
    materialized='incremental',
    unique_key=['ticker', 'trade_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

{% if is_incremental() %}
with changed as (
    select ticker, min(trade_date) as from_date
    from {{ ref('stg_prices') }}
    where _ingested_at > {{ watermark(this, '_ingested_at') }}
        and trade_date in (select trade_date from {{ ref('int_exchange_sessions') }})
    group by ticker
),

anchor as (
    select r.ticker, max(r.trade_date) as trade_date
    from {{ this }} as r
    inner join changed as c using (ticker)
    where r.trade_date < c.from_date
    group by r.ticker
),

prices as (
    select p.ticker, p.trade_date, p.close, coalesce(p.adj_close, p.close) as price, p._ingested_at
    from {{ ref('stg_prices') }} as p
    inner join changed as c on c.ticker = p.ticker and p.trade_date >= c.from_date
    where p.trade_date in (select trade_date from {{ ref('int_exchange_sessions') }})
    union all
    select p.ticker, p.trade_date, p.close, coalesce(p.adj_close, p.close) as price, p._ingested_at
    from {{ ref('stg_prices') }} as p
    inner join anchor as a using (ticker, trade_date)
),

returns as (
{% else %}
with prices as (
    select ticker, trade_date, close, coalesce(adj_close, close) as price, _ingested_at
    from {{ ref('stg_prices') }}
    where trade_date in (select trade_date from {{ ref('int_exchange_sessions') }})
),

returns as (
{% endif %}
    select
        ticker,
        trade_date,
        close,
        lag(close) over w as prev_close,
        price,
        lag(price) over w as prev_price,
        price / lag(price) over w - 1 as daily_return,
        _ingested_at
    from prices
    window w as (partition by ticker order by trade_date)
)

select r.*
from returns as r
{% if is_incremental() %}
inner join changed as c on c.ticker = r.ticker and r.trade_date >= c.from_date
{% endif %}
order by r.trade_date, r.ticker
