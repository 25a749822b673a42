-- The news mart: int_event_news_daily as published (the logic lives there so that the intermediate
-- int_event_news_peaks reads it without depending on a mart).
select * from {{ ref('int_event_news_daily') }}
