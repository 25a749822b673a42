-- The wealth mart: int_event_wealth_changes as published (the logic lives there so that the
-- intermediate int_event_wealth_totals reads it without depending on a mart).
select * from {{ ref('int_event_wealth_changes') }}
