-- Event x ticker: the day-0 move, the market-model abnormal return and the market value change.
with day0 as (
    select * from {{ ref('int_event_window_returns') }} where relative_day = 0
)

select
    t.event_id,
    t.ticker,
    t.company,
    t.sector,
    t.asset_type,
    mv.prev_close,
    mv.day0_close,
    d.daily_return * 100 as return_pct,
    t.benchmark,
    d.benchmark_return * 100 as benchmark_return_pct,
    m.model,
    d.abnormal_return * 100 as abnormal_return_pct,
    m.alpha,
    m.beta,
    m.sigma,
    x.estimation_days,
    x.estimation_days_asked,
    x.estimation_too_short,
    d.abnormal_return / nullif(m.sigma, 0) as t_ar,
    x.caar_exclusion_reason is null as in_caar,
    x.caar_exclusion_reason,
    mv.shares_outstanding,
    mv.shares_as_of_date,
    mv.market_cap_prev_usd,
    mv.market_cap_change_usd,
    -- why a market value shows n/a, so a reader never takes a missing figure for a zero
    case
        when mv.market_cap_change_usd is not null then null
        when t.asset_type <> 'stock' then 'not a company (' || t.asset_type || ')'
        when mv.shares_outstanding is null then 'no shares outstanding figure for ' || t.ticker
        else 'no close on day -1 or day 0'
    end as market_value_missing_reason
from {{ ref('int_event_tickers') }} as t
inner join day0 as d using (event_id, ticker)
inner join {{ ref('int_event_cross_section') }} as x using (event_id, ticker)
left join {{ ref('int_market_model') }} as m using (event_id, ticker)
left join {{ ref('int_event_market_value') }} as mv using (event_id, ticker)
