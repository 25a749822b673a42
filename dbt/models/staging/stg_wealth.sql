-- One row per (snapshot_date, person): when batches overlap (a CSV history and a live snapshot of
-- the same day), the latest landing wins. Amounts move from USD millions to dollars here.
with source as (
    select * from {{ lake_source('wealth') }}
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
