-- The normal-return model per event x ticker, fitted on the estimation window (MacKinlay 1997):
--   market           R = alpha + beta Rm, OLS; sigma with M - 2 degrees of freedom
--   market_adjusted  alpha = 0, beta = 1; sigma = sample std of R - Rm (M - 1 dof)
--   constant_mean    alpha = mean R, beta = 0; sigma = sample std of R (M - 1 dof)
-- regr_sxx/sxy/syy are the centred sums, so the market model's SSR = Syy - Sxy^2 / Sxx.
-- dof is kept so the standardised tests can use the right variance, (dof) / (dof - 2).
with est as (
    select r.*, c.model
    from {{ ref('int_event_returns') }} as r
    inner join {{ ref('int_event_calendar') }} as c using (event_id)
    where r.in_estimation
      and r.daily_return is not null
      -- constant mean needs no benchmark; the other two models need both returns
      and (c.model = 'constant_mean' or r.benchmark_return is not null)
),

fitted as (
    select
        event_id,
        ticker,
        any_value(model) as model,
        count(*) as estimation_days,
        regr_intercept(daily_return, benchmark_return) as ols_alpha,
        regr_slope(daily_return, benchmark_return) as ols_beta,
        {{ ols_residual_sigma(
            'regr_syy(daily_return, benchmark_return)',
            'regr_sxy(daily_return, benchmark_return)',
            'regr_sxx(daily_return, benchmark_return)',
            'count(*)') }} as ols_sigma,
        stddev_samp(daily_return - benchmark_return) as adj_sigma,
        avg(daily_return) as mean_return,
        stddev_samp(daily_return) as mean_sigma
    from est
    group by event_id, ticker
)

select
    event_id,
    ticker,
    model,
    estimation_days,
    case model when 'market' then ols_alpha when 'market_adjusted' then 0.0 else mean_return end as alpha,
    case model when 'market' then ols_beta when 'market_adjusted' then 1.0 else 0.0 end as beta,
    case model when 'market' then ols_sigma when 'market_adjusted' then adj_sigma else mean_sigma end as sigma,
    case model when 'market' then estimation_days - 2 else estimation_days - 1 end as sigma_dof
from fitted
