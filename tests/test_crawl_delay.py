"""robots.txt ``Crawl-delay`` is honoured (crawler/extensions/crawl_delay.py).

A local site whose robots.txt asks for a delay; the server logs when each
request arrives, and the gaps between them are what the site experienced.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FAST, run_newscrawl

PAGES = 4


class _Site(ThreadingHTTPServer):
    """A home page linking ``PAGES`` pages; robots.txt says what ``robots`` holds."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        self.robots = ""
        self.arrivals: list[tuple[float, str]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.arrivals.append((time.monotonic(), self.path))
        if self.path == "/robots.txt":
            body, kind = self.server.robots.encode(), "text/plain"
        elif self.path == "/":
            links = "".join(f'<li><a href="/page-{n}.html">Page {n}</a></li>' for n in range(PAGES))
            body, kind = f"<!doctype html><title>Home</title><ul>{links}</ul>".encode(), "text/html"
        else:
            body, kind = b"<!doctype html><title>A page</title><p>Short.</p>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@pytest.fixture
def site() -> Iterator[_Site]:
    server = _Site()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _page_gaps(site: _Site, tmp_path: Path, *settings: str) -> list[float]:
    """Crawl the site; the gaps between its page requests (robots.txt left out)."""
    proc = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]  # a signal handler's error, say
    times = [t for t, path in site.arrivals if path != "/robots.txt"]
    assert len(times) == 1 + PAGES
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_crawl_delay_spaces_requests_without_autothrottle(site: _Site, tmp_path: Path) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 1\n"
    gaps = _page_gaps(site, tmp_path, *FAST, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    assert min(gaps) >= 0.95, gaps  # no jitter takes a gap below the delay
    assert json.loads((tmp_path / "report.json").read_text())["robots_crawl_delay_max"] == 1.0


def test_autothrottle_does_not_go_below_crawl_delay(site: _Site, tmp_path: Path) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 1\n"
    gaps = _page_gaps(
        site, tmp_path,
        "-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_MAX_DELAY=0.1", "-s", "DOWNLOAD_DELAY=0",
    )  # fmt: skip
    assert min(gaps) >= 0.95, gaps


def test_crawl_delay_for_another_agent_does_not_apply(site: _Site, tmp_path: Path) -> None:
    site.robots = "User-agent: otherbot\nCrawl-delay: 30\n\nUser-agent: *\nDisallow:\n"
    gaps = _page_gaps(site, tmp_path, *FAST)
    assert sum(gaps) < 5, gaps


def test_long_crawl_delay_is_cut_to_the_maximum(site: _Site, tmp_path: Path) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 3600\n"
    gaps = _page_gaps(site, tmp_path, *FAST, "-s", "NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX=0.5")
    assert min(gaps) >= 0.45, gaps
    assert max(gaps) < 5, gaps


@pytest.mark.parametrize(
    "switch",
    [("-s", "NEWSCRAWL_ROBOTS_CRAWL_DELAY=False"), ("-s", "ROBOTSTXT_OBEY=False")],
    ids=["setting-off", "robots-not-obeyed"],
)
def test_crawl_delay_ignored_when_switched_off(
    site: _Site, tmp_path: Path, switch: tuple[str, str]
) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 30\n"
    gaps = _page_gaps(site, tmp_path, *FAST, *switch)
    assert sum(gaps) < 5, gaps
