-- Session x person: the day's move of every fortune on the list, with its place among the day's
-- gainers and losers in dollars and in percent. Only market sessions appear: a weekend or holiday
-- (Forbes repeats the last value) is folded into the next session instead of showing as a zero move.
-- Incremental like int_wealth_session_snapshots: the ranks are per session, so every session from
-- the first affected one is deleted and recomputed and earlier sessions stay as they are.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_wealth_sessions_to_recompute('snapshot_date') }}"
) }}

-- depends_on: {{ ref('int_trading_sessions') }}, {{ ref('stg_wealth') }}
{%- set from_date = wealth_first_session_to_recompute() if is_incremental() else none %}

with moves as (
    select * from {{ ref('int_wealth_daily_changes') }}
    where change_usd is not null
    {% if from_date is not none %}
    and trade_date >= {{ from_date }}
    {% endif %}
)

select
    trade_date as snapshot_date,
    prev_trade_date as prev_snapshot_date,
    person_uri,
    person_name,
    prev_net_worth_usd,
    net_worth_usd,
    change_usd,
    change_pct,
    prev_rank,
    rank,
    prev_rank - rank as rank_change,
    case when change_usd > 0 then rank() over (partition by trade_date, change_usd > 0 order by change_usd desc) end
        as gain_rank_usd,
    case when change_usd < 0 then rank() over (partition by trade_date, change_usd < 0 order by change_usd asc) end
        as loss_rank_usd,
    case when change_pct > 0 then rank() over (partition by trade_date, change_pct > 0 order by change_pct desc) end
        as gain_rank_pct,
    case when change_pct < 0 then rank() over (partition by trade_date, change_pct < 0 order by change_pct asc) end
        as loss_rank_pct,
    _ingested_at
from moves
order by snapshot_date, person_uri
