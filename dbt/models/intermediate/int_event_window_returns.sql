-- The event window's rows of int_event_abnormal_returns, every column: what the daily mart, the
-- CARs, the market value and the day-0 impact read.
select *
from {{ ref('int_event_abnormal_returns') }}
where in_window
order by event_id, ticker, relative_day
