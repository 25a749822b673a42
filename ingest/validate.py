"""Row validation before landing: every rejected row keeps its data as read and gets a reason.

A reader keeps each input value as it was read beside the parsed one (`keep_raw`, columns
`_raw_<name>`): the checks can then tell an empty cell from one that does not parse, and a
rejected row goes to quarantine with its fields exactly as read (`2025-13-45`, `"1,234.5"`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from ingest.errors import SourceUnreadable

if TYPE_CHECKING:
    import pandas as pd  # imported where used: the DuckDB landing of a CSV needs only the constants

Check = tuple[str, Callable[["pd.DataFrame"], "pd.Series"]]

RAW = "_raw_"
# A number written with comma thousands groups (a Yahoo web export's "1,000,000"): it has one
# reading, so it is parsed; any other comma (a decimal comma, a ragged group) is not a number.
THOUSANDS = r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?"
_THOUSANDS = re.compile(THOUSANDS)
# Text that both readers take as "no value" rather than as an unreadable one.
MISSING = ("", "nan")
QUOTE_CHARS = 60  # what a message quotes of a value: a 100 MB field must not become 100 MB of log


def shorten(value, limit: int = QUOTE_CHARS) -> str:
    """repr() of a value, cut to `limit` characters with the length said, for messages."""
    text = repr(value) if not isinstance(value, str) else value
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return repr(text[:limit]) + f"... ({len(text):,} characters)"


def keep_raw(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with each column's values as read kept beside it as `_raw_<column>`."""
    out = df.copy()
    for c in columns:
        out[RAW + c] = df[c] if c in df.columns else None
    return out


def to_number(s: pd.Series) -> pd.Series:
    """Numbers as float64; thousands separators dropped where THOUSANDS matches; the rest NaN."""
    import pandas as pd

    if s.dtype == object or pd.api.types.is_string_dtype(s):
        text = s.astype("string").str.strip()
        s = text.mask(text.str.fullmatch(_THOUSANDS).fillna(False), text.str.replace(",", "", regex=False))
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _offset(value):
    """The UTC offset a date text carries, None for a plain one."""
    import pandas as pd

    if not isinstance(value, str):
        return None
    t = pd.to_datetime(value, errors="coerce")
    return t.utcoffset() if getattr(t, "tzinfo", None) is not None else None


def has_timezone(value) -> bool:
    return _offset(value) is not None


def to_dates(s: pd.Series, col: str) -> pd.Series:
    """Dates (naive, normalised): a timezone-aware value is read at its own wall-clock date.

    A column mixing timezones (aware and plain values, or two offsets) has no single reading:
    raise naming the first row that differs from most (the caller adds the file)."""
    import pandas as pd

    try:
        out = pd.to_datetime(s, errors="coerce", format="mixed")
    except (ValueError, TypeError) as exc:
        if "timezone" not in str(exc).lower():
            raise
        offsets = pd.Series([_offset(x) for x in s], index=s.index, dtype=object)
        keys = offsets.map(str)
        usual = keys.value_counts().idxmax()
        first = (keys != usual).idxmax()
        pos = int(s.index.get_loc(first))

        def kind(off) -> str:
            return "no timezone" if off is None else f"UTC offset {off}"

        raise SourceUnreadable(
            f"{col} mixes timezones: data row {pos + 1} (line {pos + 2}) has {shorten(s[first])} "
            f"({kind(offsets[first])}), unlike {int((keys == usual).sum())} other rows "
            f"({kind(offsets[keys == usual].iloc[0])}); write them all one way"
        ) from None
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


@dataclass
class Split:
    good: pd.DataFrame
    rejected: pd.DataFrame  # the input columns plus `_reject_reason`


def today_iso() -> str:
    """Today's UTC date as YYYY-MM-DD (what today_utc() is, for SQL, without pandas)."""
    return datetime.now(timezone.utc).date().isoformat()


def today_utc() -> pd.Timestamp:
    import pandas as pd

    return pd.Timestamp(today_iso())


def not_null(col: str) -> Check:
    return (f"{col} is missing or unparseable", lambda d: d[col].notna())


def not_in_future(col: str) -> Check:
    return (f"{col} is in the future", lambda d: d[col].isna() | (d[col] <= today_utc()))


def positive_finite(col: str, allow_null: bool = False) -> Check:
    import numpy as np
    import pandas as pd

    def ok(d: pd.DataFrame) -> pd.Series:
        v = pd.to_numeric(d[col], errors="coerce").astype("float64")
        good = np.isfinite(v) & (v > 0)
        return good | v.isna() if allow_null else good

    label = "positive and finite" + (" when present" if allow_null else "")
    return (f"{col} must be {label}", ok)


def readable_number(col: str) -> Check:
    """A value that was given but does not parse as a number (`abc`, `1e5x`) is not a missing one."""
    import pandas as pd

    def ok(d: pd.DataFrame) -> pd.Series:
        if RAW + col not in d.columns:
            return pd.Series(True, index=d.index)
        raw = d[RAW + col]
        text = raw.astype("string").str.strip().str.lower()
        given = raw.notna() & ~text.isin(MISSING).fillna(False)
        return ~given | d[col].notna()

    return (f"{col} is not a number", ok)


def split_rows(df: pd.DataFrame, checks: list[Check], key: list[str] | None = None) -> Split:
    """Apply checks in order; a row gets the reason of the first check it fails.

    Duplicate keys are rejected as a whole (every copy): which copy is right cannot be told.
    A rejected row is quarantined with its values as read where the reader kept them (`keep_raw`).
    """
    import pandas as pd

    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    for label, fn in checks:
        bad = ~fn(df).fillna(False).astype(bool)
        reason = reason.mask(reason.isna() & bad, label)
    if key:
        # Only rows that are otherwise valid compete for a key: a broken copy does not sink a good one.
        ok = reason.isna()
        dup = pd.Series(False, index=df.index)
        dup[ok] = df[ok].duplicated(subset=key, keep=False)
        reason = reason.mask(dup, duplicate_key_reason(key))
    return split_by_reason(df, reason)


def duplicate_key_reason(key: list[str]) -> str:
    return f"duplicate key ({', '.join(key)}) in batch"


def split_by_reason(df: pd.DataFrame, reason: pd.Series) -> Split:
    """Rows with a reason (one per row, NA = passed) rejected, with their values as read where the
    reader kept them (`keep_raw`); the rest good, in their parsed form."""
    bad_mask = reason.notna()
    raw_cols = [c for c in df.columns if c.startswith(RAW)]
    parsed = [c for c in df.columns if not c.startswith(RAW)]
    rejected = df[bad_mask].copy()
    for c in raw_cols:
        rejected[c[len(RAW) :]] = rejected[c]
    rejected = rejected[parsed]
    rejected["_reject_reason"] = reason[bad_mask]
    return Split(good=df.loc[~bad_mask, parsed].copy(), rejected=rejected)
