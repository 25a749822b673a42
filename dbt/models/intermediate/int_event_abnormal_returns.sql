-- Abnormal return AR = R - (alpha + beta * Rm) as a fraction, on every day from the estimation
-- start to the event-window end: estimation-window ARs are the model residuals the rank, sign
-- and cross-correlation tests need. Constant mean ignores the benchmark (beta = 0).
select
    r.event_id,
    r.ticker,
    r.relative_day,
    r.relative_day between c.estimation_start and c.estimation_end as in_estimation,
    r.relative_day between c.window_start and c.window_end as in_window,
    r.trade_date,
    r.close,
    r.prev_close,
    r.price,
    r.daily_return,
    r.benchmark_return,
    case when m.model = 'constant_mean' then r.daily_return - m.alpha
         else r.daily_return - (m.alpha + m.beta * r.benchmark_return) end as abnormal_return,
    m.model,
    m.alpha,
    m.beta,
    m.sigma,
    m.sigma_dof,
    m.estimation_days
from {{ ref('int_event_returns') }} as r
inner join {{ ref('int_event_calendar') }} as c using (event_id)
left join {{ ref('int_market_model') }} as m using (event_id, ticker)
