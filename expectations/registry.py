"""The table-driven registry of suites the gate runs.

A suite names a relation of the building warehouse (a mart, or a query across marts) and a
function that, given the frame read for it, returns the GX expectations to run. Suites whose
table does not exist in this build (a mart another branch adds) are skipped, so a suite can be
written before its table ships and starts guarding it the first build after it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

# Through gx_env, which turns GX analytics off before GX loads.
from expectations.gx_env import gxe


@dataclass(frozen=True)
class MartSuite:
    """Checks one relation of the building warehouse (a mart, or a query across marts)."""

    name: str  # what failure messages call the table
    requires: list[str]  # schema-qualified relations that must exist, else the suite is skipped
    sql: str  # what to read; may add derived check columns (prefixed chk_)
    build: Callable[[pd.DataFrame], list]
    key: list[str] = field(default_factory=list)
    columns: list[str] = field(
        default_factory=list
    )  # the columns users query by: missing ones fail before the sql runs


MART_SUITES: dict[str, MartSuite] = {}


def mart_suite(
    name: str,
    sql: str | None = None,
    requires: list[str] | None = None,
    key: list[str] | None = None,
    columns: list[str] | None = None,
):
    """`name` is the relation (schema.table) unless `requires` lists the relations a cross-table query reads."""

    def deco(fn):
        MART_SUITES[name] = MartSuite(
            name, requires or [name], sql or f"select * from {name}", fn, key or [], columns or []
        )
        return fn

    return deco


# ---- small builders shared by the suites ------------------------------------------------


def has(df: pd.DataFrame, *cols: str) -> bool:
    return all(c in df.columns for c in cols)


def not_null(*cols: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in cols]


def between(col: str, lo=None, hi=None, strict_lo: bool = False, strict_hi: bool = False, mostly: float | None = None):
    kw = {"column": col, "min_value": lo, "max_value": hi, "strict_min": strict_lo, "strict_max": strict_hi}
    if mostly is not None:
        kw["mostly"] = mostly
    return gxe.ExpectColumnValuesToBeBetween(**kw)


def positive(col: str):
    """> 0 and finite: +/-inf fall outside any finite bound, NaN counts as missing."""
    return between(col, 0, 1e15, strict_lo=True)


def unique_key(*cols: str):
    if len(cols) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=cols[0])
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(cols))


def flag_false(col: str):
    """A derived chk_ column computed in SQL must be false (or null) on every row."""
    return gxe.ExpectColumnValuesToBeInSet(column=col, value_set=[False])
