-- News volume per event from int_event_news_daily (what the news mart publishes): articles on day 0
-- and the peak spike ratio (articles / baseline).
select
    event_id,
    cast(sum(case when relative_day = 0 then articles_matched end) as bigint) as news_articles_day0,
    cast(max(spike_ratio) as double) as news_peak_spike_ratio,
    cast(arg_max(relative_day, spike_ratio) as integer) as news_peak_relative_day
from {{ ref('int_event_news_daily') }}
group by event_id
