-- Records and context: the largest one-day moves in the lake, by market value change (USD, stocks
-- with a shares figure) and by percent return, down and up, ranked
--   record_scope = 'watchlist'  the top var('records_top_n') over every watchlist ticker-session
--   record_scope = 'ticker'     the top var('records_top_n') of each ticker
--   record_scope = 'event'      every event's day 0 of every ticker it studies, ranked among all
--                               sessions of that ticker ("the 3rd largest NVDA drop in the lake")
-- largest_since_date is the latest earlier session with a larger move of the same kind in the same
-- scope (that ticker; any ticker for the watchlist): "the largest since <date>". Null: no earlier
-- session in the lake had a larger one, so the move is the largest since the lake begins (and,
-- at rank 1, the largest in the lake).
{%- set top_n = var('records_top_n') | int %}
-- Every ticker-session is ranked, but only narrow rows are: the CTEs read more than once are kept
-- whole by DuckDB, and with the company and both measures on each of 10 million sessions they
-- outgrew the build's memory ceiling. The few chosen rows get their columns back at the end.
with measures as (
    select ticker, trade_date, ranked_by, value
    from {{ ref('int_ticker_moves') }}
),

event_days as (
    select t.event_id, t.ticker, c.day0_date
    from {{ ref('int_event_tickers') }} as t
    inner join {{ ref('int_event_calendar') }} as c using (event_id)
),

ranked as (
    -- the ranks of every session, kept for the sessions some scope chooses
    select *
    from (
        select
            ticker,
            trade_date,
            ranked_by,
            value,
            case when value < 0 then 'down' else 'up' end as direction,
            rank() over (partition by ticker, ranked_by, value < 0 order by abs(value) desc) as ticker_rank,
            count(*) over (partition by ticker, ranked_by, value < 0) as ticker_sessions,
            rank() over (partition by ranked_by, value < 0 order by abs(value) desc) as watchlist_rank,
            count(*) over (partition by ranked_by, value < 0) as watchlist_sessions
        from measures
    ) as m
    where ticker_rank <= {{ top_n }}
        or watchlist_rank <= {{ top_n }}
        or (ticker, trade_date) in (select (ticker, day0_date) from event_days)
),

chosen as (
    select 'watchlist' as record_scope, cast(null as varchar) as event_id, r.*,
           r.watchlist_rank as scope_rank, r.watchlist_sessions as scope_sessions
    from ranked as r where r.watchlist_rank <= {{ top_n }}
    union all
    select 'ticker', null, r.*, r.ticker_rank, r.ticker_sessions
    from ranked as r where r.ticker_rank <= {{ top_n }}
    union all
    select 'event', e.event_id, r.*, r.ticker_rank, r.ticker_sessions
    from event_days as e
    inner join ranked as r on r.ticker = e.ticker and r.trade_date = e.day0_date
),

since as (
    -- the latest earlier larger move of the same kind: within the ticker, or any ticker for the
    -- watchlist (int_ticker_move_since)
    select
        ticker,
        trade_date,
        ranked_by,
        ticker_since_date,
        watchlist_since_date
    from {{ ref('int_ticker_move_since') }}
)

select
    c.record_scope,
    c.event_id,
    c.ranked_by,
    c.direction,
    c.scope_rank as rank,
    c.scope_sessions as sessions_ranked,
    c.ticker,
    w.company,
    c.trade_date,
    mv.return_pct,
    mv.market_cap_change_usd,
    c.ticker_rank,
    c.watchlist_rank,
    case when c.record_scope = 'watchlist' then s.watchlist_since_date else s.ticker_since_date end
        as largest_since_date,
    case
        when c.scope_rank = 1
            then 'largest ' || c.direction || ' move in the lake'
                 || case when c.record_scope = 'watchlist' then '' else ' for ' || c.ticker end
        when largest_since_date is null
            then 'largest since the lake begins (' || strftime(f.first_date, '%Y-%m-%d') || ')'
        else 'largest since ' || strftime(largest_since_date, '%Y-%m-%d')
    end as context
from chosen as c
inner join {{ ref('stg_watchlist') }} as w using (ticker)
inner join {{ ref('int_ticker_moves') }} as mv using (ticker, trade_date, ranked_by)
cross join (select min(trade_date) as first_date from measures) as f
left join since as s
    on s.ticker = c.ticker
    and s.trade_date = c.trade_date
    and s.ranked_by = c.ranked_by
