-- News volume per event: articles on day 0 and the peak spike ratio over the event window. This is
-- the fallback, used while the project has no news mart: no rows. When models/ holds
-- fct_event_news_daily, `aftershock build` swaps in dbt/optional/int_event_news_peaks.sql.
select
    cast(null as varchar) as event_id,
    cast(null as bigint) as news_articles_day0,
    cast(null as double) as news_peak_spike_ratio,
    cast(null as integer) as news_peak_relative_day
where false
