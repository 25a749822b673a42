-- The cross-sectional sample's abnormal returns: the pairs int_event_cross_section keeps (stocks
-- with a long enough estimation window), on the estimation window and the event window. The rank
-- test and the event-wide and group cross-correlations read from here, so it is stored once
-- (a view was evaluated by each of them: a union over 18 million rows and a join on two text keys),
-- straight from the grid of int_event_abnormal_returns. pair_id numbers the (event, ticker) pairs
-- of this build: the rank test sorts each pair's days, and an integer partition key sorts in half
-- the time of the two text columns.
with pairs as (
    select
        event_id,
        ticker,
        cast(row_number() over (order by event_id, ticker) as integer) as pair_id
    from {{ ref('int_event_cross_section') }}
    where caar_exclusion_reason is null
),

days as (
    -- one pass over the grid view: a filter on the window flags reaches int_event_days
    select event_id, ticker, relative_day, in_estimation, in_window, abnormal_return
    from {{ ref('int_event_abnormal_returns') }}
    where (in_estimation or in_window) and abnormal_return is not null
)

select
    d.event_id,
    d.ticker,
    p.pair_id,
    d.relative_day,
    d.in_estimation,
    d.in_window,
    d.abnormal_return
from days as d
inner join pairs as p using (event_id, ticker)
