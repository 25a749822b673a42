"""dbt docs (every model and column described, exposures, the served site renders offline in Chromium)
and `dbt source freshness` on the lake."""
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
from conftest import BIN, run_cli

pytestmark = pytest.mark.slow


def _copy(demo_dir: Path, dest: Path) -> Path:
    for part in ("lake", "warehouse"):
        shutil.copytree(demo_dir / part, dest / part, ignore=shutil.ignore_patterns("building", "*.lock"))
    return dest


@pytest.fixture(scope="module")
def docs_site(demo_dir, tmp_path_factory):
    d = _copy(demo_dir, tmp_path_factory.mktemp("docs") / "data")
    run_cli("docs", "--quiet", data_dir=d)
    site = d / "site" / "docs"
    assert sorted(p.name for p in site.iterdir()) == ["catalog.json", "index.html", "manifest.json"]
    return d, site


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
    assert set(exposures) == {"event_report", "sql_users"}
    assert "model.aftershock.fct_event_caar" in exposures["event_report"]["depends_on"]["nodes"]


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
        for model, must in [("fct_event_caar", ["Kolari-Pynnönen adjusted BMP t", "bmp_t_p", "sign_z"]),
                            ("dim_events", ["linked_event_id", "One row per event"])]:
            dom, console = dump_dom(f"{base}#!/model/model.aftershock.{model}", budget_ms=15000)
            assert console == []
            text = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)  # the rendered page, not the bundle
            for m in must:
                assert m in text, (model, m)
    finally:
        srv.shutdown()
        srv.server_close()


def test_docs_serve_command_serves_on_localhost(docs_site):
    d, _ = docs_site
    import os

    env = {**os.environ, "AFTERSHOCK_DATA_DIR": str(d)}
    proc = subprocess.Popen([str(BIN / "aftershock"), "docs", "--quiet", "--serve", "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300
        url = None
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            m = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            url = m.group(1) if m else None
        assert url, "aftershock docs --serve never said where it serves"
        with urllib.request.urlopen(url + "index.html", timeout=30) as r:
            assert r.status == 200 and b"dbt" in r.read(2000).lower()
        with urllib.request.urlopen(url + "manifest.json", timeout=30) as r:
            assert "model.aftershock.fct_event_summary" in json.loads(r.read())["nodes"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_source_freshness_passes_on_fresh_batches(demo_dir, tmp_path):
    d = _copy(demo_dir, tmp_path / "data")
    proc = run_cli("freshness", data_dir=d)
    assert "PASS freshness of lake.prices" in proc.stdout and "PASS freshness of lake.shares" in proc.stdout


def test_source_freshness_fails_on_a_stale_lake(demo_dir, tmp_path):
    d = _copy(demo_dir, tmp_path / "data")
    for src in ("prices", "shares"):
        f = next((d / "lake/raw" / src).glob("*.parquet"))
        con = duckdb.connect()
        con.execute(f"copy (select * replace (_ingested_at - interval 30 day as _ingested_at) from read_parquet('{f}')) "
                    f"to '{f}.tmp' (format parquet)")
        con.close()
        Path(f"{f}.tmp").replace(f)
    proc = run_cli("freshness", data_dir=d, check=False)
    assert proc.returncode != 0
    assert "ERROR STALE freshness of lake.prices" in proc.stdout
    assert "WARN freshness of lake.shares" in proc.stdout  # 30 days: past warn (14), inside error (120)


def test_source_freshness_names_a_source_that_never_landed(data_dir):
    run_cli("ingest", "prices", "--source", "file", "--path", str(Path(__file__).parents[1] / "sample/prices/prices_daily.csv"),
            data_dir=data_dir)
    proc = run_cli("freshness", data_dir=data_dir, check=False)
    assert proc.returncode == 1
    assert "PASS freshness of lake.prices" in proc.stdout
    assert "lake source shares has no batch" in proc.stderr
