-- Sessions on which at least one watchlist ticker moved (int_detected_moves), one event per
-- session: event_id detected-YYYY-MM-DD. A detected session that is a curated event's day 0 keeps
-- its own row and names the curated event in linked_event_id (the study is the curated one's);
-- every other detected event is studied under its own id (int_event_calendar).
with moves as (
    select * from {{ ref('int_detected_moves') }} where moved
),

sessions as (
    select
        {{ detected_event_id('trade_date') }} as event_id,
        trade_date,
        list(ticker order by abs(score) desc, ticker) as tickers,
        list(company order by abs(score) desc, ticker) as companies,
        count(*) as tickers_moved,
        max(abs(score)) as max_abs_score,
        bool_or(is_benchmark) as benchmark_moved
    from moves
    group by trade_date
)

select
    s.*,
    c.event_id as linked_event_id
from sessions as s
left join {{ ref('int_event_calendar') }} as c on c.day0_date = s.trade_date and c.origin = 'curated'
qualify row_number() over (partition by s.event_id order by c.event_id) = 1
