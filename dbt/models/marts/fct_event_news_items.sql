-- Event x news item inside the event window: what was published, where, and whom it named.
select
    m.event_id,
    m.item_key,
    m.relative_day,
    m.session_date,
    i.published_at,
    i.news_date,
    i.date_is_fetch_time,
    i.publisher as source,
    i.publishers,
    i.feed_ids,
    i.language,
    i.title,
    i.link,
    m.matched_entities,
    len(m.matched_entities) as matched_entity_count
from {{ ref('int_event_news_matches') }} as m
inner join {{ ref('stg_news_items') }} as i using (item_key)
inner join {{ ref('int_event_calendar') }} as c using (event_id)
where m.relative_day between c.window_start and c.window_end
