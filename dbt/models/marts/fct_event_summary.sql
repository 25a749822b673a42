-- One row per studied event, the one a headline is written from. A detected session that is a
-- curated event's day 0 is summarised under the curated event (dim_events.linked_event_id), so no
-- row here is empty. Totals say what they cover: the market value change sums the stocks with a
-- shares figure ("12 of 20 stocks"), and the pairs left out of CAAR are named with their reason.
with stocks as (
    select
        event_id,
        count(*) as tickers_studied,
        count(*) filter (where asset_type = 'stock') as stocks_studied,
        sum(market_cap_change_usd) as market_value_change_usd,
        count(market_cap_change_usd) filter (where asset_type = 'stock') as stocks_with_market_value,
        list(ticker order by ticker) filter (where asset_type = 'stock' and market_cap_change_usd is null)
            as stocks_without_market_value,
        arg_min(ticker, return_pct) as worst_ticker,
        min(return_pct) as worst_return_pct,
        min(estimation_days) filter (where asset_type = 'stock') as estimation_days_min,
        max(estimation_days) filter (where asset_type = 'stock') as estimation_days_max,
        any_value(estimation_days_asked) as estimation_days_asked,
        count(*) filter (where in_caar) as stocks_in_caar,
        list(ticker || ': ' || caar_exclusion_reason order by ticker)
            filter (where asset_type = 'stock' and not in_caar) as stocks_left_out_of_caar
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
    s.tickers_studied,
    s.stocks_studied,
    s.market_value_change_usd,
    s.stocks_with_market_value,
    s.stocks_with_market_value || ' of ' || s.stocks_studied || ' stocks' as market_value_coverage,
    coalesce(s.stocks_without_market_value, []::varchar[]) as stocks_without_market_value,
    s.worst_ticker,
    s.worst_return_pct,
    s.estimation_days_asked,
    s.estimation_days_min,
    s.estimation_days_max,
    s.stocks_in_caar,
    coalesce(s.stocks_left_out_of_caar, []::varchar[]) as stocks_left_out_of_caar,
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
inner join stocks as s using (event_id)
left join caar as c using (event_id)
left join {{ ref('int_event_wealth_totals') }} as w using (event_id)
left join {{ ref('int_event_news_peaks') }} as n using (event_id)
