"""Feeds and sitemaps for the news spider: articles announced before links reach them.

Feeds come from the spider's arguments/settings and from ``<link
rel=alternate>`` on start pages; sitemaps from arguments/settings and from the
``Sitemap:`` lines of robots.txt (asked once per host, archived like any
response). Entries older than ``NEWSCRAWL_MAX_AGE_DAYS`` are not fetched,
unless they update an article archived before. Every entry kept goes on the
follow-up queue with its title and publication time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.http import Response

from crawler.discovery import DiscoveredLink, is_fresh, parse_feed, parse_sitemap
from crawler.errors import record_error
from crawler.incremental import modified_since
from crawler.items import Teaser
from crawler.links import canonical
from crawler.spiders.page_items import fetched_page, page_links

DISCOVERY_PRIORITY = 20  # feeds and sitemaps first: they name the newest articles

_SITEMAP_MARKERS = (b"<urlset", b"<sitemapindex", b"\x1f\x8b")


def looks_like_sitemap(body: bytes) -> bool:
    head = body[:2048]
    return any(marker in head for marker in _SITEMAP_MARKERS)


def _newest_first(link: DiscoveredLink) -> str:
    return link.published_at or link.modified_at or ""


class DiscoveryMixin:
    """Robots, feed and sitemap handling; mixed into NewsSpider."""

    feeds: list[str]
    sitemaps: list[str]
    max_age: timedelta | None
    sitemaps_from_robots: bool
    crawler: Any
    scope: Any
    state: Any

    _request: Callable[..., Request | None]  # NewsSpider's: the one place requests are made

    def discovery_requests(self, start_urls: list[str]) -> Iterator[Request]:
        """robots.txt of each start host (for its sitemaps), then the declared feeds/sitemaps."""
        if self.sitemaps_from_robots:
            origins = dict.fromkeys(
                f"{p.scheme}://{p.netloc}" for p in (urlsplit(u) for u in start_urls)
            )
            for origin in origins:
                yield Request(
                    origin + "/robots.txt",
                    callback=self.parse_robots,
                    dont_filter=True,
                    priority=DISCOVERY_PRIORITY,
                    meta={"dont_obey_robotstxt": True},
                )
        for url in [*self.feeds, *self.sitemaps]:
            request = self._request(url, callback=self.parse_discovery, priority=DISCOVERY_PRIORITY)
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        for url in Protego.parse(response.text).sitemaps:
            request = self._request(url, callback=self.parse_discovery, priority=DISCOVERY_PRIORITY)
            if request is not None:
                yield request

    def feed_requests(self, urls: list[str]) -> Iterator[Request]:
        """Requests for feeds a start page announces."""
        for url in urls:
            request = self._request(url, callback=self.parse_discovery, priority=DISCOVERY_PRIORITY)
            if request is not None:
                yield request

    async def parse_discovery(self, response: Response) -> AsyncIterator[Any]:
        """A feed or sitemap: queue and request its fresh, in-scope entries."""
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value("newscrawl/incremental/not_modified")
            yield fetched_page(response, "unchanged")
            return
        if response.status >= 400:
            record_error(stats, "http_status", response.url, f"HTTP {response.status}")
            yield fetched_page(response, "error")
            return
        body = response.body
        if looks_like_sitemap(body):
            kind = "sitemap"
            result = parse_sitemap(body, response.url)
            links, children = list(result.links), list(result.sitemaps)
        else:
            kind, links, children = "feed", parse_feed(body, response.url), []
        stats.inc_value(f"newscrawl/discovery/{kind}s")
        wanted = [link for link in links if link.url in self.scope and self._worth(link)]
        wanted.sort(key=_newest_first, reverse=True)
        stats.inc_value("newscrawl/discovery/entries", len(links))
        stats.inc_value("newscrawl/discovery/fresh", len(wanted))
        teasers = [
            Teaser(
                url=link.url,
                headline=link.title or "",
                published_at=link.published_at or link.modified_at,
                block=link.source,
            )
            for link in wanted
        ]
        links_item = page_links(response, kind, [], teasers)
        links_item.entries = [asdict(link) for link in wanted]
        yield links_item
        yield fetched_page(response, kind)
        for url in children:
            request = self._request(url, callback=self.parse_discovery, priority=DISCOVERY_PRIORITY)
            if request is not None:
                yield request
        for link in wanted:
            request = self._request(
                link.url, priority=DISCOVERY_PRIORITY, force=self._updated(link)
            )
            if request is not None:
                yield request

    def _updated(self, link: DiscoveredLink) -> bool:
        """An archived article the feed/sitemap says changed after our fetch."""
        if self.state is None:
            return False
        known = self.state.get(canonical(link.url))
        return bool(
            known is not None
            and known.is_archived_article
            and modified_since(known, link.modified_at)
        )

    def _worth(self, link: DiscoveredLink) -> bool:
        return is_fresh(link, datetime.now(UTC), self.max_age) or self._updated(link)
