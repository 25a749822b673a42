select
    e.event_id,
    e.title,
    e.event_date,
    c.day0_date,
    e.keywords,
    e.tickers,
    e.origin,
    c.estimation_start,
    c.estimation_end,
    c.window_start,
    c.window_end
from {{ ref('stg_events') }} as e
left join {{ ref('int_event_calendar') }} as c using (event_id)
