"""The site (index, reports, ticker pages, dbt docs, GX Data Docs: complete, and offline in Chromium from
file:// and from the server) and `aftershock freshness` on the lake's own dates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from browser import dump_dom, requires_chromium
from conftest import BIN, copy_parse_cache, run_cli

pytestmark = pytest.mark.slow


def _copy(demo_dir: Path, dest: Path) -> Path:
    for part in ("lake", "warehouse"):
        shutil.copytree(demo_dir / part, dest / part, ignore=shutil.ignore_patterns("building", "*.lock"))
    copy_parse_cache(demo_dir, dest)
    return dest


@pytest.fixture(scope="module")
def docs_site(demo_dir, tmp_path_factory):
    d = _copy(demo_dir, tmp_path_factory.mktemp("docs") / "data")
    shutil.copytree(demo_dir / "site" / "quality", d / "site" / "quality")  # the demo's gate wrote the Data Docs
    run_cli("docs", "--quiet", data_dir=d)
    site = d / "site" / "docs"
    assert sorted(p.name for p in site.iterdir()) == [".generated-from", "catalog.json", "index.html", "manifest.json"]
    # the stamp names the published file the pages were made from: the next publish makes them stale
    from kernel.files import file_identity

    assert (site / ".generated-from").read_text().startswith(file_identity(d / "warehouse" / "aftershock.duckdb"))
    return d, site


MARTS_READ = re.compile(r"\bmarts\.([a-z_]+)")


def _marts_named_in(module: str) -> set[str]:
    return set(MARTS_READ.findall((Path(__file__).parents[1] / "aftershock" / f"{module}.py").read_text()))


def test_every_model_and_column_is_described(docs_site):
    _, target = docs_site
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    assert len(models) >= 30
    missing = []
    for key, node in models.items():
        if not node["description"].strip():
            missing.append(key)
        described = {c for c, v in node["columns"].items() if v["description"].strip()}
        actual = {c.lower() for c in catalog["nodes"][key]["columns"]}  # the columns the warehouse really has
        missing += [f"{key}.{c}" for c in sorted(actual - described)]
    assert missing == []
    for name in ("source.aftershock.lake.prices", "source.aftershock.lake.shares"):
        assert all(c["description"] for c in manifest["sources"][name]["columns"].values())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {"event_report", "site_index", "sql_users"}
    assert "model.aftershock.fct_event_caar" in exposures["event_report"]["depends_on"]["nodes"]


def test_overview_owners_tags_and_exposures_cover_what_is_read(docs_site):
    _, target = docs_site
    manifest = json.loads((target / "manifest.json").read_text())
    assert "Aftershock warehouse" in manifest["docs"]["doc.aftershock.__overview__"]["block_contents"]
    marts = {
        n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    assert len(marts) >= 10
    for name, node in marts.items():
        assert node["meta"].get("owner"), name
        assert "mart" in node["tags"] and len(node["tags"]) >= 2, name  # one subject tag at least
    exposures = {e["name"]: set(e["depends_on"]["nodes"]) for e in manifest["exposures"].values()}

    def models(names):
        return {f"model.aftershock.{n}" for n in names}

    # the marts the code reads, found in its SQL: a new query on a mart must be declared in the exposure
    assert models(_marts_named_in("report")) <= exposures["event_report"]
    assert {"fct_event_wealth_impact", "fct_event_news_daily", "fct_event_news_items"} <= _marts_named_in("report")
    assert models(_marts_named_in("site")) <= exposures["site_index"]
    assert models(marts) == exposures["sql_users"]  # SQL users may read every mart


def test_site_index_lists_every_event_linked_to_its_report(docs_site):
    d, _ = docs_site
    con = duckdb.connect(str(d / "warehouse/aftershock.duckdb"), read_only=True)
    try:
        events = con.execute("select event_id, origin, cast(event_date as varchar) from marts.dim_events").fetchall()
        nvda = con.execute(
            "select return_pct from marts.fct_event_stock_impact "
            "where event_id = 'deepseek-r1-selloff' and ticker = 'NVDA'"
        ).fetchone()[0]
    finally:
        con.close()
    index = (d / "site/index.html").read_text()
    assert {o for _, o, _ in events} == {"curated", "detected"}
    for event_id, origin, date in events:
        row = re.search(
            rf'<tr class="{origin}">\s*<td class="l"><a href="reports/{re.escape(event_id)}\.html">'
            rf'{re.escape(event_id)}</a></td>\s*<td class="l">{date}</td>',
            index,
        )
        assert row, event_id
        assert (d / "site/reports" / f"{event_id}.html").is_file(), event_id
    assert 'href="docs/index.html"' in index and 'href="quality/index.html"' in index
    assert "No report for" not in index
    ticker = (d / "site/tickers/NVDA.html").read_text()
    assert "deepseek-r1-selloff" in ticker and f"{nvda:+,.2f}" == "-16.97" and "-16.97" in ticker
    assert (d / "site/tickers/^GSPC.html").is_file() and 'href="tickers/%5EGSPC.html"' in index


EXTERNAL = re.compile(
    r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(https?:)?//(?!127\.0\.0\.1)[^"]+"', re.IGNORECASE
)


def _site_pages(d: Path) -> list[str]:
    quality = d / "site/quality"
    validation = next(p for p in sorted((quality / "validations").rglob("*.html")))
    return [
        "index.html",
        "reports/deepseek-r1-selloff.html",
        "reports/detected-2024-09-20.html",
        "tickers/NVDA.html",
        "docs/index.html",
        "quality/index.html",
        str(validation.relative_to(d / "site")),
    ]


@requires_chromium
def test_every_page_of_the_site_opens_offline_from_file_and_server(docs_site):
    from aftershock.docs import serve_in_thread

    d, _ = docs_site
    site = d / "site"
    srv, _ = serve_in_thread(site)
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}/"
        for page in _site_pages(d):
            assert not EXTERNAL.search((site / page).read_text()), page  # nothing in the file asks the internet
            for url in (f"file://{site / page}", base + page):
                dom, console = dump_dom(url, budget_ms=10000)
                assert console == [], (url, console)
                assert not EXTERNAL.search(dom), url  # nor does anything a script added
                text = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.DOTALL)
                if page == "index.html":
                    assert "deepseek-r1-selloff" in text and "detected-2024-09-20" in text
                elif page == "quality/index.html":  # drawn by the shipped table stand-in, not a CDN script
                    assert "marts.fct_event_stock_impact" in text and not re.search(r"\b\d{3}_", text), (
                        url
                    )  # stable names
                    assert re.search(r'<a href="validations/[^"]+">', dom), url
                elif page == "docs/index.html":
                    assert "Aftershock warehouse" in text, url  # the project overview, rendered offline
    finally:
        srv.shutdown()
        srv.server_close()


def test_docs_did_not_touch_the_published_warehouse(docs_site, demo_dir):
    d, _ = docs_site
    assert (d / "warehouse/aftershock.duckdb").read_bytes() == (demo_dir / "warehouse/aftershock.duckdb").read_bytes()


@requires_chromium
def test_served_site_renders_model_pages_offline(docs_site):
    from aftershock.docs import serve_in_thread

    _, target = docs_site
    srv, _ = serve_in_thread(target)
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}/"
        for model, must in [
            ("fct_event_caar", ["Kolari-Pynnönen adjusted BMP t", "bmp_t_p", "sign_z"]),
            ("dim_events", ["linked_event_id", "One row per event"]),
        ]:
            dom, console = dump_dom(f"{base}#!/model/model.aftershock.{model}", budget_ms=15000)
            assert console == []
            text = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.DOTALL)  # the rendered page, not the bundle
            for m in must:
                assert m in text, (model, m)
    finally:
        srv.shutdown()
        srv.server_close()


def test_docs_serve_command_serves_on_localhost(docs_site):
    d, _ = docs_site
    import os

    env = {**os.environ, "AFTERSHOCK_DATA_DIR": str(d)}
    proc = subprocess.Popen(
        [str(BIN / "aftershock"), "docs", "--quiet", "--serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        url, said = None, []
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            said.append(line)
            m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            url = m.group(1) if m else None
        assert url, "aftershock docs --serve never said where it serves"
        # nothing was published since the fixture's `aftershock docs`: the pages are kept, not regenerated
        assert any("dbt docs are current" in line for line in said), said
        with urllib.request.urlopen(url, timeout=30) as r:  # the site index at the root
            assert r.status == 200 and b"deepseek-r1-selloff" in r.read()
        with urllib.request.urlopen(url + "docs/index.html", timeout=30) as r:
            assert r.status == 200 and b"dbt" in r.read(2000).lower()
        with urllib.request.urlopen(url + "docs/manifest.json", timeout=30) as r:
            assert "model.aftershock.fct_event_summary" in json.loads(r.read())["nodes"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_freshness_judges_the_data_dates_not_when_they_landed(demo_dir, tmp_path):
    # the demo's batches landed minutes ago, but their last trade date is 2025-06-30: stale today
    d = _copy(demo_dir, tmp_path / "data")
    proc = run_cli("freshness", data_dir=d, check=False)
    assert proc.returncode == 1
    assert "ERROR STALE freshness of lake.prices: last trade date 2025-06-30," in proc.stdout


@pytest.mark.parametrize(
    "as_of,status,sessions",
    [
        ("2025-06-30T21:00Z", "PASS", 0),  # after the close of the last session in the lake
        ("2025-07-01T19:00Z", "PASS", 0),  # 07-01 is not complete before its 16:00 New York close
        ("2025-07-08T21:00Z", "WARN", 5),  # 07-01, 07-02, 07-03, 07-07, 07-08: Independence Day is no session
        ("2025-07-09T21:00Z", "ERROR STALE", 6),
    ],
)
def test_freshness_counts_completed_exchange_sessions(demo_dir, tmp_path, as_of, status, sessions):
    d = _copy(demo_dir, tmp_path / "data")
    proc = run_cli("freshness", "--as-of", as_of, data_dir=d, check=False)
    assert (
        f"{status} freshness of lake.prices: last trade date 2025-06-30, {sessions} completed XNYS session"
        in proc.stdout
    ), proc.stdout


def test_source_freshness_names_a_source_that_never_landed(data_dir):
    run_cli(
        "ingest",
        "prices",
        "--source",
        "file",
        "--path",
        str(Path(__file__).parents[1] / "sample/prices/prices_daily.csv"),
        data_dir=data_dir,
    )
    proc = run_cli("freshness", "--as-of", "2025-07-01T12:00Z", data_dir=data_dir, check=False)
    assert proc.returncode == 1
    assert "PASS freshness of lake.prices" in proc.stdout
    assert "lake source shares has no batch" in proc.stderr
