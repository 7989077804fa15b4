"""Scrapy extension: the garbage collector tuned once the engine has started.

See ``crawler.gc_tuning`` for why. ``NEWSCRAWL_GC_THRESHOLD`` sets the number
of new containers between young collections (default 50,000); ``0`` leaves
Python's defaults alone. The extraction workers keep Python's defaults.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.gc_tuning import DEFAULT_THRESHOLD, restore_gc, tune_gc

logger = logging.getLogger(__name__)


class GcTuningExtension:
    """Freezes the start-up heap and spaces young collections out while the engine runs."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._before: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcTuningExtension:
        threshold = crawler.settings.getint("NEWSCRAWL_GC_THRESHOLD", DEFAULT_THRESHOLD)
        if threshold <= 0:
            raise NotConfigured("NEWSCRAWL_GC_THRESHOLD is 0: Python's collector settings stay")
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        self._before = tune_gc(self.threshold)
        logger.debug("Garbage collector: start-up heap frozen, threshold %d", self.threshold)

    def engine_stopped(self) -> None:
        """Python's own settings back (a process may run more than one crawl: tests do)."""
        if self._before is not None:
            restore_gc(self._before)
            self._before = None
