-- Market model per event x ticker, OLS of the ticker's return on its benchmark's over the
-- estimation window. sigma is the residual standard deviation with M - 2 degrees of freedom;
-- regr_sxx/sxy/syy are the centred sums, so SSR = Syy - Sxy^2 / Sxx.
with est as (
    select r.*
    from {{ ref('int_event_returns') }} as r
    inner join {{ ref('int_event_calendar') }} as c using (event_id)
    where r.relative_day between c.estimation_start and c.estimation_end
      and r.daily_return is not null
      and r.benchmark_return is not null
)

select
    event_id,
    ticker,
    count(*) as estimation_days,
    regr_intercept(daily_return, benchmark_return) as alpha,
    regr_slope(daily_return, benchmark_return) as beta,
    case when count(*) > 2 and regr_sxx(daily_return, benchmark_return) > 0 then
        sqrt(greatest(
            regr_syy(daily_return, benchmark_return)
            - regr_sxy(daily_return, benchmark_return) ^ 2 / regr_sxx(daily_return, benchmark_return),
            0) / (count(*) - 2))
    end as sigma
from est
group by event_id, ticker
