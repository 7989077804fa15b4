"""robots.txt ``Crawl-delay`` is honoured (crawler/extensions/crawl_delay.py).

A local site whose robots.txt asks for a delay; the server logs when each
request arrives, and the gaps between them are what the site experienced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FAST, run_newscrawl
from tests.localsite import Answer, LocalSite, page, serving

PAGES = 4


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A home page linking ``PAGES`` pages; robots.txt is ``site.state["robots"]``."""

    def route(site: LocalSite, path: str) -> Answer:
        if path == "/robots.txt":
            return Answer(body=site.state["robots"].encode(), content_type="text/plain")
        if path == "/":
            return page("Home", [f"/page-{n}.html" for n in range(PAGES)])
        return page(path)

    with serving(route) as server:
        yield server


def _page_gaps(site: LocalSite, tmp_path: Path, *settings: str) -> list[float]:
    """Crawl the site; the gaps between its page requests (robots.txt left out)."""
    proc = run_newscrawl("crawl", site.url, "--output", str(tmp_path), *settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert " ERROR: " not in proc.stderr, proc.stderr[-3000:]  # a signal handler's error, say
    times = [hit.arrived for hit in site.log if hit.path != "/robots.txt"]
    assert len(times) == 1 + PAGES
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_crawl_delay_spaces_requests_without_autothrottle(site: LocalSite, tmp_path: Path) -> None:
    site.state["robots"] = "User-agent: *\nCrawl-delay: 1\n"
    gaps = _page_gaps(site, tmp_path, *FAST, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    assert min(gaps) >= 0.95, gaps  # no jitter takes a gap below the delay
    assert json.loads((tmp_path / "report.json").read_text())["robots_crawl_delay_max"] == 1.0


def test_autothrottle_does_not_go_below_crawl_delay(site: LocalSite, tmp_path: Path) -> None:
    site.state["robots"] = "User-agent: *\nCrawl-delay: 1\n"
    gaps = _page_gaps(
        site, tmp_path,
        "-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_MAX_DELAY=0.1", "-s", "DOWNLOAD_DELAY=0",
    )  # fmt: skip
    assert min(gaps) >= 0.95, gaps


def test_crawl_delay_for_another_agent_does_not_apply(site: LocalSite, tmp_path: Path) -> None:
    site.state["robots"] = "User-agent: otherbot\nCrawl-delay: 30\n\nUser-agent: *\nDisallow:\n"
    gaps = _page_gaps(site, tmp_path, *FAST)
    assert sum(gaps) < 5, gaps


def test_long_crawl_delay_is_cut_to_the_maximum(site: LocalSite, tmp_path: Path) -> None:
    site.state["robots"] = "User-agent: *\nCrawl-delay: 3600\n"
    gaps = _page_gaps(site, tmp_path, *FAST, "-s", "NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX=0.5")
    assert min(gaps) >= 0.45, gaps
    assert max(gaps) < 5, gaps


@pytest.mark.parametrize(
    "switch",
    [("-s", "NEWSCRAWL_ROBOTS_CRAWL_DELAY=False"), ("-s", "ROBOTSTXT_OBEY=False")],
    ids=["setting-off", "robots-not-obeyed"],
)
def test_crawl_delay_ignored_when_switched_off(
    site: LocalSite, tmp_path: Path, switch: tuple[str, str]
) -> None:
    site.state["robots"] = "User-agent: *\nCrawl-delay: 30\n"
    gaps = _page_gaps(site, tmp_path, *FAST, *switch)
    assert sum(gaps) < 5, gaps
