"""`aftershock docs`: generate the dbt docs site from a copy of the published warehouse and serve it.

The catalog needs a warehouse with every model built; a copy is used so generating docs never
writes to the published file. The site is dbt's own single-page app (index.html + manifest.json +
catalog.json), which needs no network; it is served on 127.0.0.1 only.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

from aftershock.dbt_runner import prepare_project, run_dbt
from aftershock.paths import build_workspace, warehouse_path


class DocsError(RuntimeError):
    pass


def docs_dir() -> Path:
    return build_workspace() / "dbt_target"


def generate(echo: bool = True) -> Path:
    published = warehouse_path()
    if not published.exists():
        raise DocsError(f"no published warehouse at {published}; run `aftershock build` (or `make demo`) first")
    copy = build_workspace() / "docs.duckdb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published, copy)
    project = prepare_project()
    run_dbt(["docs", "generate"], project, copy, echo=echo)
    target = docs_dir()
    for name in ("index.html", "manifest.json", "catalog.json"):
        if not (target / name).is_file():
            raise DocsError(f"dbt docs generate wrote no {name} in {target}")
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):  # one line per request is noise for a local docs server
        pass


def server(directory: Path, host: str = "127.0.0.1", port: int = 8080) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_in_thread(directory: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    srv = server(directory, port=port)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, t
