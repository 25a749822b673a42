"""Two-sided p-values of the event-study test statistics, from scipy.special's distribution functions.

The dbt Python models fct_event_caar and fct_event_group_caar import these (DuckDB has no normal or
Student t distribution function). The survival function keeps tiny p-values (1e-20) that 1 - cdf
would round to 0. scipy.special, not scipy.stats: norm.sf and t.sf are these same two functions
(ndtr(-x), stdtr(df, -x)), and importing scipy.stats cost each dbt build about a second.
"""

from __future__ import annotations

import math

from scipy import special


def p_normal(z):
    """Two-sided p-value of a standard normal statistic; None for a missing or infinite one."""
    if z is None or not math.isfinite(z):
        return None
    return float(2.0 * special.ndtr(-abs(z)))


def p_student(t, df):
    """Two-sided p-value of a Student t statistic with df degrees of freedom."""
    if t is None or df is None or not math.isfinite(t) or df < 1:
        return None
    return float(2.0 * special.stdtr(df, -abs(t)))


def num(v):
    """A float, or None for SQL null (pandas hands nulls over as None or NaN)."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v
