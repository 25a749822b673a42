-- Event x ticker x CAR window: CAR as a fraction, its standardised form SCAR = CAR / (sigma sqrt L)
-- (MacKinlay 1997, no prediction-error correction), and what the cross-sectional tests need; and the
-- buy-and-hold abnormal return BHAR = prod(1 + R) - prod(1 + R - AR), the stock's compounded return
-- less the model's compounded normal return (R - AR = alpha + beta Rm) over the window.
-- A CAR or BHAR is only given when every day of the window has an abnormal return. The windows are
-- the event's own or the project's (int_event_car_windows).
with windows as (
    select * from {{ ref('int_event_car_windows') }}
),

summed as (
    select
        a.event_id,
        a.ticker,
        w.window_start,
        w.window_end,
        w.window_days,
        count(a.abnormal_return) as days_observed,
        sum(a.abnormal_return) as car_sum,
        product(1 + a.daily_return) - product(1 + a.daily_return - a.abnormal_return) as bhar_all
    from {{ ref('int_event_horizon_returns') }} as a
    inner join windows as w
        on w.event_id = a.event_id and a.relative_day between w.window_start and w.window_end
    group by all
)

select
    s.event_id,
    s.ticker,
    t.asset_type,
    s.window_start,
    s.window_end,
    s.window_days,
    s.days_observed,
    m.model,
    m.sigma,
    m.sigma_dof,
    case when s.days_observed = s.window_days then s.car_sum end as car,
    case when s.days_observed = s.window_days then s.bhar_all end as bhar,
    case when s.days_observed = s.window_days and m.sigma > 0
         then s.car_sum / (m.sigma * sqrt(s.window_days)) end as scar,
    g.est_positive_share
from summed as s
inner join {{ ref('int_event_tickers') }} as t using (event_id, ticker)
-- the pair's fit: sigma standardises the CAR; int_event_horizon_returns keeps only the daily figures
left join {{ ref('int_market_model') }} as m using (event_id, ticker)
-- the sign test's share of positive estimation-window ARs: the cross-section's pairs only, null for the others
left join {{ ref('int_event_est_positive_share') }} as g using (event_id, ticker)
