"""Scrapy extensions: robots.txt's ``Crawl-delay`` honoured, and AutoThrottle held to it.

Scrapy obeys robots.txt's Allow/Disallow rules but ignores its ``Crawl-delay``
(scrapy#892); Heritrix honours it, and a site that asks for one request every
N seconds should get no more. ``RobotsCrawlDelay`` reads the delay when
RobotsTxtMiddleware has parsed a host's robots.txt (``robots_parsed``) and
makes it that host's downloader-slot delay, without jitter, the way
``DOWNLOAD_SLOTS`` would: one request at a time, N seconds apart. A delay
above ``NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX`` is cut to it (a misconfigured
``Crawl-delay: 3600`` must not stall a news crawl for hours), and
``NEWSCRAWL_ROBOTS_CRAWL_DELAY = False`` ignores ``Crawl-delay`` as Scrapy does.

AutoThrottle adjusts each slot's delay from latencies, between ``DOWNLOAD_DELAY``
and ``AUTOTHROTTLE_MAX_DELAY``: it would bring a slow site's delay down again.
``SlotFloorAutoThrottle`` is Scrapy's AutoThrottle with one change: a slot's
own delay from ``DOWNLOAD_SLOTS`` (a robots Crawl-delay included) is its floor.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class SlotFloorAutoThrottle(AutoThrottle):
    """AutoThrottle that never takes a slot below its own configured delay
    (its ``DOWNLOAD_SLOTS`` entry: a robots Crawl-delay, a backoff pause)."""

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is not None and slot is not None:
            floors = self.crawler.engine.downloader.per_slot_settings  # type: ignore[union-attr]
            slot.delay = max(slot.delay, float(floors.get(key, {}).get("delay", 0.0)))


class RobotsCrawlDelay:
    """Makes each host's robots.txt ``Crawl-delay`` its downloader slot's delay."""

    def __init__(self, crawler: Crawler, longest: float) -> None:
        self.crawler = crawler
        self.longest = longest
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsCrawlDelay:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        if not settings.getbool("NEWSCRAWL_ROBOTS_CRAWL_DELAY", True):
            raise NotConfigured("NEWSCRAWL_ROBOTS_CRAWL_DELAY is off")
        extension = cls(crawler, settings.getfloat("NEWSCRAWL_ROBOTS_CRAWL_DELAY_MAX", 60.0))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        return extension

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        try:
            asked = robotparser.crawl_delay(self.user_agent)
        except Exception:  # noqa: BLE001 - a parser that fails here must not stop the crawl
            return
        if not asked or asked <= 0:
            return
        delay = min(float(asked), self.longest)
        downloader = self.crawler.engine.downloader  # type: ignore[union-attr]
        key = downloader.get_slot_key(request)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        slot_settings["jitter"] = 0.0
        slot = downloader.slots.get(key)
        if slot is not None:  # the slot robots.txt itself came through
            slot.delay = max(slot.delay, slot_settings["delay"])
            slot.jitter = 0.0
        self.crawler.stats.max_value("newscrawl/robots/crawl_delay_max", delay)  # type: ignore[union-attr]
        logger.info(
            "robots.txt of %s asks for Crawl-delay %s s: waiting %s s between requests",
            key,
            asked,
            slot_settings["delay"],
        )
