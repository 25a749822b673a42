-- Event x ticker: whether the pair belongs to the cross-section the CAAR tests average over, and
-- if not, why. The one place that rule lives: the CAAR statistics, the rank and correlation
-- inputs and the published impact table all read it.
--   not a stock (index, ETF)                   -> left out: not a company
--   no fitted model / no residual variance     -> left out: no sigma to standardise by
--   estimation sessions < least(min, asked)    -> left out: sigma rests on too few days
-- A user who asks for a short window (say 60 sessions) gets it; the minimum catches a window the
-- lake could not fill, e.g. an event in the lake's first year (157 of 240 sessions).
with pairs as (
    select
        t.event_id,
        t.ticker,
        t.asset_type,
        c.estimation_end - c.estimation_start + 1 as estimation_days_asked,
        least({{ var('min_estimation_days') | int }}, c.estimation_end - c.estimation_start + 1)
            as estimation_days_required,
        coalesce(m.estimation_days, 0) as estimation_days,
        m.sigma,
        m.sigma_dof
    from {{ ref('int_event_tickers') }} as t
    inner join {{ ref('int_event_calendar') }} as c using (event_id)
    left join {{ ref('int_market_model') }} as m using (event_id, ticker)
)

select
    event_id,
    ticker,
    asset_type,
    estimation_days_asked,
    estimation_days_required,
    estimation_days,
    estimation_days < estimation_days_required as estimation_too_short,
    case
        when asset_type <> 'stock' then 'not a stock (' || asset_type || ')'
        when estimation_days < estimation_days_required
            then 'estimation window has ' || estimation_days || ' of ' || estimation_days_asked
                 || ' sessions, below the minimum of ' || estimation_days_required
        when not (sigma > 0) or sigma_dof <= 2 then 'no residual variance in the estimation window'
    end as caar_exclusion_reason
from pairs
