-- One row per (snapshot_date, person): when batches overlap (a CSV history and a live snapshot of
-- the same day), the latest landing wins. Amounts move from USD millions to dollars here.
-- Incremental like stg_prices: a run reads only the batches landed since the last one and replaces
-- the (snapshot_date, person) rows they carry, so a corrected snapshot overrides the earlier one.
{{ config(
    materialized='incremental',
    unique_key=['snapshot_date', 'person_uri'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ record_incremental_range('_ingested_at', watermark(this, '_ingested_at') if is_incremental() else none) }}"
) }}

with source as (
    select * from {{ lake_source('wealth', new_only=is_incremental()) }}
)

select
    cast(date as date) as snapshot_date,
    person_uri,
    person_name,
    net_worth_musd * 1e6 as net_worth_usd,
    cast(rank as integer) as rank,
    snapshot_at,
    _batch_id,
    _ingested_at
from source
qualify row_number() over (partition by cast(date as date), person_uri order by _ingested_at desc, _batch_id desc) = 1
-- Stored in date order so the wealth models' range filters on snapshot_date prune by zone map.
order by snapshot_date, person_uri
