-- Event x news item: items naming at least one entity in the event's scope (its keywords, the
-- companies and instruments it studies, people linked to those tickers), with the session offset.
with event_scope as (
    select distinct event_id, entity_type, entity_id
    from {{ ref('int_news_entities') }}
    where entity_type = 'keyword'
    union
    select distinct t.event_id, n.entity_type, n.entity_id
    from {{ ref('int_news_entities') }} as n
    inner join {{ ref('int_event_tickers') }} as t on n.ticker = t.ticker
    where n.entity_type <> 'keyword'
),

matched as (
    select
        sc.event_id,
        m.item_key,
        list_sort(list(distinct m.entity_name)) as matched_entities,
        list_sort(list(distinct m.entity_type)) as matched_entity_types,
        count(distinct m.entity_name) filter (where sc.entity_type = 'keyword') as keywords_matched
    from {{ ref('int_news_item_entities') }} as m
    inner join event_scope as sc using (entity_type, entity_id)
    group by sc.event_id, m.item_key
)

select
    m.event_id,
    m.item_key,
    s.session_date,
    s.session_index - c.day0_index as relative_day,
    m.matched_entities,
    m.matched_entity_types,
    m.keywords_matched
from matched as m
inner join {{ ref('int_news_item_sessions') }} as s using (item_key)
inner join {{ ref('int_event_calendar') }} as c using (event_id)
