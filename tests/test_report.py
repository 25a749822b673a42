"""`aftershock report`: a self-contained page, PNG charts beside it, and Chromium draws it without errors."""

from __future__ import annotations

import re

import pytest

from browser import dump_dom, is_blank, requires_chromium, screenshot
from conftest import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(demo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("report", "deepseek-r1-selloff", "--out-dir", str(out), data_dir=demo_dir)
    return out, proc.stdout


def test_page_is_self_contained_with_pngs(report):
    out, stdout = report
    page = out / "deepseek-r1-selloff.html"
    html = page.read_text()
    assert f"wrote {page}" in stdout
    # nothing fetched from elsewhere: no external src, no <link>, scripts only inline (headline
    # links <a href> are navigation, not loads)
    assert not re.search(r"""src\s*=\s*["']?(https?:|//)""", html)
    assert all(m.startswith("<a ") for m in re.findall(r"""<\w+[^>]*href\s*=\s*["']?(?:https?:|//)""", html))
    assert "<link" not in html and not re.search(r"<script[^>]+src", html)
    assert "default-src 'none'" in html
    for key in ("prices", "car", "market-value", "billionaires", "news", "groups"):
        assert f'data-chart="{key}"' in html
        png = out / f"deepseek-r1-selloff-{key}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not is_blank(png)
    assert "No wealth data" not in html and "No news data" not in html  # the sample has both
    # the summary row and the statistics table are on the page
    assert "-1,038.1 $B</b>over 12 of 20 stocks" in html and "VST -28.27 %" in html
    assert "n/a for ARM, ASML, CEG, GOOG, MRVL, ORCL, SMCI, VST: no shares figure in the lake" in html
    assert "240 of 240 sessions used; 20 of 20 stocks in CAAR" in html
    for section in ("records", "claims", "groups", "wealth-attribution"):
        assert f'<section id="{section}">' in html
    assert "largest down move in the lake for NVDA" in html and "not supported" in html
    assert re.search(r"<td>\[0, 0\]</td><td>20</td><td>4/16</td>\s*<td>-6.76</td>", html)


@requires_chromium
def test_chromium_draws_the_charts_without_errors(report, tmp_path):
    out, _ = report
    url = (out / "deepseek-r1-selloff.html").as_uri()
    dom, console = dump_dom(url)
    assert console == []
    assert 'data-errors=""' in dom
    figures = re.findall(r'<figure data-chart="([^"]+)">\s*<svg', dom)
    assert figures == ["prices", "car", "market-value", "billionaires", "news", "groups"]
    assert dom.count("<path") > 100  # lines, bars and glyph outlines were parsed as SVG
    shot = screenshot(url, tmp_path / "page.png")
    assert not is_blank(shot)


@requires_chromium
def test_detected_event_report(demo_dir, tmp_path):
    run_cli("report", "detected-2024-09-20", "--out-dir", str(tmp_path), data_dir=demo_dir)
    page = tmp_path / "detected-2024-09-20.html"
    html = page.read_text()
    assert "aftershock events promote detected-2024-09-20" in html
    # studied like a curated event: the statistics table is there
    assert re.search(r"<td>\[0, 0\]</td><td>20</td>", html)
    assert re.search(r"<td>CEG</td><td class=\"l\">Constellation Energy</td>", html)
    dom, console = dump_dom(page.as_uri())
    assert console == [] and 'data-errors=""' in dom


def test_unknown_event_is_a_clear_error(demo_dir, tmp_path):
    proc = run_cli("report", "no-such-event", "--out-dir", str(tmp_path), data_dir=demo_dir, check=False)
    assert proc.returncode == 1
    assert "no-such-event" in proc.stderr and "dim_events" in proc.stderr
    assert not list(tmp_path.iterdir())
    proc = run_cli("report", "../etc", "--out-dir", str(tmp_path), data_dir=demo_dir, check=False)
    assert proc.returncode == 1 and "event id" in proc.stderr


def test_report_default_location(demo_dir, tmp_path):
    # the demo dir is shared, so a copy of its warehouse stands in for a user's data dir
    import shutil

    d = tmp_path / "data"
    shutil.copytree(demo_dir / "warehouse", d / "warehouse", ignore=shutil.ignore_patterns("building"))
    run_cli("report", "deepseek-r1-selloff", data_dir=d)
    assert (d / "site" / "reports" / "deepseek-r1-selloff.html").is_file()
    assert (d / "site" / "reports" / "deepseek-r1-selloff-car.png").is_file()


@pytest.fixture
def own_chart_cache(monkeypatch):
    """The reports folder's own chart cache, not the run's shared one (conftest.shared_chart_cache)."""
    monkeypatch.delenv("AFTERSHOCK_CHART_CACHE", raising=False)


def test_a_report_is_redrawn_only_for_a_new_warehouse_new_code_or_force(demo_dir, tmp_path, own_chart_cache):
    """Drawing charts is most of a report's cost: the site refresh keeps a report that the same code
    already drew from the same published file, and redraws it after a publish, a missing chart or --force."""
    import shutil

    from aftershock import report

    db = tmp_path / "aftershock.duckdb"
    shutil.copyfile(demo_dir / "warehouse" / "aftershock.duckdb", db)
    out = tmp_path / "reports"

    def drawn() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix in {".html", ".png"}}

    first = report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    before = drawn()
    assert first.pngs and set(before) == {first.html.name, *(p.name for p in first.pngs)}
    kept = report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert kept == first and drawn() == before

    assert report.build_report("deepseek-r1-selloff", out_dir=out, db=db, force=True).html == first.html
    forced = drawn()
    assert all(forced[name] > before[name] for name in before)

    first.pngs[0].unlink()  # a chart lost from the folder: the report is not whole, so it is drawn again
    report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert first.pngs[0].is_file() and drawn()[first.html.name] > forced[first.html.name]

    again = drawn()
    published = tmp_path / "published.duckdb"  # a publish renames a new file into place
    shutil.copyfile(db, published)
    published.replace(db)
    report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert all(drawn()[name] > again[name] for name in again)


