"""The report's charts, drawn once with matplotlib and saved twice: inline SVG for the page, PNG for slides.

The SVG keeps text as glyph paths (svg.fonttype = path) and loses its comments, so no string from
the data reaches the page as markup: names from the warehouse become outlines, not text.

A chart is drawn once per content: each public function's figures and this file's code name an entry
of the chart cache (the reports folder's `.charts/`, or AFTERSHOCK_CHART_CACHE), and a chart whose
entry exists is copied from it instead of drawn. Drawing is 0.3 CPU s a chart, nearly all of a
report's cost; after a publish most events' figures are the ones of the publish before (an event's
window is long past), so a refresh of every report draws only the charts whose figures moved.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import io
import json
import re
import shutil
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib

from kernel.files import TMP_MARK, atomic_write

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
    digest: str = ""  # its chart-cache entry


CACHE_FOLDER = ".charts"  # in the reports folder: <digest>.png and <digest>.json (key, title, svg)
# Set by build_report(force=True): draw even when the cache has the chart.
REDRAW: contextvars.ContextVar[bool] = contextvars.ContextVar("aftershock_redraw_charts", default=False)
# Charts drawn and copied from the cache by this process, and the cache entries it used.
COUNTS: Counter = Counter()
USED: set[str] = set()


@functools.cache
def _code_version() -> str:
    """This file's bytes and matplotlib's version: a change to either draws every chart again."""
    return hashlib.sha256(Path(__file__).read_bytes() + matplotlib.__version__.encode()).hexdigest()


def cache_dir(out_dir: Path) -> Path:
    """The chart cache: the reports folder's own, or the folder AFTERSHOCK_CHART_CACHE names, which
    several data directories on one machine may share (an entry is named by its figures and this
    file's code, so whichever data directory drew a chart, the others copy it)."""
    from kernel.settings import settings

    shared = settings().chart_cache
    return Path(shared) if shared else out_dir / CACHE_FOLDER


def _jsonable(v):
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    return str(v)


def _drawn_once(draw):
    """Decorate a chart function f(*figures, out_dir, stem): the chart of the same figures, drawn
    by the same code, comes from the cache (its PNG copied to this event's name)."""

    @functools.wraps(draw)
    def chart(*figures, out_dir: Path, stem: str) -> Chart:
        text = json.dumps([draw.__name__, figures, _code_version()], default=_jsonable, allow_nan=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        cache = cache_dir(out_dir)
        meta, cached_png = cache / f"{digest}.json", cache / f"{digest}.png"
        USED.add(digest)
        if not REDRAW.get() and meta.is_file() and cached_png.is_file():
            try:
                made = json.loads(meta.read_text(encoding="utf-8"))
            except ValueError:
                made = None
            if made:
                png = out_dir / f"{stem}-{made['key']}.png"
                atomic_write(png, lambda tmp: shutil.copyfile(cached_png, tmp))
                COUNTS["reused"] += 1
                return Chart(made["key"], made["title"], made["svg"], png, digest)
        drawn = draw(*figures, out_dir=out_dir, stem=stem)
        atomic_write(cached_png, lambda tmp: shutil.copyfile(drawn.png, tmp))
        made = {k: v for k, v in asdict(drawn).items() if k not in ("png", "digest")}
        atomic_write(meta, lambda tmp: Path(tmp).write_text(json.dumps(made), encoding="utf-8"))
        COUNTS["drawn"] += 1
        drawn.digest = digest
        return drawn

    return chart


def prune_cache(out_dir: Path) -> int:
    """After a refresh of every report: remove the cache entries no chart of this process used
    (figures that changed, events no longer published). The number removed. A shared cache
    (AFTERSHOCK_CHART_CACHE) is never pruned: its other users' entries are not this process's to know."""
    cache = cache_dir(out_dir)
    if cache != out_dir / CACHE_FOLDER:
        return 0
    removed = 0
    for f in cache.glob("*"):
        # a scratch file is a writer's still (atomic_write), not an entry
        if f.is_file() and TMP_MARK not in f.name and f.name.split(".")[0] not in USED:
            f.unlink(missing_ok=True)
            removed += 1
    return removed


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


@_drawn_once
def indexed_prices(
    series: dict[str, list[tuple[int, float]]], benchmarks: set[str], *, out_dir: Path, stem: str
) -> Chart:
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


@_drawn_once
def car_by_ticker(rows: list[tuple[str, float]], window: tuple[int, int], *, out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] for r in rows],
        "CAR, percent points",
        "car",
        f"Cumulative abnormal return [{window[0]:+d}, {window[1]:+d}] by ticker",
        out_dir,
        stem,
    )


@_drawn_once
def market_value(rows: list[tuple[str, float]], *, out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] / 1e9 for r in rows],
        "change in market value, $ billion",
        "market-value",
        "Market value change, day -1 to day 0",
        out_dir,
        stem,
    )


@_drawn_once
def billionaires(rows: list[tuple[str, float]], *, out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] / 1e9 for r in rows],
        "change in net worth, $ billion",
        "billionaires",
        "Billionaires' net worth change",
        out_dir,
        stem,
    )


@_drawn_once
def news_volume(rows: list[tuple[int, float, float | None]], *, out_dir: Path, stem: str) -> Chart:
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


@_drawn_once
def group_caar(rows: list[tuple[str, float]], window: tuple[int, int], *, out_dir: Path, stem: str) -> Chart:
    return _hbar(
        [r[0] for r in rows],
        [r[1] for r in rows],
        "CAAR, percent points",
        "groups",
        f"Spillover: CAAR [{window[0]:+d}, {window[1]:+d}] by sector and peer link",
        out_dir,
        stem,
    )
