{#-
  What an incremental run of a session-keyed model must recompute, read at run time and inlined as
  constants (like `watermark`). Every model using these stores `_ingested_at`: the latest landing
  its row depends on (a wealth batch, a news copy, a price session), so max(_ingested_at) is a mark
  that everything landed since the model's last run exceeds. Rows landed before the mark but never
  stored (a session without wealth rows) can look new again; that only recomputes a little more.
-#}

{#- The last session before the first session new to `relation` (its rows all landed after the
    mark): a new session changes the window of the session before it and renumbers every later
    one. '-infinity' when the new session is the first one, 'infinity' when no session is new. -#}
{% macro new_sessions_boundary(relation, sessions) -%}
    {%- if not execute -%}{{ return("'infinity'::date") }}{%- endif -%}
    {%- set sql -%}
        with first_new as (
            select min(trade_date) as d from {{ sessions }} where _ingested_at > {{ watermark(relation, '_ingested_at') }}
        )
        select case
            when (select d from first_new) is null then 'infinity'
            else coalesce(cast((select max(trade_date) from {{ sessions }}
                                where trade_date < (select d from first_new)) as varchar), '-infinity')
        end
    {%- endset -%}
    {{- return("'" ~ run_query(sql).columns[0].values()[0] ~ "'::date") -}}
{%- endmacro %}

{#- The first session a wealth model must recompute: the session before the first new one, or the
    session whose snapshot window holds the earliest wealth row landed since the mark. -#}
{% macro wealth_recompute_from(relation, sessions, wealth) -%}
    {%- if not execute -%}{{ return("'infinity'::date") }}{%- endif -%}
    {%- set boundary = new_sessions_boundary(relation, sessions) -%}
    {%- set sql -%}
        with new_rows as (
            select min(snapshot_date) as d from {{ wealth }} where _ingested_at > {{ watermark(relation, '_ingested_at') }}
        )
        select cast(least({{ boundary }}, (
            select coalesce(max(s.trade_date), n.d) from {{ sessions }} as s where s.trade_date <= n.d
        )) as varchar)
        from new_rows as n
    {%- endset -%}
    {{- return("'" ~ run_query(sql).columns[0].values()[0] ~ "'::date") -}}
{%- endmacro %}

{#- The identity of the news matcher's alias set: any change to the watchlist, the aliases or people
    seeds, or an event's keywords changes it, and every item must then be matched again. -#}
{% macro news_entities_hash_sql(entities) -%}
    select md5(coalesce(string_agg(entity_type || '|' || entity_id || '|' || coalesce(entity_name, '') || '|' || alias,
                                   chr(10) order by entity_type, entity_id, entity_name, alias), ''))
    from (select distinct entity_type, entity_id, entity_name, alias from {{ entities }})
{%- endmacro %}

{#- Predicate on `column` (an item_key) selecting the items a news model must recompute: those with a
    copy landed since the mark, or every item when the stored alias set is not the current one. -#}
{% macro news_items_to_rematch(relation, items, entities, column='item_key') -%}
    {%- if not execute -%}{{ return('true') }}{%- endif -%}
    {%- set current = run_query(news_entities_hash_sql(entities)).columns[0].values()[0] -%}
    {%- do require_state_column(relation, '_entities_hash') -%}
    {%- set stored = run_query("select max(_entities_hash) from " ~ relation).columns[0].values()[0] -%}
    {%- if stored != current -%}{{ return('true') }}{%- endif -%}
    {{- return(news_items_since(relation, items, column)) -}}
{%- endmacro %}

{#- Predicate on `column`: items with a copy landed after the mark of `relation`. -#}
{% macro news_items_since(relation, items, column='item_key') -%}
    {{- return(column ~ " in (select item_key from " ~ items ~ " where last_seen_at > "
               ~ watermark(relation, '_ingested_at') ~ ")") -}}
{%- endmacro %}

{#- The three session-keyed wealth models share one rule: every session from the first one
    wealth_recompute_from finds for the model (`this`) is deleted by the pre-hook, then selected
    again by the body. Both read `this` before the delete (the body is compiled first), so they agree. -#}
{% macro wealth_first_session_to_recompute() -%}
    {{- return(wealth_recompute_from(this, ref('int_trading_sessions'), ref('stg_wealth'))) -}}
{%- endmacro %}

{#- Its key test then checks the rewritten sessions only (macros/incremental_tests.sql). -#}
{% macro delete_wealth_sessions_to_recompute(column) -%}
    {%- set first = wealth_first_session_to_recompute() if is_incremental() else none -%}
    {{ record_incremental_range(column, first) }}
    {%- if is_incremental() %}
    delete from {{ this }} where {{ column }} >= {{ first }}
    {%- endif -%}
{%- endmacro %}
