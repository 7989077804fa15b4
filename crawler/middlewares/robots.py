"""Scrapy's RobotsTxtMiddleware, with RFC 9309's rules for redirects and for an
unreachable robots.txt.

RFC 9309 (2.3.1.2): a robots.txt redirect is followed, even to another host.
Scrapy's own robots.txt request is filtered like any other, so a redirect out
of the crawl's scope was dropped and the host treated as having no rules; here
robots.txt requests may leave the scope (``allow_offsite``).

RFC 9309 (2.3.1.4): when robots.txt cannot be had because of a server error
(5xx) or a network error, a crawler MUST assume complete disallow; a 4xx
means there are no rules. Scrapy parses whatever body came back, so an error
page (or nothing at all) allows every URL of a site that is failing. Here a
5xx answer or a failed download gives that host a disallow-all policy for the
rest of the run (the next run asks again), counted as
``newscrawl/robots/unreachable``; its requests fail with ``RobotsUnreachable``
(naming the robots.txt error, not "Forbidden by robots.txt": nothing forbade
them) and stay on the follow-up queue for the next run; ``NEWSCRAWL_ROBOTS_UNREACHABLE_DISALLOW =
False`` keeps Scrapy's behaviour. Retries (RetryMiddleware) and the 429/503
pause (``crawler.extensions.backoff``) happen before this verdict.

RFC 9309 (2.5): a crawler may stop parsing after 500 KiB (Google does);
``NEWSCRAWL_ROBOTS_MAX_BYTES`` is that limit, cut at a line end (0: none).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class _NoTracebackForRobotsErrors(logging.Filter):
    """Scrapy logs a robots.txt download error with its traceback: a refused
    connection is no bug, and the one-line error (and our warning) say it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


_SCRAPY_ROBOTS_LOGGER = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
_SCRAPY_ROBOTS_LOGGER.addFilter(_NoTracebackForRobotsErrors())


class RobotsUnreachable(IgnoreRequest):
    """The host's robots.txt could not be had, so none of its URLs is fetched this run."""


class RfcRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware that disallows a host whose robots.txt is unreachable."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.disallow_unreachable = crawler.settings.getbool(
            "NEWSCRAWL_ROBOTS_UNREACHABLE_DISALLOW", True
        )
        self.max_bytes = crawler.settings.getint("NEWSCRAWL_ROBOTS_MAX_BYTES", 500 * 1024)
        self._unreachable_why: dict[str, str] = {}  # netloc -> why its robots.txt failed

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if (
            request.callback is NO_CALLBACK
            and request.meta.get("dont_obey_robotstxt")
            and urlparse_cached(request).path == "/robots.txt"
        ):
            # RFC 9309: a robots.txt redirect is followed, to any host. Without
            # this, OffsiteMiddleware drops one that leaves the crawl's scope
            # (www. to the bare domain, say) and every URL would be allowed.
            request.meta["allow_offsite"] = True  # redirects copy the request's meta
        await super().process_request(request)

    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            netloc = urlparse_cached(request).netloc
            why = self._unreachable_why.get(netloc)
            if why is None:
                raise
            raise RobotsUnreachable(
                f"robots.txt of {netloc} is unreachable ({why}): not fetched in this run"
            ) from None

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self.disallow_unreachable and 500 <= response.status <= 599:
            self._unreachable(netloc, f"HTTP {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        elif 0 < self.max_bytes < len(response.body):
            # parsed in the crawl process: a 30 MB "robots.txt" would stall it
            cut = response.body.rfind(b"\n", 0, self.max_bytes) + 1 or self.max_bytes
            self._stats.inc_value("newscrawl/robots/truncated")
            logger.warning(
                "robots.txt of %s is %d bytes: only its first %d are read (RFC 9309 2.5)",
                netloc,
                len(response.body),
                cut,
            )
            response = response.replace(body=response.body[:cut])
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not self.disallow_unreachable or isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)  # IgnoreRequest: offsite, say; not the site's
            return
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}")
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser = build_from_crawler(
            self._parserimpl, self.crawler, DISALLOW_ALL
        )
        if isinstance(waiting, Deferred):  # what the host's requests wait on
            waiting.callback(parser)

    def _unreachable(self, netloc: str, why: str) -> None:
        self._unreachable_why[netloc] = why
        self._stats.inc_value("newscrawl/robots/unreachable")
        logger.warning(
            "robots.txt of %s is unreachable (%s): nothing on that host is fetched in this run"
            " (RFC 9309; NEWSCRAWL_ROBOTS_UNREACHABLE_DISALLOW)",
            netloc,
            why,
        )
