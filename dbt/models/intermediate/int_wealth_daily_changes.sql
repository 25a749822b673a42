-- Session-to-session change of each person's net worth and rank. The previous value is the one of
-- the session immediately before: a person missing from that snapshot gets no change (null), so a
-- move over two sessions is never reported as one day's move.
-- Incremental like int_wealth_session_snapshots: every session from the first affected one is
-- deleted and recomputed (the session before it supplies the previous values).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_wealth_sessions_to_recompute('trade_date') }}"
) }}

-- depends_on: {{ ref('int_trading_sessions') }}, {{ ref('stg_wealth') }}
{%- set from_date = wealth_first_session_to_recompute() if is_incremental() else none %}

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
    cur.rank,
    greatest(cur._ingested_at, prev._ingested_at) as _ingested_at
from {{ ref('int_wealth_session_snapshots') }} as cur
left join {{ ref('int_wealth_session_snapshots') }} as prev
    on prev.person_uri = cur.person_uri
    and prev.session_index = cur.session_index - 1
{% if from_date is not none %}
where cur.trade_date >= {{ from_date }}
{% endif %}
order by cur.trade_date, cur.person_uri
