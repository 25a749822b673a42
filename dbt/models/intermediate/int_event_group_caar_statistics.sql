-- Event x group x CAR window: CAAR over the group's stocks with a complete CAR, and the two tests
-- that hold up under event-day clustering (the whole group shares day 0):
--   bmp_t  mean SCAR / (s(SCAR) / sqrt N)                         (Boehmer et al. 1991)
--   kp_t   bmp_t sqrt((1 - r) / (1 + (N - 1) r)), r the mean pairwise correlation of the group's
--          estimation-window residuals, each pair over its common days  (Kolari and Pynnönen 2010;
--          int_event_group_residual_correlation, the statistic of int_event_residual_correlation)
-- Both t with N - 1 dof; p-values are added in fct_event_group_caar. The same SCARs as the
-- event-wide CAAR (int_event_car), so a group holding every stock reproduces fct_event_caar.
with members as (
    select * from {{ ref('int_event_group_members') }}
),

moments as (
    select
        m.event_id,
        m.group_type,
        m.group_name,
        c.window_start,
        c.window_end,
        any_value(c.window_days) as window_days,
        count(*) as n,
        string_agg(m.ticker, ', ' order by m.ticker) as tickers,
        avg(c.car) as caar,
        avg(c.scar) as mean_scar,
        stddev_samp(c.scar) as sd_scar
    from members as m
    inner join {{ ref('int_event_car') }} as c using (event_id, ticker)
    where c.car is not null
    group by all
),

stats as (
    select
        m.*,
        g.mean_correlation,
        m.mean_scar / nullif(m.sd_scar / sqrt(m.n), 0) as bmp_t
    from moments as m
    left join {{ ref('int_event_group_residual_correlation') }} as g using (event_id, group_type, group_name)
)

select
    event_id,
    group_type,
    group_name,
    window_start,
    window_end,
    window_days,
    n,
    tickers,
    caar,
    bmp_t,
    mean_correlation,
    case when n > 1 and 1 + (n - 1) * mean_correlation > 0 and mean_correlation < 1
         then bmp_t * sqrt((1 - mean_correlation) / (1 + (n - 1) * mean_correlation)) end as kp_t
from stats
