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
            # Aggregates may sum in another order: equal to the last few bits of the terms summed. A sum
            # of 61 daily abnormal returns that nearly cancels (a [0,+60] CAR of -0.0002, scaled to a
            # t) differs by ~1e-15 absolute, so the absolute bound is 1e-13; a group t over two stocks
            # whose SCARs nearly coincide (t ~ 17,000 from a tiny s(SCAR)) amplifies the summation
            # order to ~1e-12 relative: bound 1e-10.
            np.testing.assert_allclose(
                a[c].to_numpy(float),
                b[c].to_numpy(float),
                rtol=1e-10,
                atol=1e-13,
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
