-- Session-to-session change of each person's net worth and rank. The previous value is the one of
-- the session immediately before: a person missing from that snapshot gets no change (null), so a
-- move over two sessions is never reported as one day's move.
select
    cur.trade_date,
    cur.session_index,
    cur.person_uri,
    cur.person_name,
    cur.snapshot_date,
    prev.trade_date as prev_trade_date,
    prev.snapshot_date as prev_snapshot_date,
    prev.net_worth_usd as prev_net_worth_usd,
    cur.net_worth_usd,
    cur.net_worth_usd - prev.net_worth_usd as change_usd,
    (cur.net_worth_usd - prev.net_worth_usd) / nullif(prev.net_worth_usd, 0) * 100 as change_pct,
    prev.rank as prev_rank,
    cur.rank
from {{ ref('int_wealth_session_snapshots') }} as cur
left join {{ ref('int_wealth_session_snapshots') }} as prev
    on prev.person_uri = cur.person_uri
    and prev.session_index = cur.session_index - 1
