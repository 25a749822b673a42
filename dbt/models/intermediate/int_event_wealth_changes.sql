-- Event x person: Forbes net worth at day -1's session against day 0's, beside the change the
-- person's listed holdings imply (shares x the day-0 price move). Forbes carries values over
-- weekends, so a Monday event compares with Friday, never with Sunday's carried copy.
with calendar as (
    select event_id, day0_date, day0_index from {{ ref('int_event_calendar') }}
),

implied as (
    select
        event_id,
        person_uri,
        min(holdings_as_of_date) as holdings_as_of_date,
        count(*) as holdings_count,
        count(implied_change_usd) as holdings_priced,
        sum(implied_change_usd) as implied_change_usd,
        -- the split is given only when every priced holding has an abnormal return
        case when count(abnormal_change_usd) = count(implied_change_usd)
             then sum(abnormal_change_usd) end as abnormal_change_usd,
        arg_max(ticker, abs(implied_change_usd)) as main_ticker,
        arg_max(t_ar, abs(implied_change_usd)) as main_ticker_t_ar
    from {{ ref('int_event_holding_changes') }}
    group by event_id, person_uri
)

select
    c.event_id,
    w.person_uri,
    w.person_name,
    w.prev_trade_date as day_minus1_date,
    w.trade_date as day0_date,
    w.prev_snapshot_date as before_snapshot_date,
    w.snapshot_date as after_snapshot_date,
    w.prev_net_worth_usd as net_worth_before_usd,
    w.net_worth_usd as net_worth_after_usd,
    w.change_usd,
    w.change_pct,
    w.prev_rank as rank_before,
    w.rank as rank_after,
    w.prev_rank - w.rank as rank_change,
    i.implied_change_usd,
    i.implied_change_usd - i.abnormal_change_usd as normal_change_usd,
    i.abnormal_change_usd,
    i.main_ticker,
    i.main_ticker_t_ar,
    w.change_usd - i.implied_change_usd as unexplained_change_usd,
    i.holdings_as_of_date,
    coalesce(i.holdings_count, 0) as holdings_count,
    coalesce(i.holdings_priced, 0) as holdings_priced
from calendar as c
inner join {{ ref('int_wealth_daily_changes') }} as w on w.session_index = c.day0_index
left join implied as i on i.event_id = c.event_id and i.person_uri = w.person_uri
