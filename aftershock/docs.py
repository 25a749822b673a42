"""`aftershock docs`: generate the dbt docs site from a copy of the published warehouse and serve it.

The catalog needs a warehouse with every model built; a copy is used so generating docs never
writes to the published file. The page is dbt's static single page (`dbt docs generate --static`:
manifest and catalog inlined), because dbt's usual index.html fetches manifest.json and catalog.json,
which a browser refuses from file://. It is copied to data/site/docs/index.html (the JSON files go
beside it for other readers), next to the site index (aftershock.site), and the whole of data/site
is served on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

from aftershock.dbt_runner import prepare_project, run_dbt
from aftershock.paths import build_workspace, site_dir, warehouse_path
from kernel.errors import AftershockError
from kernel.files import atomic_write, content_digest, file_identity


class DocsError(AftershockError):
    pass


def docs_dir() -> Path:
    return site_dir() / "docs"


_STAMP = ".generated-from"  # what the pages were made of: the published file's identity and the project


def generate(echo: bool = True, force: bool = False) -> Path:
    """Under the build lock: the docs share the build workspace with builds. Docs already generated
    from this published file and this project (models, macros, configuration) are kept unless `force`:
    `dbt docs generate` is a minute of work that would write the same pages."""
    from aftershock.publish import build_lock

    with build_lock("docs"):
        return _generate(echo, reuse=not force)


def _generate(echo: bool, reuse: bool = False) -> Path:
    published = warehouse_path()
    if not published.exists():
        raise DocsError(f"no published warehouse at {published}; run `aftershock build` (or `make demo`) first")
    project = prepare_project()
    source = f"{file_identity(published)}|{content_digest([project])}"
    target = docs_dir()
    stamp = target / _STAMP
    pages = [target / n for n in ("manifest.json", "catalog.json", "index.html")]
    if reuse and stamp.is_file() and stamp.read_text() == source and all(p.is_file() for p in pages):
        print("dbt docs are current: generated from this published warehouse and project (--force redoes them)")
        return target
    # same file name as the published one, so the views' catalog references resolve
    copy = build_workspace() / "docs" / published.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published, copy)
    try:
        run_dbt(["docs", "generate", "--static"], project, copy, echo=echo)
    finally:
        copy.unlink(missing_ok=True)
    generated = build_workspace() / "dbt_target"
    produced = {"manifest.json": "manifest.json", "catalog.json": "catalog.json", "index.html": "static_index.html"}
    missing = [src for src in produced.values() if not (generated / src).is_file()]
    if missing:
        raise DocsError(f"dbt docs generate wrote no {', '.join(missing)} in {generated}")
    stamp.unlink(missing_ok=True)  # pages being replaced are not current until the stamp is rewritten
    # manifest and catalog first, the page last: a reader never gets a page without its data
    for name in ("manifest.json", "catalog.json"):
        src = generated / produced[name]
        atomic_write(target / name, lambda tmp, src=src: shutil.copyfile(src, tmp))
    page = _without_raw_icon_urls((generated / produced["index.html"]).read_text(encoding="utf-8"))
    atomic_write(target / "index.html", lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    atomic_write(stamp, lambda tmp: Path(tmp).write_text(source))
    return target


def _without_raw_icon_urls(html: str) -> str:
    """dbt's page writes `xlink:href="{{ getIcon(...) }}"` on SVG icons: before AngularJS fills it in, the
    browser asks for the literal template as a URL, which Chromium refuses from file:// with a console error
    on every page. AngularJS's ng-attr- form sets the attribute only once it has a value."""
    return html.replace('xlink:href="{{ getIcon(', 'ng-attr-xlink:href="{{ getIcon(')


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):  # one line per request is noise for a local docs server
        pass


def server(directory: Path, host: str = "127.0.0.1", port: int = 8081) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_in_thread(directory: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    srv = server(directory, port=port)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, t
