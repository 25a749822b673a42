"""Row validation before landing: every rejected row keeps its data and gets a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import numpy as np
import pandas as pd

Check = tuple[str, Callable[[pd.DataFrame], pd.Series]]


@dataclass
class Split:
    good: pd.DataFrame
    rejected: pd.DataFrame  # the input columns plus `_reject_reason`


def today_utc() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(timezone.utc).date())


def not_null(col: str) -> Check:
    return (f"{col} is missing or unparseable", lambda d: d[col].notna())


def not_in_future(col: str) -> Check:
    return (f"{col} is in the future", lambda d: d[col].isna() | (d[col] <= today_utc()))


def positive_finite(col: str, allow_null: bool = False) -> Check:
    def ok(d: pd.DataFrame) -> pd.Series:
        v = pd.to_numeric(d[col], errors="coerce").astype("float64")
        good = np.isfinite(v) & (v > 0)
        return good | v.isna() if allow_null else good

    label = "positive and finite" + (" when present" if allow_null else "")
    return (f"{col} must be {label}", ok)


def non_negative(col: str, allow_null: bool = True) -> Check:
    def ok(d: pd.DataFrame) -> pd.Series:
        v = pd.to_numeric(d[col], errors="coerce").astype("float64")
        good = np.isfinite(v) & (v >= 0)
        return good | v.isna() if allow_null else good

    return (f"{col} must be >= 0", ok)


def split_rows(df: pd.DataFrame, checks: list[Check], key: list[str] | None = None) -> Split:
    """Apply checks in order; a row gets the reason of the first check it fails.

    Duplicate keys are rejected as a whole (every copy): which copy is right cannot be told.
    """
    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    for label, fn in checks:
        bad = ~fn(df).fillna(False).astype(bool)
        reason = reason.mask(reason.isna() & bad, label)
    if key:
        # Only rows that are otherwise valid compete for a key: a broken copy does not sink a good one.
        ok = reason.isna()
        dup = pd.Series(False, index=df.index)
        dup[ok] = df[ok].duplicated(subset=key, keep=False)
        reason = reason.mask(dup, f"duplicate key ({', '.join(key)}) in batch")
    bad_mask = reason.notna()
    rejected = df[bad_mask].copy()
    rejected["_reject_reason"] = reason[bad_mask]
    return Split(good=df[~bad_mask].copy(), rejected=rejected)
