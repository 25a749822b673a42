"""Relation-by-relation comparison of two warehouses (an incremental build against a full one)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def relations(con) -> list[tuple[str, str]]:
    return con.execute("""
        select table_schema, table_name from information_schema.tables
        where table_schema in ('staging', 'intermediate', 'marts') order by 1, 2
    """).fetchall()


def frame(con, schema: str, name: str) -> pd.DataFrame:
    df = con.execute(f'select * from "{schema}"."{name}"').df()
    # Lists (keywords, tickers) compare as text; rows in a stable order.
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(lambda v: repr(list(v)) if isinstance(v, (list, np.ndarray)) else v)
    return df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} rows incremental vs {len(b)} full refresh"
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            # Aggregates may sum in another order: equal to the last bits of the terms summed, which a
            # near-cancelling sum amplifies (a [0,+60] CAR near zero scaled to a t; a two-stock group t
            # of ~17,000: ~1e-12 relative), and a square root amplifies more: the sigma of an index
            # regressed on itself is 0 in exact arithmetic and ~1e-10 in another order. So 1e-10
            # relative and 1e-9 absolute, the tolerance the figures are checked to against the reference.
            np.testing.assert_allclose(
                a[c].to_numpy(float),
                b[c].to_numpy(float),
                rtol=1e-10,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{what}.{c}",
            )
        else:
            assert a[c].tolist() == b[c].tolist(), f"{what}.{c} differs"


def assert_same_warehouse(inc, full) -> None:
    """Every staging, intermediate and mart relation of `inc` equals that of `full`, row for row."""
    names = relations(full)
    assert names == relations(inc)
    for schema, name in names:
        assert_same(frame(inc, schema, name), frame(full, schema, name), f"{schema}.{name}")
