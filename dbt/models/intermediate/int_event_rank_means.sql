-- Corrado (1989) ranks with the Corrado-Zivney (1992) standardisation: each stock's abnormal
-- returns over its estimation window plus the event window are ranked (ties get the average rank),
-- U = rank / (T + 1) - 0.5 with T that stock's number of days, then averaged across stocks per day.
with ranked as (
    select
        event_id,
        relative_day,
        -- Tied values share the mean of their first and last rank: rank() is the first, and
        -- cume_dist() x T the last (rounded: the product is within a rounding of the integer).
        -- All three come from one parallel sort of each stock's days (T is a count over the whole
        -- sorted partition, not over a second, unsorted partitioning), partitioned by the integer
        -- pair_id rather than the two text keys; a second partitioning by value, or a count over
        -- a peers frame, took two to four times as long at 500 stocks x 100 events.
        (rank() over by_value + round(cume_dist() over by_value * count(*) over whole_stock)) / 2.0 as rank_avg,
        count(*) over whole_stock as days_ranked
    from {{ ref('int_event_stock_residuals') }}
    window by_value as (partition by pair_id order by abnormal_return),
        whole_stock as (
            partition by pair_id order by abnormal_return
            rows between unbounded preceding and unbounded following
        )
)

select
    event_id,
    relative_day,
    count(*) as stocks,
    avg(rank_avg / (days_ranked + 1) - 0.5) as mean_u
from ranked
group by event_id, relative_day
