"""Event x CAAR window: the cross-sectional statistics of int_event_caar_statistics with two-sided
p-values. The statistics are computed in SQL; this model exists only because DuckDB has no normal
or Student t distribution function. Normal tail: math.erfc (exact to double precision). Student t
tail: the regularised incomplete beta I_x(df/2, 1/2), x = df / (df + t^2), by its continued
fraction (modified Lentz, as in Numerical Recipes' betacf), accurate to ~1e-15.
"""
import math

_EPS = 1e-16
_TINY = 1e-300


def _beta_cf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge (a={a}, b={b}, x={x})")


def reg_inc_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, 1.0 - x) / b


def p_normal(z):
    """Two-sided p-value of a standard normal statistic."""
    if z is None or not math.isfinite(z):
        return None
    return math.erfc(abs(z) / math.sqrt(2.0))


def p_student(t, df):
    """Two-sided p-value of a Student t statistic with df degrees of freedom."""
    if t is None or df is None or not math.isfinite(t) or df < 1:
        return None
    return reg_inc_beta(df / 2.0, 0.5, df / (df + t * t))


def _num(v):
    # pandas hands SQL nulls over as None or NaN
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def model(dbt, session):
    dbt.config(materialized="table")
    df = dbt.ref("int_event_caar_statistics").df()
    out = df[["event_id", "window_start", "window_end", "window_days", "n", "n_positive", "n_negative"]].copy()
    out["aar_pct"] = df["aar"] * 100
    out["caar_pct"] = df["caar"] * 100
    dof = [(_num(n) - 1 if _num(n) is not None else None) for n in df["n"]]
    tests = [("t_cs", "student"), ("patell_z", "normal"), ("bmp_t", "student"), ("kp_t", "student"),
             ("rank_z", "normal"), ("sign_z", "normal")]
    for col, dist in tests:
        vals = [_num(v) for v in df[col]]
        out[col] = vals
        if dist == "normal":
            out[col + "_p"] = [p_normal(v) for v in vals]
        else:
            out[col + "_p"] = [p_student(v, d) for v, d in zip(vals, dof)]
    out["mean_correlation"] = [_num(v) for v in df["mean_correlation"]]
    out["p_positive"] = [_num(v) for v in df["p_positive"]]
    cols = ["event_id", "window_start", "window_end", "window_days", "n", "n_positive", "n_negative",
            "aar_pct", "caar_pct", "t_cs", "t_cs_p", "patell_z", "patell_z_p", "bmp_t", "bmp_t_p",
            "mean_correlation", "kp_t", "kp_t_p", "rank_z", "rank_z_p", "p_positive", "sign_z", "sign_z_p"]
    # float columns stay float even when every value is null, so the table's types are stable
    for c in cols[7:]:
        out[c] = out[c].astype("float64")
    out["event_id"] = out["event_id"].astype("string")
    for c in ("window_start", "window_end", "window_days"):
        out[c] = out[c].astype("int32")
    for c in ("n", "n_positive", "n_negative"):
        out[c] = out[c].astype("int64")
    return out[cols]
