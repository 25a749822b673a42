-- One row per news item: copies of an article from several feeds and several polls collapse on item_key.
-- The kept copy is the first one landed that carries its own date (an undated copy's time is a fetch time).
-- Incremental: a run finds the item_keys of the batches landed since the last one and recomputes just
-- those items from every copy of them in the lake, so a later copy (another feed, a dated copy of an
-- undated item) updates feed_ids, publishers, feed_count, first_seen_at and the kept copy exactly.
{{ config(
    materialized='incremental',
    unique_key='item_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with source as (
    select * from {{ lake_source('news') }}
    where item_key is not null
    {% if is_incremental() %}
    and item_key in (
        select item_key from {{ lake_source('news', new_only=true) }}
    )
    {% endif %}
),

feeds_per_item as (
    select
        item_key,
        list_sort(list(distinct feed_id)) as feed_ids,
        list_sort(list(distinct publisher) filter (where publisher is not null)) as publishers,
        count(distinct feed_id) as feed_count,
        min(_ingested_at) as first_seen_at,
        max(_ingested_at) as last_seen_at
    from source
    group by item_key
),

kept as (
    select *
    from source
    qualify row_number() over (
        partition by item_key
        order by date_is_fetch_time asc, _ingested_at asc, feed_id asc, _batch_id asc
    ) = 1
)

select
    k.item_key,
    k.title,
    k.summary,
    k.link,
    k.guid,
    k.language,
    k.publisher,
    k.published_at,
    cast(timezone('UTC', k.published_at) as date) as news_date,
    k.date_is_fetch_time,
    f.feed_ids,
    f.publishers,
    f.feed_count,
    f.first_seen_at,
    f.last_seen_at
from kept as k
inner join feeds_per_item as f using (item_key)
-- Stored in date order so int_news_item_sessions' range filter on news_date prunes by zone map.
order by news_date, item_key
