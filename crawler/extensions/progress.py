"""Live progress: a status line on a terminal, periodic log lines otherwise.

Operators watch pages, articles, teasers queued, errors and pages/s; under
cron or a scheduler (no terminal) the same figures go to the log every
``NEWSCRAWL_PROGRESS_INTERVAL`` seconds.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from rich.live import Live

logger = logging.getLogger(__name__)

MODES = ("auto", "live", "log")


def progress_line(stats: dict[str, Any], elapsed: float) -> str:
    """One line of figures from the crawl's stats."""
    pages = int(stats.get("newscrawl/pages", 0))
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (
        f"pages {pages}  articles {int(stats.get('newscrawl/articles', 0))}  "
        f"teasers queued {int(stats.get('newscrawl/teasers/queued', 0))}  "
        f"errors {int(stats.get('newscrawl/errors/total', 0))}  {rate:.1f} pages/s"
    )


class ProgressExtension:
    """Shows crawl progress; switched by NEWSCRAWL_PROGRESS_ENABLED / _MODE / _INTERVAL."""

    def __init__(self, stats: Any, *, live: bool, interval: float) -> None:
        self.stats = stats
        self.live_mode = live
        self.interval = interval
        self.started = time.monotonic()
        self._loop: task.LoopingCall | None = None
        self._live: Live | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_PROGRESS_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_PROGRESS_ENABLED is off")
        mode = settings.get("NEWSCRAWL_PROGRESS_MODE", "auto")
        if mode not in MODES:
            raise NotConfigured(f"NEWSCRAWL_PROGRESS_MODE ({mode!r}) must be one of {MODES}")
        interval = settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL", 5.0)
        if interval <= 0:
            raise NotConfigured(f"NEWSCRAWL_PROGRESS_INTERVAL ({interval}) must be higher than 0")
        live = mode == "live" or (mode == "auto" and sys.stderr.isatty())
        ext = cls(crawler.stats, live=live, interval=interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        if self.live_mode:
            # rich only for a terminal: a logged crawl does not pay its import
            from rich.console import Console
            from rich.live import Live
            from rich.text import Text

            self._live = Live(Text("starting..."), console=Console(stderr=True), transient=True)
            self._live.start()
            self._loop = task.LoopingCall(self._tick)
            self._loop.start(0.5, now=False)
        else:
            self._loop = task.LoopingCall(self._tick)
            self._loop.start(self.interval, now=False)

    def _tick(self) -> None:
        line = progress_line(self.stats.get_stats(), time.monotonic() - self.started)
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text(line))
        else:
            logger.info("Progress: %s", line)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._live is not None:
            self._live.stop()
            self._live = None
