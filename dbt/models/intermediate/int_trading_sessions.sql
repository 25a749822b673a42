-- The market calendar: every date on which any followed ticker traded, numbered in order.
-- _ingested_at is the earliest landing among the session's prices: a session whose every row landed
-- after an incremental model's mark is new to it (see macros/incremental_ranges.sql).
select
    trade_date,
    row_number() over (order by trade_date) as session_index,
    _ingested_at
from (select trade_date, min(_ingested_at) as _ingested_at from {{ ref('stg_prices') }} group by trade_date)
