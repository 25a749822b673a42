{#-
  Mean pairwise Pearson correlation of residual series, per group (Kolari and Pynnönen 2010), each pair
  over the days on which both have a residual. `residuals` is a relation or CTE with the columns
  `keys` (the group, e.g. ['event_id']), ticker, relative_day and abnormal_return; the SQL this
  returns is a select of keys, pairs and mean_correlation.

  Pairing every stock with every other costs N^2 x T rows (500 stocks, 240 days: 30 million per
  group). When every stock of a group has a residual on every one of the group's days and a
  non-zero spread (the usual case), the mean needs no pairs: with z the residuals standardised per
  stock, r_ij = sum_t z_it z_jt / (T - 1), and summed over all pairs
    sum_{i<j} r_ij = sum_t ((sum_i z_it)^2 - sum_i z_it^2) / (2 (T - 1)),
  one pass over the residuals. Groups with gaps (a stock listed mid-window, a missing session) are
  paired explicitly, so each pair still uses exactly its common days.
-#}
{% macro mean_pairwise_correlation(residuals, keys) -%}
{%- set k = keys | join(', ') -%}
{%- set on_keys %}{% for c in keys %}a.{{ c }} = b.{{ c }} and {% endfor %}{% endset -%}
with mpc_per_stock as (
    select
        {{ k }},
        ticker,
        count(*) as days,
        avg(abnormal_return) as mean_ar,
        stddev_samp(abnormal_return) as sd_ar
    from {{ residuals }}
    group by {{ k }}, ticker
),

mpc_group_days as (
    select {{ k }}, count(distinct relative_day) as days
    from {{ residuals }}
    group by {{ k }}
),

mpc_shape as (
    select
        {% for c in keys %}p.{{ c }}, {% endfor %}
        count(*) as stocks,
        any_value(d.days) as days,
        bool_and(p.days = d.days and p.sd_ar > 0) and count(*) >= 2 and any_value(d.days) >= 2 as complete
    from mpc_per_stock as p
    inner join mpc_group_days as d using ({{ k }})
    group by {% for c in keys %}p.{{ c }}{{ ", " if not loop.last }}{% endfor %}
),

mpc_day_sums as (
    select
        {% for c in keys %}e.{{ c }}, {% endfor %}
        e.relative_day,
        sum((e.abnormal_return - p.mean_ar) / p.sd_ar) as sum_z,
        sum(((e.abnormal_return - p.mean_ar) / p.sd_ar) ^ 2) as sum_z2
    from {{ residuals }} as e
    inner join mpc_per_stock as p using ({{ k }}, ticker)
    inner join mpc_shape as s using ({{ k }})
    where s.complete
    group by {% for c in keys %}e.{{ c }}, {% endfor %}e.relative_day
),

mpc_complete as (
    select
        {% for c in keys %}s.{{ c }}, {% endfor %}
        s.stocks * (s.stocks - 1) // 2 as pairs,
        sum(d.sum_z ^ 2 - d.sum_z2) / (2 * (s.days - 1)) / (s.stocks * (s.stocks - 1) / 2) as mean_correlation
    from mpc_day_sums as d
    inner join mpc_shape as s using ({{ k }})
    group by {% for c in keys %}s.{{ c }}, {% endfor %}s.stocks, s.days
),

mpc_gappy as (
    select e.*
    from {{ residuals }} as e
    inner join mpc_shape as s using ({{ k }})
    where not s.complete
),

mpc_pairs as (
    select
        {% for c in keys %}a.{{ c }}, {% endfor %}
        a.ticker as ticker_a,
        b.ticker as ticker_b,
        corr(a.abnormal_return, b.abnormal_return) as correlation
    from mpc_gappy as a
    inner join mpc_gappy as b
        on {{ on_keys }}a.relative_day = b.relative_day and a.ticker < b.ticker
    group by all
)

select {{ k }}, pairs, mean_correlation
from mpc_complete
union all
select
    {{ k }},
    count(correlation) as pairs,
    avg(correlation) as mean_correlation
from mpc_pairs
group by {{ k }}
{%- endmacro %}
