-- Abnormal return AR = R - (alpha + beta * Rm) as a fraction, on every day from the estimation
-- start to the event-window end: estimation-window ARs are the model residuals the rank, sign
-- and cross-correlation tests need. Constant mean ignores the benchmark (beta = 0).
-- A view over the whole grid, for anyone who wants it; the models read the two tables cut from it,
-- int_event_window_returns (every column, event and CAR windows) and int_event_stock_residuals
-- (six narrow columns, the cross-section's pairs on the estimation and event windows), which are
-- a fraction of its size to write.
{{ config(materialized='view') }}

select
    r.event_id,
    r.ticker,
    r.relative_day,
    r.in_estimation,
    r.in_window,
    r.in_horizon,
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
left join {{ ref('int_market_model') }} as m using (event_id, ticker)
