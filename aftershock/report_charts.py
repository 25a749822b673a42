"""The report's charts, drawn once with matplotlib and saved twice: inline SVG for the page, PNG for slides.

The SVG keeps text as glyph paths (svg.fonttype = path) and loses its comments, so no string from
the data reaches the page as markup: names from the warehouse become outlines, not text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "path", "svg.hashsalt": "aftershock", "font.size": 9})

_NEG, _POS, _GREY = "#c0392b", "#1e8449", "#7f8c8d"
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    png: Path


def _finish(fig, key: str, title: str, out_dir: Path, stem: str) -> Chart:
    fig.tight_layout()
    png = out_dir / f"{stem}-{key}.png"
    fig.savefig(png, format="png", dpi=150)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = _METADATA.sub("", _COMMENT.sub("", _PROLOGUE.sub("", buf.getvalue(), count=1)))
    # several charts share one page: their element ids (glyphs, clip paths) get a per-chart prefix
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{key}-\1"', svg)
    svg = svg.replace('href="#', f'href="#{key}-').replace("url(#", f"url(#{key}-")
    return Chart(key, title, svg.strip(), png)


def indexed_prices(series: dict[str, list[tuple[int, float]]], benchmarks: set[str], out_dir: Path, stem: str) -> Chart:
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for ticker, points in series.items():
        xs, ys = zip(*points)
        bench = ticker in benchmarks
        ax.plot(
            xs, ys, label=ticker, lw=2.4 if bench else 1.3, color="black" if bench else None, ls="--" if bench else "-"
        )
    ax.axvline(0, color=_GREY, lw=0.8)
    ax.axhline(100, color=_GREY, lw=0.6, ls=":")
    ax.set_xlabel("trading days from day 0")
    ax.set_ylabel("price, day -1 = 100")
    ax.legend(ncol=2, fontsize=7, loc="best")
    return _finish(fig, "prices", "Prices indexed to 100 at day -1", out_dir, stem)


def _hbar(labels: list[str], values: list[float], xlabel: str, key: str, title: str, out_dir: Path, stem: str) -> Chart:
    fig, ax = plt.subplots(figsize=(8, max(2.2, 0.28 * len(labels) + 1)))
    ys = range(len(labels))
    ax.barh(list(ys), values, color=[_NEG if v < 0 else _POS for v in values])
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.axvline(0, color=_GREY, lw=0.8)
    ax.set_xlabel(xlabel)
    return _finish(fig, key, title, out_dir, stem)


def car_by_ticker(rows: list[tuple[str, float]], window: tuple[int, int], out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] for r in rows],
        "CAR, percent points",
        "car",
        f"Cumulative abnormal return [{window[0]:+d}, {window[1]:+d}] by ticker",
        out_dir,
        stem,
    )


def market_value(rows: list[tuple[str, float]], out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] / 1e9 for r in rows],
        "change in market value, $ billion",
        "market-value",
        "Market value change, day -1 to day 0",
        out_dir,
        stem,
    )


def billionaires(rows: list[tuple[str, float]], out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] / 1e9 for r in rows],
        "change in net worth, $ billion",
        "billionaires",
        "Billionaires' net worth change",
        out_dir,
        stem,
    )


def news_volume(rows: list[tuple[int, float, float | None]], out_dir: Path, stem: str) -> Chart:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    xs = [r[0] for r in rows]
    ax.bar(xs, [r[1] for r in rows], color="#2e86c1", label="articles")
    if any(r[2] is not None for r in rows):
        ax.plot(
            xs,
            [r[2] if r[2] is not None else float("nan") for r in rows],
            color="black",
            lw=1,
            ls="--",
            label="baseline",
        )
    ax.axvline(0, color=_GREY, lw=0.8)
    ax.set_xlabel("days from day 0")
    ax.set_ylabel("articles matched")
    ax.legend(fontsize=7)
    return _finish(fig, "news", "News volume by day", out_dir, stem)


def group_caar(rows: list[tuple[str, float]], window: tuple[int, int], out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] for r in rows],
        "CAAR, percent points",
        "groups",
        f"Spillover: CAAR [{window[0]:+d}, {window[1]:+d}] by sector and peer link",
        out_dir,
        stem,
    )
