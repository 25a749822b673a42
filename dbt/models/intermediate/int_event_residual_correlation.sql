-- Average pairwise Pearson correlation of the stocks' estimation-window residuals, per event
-- (Kolari and Pynnönen 2010): every ticker shares the event date, so their abnormal returns are
-- not independent. Each pair uses the days on which both have a residual. The mean comes from
-- the z-score identity in one pass when every stock has every day, else from explicit pairs
-- (the mean_pairwise_correlation macro, shared with int_event_group_caar_statistics).
with est as (
    select event_id, ticker, relative_day, abnormal_return
    from {{ ref('int_event_stock_residuals') }}
    where in_estimation
),

correlations as (
    {{ mean_pairwise_correlation('est', ['event_id']) }}
)

select event_id, pairs, mean_correlation
from correlations
