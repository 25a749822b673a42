-- Event x window: average and cumulative average abnormal returns over the stocks of the
-- cross-section (int_event_cross_section) with a complete CAR, and the test statistics. Their p-values are added in the mart
-- fct_event_caar (a Python model: DuckDB has no normal or t distribution function).
--   t_cs      CAAR / (s(CAR) / sqrt N)                                    t, N - 1 dof
--   patell_z  sum SCAR / sqrt(sum dof / (dof - 2))                        normal
--   bmp_t     mean SCAR / (s(SCAR) / sqrt N)   (Boehmer et al. 1991)      t, N - 1 dof
--   kp_t      bmp_t sqrt((1 - r) / (1 + (N - 1) r)), r the mean residual cross-correlation
--             (Kolari and Pynnönen 2010)                                  t, N - 1 dof
--   rank_z    sum over the window of mean U / (sqrt L s(U)), s(U)^2 the mean of (mean U)^2
--             over every ranked day (Corrado 1989, Cowan 1992 for windows) normal; ranks cover
--             the estimation and event windows, so a window reaching past +10 has no rank_z
--   t_bhar    mean BHAR / (s(BHAR) / sqrt N)                              t, N - 1 dof
--   sign_z    (w - N p) / sqrt(N p (1 - p)), w the positive CARs, p the mean share of positive
--             estimation-window residuals (Cowan 1992, generalised sign)  normal
with sample as (
    -- the cross-section rule (stocks with a long enough estimation window) is int_event_cross_section's
    select c.*
    from {{ ref('int_event_car') }} as c
    inner join {{ ref('int_event_cross_section') }} as x using (event_id, ticker)
    where x.caar_exclusion_reason is null and c.car is not null
),

moments as (
    select
        event_id,
        window_start,
        window_end,
        any_value(window_days) as window_days,
        count(*) as n,
        count(*) filter (where car > 0) as n_positive,
        count(*) filter (where car < 0) as n_negative,
        avg(car) as caar,
        stddev_samp(car) as sd_car,
        avg(bhar) as mean_bhar,
        stddev_samp(bhar) as sd_bhar,
        sum(scar) as sum_scar,
        avg(scar) as mean_scar,
        stddev_samp(scar) as sd_scar,
        sum(sigma_dof / (sigma_dof - 2.0)) as patell_variance,
        avg(est_positive_share) as p_positive
    from sample
    group by event_id, window_start, window_end
),

rank_scale as (
    select event_id, sqrt(avg(mean_u * mean_u)) as s_u
    from {{ ref('int_event_rank_means') }}
    group by event_id
),

rank_window as (
    select w.window_start, w.window_end, r.event_id, sum(r.mean_u) as sum_u, count(*) as days
    from {{ ref('int_event_car_windows') }} as w
    inner join {{ ref('int_event_rank_means') }} as r
        on r.event_id = w.event_id and r.relative_day between w.window_start and w.window_end
    group by all
),

stats as (
    select
        m.*,
        rc.mean_correlation,
        m.caar / nullif(m.sd_car / sqrt(m.n), 0) as t_cs,
        m.mean_bhar / nullif(m.sd_bhar / sqrt(m.n), 0) as t_bhar,
        m.sum_scar / sqrt(m.patell_variance) as patell_z,
        m.mean_scar / nullif(m.sd_scar / sqrt(m.n), 0) as bmp_t,
        case when rw.days = m.window_days then rw.sum_u / nullif(sqrt(m.window_days) * rs.s_u, 0) end as rank_z,
        (m.n_positive - m.n * m.p_positive) / nullif(sqrt(m.n * m.p_positive * (1 - m.p_positive)), 0) as sign_z
    from moments as m
    left join {{ ref('int_event_residual_correlation') }} as rc using (event_id)
    left join rank_scale as rs using (event_id)
    left join rank_window as rw using (event_id, window_start, window_end)
)

select
    event_id,
    window_start,
    window_end,
    window_days,
    n,
    n_positive,
    n_negative,
    caar / window_days as aar,
    caar,
    t_cs,
    mean_bhar,
    t_bhar,
    patell_z,
    bmp_t,
    mean_correlation,
    case when n > 1 and 1 + (n - 1) * mean_correlation > 0 and mean_correlation < 1
         then bmp_t * sqrt((1 - mean_correlation) / (1 + (n - 1) * mean_correlation)) end as kp_t,
    rank_z,
    p_positive,
    sign_z
from stats
