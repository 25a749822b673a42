-- Headlines that named a detected event's moved companies on the session's date or the next day.
-- This is the fallback, used while the project has no news items model: no rows. When models/
-- holds stg_news_items, `aftershock build` swaps in dbt/optional/fct_detected_event_headlines.sql.
select
    cast(null as varchar) as event_id,
    cast(null as varchar) as ticker,
    cast(null as timestamp with time zone) as published_at,
    cast(null as varchar) as source,
    cast(null as varchar) as title,
    cast(null as varchar) as link
where false
