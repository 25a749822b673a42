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
    pre_hook="{{ delete_wealth_sessions_to_recompute('trade_date') }}"
) }}

{%- set from_date = wealth_first_session_to_recompute() if is_incremental() else none %}

with sessions as (
    select
        trade_date,
        session_index,
        lead(trade_date) over (order by trade_date) as next_trade_date,
        _ingested_at
    from {{ ref('int_trading_sessions') }}
),

-- Each snapshot belongs to one session window, the last session on or before its date (an asof
-- join: no range join, no window over every row). Most snapshots are their session's own date and
-- are the pick; a later one in the window (a Saturday copy) is the pick only when the person has no
-- earlier snapshot in that window. Ranking all rows per session and person instead ran out of
-- memory at 20 years x 2,750 people.
windowed as (
    select
        s.trade_date,
        s.session_index,
        w.person_uri,
        w.person_name,
        w.snapshot_date,
        w.net_worth_usd,
        w.rank,
        greatest(w._ingested_at, s._ingested_at) as _ingested_at
    from {{ ref('stg_wealth') }} as w
    asof inner join sessions as s
        on w.snapshot_date >= s.trade_date
    where w.snapshot_date < coalesce(s.next_trade_date, s.trade_date + 1)
    {% if from_date is not none %}
      and s.trade_date >= {{ from_date }} and w.snapshot_date >= {{ from_date }}
    {% endif %}
),

off_session as (
    select * from windowed where snapshot_date > trade_date
),

picked as (
    select * from windowed where snapshot_date = trade_date
    union all
    select o.*
    from off_session as o
    where not exists (
        select 1 from windowed as e
        where e.person_uri = o.person_uri
          and e.session_index = o.session_index
          and e.snapshot_date < o.snapshot_date
    )
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
from picked
order by trade_date, person_uri
