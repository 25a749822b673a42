-- One row per (ticker, session): when batches overlap, the latest landing wins.
with source as (
    select * from {{ lake_source('prices') }}
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
