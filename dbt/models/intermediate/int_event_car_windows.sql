-- Event x CAR window: the windows an event names in the events file (column car_windows), else the
-- project's default list (var car_windows). Duplicates in an event's list count once.
with own as (
    select distinct
        event_id,
        w.window_start,
        w.window_end
    from (
        select event_id, unnest(car_windows) as w
        from {{ ref('int_event_calendar') }}
        where car_windows is not null
    )
),

defaults as (
    select
        c.event_id,
        d.window_start,
        d.window_end
    from {{ ref('int_event_calendar') }} as c
    cross join {{ car_windows() }} as d
    where c.car_windows is null
)

select event_id, window_start, window_end, window_end - window_start + 1 as window_days
from own
union all
select event_id, window_start, window_end, window_end - window_start + 1 as window_days
from defaults
