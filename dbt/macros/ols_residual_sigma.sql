{#- The OLS residual standard deviation from centred sums, sqrt(SSR / (n - 2)) with SSR = Syy - Sxy^2 / Sxx.
    A fit whose residual is within rounding of zero (R^2 = 1 to ten digits: a ticker measured against
    itself, or a fund that is its benchmark) gets sigma = 0, not the rounding noise of the subtraction:
    noise of 1e-10 would standardise a CAR into an arbitrary huge SCAR that changes with summation order.
    With sigma = 0 the standardised tests leave the pair out ('no residual variance'). -#}
{% macro ols_residual_sigma(syy, sxy, sxx, n) -%}
    {%- set ssr %}({{ syy }} - {{ sxy }} * {{ sxy }} / {{ sxx }}){% endset -%}
    case when {{ n }} > 2 and {{ sxx }} > 0 then
        case when {{ ssr }} <= 1e-10 * {{ syy }} then 0.0
             else sqrt({{ ssr }} / ({{ n }} - 2)) end
    end
{%- endmacro %}
