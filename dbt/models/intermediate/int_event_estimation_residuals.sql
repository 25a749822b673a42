-- The estimation window's model residuals, one narrow row per event, ticker and day, for every
-- pair studied. in_window marks days that an event's own estimation window shares with the event
-- window. A view: the sign, rank and cross-correlation tests read the stored cut of the same rows
-- for the cross-section's pairs (int_event_stock_residuals), so these 17 million rows at 500
-- tickers x 100 events are not written twice.
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
