-- Corrado (1989) ranks with the Corrado-Zivney (1992) standardisation: each stock's abnormal
-- returns over its estimation window plus the event window are ranked (ties get the average rank),
-- U = rank / (T + 1) - 0.5 with T that stock's number of days, then averaged across stocks per day.
with ranked as (
    select
        event_id,
        ticker,
        relative_day,
        in_estimation,
        in_window,
        rank() over (partition by event_id, ticker order by abnormal_return)
            + (count(*) over (partition by event_id, ticker, abnormal_return) - 1) / 2.0 as rank_avg,
        count(*) over (partition by event_id, ticker) as days_ranked
    from {{ ref('int_event_stock_residuals') }}
)

select
    event_id,
    relative_day,
    count(*) as stocks,
    avg(rank_avg / (days_ranked + 1) - 0.5) as mean_u
from ranked
group by event_id, relative_day
