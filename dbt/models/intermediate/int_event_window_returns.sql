-- The event window's and the CAR windows' rows of int_event_abnormal_returns (in_window: [-10, +10];
-- in_horizon: the CAR windows, up to [0, +60]), every column: what the daily mart, the CARs and
-- BHARs, the market value and the day-0 impact read.
select *
from {{ ref('int_event_abnormal_returns') }}
where in_window or in_horizon
order by event_id, ticker, relative_day
