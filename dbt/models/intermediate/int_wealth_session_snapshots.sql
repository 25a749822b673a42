-- Forbes net worth per market session and person. Forbes dates a value every calendar day and
-- carries it over weekends and holidays, so only market sessions get a value: the snapshot of the
-- session's own date, else the earliest one dated before the next session (a collector that ran on
-- Saturday holds Friday's closing values). Weekend and holiday snapshots never become sessions.
with sessions as (
    select
        trade_date,
        session_index,
        lead(trade_date) over (order by trade_date) as next_trade_date
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
        row_number() over (partition by s.session_index, w.person_uri order by w.snapshot_date) as pick
    from sessions as s
    inner join {{ ref('stg_wealth') }} as w
        on w.snapshot_date >= s.trade_date
        and w.snapshot_date < coalesce(s.next_trade_date, s.trade_date + 1)
)

select
    trade_date,
    session_index,
    person_uri,
    person_name,
    snapshot_date,
    net_worth_usd,
    rank
from matched
where pick = 1
