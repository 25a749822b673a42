"""A local HTTP server on 127.0.0.1 that plays a script of responses, for the Forbes live client.

Each request takes the next step of the script (the last step repeats). A step is a dict:
status, body (bytes), headers, and `truncate` (send only the first N bytes of the body while
declaring its full length, then close) or `no_length` (send no Content-Length, close to end), or
`drip` (seconds between single bytes of the body: a server that never trips a read timeout).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ScriptedServer:
    def __init__(self, steps: list[dict]):
        self.steps = list(steps)
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server naming)
                with server._lock:
                    i = len(server.requests)
                    parts = urlsplit(self.path)
                    server.requests.append(
                        {"path": parts.path, "query": parse_qs(parts.query), "headers": dict(self.headers)}
                    )
                    step = server.steps[min(i, len(server.steps) - 1)]
                body = step.get("body", b"")
                self.send_response(step.get("status", 200))
                for k, v in step.get("headers", {}).items():
                    self.send_header(k, v)
                if step.get("no_length"):
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                if "truncate" in step:
                    self.wfile.write(body[: step["truncate"]])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if "drip" in step:
                    try:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(step["drip"])
                    except OSError:  # the client gave up
                        pass
                    return
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/forbesapi/person/rtb/0/position/true.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
