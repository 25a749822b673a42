-- Which entities each news item names (title and summary), one row per item and entity.
with items as (
    select
        item_key,
        {{ match_text("coalesce(title, '') || ' ' || coalesce(summary, '')") }} as text_match
    from {{ ref('stg_news_items') }}
),

aliases as (
    select distinct entity_type, entity_id, entity_name, alias, {{ match_text('alias') }} as alias_match
    from {{ ref('int_news_entities') }}
)

select
    i.item_key,
    a.entity_type,
    a.entity_id,
    min(a.entity_name) as entity_name,
    list_sort(list(distinct a.alias)) as aliases_matched
from items as i
inner join aliases as a on contains(i.text_match, a.alias_match)
group by i.item_key, a.entity_type, a.entity_id
