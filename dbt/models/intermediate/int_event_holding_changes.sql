-- Event x person x listed holding: what the holding's price move from day -1 to day 0 did to its value.
-- Holdings come from the snapshot (as_of_date) nearest to day 0, an earlier one winning a tie, so
-- a holdings list filed a few days after the event beats one a year before it. A share moves 1:1
-- with the close; an option tranche moves with its intrinsic value, max(close - strike, 0).
with calendar as (
    select event_id, day0_date, day0_index from {{ ref('int_event_calendar') }}
),

snapshots as (
    select distinct person_uri, as_of_date from {{ ref('stg_people') }}
),

nearest as (
    select
        c.event_id,
        s.person_uri,
        s.as_of_date,
        row_number() over (
            partition by c.event_id, s.person_uri
            order by abs(date_diff('day', c.day0_date, s.as_of_date)), s.as_of_date
        ) as pick
    from calendar as c
    cross join snapshots as s
),

holdings as (
    select
        n.event_id,
        c.day0_index,
        p.person_uri,
        p.person_name,
        p.ticker,
        p.shares_held,
        p.exercise_price,
        p.is_option,
        p.as_of_date
    from nearest as n
    inner join calendar as c using (event_id)
    inner join {{ ref('stg_people') }} as p
        on p.person_uri = n.person_uri and p.as_of_date = n.as_of_date
    where n.pick = 1
),

changes as (
    select
        h.event_id,
        h.person_uri,
        h.person_name,
        h.ticker,
        h.shares_held,
        h.exercise_price,
        h.is_option,
        h.as_of_date as holdings_as_of_date,
        prev.close as prev_close,
        day0.close as day0_close,
        -- greatest() skips nulls, so an unpriced side must be caught before it reads as zero.
        case when day0.close is not null and prev.close is not null then
            h.shares_held * (greatest(day0.close - h.exercise_price, 0) - greatest(prev.close - h.exercise_price, 0))
        end as implied_change_usd,
        ar.abnormal_return,
        ar.abnormal_return / nullif(m.sigma, 0) as t_ar
    from holdings as h
    left join {{ ref('int_daily_returns') }} as day0
        on day0.ticker = h.ticker and day0.session_index = h.day0_index
    left join {{ ref('int_daily_returns') }} as prev
        on prev.ticker = h.ticker and prev.session_index = h.day0_index - 1
    left join {{ ref('int_event_window_returns') }} as ar
        on ar.event_id = h.event_id and ar.ticker = h.ticker and ar.relative_day = 0
    left join {{ ref('int_market_model') }} as m
        on m.event_id = h.event_id and m.ticker = h.ticker
),

-- Attribution ("of which about $X was the event, beyond the market"): the abnormal part is the
-- stock's day-0 abnormal return times the holding's day -1 value (an option out of the money on
-- day -1 moves with nothing: 0); the normal part, the market model's expectation, is the rest of
-- the implied change, so normal + abnormal = implied exactly.
attributed as (
    select
        *,
        case when implied_change_usd is not null and abnormal_return is not null then
            case when is_option and prev_close <= exercise_price then 0.0
                 else shares_held * prev_close * abnormal_return end
        end as abnormal_change_usd
    from changes
)

select *, implied_change_usd - abnormal_change_usd as normal_change_usd
from attributed
