-- The market calendar: every date on which any followed ticker traded, numbered in order.
select
    trade_date,
    row_number() over (order by trade_date) as session_index
from (select distinct trade_date from {{ ref('stg_prices') }})
