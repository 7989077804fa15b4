"""Scrapy's scheduler with its pending requests on disk, so memory stays flat.

A news crawl discovers URLs much faster than it fetches them (every listing
page links to dozens of articles), and Scrapy's default scheduler keeps every
pending ``Request`` in memory: at 20,000 articles the crawl process grew by
~60 MiB for that alone. With ``NEWSCRAWL_DISK_QUEUE`` (the default) the
requests wait in Scrapy's own disk queues (``SCHEDULER_DISK_QUEUE``) under
``OUTPUT/frontier/``, as they would with ``JOBDIR``, but without the rest of
``JOBDIR``: the persistent frontier of a crawl is the follow-up queue and the
URL state in ``state.sqlite3``, so this folder is removed when the crawl
closes (and emptied at the next start after a crash) rather than resumed. A
request that cannot be serialised stays in memory (Scrapy counts it as
``scheduler/unserializable``). A ``JOBDIR`` set by hand wins.

Scrapy's ``PickleFifoDiskQueue`` turns a request into a dict with
``Request.to_dict``, which finds the spider method names of the callback and
errback with ``inspect.getmembers`` over the whole spider: ~50 us a request,
most of what the disk queue cost. ``FrontierDiskQueue`` is that queue with
the names remembered (the same dict, the same pickles on disk); the scheduler
uses it in its place.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.squeues import PickleFifoDiskQueue

from crawler.output import OutputLayout

# (spider class, a method's function) -> the method's name (checked at each use).
_METHOD_NAMES: dict[tuple[type, Any], str] = {}


def _method_name(spider: Spider | None, method: Callable[..., Any]) -> str:
    """The name of ``method`` on ``spider`` (Scrapy's ``_find_method``, remembered)."""
    func = getattr(method, "__func__", None)
    if spider is not None and func is not None:
        key = (type(spider), func)
        name = _METHOD_NAMES.get(key)
        if name is not None and getattr(getattr(spider, name, None), "__func__", None) is func:
            return name
        for name, member in inspect.getmembers(spider, predicate=inspect.ismethod):
            if member.__func__ is func:
                _METHOD_NAMES[key] = name
                return name
    raise ValueError(f"Function {method} is not an instance method in: {spider}")


def request_to_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, with the callback names remembered."""
    callback, errback = request.callback, request.errback
    d: dict[str, Any] = {
        "url": request.url,
        "callback": _method_name(spider, callback) if callable(callback) else callback,
        "errback": _method_name(spider, errback) if callable(errback) else errback,
        "headers": dict(request.headers),
    }
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:
        d["_class"] = request.__module__ + "." + request.__class__.__name__
    return d


class FrontierDiskQueue(PickleFifoDiskQueue):  # type: ignore[misc,valid-type]
    """Scrapy's ``PickleFifoDiskQueue``, the callback names found once per method."""

    def push(self, request: Request) -> None:
        # The pickling queue under Scrapy's request queue takes the dict.
        serializing_queue: Any = super(PickleFifoDiskQueue, self)  # type: ignore[misc]
        serializing_queue.push(request_to_dict(request, self.spider))


class FrontierScheduler(Scheduler):
    """``scrapy.core.scheduler.Scheduler`` with disk queues in ``OUTPUT/frontier/``."""

    frontier: Path | None = None  # set when this scheduler owns OUTPUT/frontier/

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        scheduler = super().from_crawler(crawler)
        if scheduler.dqdir is None and crawler.settings.getbool("NEWSCRAWL_DISK_QUEUE"):
            frontier = OutputLayout.from_settings(crawler.settings).frontier_dir
            shutil.rmtree(frontier, ignore_errors=True)  # left by a crashed run
            queues = frontier / "requests.queue"  # where JOBDIR would put them
            queues.mkdir(parents=True)
            scheduler.dqdir = str(queues)
            scheduler.frontier = frontier
        if scheduler.dqclass is PickleFifoDiskQueue:
            scheduler.dqclass = FrontierDiskQueue  # the same queue, cheaper to push to
        return scheduler

    def close(self, reason: str) -> Any:
        """Close the queues, then remove the folder: it is never resumed."""
        result = super().close(reason)
        if self.frontier is not None:
            shutil.rmtree(self.frontier, ignore_errors=True)
        return result
