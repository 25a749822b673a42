-- Analogs: for each studied event, the sessions in the lake whose cross-section of abnormal returns
-- looks most like the event's day 0, over the stocks both have (at least var analog_min_tickers).
-- The abnormal returns are the detector's (int_detected_moves: every stock x session scored against
-- its own trailing market model, score = AR / sigma), so an event's day 0 and any other session are
-- measured the same way, whether or not someone defined an event there.
--   similarity   cosine of the two score vectors: 1 = the same stocks moved the same way, as far
--   correlation  Pearson correlation of the scores (the pattern, whatever the level)
-- The sessions and their similarities are int_event_analog_candidates' (a Python model: the sums
-- over the common stocks are matrix products); here they are ranked and their common stocks listed.
-- analog_event_ids names the events whose day 0 the analog session is; news_items counts the
-- news items of that session (the news spike that came with it).
with scores as (
    select ticker, trade_date, score
    from {{ ref('int_detected_moves') }}
    where asset_type = 'stock' and not is_benchmark and score is not null
      and estimation_days >= {{ var('detect_min_days') | int }}
),

ranked as (
    select
        c.*,
        e.day0_date,
        row_number() over (partition by c.event_id order by c.similarity desc, c.analog_date) as rank
    from {{ ref('int_event_analog_candidates') }} as c
    inner join {{ ref('int_event_calendar') }} as e using (event_id)
),

top_tickers as (
    -- the stocks both sessions have: the analog session's scores, then the event's day 0 by stock.
    -- Two joins on a date each, never the two score scans joined on the stock alone (billions of
    -- rows at 10M price rows).
    select a.event_id, a.analog_date, list(a.ticker order by a.ticker) as tickers
    from (
        select r.event_id, r.day0_date, r.analog_date, s.ticker
        from ranked as r
        inner join scores as s on s.trade_date = r.analog_date
    ) as a
    semi join scores as d on d.trade_date = a.day0_date and d.ticker = a.ticker
    group by a.event_id, a.analog_date
),

events_on_day as (
    select day0_date, list(event_id order by event_id) as analog_event_ids
    from {{ ref('int_event_calendar') }}
    group by day0_date
),

news as (
    select session_date, count(*) as news_items
    from {{ ref('int_news_item_sessions') }}
    group by session_date
)

select
    r.event_id,
    r.rank,
    r.analog_date,
    coalesce(d.analog_event_ids, []::varchar[]) as analog_event_ids,
    r.similarity,
    r.correlation,
    r.common_tickers,
    t.tickers,
    coalesce(n.news_items, 0) as news_items
from ranked as r
inner join top_tickers as t using (event_id, analog_date)
left join events_on_day as d on d.day0_date = r.analog_date
left join news as n on n.session_date = r.analog_date
