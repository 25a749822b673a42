-- Event x ticker x window: cumulative abnormal return and its t-statistic t = CAR / (sigma sqrt L),
-- and the buy-and-hold abnormal return over the same window.
select
    event_id,
    ticker,
    asset_type,
    window_start,
    window_end,
    window_days,
    model,
    car * 100 as car_pct,
    scar as t_car,
    bhar * 100 as bhar_pct
from {{ ref('int_event_car') }}
