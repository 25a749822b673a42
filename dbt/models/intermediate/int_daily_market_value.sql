-- Ticker x session: market value on the previous session (shares x close as traded) and its
-- change to this session's close. The one place the shares rule lives: the latest figure dated on
-- or before the previous session; when a ticker has none that old, the earliest later figure (its
-- date is kept so a reader sees which one was used). Tickers without any shares figure have no rows.
with sessions as (
    select
        ticker,
        trade_date,
        session_index,
        close,
        prev_close,
        daily_return,
        lag(trade_date) over (partition by ticker order by trade_date) as prev_date
    from {{ ref('int_daily_returns') }}
    where ticker in (select ticker from {{ ref('stg_shares') }})
),

candidates as (
    select
        d.ticker,
        d.trade_date,
        s.as_of_date,
        s.shares_outstanding,
        row_number() over (
            partition by d.ticker, d.trade_date
            order by (s.as_of_date > d.prev_date), abs(date_diff('day', d.prev_date, s.as_of_date))
        ) as pick
    from sessions as d
    inner join {{ ref('stg_shares') }} as s on s.ticker = d.ticker
    where d.prev_date is not null
)

select
    d.ticker,
    d.trade_date,
    d.session_index,
    d.prev_date,
    d.prev_close,
    d.close,
    d.daily_return,
    c.shares_outstanding,
    c.as_of_date as shares_as_of_date,
    d.prev_close * c.shares_outstanding as market_cap_prev_usd,
    (d.close - d.prev_close) * c.shares_outstanding as market_cap_change_usd
from sessions as d
inner join candidates as c on c.ticker = d.ticker and c.trade_date = d.trade_date and c.pick = 1
