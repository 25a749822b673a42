-- Average pairwise Pearson correlation of the stocks' estimation-window residuals, per event
-- (Kolari and Pynnönen 2010): every ticker shares the event date, so their abnormal returns are
-- not independent. Each pair uses the days on which both have a residual.
--
-- Pairing every stock with every other costs N^2 x T rows (500 stocks, 240 days: 30 million per
-- event). When every stock of an event has a residual on every one of the event's estimation days
-- and a non-zero spread (the usual case), the mean needs no pairs: with z the residuals
-- standardised per stock, r_ij = sum_t z_it z_jt / (T - 1), and summed over all pairs
--   sum_{i<j} r_ij = sum_t ((sum_i z_it)^2 - sum_i z_it^2) / (2 (T - 1)),
-- one pass over the residuals. Events with gaps (a stock listed mid-window, a missing session)
-- are paired explicitly, so each pair still uses exactly its common days.
with est as (
    select event_id, ticker, relative_day, abnormal_return
    from {{ ref('int_event_stock_residuals') }}
    where in_estimation
),

per_stock as (
    select
        event_id,
        ticker,
        count(*) as days,
        avg(abnormal_return) as mean_ar,
        stddev_samp(abnormal_return) as sd_ar
    from est
    group by event_id, ticker
),

event_days as (
    select event_id, count(distinct relative_day) as days
    from est
    group by event_id
),

shape as (
    select
        p.event_id,
        count(*) as stocks,
        any_value(d.days) as days,
        bool_and(p.days = d.days and p.sd_ar > 0) and count(*) >= 2 and any_value(d.days) >= 2 as complete
    from per_stock as p
    inner join event_days as d using (event_id)
    group by p.event_id
),

day_sums as (
    select
        e.event_id,
        e.relative_day,
        sum((e.abnormal_return - p.mean_ar) / p.sd_ar) as sum_z,
        sum(((e.abnormal_return - p.mean_ar) / p.sd_ar) ^ 2) as sum_z2
    from est as e
    inner join per_stock as p using (event_id, ticker)
    inner join shape as s using (event_id)
    where s.complete
    group by e.event_id, e.relative_day
),

complete_events as (
    select
        s.event_id,
        s.stocks * (s.stocks - 1) // 2 as pairs,
        sum(d.sum_z ^ 2 - d.sum_z2) / (2 * (s.days - 1)) / (s.stocks * (s.stocks - 1) / 2) as mean_correlation
    from day_sums as d
    inner join shape as s using (event_id)
    group by s.event_id, s.stocks, s.days
),

gappy as (
    select e.*
    from est as e
    inner join shape as s using (event_id)
    where not s.complete
),

pairs as (
    select
        a.event_id,
        a.ticker as ticker_a,
        b.ticker as ticker_b,
        corr(a.abnormal_return, b.abnormal_return) as correlation
    from gappy as a
    inner join gappy as b
        on a.event_id = b.event_id and a.relative_day = b.relative_day and a.ticker < b.ticker
    group by all
)

select event_id, pairs, mean_correlation
from complete_events
union all
select
    event_id,
    count(correlation) as pairs,
    avg(correlation) as mean_correlation
from pairs
group by event_id
