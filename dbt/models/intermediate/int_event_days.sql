-- Event x session, from the estimation start to the event-window end, with the relative day and
-- which window the day belongs to. Small (about 260 rows per event), and the one place the window
-- flags are set: a filter on in_window or in_estimation reaches this table's scan through the
-- views above it, so each cut of the event returns computes only its own days.
-- in_horizon marks the days of the CAR windows (var car_windows), which may reach past the event
-- window ([0, +60]); the rank test and the daily mart keep to the event window.
select
    c.event_id,
    s.trade_date,
    s.session_index - c.day0_index as relative_day,
    s.session_index - c.day0_index between c.estimation_start and c.estimation_end as in_estimation,
    s.session_index - c.day0_index between c.window_start and c.window_end as in_window,
    s.session_index - c.day0_index between {{ study_horizon_start() }} and {{ study_horizon_end() }} as in_horizon
from {{ ref('int_event_calendar') }} as c
inner join {{ ref('int_trading_sessions') }} as s
    on s.session_index between c.day0_index + c.estimation_start
        and c.day0_index + greatest(c.window_end, {{ study_horizon_end() }})
