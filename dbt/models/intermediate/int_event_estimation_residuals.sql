-- The estimation window's model residuals, one narrow row per event, ticker and day: the sign,
-- rank and cross-correlation tests read these, over every day of every ticker, so only the
-- columns they need are stored. in_window marks days that an event's own estimation window
-- shares with the event window. A view: the stored cut the tests read is int_event_stock_residuals
-- (the cross-section's pairs only), so these 17 million rows at 500 tickers x 100 events are not
-- written twice.
{{ config(materialized='view') }}

select
    event_id,
    ticker,
    relative_day,
    in_window,
    abnormal_return
from {{ ref('int_event_abnormal_returns') }}
where in_estimation
  and abnormal_return is not null
