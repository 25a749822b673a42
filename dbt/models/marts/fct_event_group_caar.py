"""Event x group x CAR window: spillover by sector and by peer link (int_event_group_caar_statistics)
with the two-sided p-values of the BMP and Kolari-Pynnönen t tests (N - 1 dof, scipy.stats)."""

from aftershock.pvalues import num, p_student


def model(dbt, session):
    dbt.config(materialized="table")
    df = dbt.ref("int_event_group_caar_statistics").df()
    out = df[
        ["event_id", "group_type", "group_name", "window_start", "window_end", "window_days", "n", "tickers"]
    ].copy()
    out["caar_pct"] = [None if num(v) is None else num(v) * 100 for v in df["caar"]]
    dof = [num(n) - 1 for n in df["n"]]
    for col in ("bmp_t", "kp_t"):
        vals = [num(v) for v in df[col]]
        out[col] = vals
        out[col + "_p"] = [p_student(v, d) for v, d in zip(vals, dof)]
    out["mean_correlation"] = [num(v) for v in df["mean_correlation"]]
    cols = [
        "event_id",
        "group_type",
        "group_name",
        "window_start",
        "window_end",
        "window_days",
        "n",
        "tickers",
        "caar_pct",
        "bmp_t",
        "bmp_t_p",
        "mean_correlation",
        "kp_t",
        "kp_t_p",
    ]
    # float columns stay float even when every value is null, so the table's types are stable
    for c in cols[8:]:
        out[c] = out[c].astype("float64")
    for c in ("event_id", "group_type", "group_name", "tickers"):
        out[c] = out[c].astype("string")
    for c in ("window_start", "window_end", "window_days"):
        out[c] = out[c].astype("int32")
    out["n"] = out["n"].astype("int64")
    return out[cols]
