"""A host answering 429/503 is paused as its Retry-After says (crawler/extensions/backoff.py).

A local site answers 429 to one page, once; the server logs when each request
arrives, so the pause is what the site experienced. The retried page must
still be fetched, the 429 archived, and the pace back to normal afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from archive import iter_records
from crawler.extensions.backoff import Backoff, retry_after_seconds
from crawler.extensions.crawl_delay import SlotFloorAutoThrottle
from tests.conftest import FAST, run_newscrawl
from tests.localsite import Answer, LocalSite, page, serving

PAGES = 4
AUTOTHROTTLE_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0,
    "AUTOTHROTTLE_MAX_DELAY": 0.1,
}
AUTOTHROTTLE_ARGS = tuple(x for k, v in AUTOTHROTTLE_SETTINGS.items() for x in ("-s", f"{k}={v}"))
BUSY = "/page-1.html"  # answers 429 the first time it is asked
SLOW = "/slow.html"  # on its way when BUSY's 429 comes back


def _route(site: LocalSite, path: str) -> Answer:
    """The home page links to BUSY (and SLOW), which links to the rest: whatever
    comes after BUSY's retry was sent after the 429."""
    if path == "/robots.txt":
        return Answer(body=b"User-agent: *\nDisallow:\n", content_type="text/plain")
    if path == "/":
        return page(path, [BUSY, SLOW])
    if path == BUSY:
        if site.asked(BUSY):
            return page(path, [f"/page-{n}.html" for n in range(2, 2 + PAGES)])
        retry_after = site.state["retry_after"]
        headers = (("Retry-After", retry_after()),) if retry_after else ()
        return Answer(site.state["status"], b"Too many requests, slow down.", headers=headers)
    if path == SLOW:
        time.sleep(0.3)  # answered while BUSY's pause runs: AutoThrottle must not end it
    return page(path)


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """``state``: the status BUSY answers first, and a callable giving its Retry-After."""
    with serving(_route) as server:
        server.state.update(status=429, retry_after=lambda: "2")
        yield server


def _crawl(site: LocalSite, out: Path, *settings: str) -> tuple[float, float]:
    """Crawl the site: (the pause between the 429 and its retry, the longest gap after it)."""
    proc = run_newscrawl("crawl", site.url, "--output", str(out), *FAST, *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]
    busy = site.asked(BUSY)
    assert [hit.status for hit in busy] == [site.state["status"], 200]  # the retry fetched it
    refused, retried = busy[0].sent, busy[1].arrived
    later = sorted(hit.arrived for hit in site.log if hit.arrived >= retried)
    assert len(later) == 1 + PAGES
    return retried - refused, max(b - a for a, b in zip(later, later[1:], strict=False))


@pytest.mark.parametrize(
    "throttle",
    [(), AUTOTHROTTLE_ARGS],
    ids=["fixed-delay", "autothrottle"],
)
def test_retry_after_pauses_the_host_then_it_goes_back_to_its_pace(
    site: LocalSite, tmp_path: Path, throttle: tuple[str, ...]
) -> None:
    pause, after = _crawl(site, tmp_path, *throttle)
    assert pause >= 1.9, site.log
    assert after < 1.0, site.log  # recovered: the rest at the crawl's own pace
    statuses = [
        rec.http_status
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "response" and (rec.target_uri or "").endswith(BUSY)
    ]
    assert statuses == [429, 200]  # the refusal is archived too
    assert json.loads((tmp_path / "report.json").read_text())["backoff_pauses"] == 1


def test_503_with_an_http_date(site: LocalSite, tmp_path: Path) -> None:
    site.state["status"] = 503
    site.state["retry_after"] = lambda: format_datetime(
        datetime.now(UTC) + timedelta(seconds=3), usegmt=True
    )
    pause, _ = _crawl(site, tmp_path)
    assert pause >= 1.9  # HTTP dates have whole seconds: 2-3 s from the 503 on


def test_no_retry_after_waits_the_default(site: LocalSite, tmp_path: Path) -> None:
    site.state["retry_after"] = None
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_DEFAULT=1.5")
    assert pause >= 1.4


def test_a_long_retry_after_is_cut_to_the_maximum(site: LocalSite, tmp_path: Path) -> None:
    site.state["retry_after"] = lambda: "3600"
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_MAX=1")
    assert 0.9 <= pause < 10


def test_switched_off_the_retry_goes_at_once(site: LocalSite, tmp_path: Path) -> None:
    site.state["retry_after"] = lambda: "30"
    pause, _ = _crawl(site, tmp_path, "-s", "NEWSCRAWL_BACKOFF_HTTP_CODES=")
    assert pause < 5


@pytest.mark.parametrize("autothrottle_first", [True, False])
def test_autothrottle_cannot_shorten_a_pause(autothrottle_first: bool) -> None:
    """The two extensions' handlers on one slot, in either order: fast answers
    during the pause leave its delay alone (the crawl above cannot show this
    apart from the send the downloader has already timed)."""
    crawler = get_crawler(Spider, {**AUTOTHROTTLE_SETTINGS, "NEWSCRAWL_BACKOFF_HTTP_CODES": [429]})
    slot = Slot(1, 0.0, 0.0)
    crawler.engine = SimpleNamespace(  # what both read of the downloader
        downloader=SimpleNamespace(slots={"host": slot}, per_slot_settings={}, _delay=0.0)
    )
    backoff = Backoff.from_crawler(crawler)
    throttle = SlotFloorAutoThrottle.from_crawler(crawler)
    throttle._spider_opened(Spider("news"))
    request = Request(
        "http://127.0.0.1/a", meta={"download_slot": "host", "download_latency": 0.01}
    )
    handlers = [partial(throttle._response_downloaded, spider=None), backoff.response_downloaded]
    if not autothrottle_first:
        handlers.reverse()
    for status, headers in ((429, {"Retry-After": "5"}), (200, {}), (200, {})):
        response = Response(request.url, status=status, headers=headers, request=request)
        for handler in handlers:
            handler(response, request)
        assert slot.delay == 5.0


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
