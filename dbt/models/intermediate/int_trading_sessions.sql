-- The market calendar: the exchange's sessions (int_exchange_sessions, from exchange_calendars) from the
-- first to the last date on which a watchlist ticker has a price, numbered in order. The rows only set
-- the span: a row of a ticker outside the watchlist, or dated on a weekend or holiday, adds no session
-- and moves no number. A session with no price at all (a gap in the data) is still a session.
-- _ingested_at is when the session entered the calendar: once a watchlist row dated on or before it and
-- one dated on or after it had both landed. A session whose _ingested_at is after an incremental
-- model's mark is new to it (see macros/incremental_ranges.sql).
with watched as (
    select p.trade_date, min(p._ingested_at) as _ingested_at
    from {{ ref('stg_prices') }} as p
    inner join {{ ref('stg_watchlist') }} as w using (ticker)
    group by p.trade_date
),

sessions as (
    select s.trade_date, w._ingested_at
    from {{ ref('int_exchange_sessions') }} as s
    left join watched as w using (trade_date)
    where s.trade_date between (select min(trade_date) from watched) and (select max(trade_date) from watched)
)

select
    trade_date,
    row_number() over (order by trade_date) as session_index,
    greatest(
        min(_ingested_at) over (order by trade_date rows between unbounded preceding and current row),
        min(_ingested_at) over (order by trade_date rows between current row and unbounded following)
    ) as _ingested_at
from sessions
