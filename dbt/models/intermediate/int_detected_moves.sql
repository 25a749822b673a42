-- Every watchlist ticker x session scored against its own recent past, with no event in mind:
--   a ticker with a different benchmark: AR = R - (alpha + beta Rm), the market model fitted by OLS
--     on the sessions [estimation_start, estimation_end] before this one (default [-250, -11]),
--     score = AR / sigma (M - 2 dof)
--   a benchmark (its own benchmark in the watchlist): score = (R - mean) / std of its returns over
--     the same trailing sessions
-- A ticker needs detect_min_days trailing observations to be scored. moved = |score| > detect_sigma.
with pairs as (
    select
        r.ticker,
        w.company,
        w.asset_type,
        w.benchmark,
        r.ticker = w.benchmark as is_benchmark,
        r.trade_date,
        r.session_index,
        r.daily_return,
        b.daily_return as benchmark_return
    from {{ ref('int_daily_returns') }} as r
    inner join {{ ref('stg_watchlist') }} as w using (ticker)
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
        end as sigma
    from rolling
)

select
    *,
    abnormal_return / nullif(sigma, 0) as score,
    estimation_days >= {{ var('detect_min_days') }}
        and abs(abnormal_return / nullif(sigma, 0)) > {{ var('detect_sigma') }} as moved
from scored
