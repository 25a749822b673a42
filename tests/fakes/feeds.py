"""A local feed server on 127.0.0.1 (port 0) whose routes misbehave in the ways real feeds do."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def rss(
    items: list[tuple[str, str, str | None]],
    decl: str = '<?xml version="1.0" encoding="utf-8"?>',
    title: str = "Test feed",
) -> str:
    """items: (title xml, link, pubDate or None)."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + "</item>"
        for t, link, d in items
    )
    return f'{decl}<rss version="2.0"><channel><title>{title}</title><link>http://x.test/</link>{body}</channel></rss>'


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay_s: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    no_length: bool = False
    hook: Callable | None = None


class FeedServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, list[dict]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                server.hits.setdefault(self.path, []).append(dict(self.headers))
                r = server.routes.get(self.path)
                if r is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if r.delay_s:
                    time.sleep(r.delay_s)
                if r.etag and self.headers.get("If-None-Match") == r.etag:
                    self.send_response(304)
                    self.send_header("ETag", r.etag)
                    self.end_headers()
                    return
                if r.last_modified and not r.etag and self.headers.get("If-Modified-Since") == r.last_modified:
                    self.send_response(304)
                    self.end_headers()
                    return
                body = gzip.compress(r.body) if r.gzip else r.body
                self.send_response(r.status)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                if r.etag:
                    self.send_header("ETag", r.etag)
                if r.last_modified:
                    self.send_header("Last-Modified", r.last_modified)
                if r.gzip:
                    self.send_header("Content-Encoding", "gzip")
                if not r.no_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (size cap): that is the point

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
