-- Analogs: for each studied event, the sessions in the lake whose cross-section of abnormal returns
-- looks most like the event's day 0, over the stocks both have (at least var analog_min_tickers).
-- The abnormal returns are the detector's (int_detected_moves: every stock x session scored against
-- its own trailing market model, score = AR / sigma), so an event's day 0 and any other session are
-- measured the same way, whether or not someone defined an event there.
--   similarity   cosine of the two score vectors: 1 = the same stocks moved the same way, as far
--   correlation  Pearson correlation of the scores (the pattern, whatever the level)
-- analog_event_ids names the events whose day 0 the analog session is; news_items counts the
-- news items of that session (the news spike that came with it).
{%- set top_n = var('analogs_top_n') | int %}
with scores as (
    select ticker, trade_date, score
    from {{ ref('int_detected_moves') }}
    where asset_type = 'stock' and not is_benchmark and score is not null
      and estimation_days >= {{ var('detect_min_days') | int }}
),

events as (
    select event_id, day0_date from {{ ref('int_event_calendar') }}
),

pairs as (
    -- every event x other session over the stocks both scored: 63 million stock rows at 500
    -- tickers x 100 events x 1,260 sessions, so only sums are kept here; the list of common tickers
    -- is built for the top sessions alone (listing it for every pair ran out of memory at that size)
    select
        e.event_id,
        e.day0_date,
        s.trade_date as analog_date,
        count(*) as common_tickers,
        sum(a.score * s.score) / nullif(sqrt(sum(a.score * a.score) * sum(s.score * s.score)), 0) as similarity,
        corr(a.score, s.score) as correlation
    from events as e
    inner join scores as a on a.trade_date = e.day0_date
    inner join scores as s on s.ticker = a.ticker and s.trade_date <> e.day0_date
    group by e.event_id, e.day0_date, s.trade_date
    having count(*) >= {{ var('analog_min_tickers') | int }}
),

ranked as (
    select *, row_number() over (partition by event_id order by similarity desc, analog_date) as rank
    from pairs
    where similarity is not null
    qualify rank <= {{ top_n }}
),

top_tickers as (
    select r.event_id, r.analog_date, list(a.ticker order by a.ticker) as tickers
    from ranked as r
    inner join scores as a on a.trade_date = r.day0_date
    inner join scores as s on s.ticker = a.ticker and s.trade_date = r.analog_date
    group by r.event_id, r.analog_date
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
