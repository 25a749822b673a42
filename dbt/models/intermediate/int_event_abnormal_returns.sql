-- Abnormal return AR = R - (alpha + beta * Rm) on every day of the event window, as a fraction.
select
    r.event_id,
    r.ticker,
    r.relative_day,
    r.trade_date,
    r.close,
    r.prev_close,
    r.price,
    r.daily_return,
    r.benchmark_return,
    r.daily_return - (m.alpha + m.beta * r.benchmark_return) as abnormal_return,
    m.alpha,
    m.beta,
    m.sigma,
    m.estimation_days
from {{ ref('int_event_returns') }} as r
inner join {{ ref('int_event_calendar') }} as c using (event_id)
left join {{ ref('int_market_model') }} as m using (event_id, ticker)
where r.relative_day between c.window_start - 1 and c.window_end
