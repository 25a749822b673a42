-- Every poll of every feed (or read of a feed file), as landed.
-- Incremental like stg_prices: a run reads only the batches landed since the last one.
{{ config(
    materialized='incremental',
    unique_key=['feed_id', 'polled_at'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

with source as (
    select * from {{ lake_source('feed_polls', new_only=is_incremental()) }}
)

select
    feed_id,
    url,
    polled_at,
    status,
    cast(http_status as integer) as http_status,
    cast(coalesce(items, 0) as integer) as items,
    error,
    _batch_id,
    _ingested_at
from source
qualify row_number() over (partition by feed_id, polled_at order by _ingested_at desc, _batch_id desc) = 1
order by polled_at, feed_id
