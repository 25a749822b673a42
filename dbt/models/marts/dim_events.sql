-- One row per event: the curated events of the seed and the sessions the detector flagged.
-- A detected event keeps its own id even on a curated event's day 0 and names it in linked_event_id
-- (the curated event's study covers that session); every other detected event is studied like a
-- curated one (int_event_calendar), so the study marts have rows for it.
with curated as (
    select
        e.event_id,
        e.title,
        e.event_date,
        c.day0_date,
        e.keywords,
        e.tickers,
        e.origin,
        c.model,
        c.estimation_start,
        c.estimation_end,
        c.window_start,
        c.window_end,
        cast(null as varchar) as linked_event_id,
        d.event_id as detected_event_id
    from {{ ref('stg_events') }} as e
    left join {{ ref('int_event_calendar') }} as c using (event_id)
    left join {{ ref('int_detected_events') }} as d on d.trade_date = c.day0_date
),

detected as (
    select
        event_id,
        'Detected: ' || array_to_string(tickers[1:5], ', ')
            || case when tickers_moved > 5 then ' and ' || (tickers_moved - 5) || ' more' else '' end
            || ' beyond {{ var("detect_sigma") }} sigma' as title,
        trade_date as event_date,
        trade_date as day0_date,
        companies as keywords,
        tickers,
        'detected' as origin,
        '{{ var("default_model") }}' as model,
        {{ var('estimation_start') }} as estimation_start,
        {{ var('estimation_end') }} as estimation_end,
        {{ var('window_start') }} as window_start,
        {{ var('window_end') }} as window_end,
        linked_event_id,
        cast(null as varchar) as detected_event_id
    from {{ ref('int_detected_events') }}
)

select * from curated
union all by name
select * from detected
