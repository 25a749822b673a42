with source as (
    select * from {{ lake_source('shares') }}
)

select
    ticker,
    cast(as_of_date as date) as as_of_date,
    shares_outstanding,
    _batch_id,
    _ingested_at
from source
qualify row_number() over (partition by ticker, cast(as_of_date as date) order by _ingested_at desc, _batch_id desc) = 1
