"""Back off a host that says it is overloaded: 429 and 503, with their Retry-After.

Scrapy retries a 429 or 503 (RetryMiddleware) but sends the retry, and every
other request queued for the host, as soon as a slot is free; AutoThrottle does
not slow down for an error status either. A server that answers "Too Many
Requests" asks for a pause, and usually says how long in ``Retry-After``
(seconds, or an HTTP date). This extension makes that pause the host's
downloader-slot delay, without jitter; the first answer with another status
once the pause is over gives the slot its own delay back. No ``Retry-After``
means ``NEWSCRAWL_BACKOFF_DEFAULT`` seconds, and no pause is longer than
``NEWSCRAWL_BACKOFF_MAX``. The status codes are ``NEWSCRAWL_BACKOFF_HTTP_CODES``
(an empty list switches this off). The responses are archived like any other.

The pause is also the slot's floor in ``DOWNLOAD_SLOTS`` (the downloader's
``per_slot_settings``, as a robots Crawl-delay is), so ``SlotFloorAutoThrottle``
cannot shorten it and a slot rebuilt meanwhile keeps it; the floor the slot
had before comes back with its pace.

It acts on ``response_downloaded``, as AutoThrottle does: that signal comes
before the slot sends its next request, where a downloader middleware would be
too late.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)

_SECONDS = re.compile(r"[0-9]+")  # delta-seconds: ASCII digits only (str.isdigit takes "²")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The pause a ``Retry-After`` value asks for, in seconds; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class _Paused:
    delay: float  # the slot's own delay and jitter, given back when the host recovers
    jitter: float
    floor: dict[str, float]  # its DOWNLOAD_SLOTS entry before the pause, given back too
    until: float = 0.0  # monotonic time the pause ends: no answer before it tells recovery
    pause: float = 0.0  # the slot's delay meanwhile


class Backoff:
    """Pauses a host's downloader slot after a 429 or 503 (see module docstring)."""

    def __init__(self, crawler: Crawler, codes: set[int], default: float, longest: float) -> None:
        self.crawler = crawler
        self.codes = codes
        self.default = default
        self.longest = longest
        self._paused: dict[str, _Paused] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Backoff:
        settings = crawler.settings
        codes = {int(c) for c in settings.getlist("NEWSCRAWL_BACKOFF_HTTP_CODES") if str(c).strip()}
        if not codes:
            raise NotConfigured("NEWSCRAWL_BACKOFF_HTTP_CODES is empty")
        extension = cls(
            crawler,
            codes,
            default=settings.getfloat("NEWSCRAWL_BACKOFF_DEFAULT", 30.0),
            longest=settings.getfloat("NEWSCRAWL_BACKOFF_MAX", 600.0),
        )
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        return extension

    def response_downloaded(self, response: Response, request: Request) -> None:
        key: str = request.meta.get("download_slot") or ""
        downloader = self.crawler.engine.downloader  # type: ignore[union-attr]
        slot = downloader.slots.get(key)
        if slot is None:
            return
        floors = downloader.per_slot_settings
        paused = self._paused.get(key)
        if response.status in self.codes:
            header = response.headers.get("Retry-After") or b""
            asked = retry_after_seconds(header.decode("latin-1"), datetime.now(UTC))
            pause = min(self.default if asked is None else asked, self.longest)
            if paused is None:
                floor = dict(floors.get(key, {}))
                paused = self._paused[key] = _Paused(slot.delay, slot.jitter, floor)
            slot.lastseen = now = monotonic()  # the pause counts from now
            paused.pause = max(paused.pause, paused.delay, pause)  # the longest asked for
            paused.until = max(paused.until, now + paused.pause)
            slot.delay, slot.jitter = paused.pause, 0.0
            floors[key] = {**paused.floor, "delay": paused.pause, "jitter": 0.0}
            self.crawler.stats.inc_value("newscrawl/backoff/pauses")  # type: ignore[union-attr]
            logger.warning(
                "%s answered %d for %s: waiting %.0f s between its requests until it recovers",
                key,
                response.status,
                request.url,
                slot.delay,
            )
        elif paused is not None and monotonic() >= paused.until:  # an answer within it ends nothing
            del self._paused[key]
            slot.delay, slot.jitter = paused.delay, paused.jitter
            if paused.floor:
                floors[key] = paused.floor
            else:
                floors.pop(key, None)
            if slot.latercall is not None:  # a send timed by the pause: the downloader,
                slot.latercall.cancel()  # right after this signal, times it anew
                slot.latercall = None
            logger.info("%s answered %d again: back to its own pace", key, response.status)
