"""A real HTTP server on 127.0.0.1 (http.server in a thread) with Range support and injected
faults, and fast fetch settings for the tests."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mvc.fetch.sources import FetchSettings

RANGE = re.compile(r"bytes=(\d+)-$")


class FileServer(ThreadingHTTPServer):
    """Serves `files` (path -> bytes). `faults[path]` is a queue of what the next requests
    get instead of the file: an HTTP status (500, 404), ("cut", n) = the answer's headers
    promise the whole rest but the connection closes after n bytes, or "ignore_range" = a
    full 200 answer to a Range request. Every request's path and Range header is logged."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.faults: dict[str, list] = defaultdict(list)
        self.requests: list[tuple[str, str | None]] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FileServer

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        range_header = self.headers.get("Range")
        self.server.requests.append((self.path, range_header))
        fault = self.server.faults[self.path].pop(0) if self.server.faults[self.path] else None
        if self.path not in self.server.files or isinstance(fault, int):
            self.send_error(fault if isinstance(fault, int) else 404)
            return
        data = self.server.files[self.path]
        start = 0
        match = RANGE.match(range_header or "")
        if match and fault != "ignore_range":
            start = int(match[1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if isinstance(fault, tuple) and fault[0] == "cut":
            self.wfile.write(body[: fault[1]])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[FileServer]:
    httpd = FileServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def settings() -> FetchSettings:
    """Three retries, millisecond backoff: the retry paths run in no time."""
    return FetchSettings(sources="configs/sources.yaml", retries=3, backoff_s=0.001,
                         backoff_max_s=0.004, timeout_s=5.0, chunk_bytes=4096,
                         keep_archives=False)