def test_a_new_publish_draws_only_the_charts_whose_figures_changed(demo_dir, tmp_path, own_chart_cache):
    """The chart cache: after a publish, a chart whose figures are unchanged is copied from the cache
    byte for byte, a chart whose figures moved is drawn again, and a refresh of every report prunes
    the entries it did not use."""
    import shutil

    import duckdb

    from aftershock import report, report_charts

    db = tmp_path / "aftershock.duckdb"
    shutil.copyfile(demo_dir / "warehouse" / "aftershock.duckdb", db)
    out = tmp_path / "reports"

    def publish(sql: str | None = None) -> None:  # as a publish does: a new file renamed into place
        new = tmp_path / "new.duckdb"
        shutil.copyfile(db, new)
        if sql:
            con = duckdb.connect(str(new))
            con.execute(sql)
            con.close()
        new.replace(db)

    def charts_of(result) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in result.pngs}

    first = report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert len(first.charts) == 6 and len(set(first.charts)) == 6
    drawn_first = charts_of(first)  # the files are rewritten by each report below
    counts = dict(report_charts.COUNTS)
    publish()
    same = report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert report_charts.COUNTS["drawn"] == counts.get("drawn", 0)
    assert report_charts.COUNTS["reused"] == counts.get("reused", 0) + 6
    assert charts_of(same) == drawn_first and same.charts == first.charts
    assert same.html.read_text().count("<svg") == first.html.read_text().count("<svg") == 6

    publish(
        "update marts.fct_event_car set car_pct = car_pct - 1 "
        "where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA' and window_start = -1 and window_end = 1"
    )
    moved = report.build_report("deepseek-r1-selloff", out_dir=out, db=db)
    assert report_charts.COUNTS["drawn"] == counts.get("drawn", 0) + 1
    changed = {name for name, png in charts_of(moved).items() if drawn_first[name] != png}
    assert changed == {"deepseek-r1-selloff-car.png"}
    assert [a == b for a, b in zip(moved.charts, first.charts)] == [True, False, True, True, True, True]

    report_charts.USED.clear()
    report_charts.USED.update(moved.charts)  # as after a refresh of every report
    assert report_charts.prune_cache(out) == 2  # the old CAR chart's PNG and its entry
    assert sorted(p.stem for p in (out / report_charts.CACHE_FOLDER).glob("*.png")) == sorted(moved.charts)


def test_a_shared_chart_cache_serves_other_reports_folders_and_is_never_pruned(demo_dir, tmp_path, monkeypatch):
    """AFTERSHOCK_CHART_CACHE: a chart drawn for one data directory's reports is copied, byte for byte,
    into another's; a refresh never prunes the shared folder, and no reports folder gets a cache of its own."""
    import shutil

    from aftershock import report, report_charts

    shared = tmp_path / "shared"
    monkeypatch.setenv("AFTERSHOCK_CHART_CACHE", str(shared))
    db = tmp_path / "aftershock.duckdb"
    shutil.copyfile(demo_dir / "warehouse" / "aftershock.duckdb", db)

    counts = dict(report_charts.COUNTS)
    first = report.build_report("deepseek-r1-selloff", out_dir=tmp_path / "one", db=db)
    drawn = report_charts.COUNTS["drawn"] - counts.get("drawn", 0)
    assert drawn == len(first.charts) == 6
    counts = dict(report_charts.COUNTS)
    other = report.build_report("deepseek-r1-selloff", out_dir=tmp_path / "two", db=db)
    assert report_charts.COUNTS["drawn"] == counts.get("drawn", 0)
    assert report_charts.COUNTS["reused"] == counts.get("reused", 0) + 6
    assert {p.name: p.read_bytes() for p in other.pngs} == {p.name: p.read_bytes() for p in first.pngs}
    assert other.html.read_text().count("<svg") == 6

    entries = sorted(shared.iterdir())
    report_charts.USED.clear()  # as if this process had used none of them
    assert report_charts.prune_cache(tmp_path / "two") == 0
    assert sorted(shared.iterdir()) == entries and len(entries) == 12  # a PNG and its entry per chart
    assert not (tmp_path / "one" / report_charts.CACHE_FOLDER).exists()
