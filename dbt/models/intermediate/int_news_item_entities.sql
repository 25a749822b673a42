-- Which entities each news item names (title and summary), one row per item and entity.
-- Incremental on item_key: a run deletes and re-matches the items with a copy landed since the last
-- run (stg_news_items.last_seen_at), so a match that no longer holds goes too. _entities_hash is the
-- identity of the alias set matched against: when the watchlist, the aliases or people seeds or an
-- event's keywords change it, every item is matched again.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ news_items_to_rematch(this, ref('stg_news_items'), ref('int_news_entities')) }}{% endif %}"
) }}

with items as (
    select
        item_key,
        last_seen_at,
        {{ match_text("coalesce(title, '') || ' ' || coalesce(summary, '')") }} as text_match
    from {{ ref('stg_news_items') }}
    {% if is_incremental() %}
    where {{ news_items_to_rematch(this, ref('stg_news_items'), ref('int_news_entities')) }}
    {% endif %}
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
    list_sort(list(distinct a.alias)) as aliases_matched,
    max(i.last_seen_at) as _ingested_at,
    ({{ news_entities_hash_sql(ref('int_news_entities')) }}) as _entities_hash
from items as i
inner join aliases as a on contains(i.text_match, a.alias_match)
group by i.item_key, a.entity_type, a.entity_id
