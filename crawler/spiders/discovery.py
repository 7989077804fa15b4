"""Feeds and sitemaps for the news spider: articles announced before links reach them.

Feeds come from the spider's arguments/settings and from ``<link
rel=alternate>`` on start pages; sitemaps from arguments/settings and from the
``Sitemap:`` lines of robots.txt. robots.txt is fetched once per host: when it
is obeyed, the sitemaps are read from the fetch Scrapy's RobotsTxtMiddleware
makes anyway; when not, the spider asks for it. Either way it is archived like
any response. Entries older than ``NEWSCRAWL_MAX_AGE_DAYS`` are not fetched,
unless they update an article archived before. Every entry kept goes on the
follow-up queue with its title and publication time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from protego import Protego
from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredList
from twisted.python.failure import Failure

from crawler.discovery import DiscoveredLink, is_fresh, parse_feed, parse_sitemap
from crawler.errors import record_error
from crawler.incremental import modified_since
from crawler.items import Teaser
from crawler.links import canonical
from crawler.spiders.page_items import fetched_page, page_links

logger = logging.getLogger(__name__)

DISCOVERY_PRIORITY = 20  # feeds and sitemaps first: they name the newest articles

_SITEMAP_MARKERS = (b"<urlset", b"<sitemapindex", b"\x1f\x8b")


def looks_like_sitemap(body: bytes) -> bool:
    head = body[:2048]
    return any(marker in head for marker in _SITEMAP_MARKERS)


def _newest_first(link: DiscoveredLink) -> str:
    return link.published_at or link.modified_at or ""


def robots_middleware(crawler: Any) -> RobotsTxtMiddleware | None:
    """The running crawl's RobotsTxtMiddleware, when robots.txt is obeyed (it fetches it)."""
    for middleware in crawler.engine.downloader.middleware.middlewares:
        if isinstance(middleware, RobotsTxtMiddleware):
            return middleware
    return None


def robots_sitemaps(parser: RobotParser | None) -> list[str] | None:
    """The Sitemap: lines of a parsed robots.txt; None when the parser does not keep them.

    Scrapy's Protego and Python parsers keep the parsed file as ``rp``; a
    robots.txt that could not be fetched has no parser, and so no sitemaps.
    """
    if parser is None:
        return []
    parsed = getattr(parser, "rp", None)
    if isinstance(parsed, Protego):
        return list(parsed.sitemaps)
    if isinstance(parsed, RobotFileParser):
        return list(parsed.site_maps() or [])
    return None


class DiscoveryMixin:
    """Robots, feed and sitemap handling; mixed into NewsSpider."""

    feeds: list[str]
    sitemaps: list[str]
    max_age: timedelta | None
    sitemaps_from_robots: bool
    robots_reads: list[Deferred[None]]  # robots.txt reads started, not yet waited for
    crawler: Any
    scope: Any
    state: Any

    _request: Callable[..., Request | None]  # NewsSpider's: the one place requests are made

    def robots_sitemap_requests(self, entry_points: list[str]) -> Iterator[Request]:
        """The sitemaps robots.txt lists, for each host of ``entry_points``.

        Obeying robots.txt, Scrapy's RobotsTxtMiddleware fetches it once per
        host anyway: each host's sitemaps are read from that fetch as soon as it
        is parsed (and scheduled with ``engine.crawl``), instead of from a second
        request. Not obeying it, robots.txt is requested here.
        """
        if not self.sitemaps_from_robots:
            return
        robots = robots_middleware(self.crawler)
        origins = dict.fromkeys(f"{p.scheme}://{p.netloc}" for p in map(urlsplit, entry_points))
        for origin in origins:
            url = origin + "/robots.txt"
            if robots is None:
                yield self._robots_request(url)
                continue
            read = deferred_from_coro(robots.robot_parser(Request(url)))
            self.robots_reads.append(
                read.addCallback(self._robots_parsed, url).addErrback(self._robots_failed, url)
            )

    async def robots_sitemaps_read(self) -> None:
        """Wait for the robots.txt reads ``robots_sitemap_requests`` started.

        ``start()`` waits here: while it does, the crawl cannot go idle and
        close before the sitemaps are scheduled.
        """
        reads, self.robots_reads = self.robots_reads, []
        if reads:
            await maybe_deferred_to_future(DeferredList(reads))

    def _robots_parsed(self, parser: RobotParser | None, url: str) -> None:
        if self.crawler.engine.spider is None:
            return  # closed meanwhile
        sitemaps = robots_sitemaps(parser)
        requests = (
            [self._robots_request(url)]  # a parser that keeps no sitemaps: ask ourselves
            if sitemaps is None
            else self.discovery_url_requests(sitemaps)
        )
        for request in requests:
            self.crawler.engine.crawl(request)

    def _robots_failed(self, failure: Failure, url: str) -> None:
        logger.error("Could not read the sitemaps of %s: %s", url, failure.value)

    def _robots_request(self, url: str) -> Request:
        return Request(
            url,
            callback=self.parse_robots,
            dont_filter=True,
            priority=DISCOVERY_PRIORITY,
            meta={"dont_obey_robotstxt": True},
        )

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        yield from self.discovery_url_requests(Protego.parse(response.text).sitemaps)

    def discovery_url_requests(self, urls: Iterable[str]) -> Iterator[Request]:
        """Requests for feeds and sitemaps: declared, announced by a page or by robots.txt."""
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
