-- Published claims (the claims seed) against what the lake measures for the same event:
--   return_pct             fct_event_stock_impact.return_pct (day 0 vs day -1, adjusted close)
--   market_cap_change_usd  fct_event_stock_impact.market_cap_change_usd (shares x close change)
--   net_worth_change_usd   fct_event_wealth_impact.change_usd (Forbes real-time, day -1 to day 0)
-- verdict: 'matches' within the stated tolerance (var claim_tolerance_pct_points for percent, a share
-- var claim_tolerance_share of the published value for USD); 'not supported' when the lake has no
-- figure, or one of the other sign, or under var claim_support_share of the published size;
-- 'differs' otherwise. reason says what the lake measured from and why another source may differ.
with claims as (
    select * from {{ ref('claims') }}
),

measured as (
    select
        c.*,
        case c.metric
            when 'return_pct' then si.return_pct
            when 'market_cap_change_usd' then si.market_cap_change_usd
            when 'net_worth_change_usd' then wi.change_usd
        end as measured_value,
        case when ends_with(c.metric, '_pct') then {{ var('claim_tolerance_pct_points') }}
             else abs(c.published_value) * {{ var('claim_tolerance_share') }} end as tolerance,
        si.prev_close,
        si.day0_close,
        si.shares_outstanding,
        si.shares_as_of_date,
        wi.before_snapshot_date,
        wi.after_snapshot_date
    from claims as c
    left join {{ ref('fct_event_stock_impact') }} as si
        on c.subject_type = 'ticker' and si.event_id = c.event_id and si.ticker = upper(c.subject)
    left join {{ ref('fct_event_wealth_impact') }} as wi
        on c.subject_type = 'person' and wi.event_id = c.event_id and wi.person_uri = c.subject
),

judged as (
    select
        *,
        measured_value - published_value as difference,
        case
            when measured_value is null then 'not supported'
            when sign(measured_value) <> sign(published_value)
                 or abs(measured_value) < {{ var('claim_support_share') }} * abs(published_value) then 'not supported'
            when abs(measured_value - published_value) <= tolerance then 'matches'
            else 'differs'
        end as verdict,
        case when ends_with(metric, '_pct')
             then printf('%+.2f', measured_value) || ' %'
             else case when measured_value < 0 then '-' else '+' end
                  || '$' || printf('%.2f', abs(measured_value) / 1e9) || 'B' end as measured_text
    from measured
)

select
    event_id,
    claim_id,
    subject_type,
    subject,
    metric,
    published_value,
    source,
    quote,
    measured_value,
    difference,
    case when published_value <> 0 then 100 * difference / abs(published_value) end as difference_pct,
    tolerance,
    case when ends_with(metric, '_pct')
         then 'within ' || {{ var('claim_tolerance_pct_points') }} || ' percent points'
         else 'within ' || round(100 * {{ var('claim_tolerance_share') }}, 1) || ' % of the published value' end
        as tolerance_stated,
    verdict,
    case
        when measured_value is null and subject_type = 'person'
            then 'no Forbes real-time snapshots of ' || subject || ' on day -1 and day 0 of this event in the lake'
        when measured_value is null
            then 'no ' || metric || ' for ' || subject || ' in this event (no prices, or no shares figure)'
        when metric = 'return_pct'
            then 'close-to-close return on the adjusted close, day -1 to day 0: ' || measured_text
                 || case when verdict <> 'matches' then '; another source may use another close or session' else '' end
        when metric = 'market_cap_change_usd'
            then printf('%,.0f', shares_outstanding) || ' shares (as of ' || shares_as_of_date || ') x ('
                 || printf('%.2f', day0_close) || ' - ' || printf('%.2f', prev_close) || ') = ' || measured_text
                 || case when verdict <> 'matches' then '; another shares figure or close gives another total' else '' end
        when verdict = 'not supported'
            then 'Forbes real-time shows only ' || measured_text || ' from ' || before_snapshot_date || ' to '
                 || after_snapshot_date || ': the published figure is for another period or from another wealth tracker'
        else 'Forbes real-time, ' || before_snapshot_date || ' to ' || after_snapshot_date || ': ' || measured_text
             || case when verdict = 'differs' then '; another wealth tracker (e.g. Bloomberg Billionaires) or another '
                                                   || 'period or share price gives another figure' else '' end
    end as reason
from judged
