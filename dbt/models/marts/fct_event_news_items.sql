-- Event x news item inside the event window: what was published, where, whom it named, how
-- relevant it is to the event and its tone.
--   relevance_score = 3 x the event's keywords matched + 1 x the other entities matched (companies,
--                     people, instruments of the event) + 2 / (1 + |relative day|) (closeness to day 0)
--   relevance_rank  1 = the most relevant item of the event (ties: nearer day 0, then earlier)
--   tone_compound   VADER's compound score of an English headline (int_news_item_tone); null and
--                   tone_note for another language
with items as (
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
    len(m.matched_entities) as matched_entity_count,
    m.keywords_matched,
    3 * m.keywords_matched + (len(m.matched_entities) - m.keywords_matched)
        + 2.0 / (1 + abs(m.relative_day)) as relevance_score,
    t.tone_compound,
    t.tone_note
from {{ ref('int_event_news_matches') }} as m
inner join {{ ref('stg_news_items') }} as i using (item_key)
inner join {{ ref('int_event_calendar') }} as c using (event_id)
left join {{ ref('int_news_item_tone') }} as t using (item_key)
where m.relative_day between c.window_start and c.window_end
)

select
    *,
    row_number() over (
        partition by event_id order by relevance_score desc, abs(relative_day), published_at, item_key
    ) as relevance_rank
from items
