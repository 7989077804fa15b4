"""A tiny threaded site on 127.0.0.1 for politeness tests: each test says what a path
answers, and the site logs when each request arrived and its answer left.

Politeness is what the server experiences, so the tests read this log rather
than the crawler's own account.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html"
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False  # close the connection without answering


@dataclass
class Hit:
    arrived: float  # monotonic time the request arrived
    path: str
    status: int
    sent: float  # monotonic time the answer was written


def page(title: str, links: list[str] | None = None) -> Answer:
    """An HTML page with a title and, optionally, a list of links."""
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links or [])
    return Answer(body=f"<!doctype html><title>{title}</title><ul>{items}</ul>".encode())


class LocalSite(ThreadingHTTPServer):
    """``route(path)`` decides each answer; ``log`` holds every request served."""

    daemon_threads = True

    def __init__(self, route: Callable[[LocalSite, str], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        self.log: list[Hit] = []
        self.state: dict[str, Any] = {}  # what a test's route reads: the test may change it

    def paths(self) -> list[str]:
        return [hit.path for hit in self.log]

    def asked(self, path: str) -> list[Hit]:
        return [hit for hit in self.log if hit.path == path]


class _Handler(BaseHTTPRequestHandler):
    server: LocalSite

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        arrived = time.monotonic()
        answer = self.server.route(self.server, self.path)
        if answer.drop:
            self.server.log.append(Hit(arrived, self.path, 0, time.monotonic()))
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)
        self.server.log.append(Hit(arrived, self.path, answer.status, time.monotonic()))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@contextmanager
def serving(route: Callable[[LocalSite, str], Answer]) -> Iterator[LocalSite]:
    """A LocalSite answering in a background thread for the duration of the block."""
    site = LocalSite(route)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
