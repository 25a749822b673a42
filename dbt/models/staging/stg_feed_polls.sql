-- Every poll of every feed (or read of a feed file), as landed.
-- Incremental like stg_prices: a run reads only the batches landed since the last one. A batch landed
-- again under its id (the demo does) replaces its file, and its polls carry new poll times, so the
-- rows of that batch id are deleted first rather than left beside the new ones.
{{ config(
    materialized='incremental',
    unique_key=['feed_id', 'polled_at'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where _batch_id in (select _batch_id from {{ lake_source('feed_polls') }} where _ingested_at > {{ watermark(this, '_ingested_at') }}){% endif %}"
) }}

with source as (
    select * from {{ lake_source('feed_polls') }}
    {% if is_incremental() %}
    where _ingested_at > {{ watermark(this, '_ingested_at') }}
    {% endif %}
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
