"""The capped body reader against a real server on 127.0.0.1: a body that drips past the deadline,
a false Content-Length, and a gzip body whose inflated size is over the cap."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ingest.http_body import BodyTooLarge, BodyTooSlow, read_capped


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):  # 40 bytes over about 2 s: every read is well inside a read timeout
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        elif self.path == "/lies":
            self.send_response(200)
            self.send_header("Content-Length", "10")  # claims 10, sends 5000 (the client reads what was declared)
            self.end_headers()
            self.wfile.write(b"y" * 5000)
        elif self.path == "/bomb":
            body = gzip.compress(b"z" * 200_000)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            body = b"a" * 2000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def get(url):
    return requests.get(url, stream=True, timeout=(2, 2))


def test_a_declared_length_over_the_cap_fails_before_reading(server):
    with get(server + "/big") as resp, pytest.raises(BodyTooLarge) as exc:
        read_capped(resp, 1000)
    assert exc.value.declared_bytes == 2000


def test_a_body_within_the_cap_is_returned_whole(server):
    with get(server + "/big") as resp:
        assert read_capped(resp, 2000) == b"a" * 2000


def test_a_gzip_body_is_capped_on_its_inflated_size(server):
    with get(server + "/bomb") as resp, pytest.raises(BodyTooLarge) as exc:
        read_capped(resp, 100_000)
    assert exc.value.declared_bytes is None  # found while reading: the declared length was the small compressed one


def test_a_dripping_body_stops_at_the_deadline(server):
    t0 = time.monotonic()
    with get(server + "/drip") as resp, pytest.raises(BodyTooSlow):
        read_capped(resp, 1000, deadline=time.monotonic() + 0.5)
    assert time.monotonic() - t0 < 1.9  # stopped well before the whole body (about 2 s) had arrived
