-- Event x group x ticker: the groups spillover is measured over, from the stocks of the event's
-- CAAR cross-section (int_event_cross_section) only:
--   group_type 'sector'     the watchlist sector (Semiconductors, Power, Internet, ...)
--   group_type 'peer_link'  '<link type> of <ticker>' from the peers seed (suppliers of NVDA, ...)
select x.event_id, 'sector' as group_type, t.sector as group_name, x.ticker
from {{ ref('int_event_cross_section') }} as x
inner join {{ ref('int_event_tickers') }} as t using (event_id, ticker)
where x.caar_exclusion_reason is null and t.sector is not null
union all
select distinct x.event_id, 'peer_link' as group_type, lower(trim(p.link_type)) || ' of ' || upper(trim(p.ticker)), x.ticker
from {{ ref('int_event_cross_section') }} as x
inner join {{ ref('peers') }} as p on upper(trim(p.peer)) = x.ticker
where x.caar_exclusion_reason is null
