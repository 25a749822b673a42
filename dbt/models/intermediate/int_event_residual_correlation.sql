-- Average pairwise Pearson correlation of the stocks' estimation-window residuals, per event
-- (Kolari and Pynnönen 2010): every ticker shares the event date, so their abnormal returns are
-- not independent. Each pair uses the days on which both have a residual.
with est as (
    select event_id, ticker, relative_day, abnormal_return
    from {{ ref('int_event_stock_residuals') }}
    where in_estimation
),

pairs as (
    select
        a.event_id,
        a.ticker as ticker_a,
        b.ticker as ticker_b,
        corr(a.abnormal_return, b.abnormal_return) as correlation
    from est as a
    inner join est as b
        on a.event_id = b.event_id and a.relative_day = b.relative_day and a.ticker < b.ticker
    group by all
)

select
    event_id,
    count(correlation) as pairs,
    avg(correlation) as mean_correlation
from pairs
group by event_id
