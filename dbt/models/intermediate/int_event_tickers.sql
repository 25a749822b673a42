-- Which tickers each event studies: its own list when given, else every ticker with a price on day 0;
-- only watchlist tickers either way (a ticker that landed but is not followed is never studied).
with listed as (
    select c.event_id, unnest(c.tickers) as ticker
    from {{ ref('int_event_calendar') }} as c
    where c.tickers is not null
),

traded as (
    select c.event_id, r.ticker
    from {{ ref('int_event_calendar') }} as c
    inner join {{ ref('int_daily_returns') }} as r on r.trade_date = c.day0_date
    where c.tickers is null
),

chosen as (
    select * from listed
    union
    select * from traded
)

select
    ch.event_id,
    ch.ticker,
    w.company,
    w.sector,
    w.asset_type,
    coalesce(c.benchmark_override, w.benchmark, '{{ var("default_benchmark") }}') as benchmark
from chosen as ch
inner join {{ ref('int_event_calendar') }} as c using (event_id)
inner join {{ ref('stg_watchlist') }} as w using (ticker)
