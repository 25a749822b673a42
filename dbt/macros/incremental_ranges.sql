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

{#- The detector (int_detected_moves) scores each ticker x session on the sessions before it, so a
    change reaches every later session of that ticker, and of every ticker it is the benchmark of.
    Its settings identity: the watchlist's rows, the variables a score depends on, the checksum of
    the model's own file and the rendered residual-sigma formula (an edited formula, in the file or in
    the macro). When the stored one is not the current one, every row is scored again. -#}
{% macro detector_settings_hash_sql() -%}
    {%- set sigma_formula = ols_residual_sigma('syy', 'sxy', 'sxx', 'n') | replace("'", "''") -%}
    select md5('{{ model.checksum.checksum }}|{{ sigma_formula }}|{{ var("market_calendar") }}|{{ var("estimation_start") }}|{{ var("estimation_end") }}|'
               || '{{ var("detect_min_days") }}|{{ var("detect_sigma") }}|'
               || coalesce(string_agg(ticker || '|' || coalesce(company, '') || '|' || coalesce(asset_type, '')
                                      || '|' || coalesce(benchmark, ''), chr(10) order by ticker), ''))
    from {{ ref('stg_watchlist') }}
{%- endmacro %}

{#- What an incremental run of the detector recomputes: {'tickers': SQL selecting (ticker, from_date),
    each ticker's sessions from from_date on; 'all': every row goes (the settings changed)}. A ticker's
    from_date is the earliest of: its first return landed since the mark, its benchmark's, and the
    session before the first new session (which renumbers every later one). Every value is read at
    run time and inlined, so the pre-hook's delete and the body's select agree. -#}
{% macro detector_recompute_plan() -%}
    {%- set sessions = ref('int_trading_sessions') -%}
    {%- set watchlist = ref('stg_watchlist') -%}
    {%- set score_every_row = {'tickers': "select ticker, '-infinity'::date as from_date from " ~ watchlist, 'all': true} -%}
    {%- if not execute -%}{{ return(score_every_row) }}{%- endif -%}
    {%- do require_state_column(this, '_settings_hash') -%}
    {%- set current = run_query(detector_settings_hash_sql()).columns[0].values()[0] -%}
    {%- set stored = run_query("select max(_settings_hash) from " ~ this).columns[0].values()[0] -%}
    {%- if stored != current -%}{{ return(score_every_row) }}{%- endif -%}
    {%- set tickers -%}
        with changed as (
            select ticker, min(trade_date) as from_date
            from {{ ref('int_daily_returns') }}
            where _ingested_at > {{ watermark(this, '_ingested_at') }}
            group by ticker
        ),

        planned as (
            select
                w.ticker,
                least(coalesce(own.from_date, 'infinity'), coalesce(bench.from_date, 'infinity'),
                      {{ new_sessions_boundary(this, sessions) }}) as from_date
            from {{ watchlist }} as w
            left join changed as own on own.ticker = w.ticker
            left join changed as bench on bench.ticker = w.benchmark
        )

        select ticker, from_date from planned where from_date < 'infinity'
    {%- endset -%}
    {{ return({'tickers': tickers, 'all': false}) }}
{%- endmacro %}

{#- Pre-hook of the detector: record where its rows are rewritten (the earliest from_date, for its key
    test; 'infinity' when nothing changed), then delete the rows it is about to score again. -#}
{% macro delete_detector_rows_to_recompute() -%}
    {%- set plan = detector_recompute_plan() if is_incremental() else none -%}
    {%- if plan and plan.all -%}
        {%- set first = "'-infinity'::date" -%}
    {%- elif plan -%}
        {%- set first = "'" ~ run_query("select cast(coalesce(min(from_date), 'infinity') as varchar) from ("
                                        ~ plan.tickers ~ ")").columns[0].values()[0] ~ "'::date" -%}
    {%- else -%}
        {%- set first = none -%}
    {%- endif -%}
    {{ record_incremental_range('trade_date', first) }}
    {%- if plan and plan.all %}
    delete from {{ this }};
    {%- elif plan %}
    delete from {{ this }} as m using ({{ plan.tickers }}) as c where m.ticker = c.ticker and m.trade_date >= c.from_date;
    {%- endif -%}
{%- endmacro %}
