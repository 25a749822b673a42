-- Event x relative session day -10..+10: matched articles, the pre-event baseline and the spike ratio.
-- Days are trading sessions (news on a weekend or holiday counts toward the next session). The
-- baseline is the mean over sessions news_baseline_start..news_baseline_end (default -30..-11)
-- that the collection covers: sessions before the first collected item are unknown, not quiet.
with calendar as (
    select
        c.event_id,
        c.window_start,
        c.window_end,
        s.session_index - c.day0_index as relative_day,
        s.trade_date as news_date
    from {{ ref('int_event_calendar') }} as c
    inner join {{ ref('int_trading_sessions') }} as s
        on s.session_index between c.day0_index + least({{ var('news_baseline_start') }}, c.window_start)
                               and c.day0_index + c.window_end
),

counts as (
    -- tone: the mean VADER compound score of the day's English headlines; others are counted, not scored
    select
        m.event_id,
        m.relative_day,
        count(distinct m.item_key) as articles_matched,
        avg(t.tone_compound) filter (where t.tone_scored) as mean_tone,
        count(*) filter (where t.tone_scored) as articles_tone_scored,
        count(*) filter (where not t.tone_scored) as articles_not_scored
    from {{ ref('int_event_news_matches') }} as m
    left join {{ ref('int_news_item_tone') }} as t using (item_key)
    group by m.event_id, m.relative_day
),

coverage as (
    select min(session_date) as first_covered_session
    from {{ ref('int_news_item_sessions') }}
),

daily as (
    select
        cal.event_id,
        cal.window_start,
        cal.window_end,
        cal.relative_day,
        cal.news_date,
        coalesce(n.articles_matched, 0) as articles_matched,
        n.mean_tone,
        coalesce(n.articles_tone_scored, 0) as articles_tone_scored,
        coalesce(n.articles_not_scored, 0) as articles_not_scored
    from calendar as cal
    left join counts as n using (event_id, relative_day)
),

baseline as (
    select
        d.event_id,
        avg(d.articles_matched) as baseline,
        count(*) as baseline_days
    from daily as d
    cross join coverage as cv
    where d.relative_day between {{ var('news_baseline_start') }} and {{ var('news_baseline_end') }}
      and d.news_date >= cv.first_covered_session
    group by d.event_id
)

select
    d.event_id,
    d.relative_day,
    d.news_date,
    d.articles_matched,
    b.baseline,
    coalesce(b.baseline_days, 0) as baseline_days,
    case when b.baseline > 0 then d.articles_matched / b.baseline end as spike_ratio,
    d.mean_tone,
    d.articles_tone_scored,
    d.articles_not_scored
from daily as d
left join baseline as b using (event_id)
where d.relative_day between d.window_start and d.window_end
