-- The cross-sectional sample's abnormal returns: the pairs int_event_cross_section keeps (stocks
-- with a long enough estimation window), on the estimation window and the event window. The rank
-- test and the cross-correlation adjustment read from here. A view over the two stored cuts of the abnormal returns; a day in
-- both windows comes from the event window's table only.
{{ config(materialized='view') }}

with days as (
    select event_id, ticker, relative_day, true as in_estimation, false as in_window, abnormal_return
    from {{ ref('int_event_estimation_residuals') }}
    where not in_window
    union all
    select event_id, ticker, relative_day, in_estimation, in_window, abnormal_return
    from {{ ref('int_event_window_returns') }}
    where abnormal_return is not null and in_window
)

select
    d.event_id,
    d.ticker,
    d.relative_day,
    d.in_estimation,
    d.in_window,
    d.abnormal_return
from days as d
inner join {{ ref('int_event_cross_section') }} as x using (event_id, ticker)
where x.caar_exclusion_reason is null
