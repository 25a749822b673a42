-- Every watchlist ticker x session scored against its own recent past, with no event in mind:
--   a ticker with a different benchmark: AR = R - (alpha + beta Rm), the market model fitted by OLS
--     on the sessions [estimation_start, estimation_end] before this one (default [-250, -11]),
--     score = AR / sigma (M - 2 dof)
--   a benchmark (its own benchmark in the watchlist): score = (R - mean) / std of its returns over
--     the same trailing sessions
-- A ticker needs detect_min_days trailing observations to be scored. moved = |score| > detect_sigma.
-- Incremental: a run deletes and scores again each ticker's sessions from the first one whose score
-- can have changed (macros/incremental_ranges.sql, detector_recompute_plan), reading the trailing
-- sessions those need; a daily build scores the new session instead of the whole history. A change
-- of the watchlist, of the detector's variables, of this file or of the ols_residual_sigma macro
-- scores every row again (_settings_hash).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_detector_rows_to_recompute() }}"
) }}

-- depends_on: {{ ref('int_trading_sessions') }}
{%- set plan = detector_recompute_plan() if is_incremental() else none %}
{%- set partial = plan is not none and not plan.all %}

with
{%- if partial %}
recompute as (  -- noqa: ST03
    -- each planned ticker's first session to score again, and the first one its windows read
    -- (the lint cannot see that the branches below use it: noqa)
    select
        c.ticker,
        min(s.session_index) as from_index,
        min(s.session_index) + {{ var('estimation_start') | int }} as read_from_index
    from ({{ plan.tickers }}) as c
    inner join {{ ref('int_trading_sessions') }} as s on s.trade_date >= c.from_date
    group by c.ticker
),
{%- endif %}

pairs as (
    select
        r.ticker,
        w.company,
        w.asset_type,
        w.benchmark,
        r.ticker = w.benchmark as is_benchmark,
        r.trade_date,
        r.session_index,
        r.daily_return,
        b.daily_return as benchmark_return,
        greatest(r._ingested_at, b._ingested_at) as _ingested_at
    from {{ ref('int_daily_returns') }} as r
    inner join {{ ref('stg_watchlist') }} as w using (ticker)
    {%- if partial %}
    inner join recompute as c on c.ticker = r.ticker and r.session_index >= c.read_from_index
    {%- endif %}
    left join {{ ref('int_daily_returns') }} as b on b.ticker = w.benchmark and b.trade_date = r.trade_date
    where r.daily_return is not null
),

rolling as (
    select
        *,
        regr_count(daily_return, benchmark_return) over w as ols_days,
        regr_intercept(daily_return, benchmark_return) over w as alpha,
        regr_slope(daily_return, benchmark_return) over w as beta,
        regr_sxx(daily_return, benchmark_return) over w as sxx,
        regr_sxy(daily_return, benchmark_return) over w as sxy,
        regr_syy(daily_return, benchmark_return) over w as syy,
        count(daily_return) over w as own_days,
        avg(daily_return) over w as own_mean,
        stddev_samp(daily_return) over w as own_sd
    from pairs
    window w as (
        partition by ticker order by session_index
        range between {{ -(var('estimation_start') | int) }} preceding and {{ -(var('estimation_end') | int) }} preceding
    )
),

scored as (
    select
        ticker,
        company,
        asset_type,
        benchmark,
        is_benchmark,
        trade_date,
        daily_return,
        benchmark_return,
        case when is_benchmark then own_days else ols_days end as estimation_days,
        case when is_benchmark then daily_return - own_mean
             else daily_return - (alpha + beta * benchmark_return) end as abnormal_return,
        case when is_benchmark then own_sd
             else {{ ols_residual_sigma('syy', 'sxy', 'sxx', 'ols_days') }}
        end as sigma,
        _ingested_at
    from rolling
    {%- if partial %}
    inner join recompute as c using (ticker)
    where rolling.session_index >= c.from_index
    {%- endif %}
)

select
    * exclude (_ingested_at),
    abnormal_return / nullif(sigma, 0) as score,
    estimation_days >= {{ var('detect_min_days') }}
        and abs(abnormal_return / nullif(sigma, 0)) > {{ var('detect_sigma') }} as moved,
    _ingested_at,
    ({{ detector_settings_hash_sql() }}) as _settings_hash
from scored
