-- One row per (ticker, session): when batches overlap, the latest landing wins.
-- Incremental: a run reads only the batch files the published warehouse has not consumed (the
-- build's list in raw.lake_batches, see macros/lake_source.sql) and replaces the (ticker, session)
-- rows they carry, so a late or corrected batch overrides what an earlier one said. Every new batch
-- landed after every consumed one (else the build is a full one), so "latest wins" agrees with a
-- full build.
{{ config(
    materialized='incremental',
    unique_key=['ticker', 'trade_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ record_incremental_range('_ingested_at', watermark(this, '_ingested_at') if is_incremental() else none) }}"
) }}

with source as (
    select * from {{ lake_source('prices', new_only=is_incremental()) }}
)

select
    ticker,
    cast(date as date) as trade_date,
    open,
    high,
    low,
    close,
    adj_close,
    volume,
    _batch_id,
    _ingested_at
from source
qualify row_number() over (partition by ticker, cast(date as date) order by _ingested_at desc, _batch_id desc) = 1
-- Stored in session order so later runs' range filters on trade_date prune by zone map.
order by trade_date, ticker
