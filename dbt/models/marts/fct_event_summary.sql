-- One row per event, the one a headline is written from. Stock figures cover the studied tickers;
-- billionaires and news are null until the wealth and news marts are part of the project.
with stocks as (
    select
        event_id,
        count(*) as tickers_studied,
        count(*) filter (where asset_type = 'stock') as stocks_studied,
        sum(market_cap_change_usd) as market_value_change_usd,
        arg_min(ticker, return_pct) as worst_ticker,
        min(return_pct) as worst_return_pct
    from {{ ref('fct_event_stock_impact') }}
    group by event_id
),

caar as (
    select event_id, n as caar_n, caar_pct as caar_0_0_pct, bmp_t as bmp_t_0_0, bmp_t_p as bmp_p_0_0
    from {{ ref('fct_event_caar') }}
    where window_start = 0 and window_end = 0
)

select
    e.event_id,
    e.title,
    e.origin,
    e.event_date,
    e.day0_date,
    e.model,
    coalesce(s.tickers_studied, 0) as tickers_studied,
    coalesce(s.stocks_studied, 0) as stocks_studied,
    s.market_value_change_usd,
    s.worst_ticker,
    s.worst_return_pct,
    c.caar_n,
    c.caar_0_0_pct,
    c.bmp_t_0_0,
    c.bmp_p_0_0,
    w.billionaires,
    w.billionaires_change_usd,
    n.news_articles_day0,
    n.news_peak_spike_ratio,
    n.news_peak_relative_day
from {{ ref('dim_events') }} as e
left join stocks as s using (event_id)
left join caar as c using (event_id)
left join {{ ref('int_event_wealth_totals') }} as w using (event_id)
left join {{ ref('int_event_news_peaks') }} as n using (event_id)
