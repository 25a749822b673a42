-- The event window's and the CAR windows' rows of int_event_abnormal_returns (in_window: [-10, +10];
-- in_horizon: the CAR windows, up to [0, +60]), every column: what the daily mart, the CARs and
-- BHARs, the market value and the day-0 impact read. Not sorted: ordering its 5 million rows
-- doubled the model's time at 500 tickers x 100 events, and every reader groups or partitions.
select *
from {{ ref('int_event_abnormal_returns') }}
where in_window or in_horizon
