-- Forbes net worth per market session and person. Forbes dates a value every calendar day and
-- carries it over weekends and holidays, so only market sessions get a value: the snapshot of the
-- session's own date, else the earliest one dated before the next session (a collector that ran on
-- Saturday holds Friday's closing values). Weekend and holiday snapshots never become sessions.
-- Incremental: a run deletes and recomputes every session from the first affected one (the session
-- before a new session, whose window it cuts and after which every session_index moves, or the
-- session whose window holds a newly landed snapshot); earlier sessions cannot have changed.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where trade_date >= {{ wealth_recompute_from(this, ref('int_trading_sessions'), ref('stg_wealth')) }}{% endif %}"
) }}

{%- set from_date = wealth_recompute_from(this, ref('int_trading_sessions'), ref('stg_wealth')) if is_incremental() else none %}

with sessions as (
    select
        trade_date,
        session_index,
        lead(trade_date) over (order by trade_date) as next_trade_date,
        _ingested_at
    from {{ ref('int_trading_sessions') }}
),

matched as (
    select
        s.trade_date,
        s.session_index,
        w.person_uri,
        w.person_name,
        w.snapshot_date,
        w.net_worth_usd,
        w.rank,
        greatest(w._ingested_at, s._ingested_at) as _ingested_at,
        row_number() over (partition by s.session_index, w.person_uri order by w.snapshot_date) as pick
    from sessions as s
    inner join {{ ref('stg_wealth') }} as w
        on w.snapshot_date >= s.trade_date
        and w.snapshot_date < coalesce(s.next_trade_date, s.trade_date + 1)
    {% if from_date is not none %}
    where s.trade_date >= {{ from_date }} and w.snapshot_date >= {{ from_date }}
    {% endif %}
)

select
    trade_date,
    session_index,
    person_uri,
    person_name,
    snapshot_date,
    net_worth_usd,
    rank,
    _ingested_at
from matched
where pick = 1
order by trade_date, person_uri
