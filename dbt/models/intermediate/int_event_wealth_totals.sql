-- Billionaires' total change per event, from int_event_wealth_changes (what the wealth mart publishes).
select
    event_id,
    count(*) as billionaires,
    sum(change_usd) as billionaires_change_usd
from {{ ref('int_event_wealth_changes') }}
group by event_id
