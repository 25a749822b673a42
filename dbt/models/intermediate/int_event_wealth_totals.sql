-- Billionaires' total change per event. This is the fallback, used while the project has no
-- wealth mart: no rows. When models/ holds fct_event_wealth_impact, `aftershock build` swaps in
-- dbt/optional/int_event_wealth_totals.sql (same columns) - see aftershock/dbt_runner.py.
select
    cast(null as varchar) as event_id,
    cast(null as bigint) as billionaires,
    cast(null as double) as billionaires_change_usd
where false
