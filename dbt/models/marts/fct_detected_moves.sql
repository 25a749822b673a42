-- The ticker moves behind each detected event: one row per detected session x moved ticker.
select
    e.event_id,
    e.linked_event_id,
    m.trade_date,
    m.ticker,
    m.company,
    m.asset_type,
    m.is_benchmark,
    m.benchmark,
    m.daily_return * 100 as return_pct,
    m.benchmark_return * 100 as benchmark_return_pct,
    m.abnormal_return * 100 as abnormal_return_pct,
    m.sigma,
    m.estimation_days,
    m.score
from {{ ref('int_detected_moves') }} as m
inner join {{ ref('int_detected_events') }} as e using (trade_date)
where m.moved
