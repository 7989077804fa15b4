"""A host answering 429/503 is paused as its Retry-After says (crawler/extensions/backoff.py).

A local site answers 429 to one page, once; the server logs when each request
arrives, so the pause is what the site experienced. The retried page must
still be fetched, the 429 archived, and the pace back to normal afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive import iter_records
from crawler.extensions.backoff import retry_after_seconds
from tests.conftest import FAST, run_newscrawl

PAGES = 4
BUSY = "/page-1.html"  # answers 429 the first time it is asked
SLOW = "/slow.html"  # on its way when BUSY's 429 comes back


class _Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        self.status = 429
        self.retry_after: Callable[[], str] | None = lambda: "2"  # its value, when answered
        # (monotonic time the request arrived, path, status, time the answer was sent)
        self.log: list[tuple[float, str, int, float]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        site = self.server
        arrived, status, kind = time.monotonic(), 200, "text/html"
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nDisallow:\n", "text/plain"
        elif self.path in ("/", BUSY):
            # the home page links to BUSY (and SLOW), which links to the rest:
            # whatever comes after BUSY's retry was sent after the 429
            rest = [f"/page-{n}.html" for n in range(2, 2 + PAGES)]
            links = [BUSY, SLOW] if self.path == "/" else rest
            items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
            body = f"<!doctype html><title>{self.path}</title><ul>{items}</ul>".encode()
            if self.path == BUSY and not any(entry[1] == BUSY for entry in site.log):
                status, body = site.status, b"Too many requests, slow down."
        else:
            if self.path == SLOW:
                time.sleep(0.3)  # answered while BUSY's pause runs: AutoThrottle must not end it
            body = f"<!doctype html><title>{self.path}</title><p>Short.</p>".encode()
        self.send_response(status)
        if status != 200 and site.retry_after is not None:
            self.send_header("Retry-After", site.retry_after())
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        site.log.append((arrived, self.path, status, time.monotonic()))

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


def _crawl(site: _Site, out: Path, *settings: str) -> tuple[float, float]:
    """Crawl the site: (the pause between the 429 and its retry, the longest gap after it)."""
    proc = run_newscrawl("crawl", site.url, "--output", str(out), *FAST, *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]
    busy = [(arrived, status, sent) for arrived, path, status, sent in site.log if path == BUSY]
    assert [status for _, status, _ in busy] == [site.status, 200]  # the retry fetched it
    (_, _, refused), (retried, _, _) = busy
    later = sorted(arrived for arrived, *_ in site.log if arrived >= retried)
    assert len(later) == 1 + PAGES
    return retried - refused, max(b - a for a, b in zip(later, later[1:], strict=False))


@pytest.mark.parametrize(
    "throttle",
    [(), ("-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0",
          "-s", "AUTOTHROTTLE_MAX_DELAY=0.1")],
    ids=["fixed-delay", "autothrottle"],
)  # fmt: skip
def test_retry_after_pauses_the_host_then_it_goes_back_to_its_pace(
    site: _Site, tmp_path: Path, throttle: tuple[str, ...]
) -> None:
    pause, after = _crawl(site, tmp_path, *throttle)
    assert pause >= 1.9, site.log
    assert after < 1.0, site.log  # recovered: the rest at the crawl's own pace
    statuses = [
        rec.http_status
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "response" and rec.target_uri.endswith(BUSY)
    ]
    assert statuses == [429, 200]  # the refusal is archived too
    assert json.loads((tmp_path / "report.json").read_text())["backoff_pauses"] == 1


def test_503_with_an_http_date(site: _Site, tmp_path: Path) -> None:
    site.status = 503
    site.retry_after = lambda: format_datetime(
        datetime.now(UTC) + timedelta(seconds=3), usegmt=True
    )
    pause, _ = _crawl(site, tmp_path)
    assert pause >= 1.9  # HTTP dates have whole seconds: 2-3 s from the 503 on


def test_no_retry_after_waits_the_default(site: _Site, tmp_path: Path) -> None:
    site.retry_after = None
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_DEFAULT=1.5")
    assert pause >= 1.4


def test_a_long_retry_after_is_cut_to_the_maximum(site: _Site, tmp_path: Path) -> None:
    site.retry_after = lambda: "3600"
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_MAX=1")
    assert 0.9 <= pause < 10


def test_switched_off_the_retry_goes_at_once(site: _Site, tmp_path: Path) -> None:
    site.retry_after = lambda: "30"
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_HTTP_CODES=")
    assert pause < 5


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, datetime.now(UTC)) == seconds


def test_retry_after_dates() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 04 Dec 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now) == 0.0  # past: no pause


@given(st.text(max_size=60))
def test_retry_after_never_raises_nor_goes_negative(value: str) -> None:
    seconds = retry_after_seconds(value, datetime.now(UTC))
    assert seconds is None or seconds >= 0
