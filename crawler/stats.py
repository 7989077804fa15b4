"""Scrapy's in-memory stats collector without its per-attribute deprecation shim.

Scrapy 2.19's ``StatsCollector.__getattribute__`` runs on every attribute
access, the collector's own ``self._stats`` included: it builds a
``_cached_<name>`` string and catches an ``AttributeError`` to wrap the public
methods in a warning about their deprecated ``spider`` argument. A crawl makes
~20 stats calls a page, and the shim cost ~2% of the crawl process's CPU. The
methods themselves are Scrapy's, unchanged: a ``spider`` argument is still
accepted, only without the deprecation warning.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class DirectStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` with plain attribute access (``STATS_CLASS``)."""

    __getattribute__ = object.__getattribute__
