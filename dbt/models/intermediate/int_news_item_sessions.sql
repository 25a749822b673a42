-- The trading session each news item belongs to: the first session on or after its UTC
-- calendar date, so weekend and holiday news counts toward the next session.
-- Incremental: a run deletes and recomputes the items with a copy landed since the last run and
-- every item dated after the session before the first new session (a new session takes over the
-- items up to its date and renumbers every later session). Items dated after the last session
-- have no row yet; the session that later covers them is new, so they are picked up then.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ news_items_since(this, ref('stg_news_items')) }} or news_date > {{ new_sessions_boundary(this, ref('int_trading_sessions')) }}{% endif %}"
) }}

select
    i.item_key,
    i.news_date,
    s.trade_date as session_date,
    s.session_index,
    greatest(i.last_seen_at, s._ingested_at) as _ingested_at
from {{ ref('stg_news_items') }} as i
asof inner join {{ ref('int_trading_sessions') }} as s
    on s.trade_date >= i.news_date
{% if is_incremental() %}
where {{ news_items_since(this, ref('stg_news_items'), 'i.item_key') }}
    or i.news_date > {{ new_sessions_boundary(this, ref('int_trading_sessions')) }}
{% endif %}
order by i.news_date, i.item_key
