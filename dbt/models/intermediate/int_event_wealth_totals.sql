-- Billionaires' total change per event, from the wealth mart.
select
    event_id,
    count(*) as billionaires,
    sum(change_usd) as billionaires_change_usd
from {{ ref('fct_event_wealth_impact') }}
group by event_id
