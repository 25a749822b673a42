"""Event x CAAR window: the cross-sectional statistics of int_event_caar_statistics with two-sided
p-values. The statistics are computed in SQL; this model exists only because DuckDB has no normal
or Student t distribution function. The tails come from scipy.stats (aftershock/pvalues.py).
"""

from aftershock.pvalues import num as _num
from aftershock.pvalues import p_normal, p_student

__all__ = ["model", "p_normal", "p_student"]


def model(dbt, session):
    dbt.config(materialized="table")
    df = dbt.ref("int_event_caar_statistics").df()
    out = df[["event_id", "window_start", "window_end", "window_days", "n", "n_positive", "n_negative"]].copy()
    out["aar_pct"] = df["aar"] * 100
    out["caar_pct"] = df["caar"] * 100
    out["mean_bhar_pct"] = df["mean_bhar"] * 100
    dof = [(_num(n) - 1 if _num(n) is not None else None) for n in df["n"]]
    tests = [
        ("t_cs", "student"),
        ("t_bhar", "student"),
        ("patell_z", "normal"),
        ("bmp_t", "student"),
        ("kp_t", "student"),
        ("rank_z", "normal"),
        ("sign_z", "normal"),
    ]
    for col, dist in tests:
        vals = [_num(v) for v in df[col]]
        out[col] = vals
        if dist == "normal":
            out[col + "_p"] = [p_normal(v) for v in vals]
        else:
            out[col + "_p"] = [p_student(v, d) for v, d in zip(vals, dof)]
    out["mean_correlation"] = [_num(v) for v in df["mean_correlation"]]
    out["p_positive"] = [_num(v) for v in df["p_positive"]]
    cols = [
        "event_id",
        "window_start",
        "window_end",
        "window_days",
        "n",
        "n_positive",
        "n_negative",
        "aar_pct",
        "caar_pct",
        "t_cs",
        "t_cs_p",
        "mean_bhar_pct",
        "t_bhar",
        "t_bhar_p",
        "patell_z",
        "patell_z_p",
        "bmp_t",
        "bmp_t_p",
        "mean_correlation",
        "kp_t",
        "kp_t_p",
        "rank_z",
        "rank_z_p",
        "p_positive",
        "sign_z",
        "sign_z_p",
    ]
    # float columns stay float even when every value is null, so the table's types are stable
    for c in cols[7:]:
        out[c] = out[c].astype("float64")
    out["event_id"] = out["event_id"].astype("string")
    for c in ("window_start", "window_end", "window_days"):
        out[c] = out[c].astype("int32")
    for c in ("n", "n_positive", "n_negative"):
        out[c] = out[c].astype("int64")
    return out[cols]
