"""Plain-text tables for the terminal (the demo and `aftershock report` summaries)."""

from __future__ import annotations

import math


def fmt_num(v, digits=2, scale=1.0, sign=False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v / scale:{'+' if sign else ''},.{digits}f}"


def render(headers: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w) for c, w, a in zip(cells, widths, align))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
