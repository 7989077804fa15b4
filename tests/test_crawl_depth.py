"""``--max-depth`` and the Referer header, read back from the WARC request records.

Scrapy's DepthMiddleware and RefererMiddleware do this work; the test holds the
crawl's settings to keeping them: each request record names the page that
linked it, and no page is further from a root (a start URL, robots.txt or a
sitemap it announces) than the depth asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.reader import iter_records
from tests.conftest import FAST, run_newscrawl


def _requests(out: Path) -> dict[str, str | None]:
    """Target URI -> Referer of each request record (the first one, if repeated)."""
    referers: dict[str, str | None] = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        for rec in iter_records(path):
            if rec.rec_type == "request" and rec.target_uri:
                referers.setdefault(rec.target_uri, rec.http_header("Referer"))
    return referers


def _depths(referers: dict[str, str | None]) -> dict[str, int]:
    """Each URL's distance from a request made without a Referer, along Referers."""
    depths: dict[str, int] = {}
    for url in referers:
        chain, current = [], url
        while current is not None and current not in depths and current not in chain:
            chain.append(current)
            current = referers.get(current)
        base = depths.get(current, -1) if current is not None else -1
        for step, link in enumerate(reversed(chain), start=1):
            depths[link] = base + step
    return depths


def _crawl(server: Any, out: Path, *args: str) -> dict[str, str | None]:
    proc = run_newscrawl("crawl", server.url, "--output", str(out), *FAST, *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _requests(out)


@pytest.fixture(scope="module")
def full(demo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """The demo site crawled with no depth limit: one crawl for every test here."""
    return _crawl(demo_server, tmp_path_factory.mktemp("full"))


@pytest.mark.parametrize("max_depth", [1, 2])
def test_max_depth_bounds_the_crawl_along_its_referers(
    demo_server: Any, full: dict[str, str | None], tmp_path: Path, max_depth: int
) -> None:
    start = demo_server.url
    limited = _crawl(demo_server, tmp_path / "limited", "--max-depth", str(max_depth))
    depths = _depths(limited)
    assert depths[start] == 0
    assert max(depths.values()) == max_depth
    assert len(limited) < len(full)
    assert max(_depths(full).values()) > max_depth  # the site is deeper than the limit
    for url, referer in limited.items():
        if referer is not None:
            assert referer in limited, f"{url} names {referer}, which was not fetched"


def test_links_followed_from_a_page_carry_it_as_referer(
    demo_server: Any, full: dict[str, str | None]
) -> None:
    referers = full
    start = demo_server.url
    assert referers[start] is None  # a start request has no page behind it
    from_start = [url for url, referer in referers.items() if referer == start]
    assert len(from_start) >= 5  # sections and teasers of the home page
    articles = [url for url in referers if "/20" in url and url.startswith(start)]
    assert articles
    assert all(referers[url] is not None for url in articles)
