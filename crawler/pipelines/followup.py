"""The follow-up queue pipeline: queue each page's links, then retire fetched URLs.

A page's teasers (in scope or not, with headline, excerpt and time) and its
in-scope outlinks go on the queue, which is also the crawl frontier: after a
crash the next run starts from what is still pending. A URL leaves the queue
only when its ``FetchedPage`` arrives, i.e. after its outputs are written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.followup import FollowupQueue
from crawler.items import FetchedPage, PageLinks
from crawler.links import Scope, is_page_link
from crawler.output import OutputLayout

LINK_CACHE_SIZE = 8192  # distinct outlinks whose verdict is remembered: pages repeat menus


def _entry_extra(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a feed/sitemap entry says beyond a teaser's fields (news sitemap keywords...)."""
    if not entry:
        return None
    extra = {k: entry.get(k) for k in ("keywords", "language", "publication", "modified_at")}
    return {k: v for k, v in extra.items() if v} or None


class FollowupQueuePipeline:
    """Queues teasers and outlinks; marks fetched URLs done."""

    def __init__(
        self,
        path: Path,
        stats: Any,
        crawler: Crawler | None = None,
        *,
        flush_seconds: float = 10.0,
    ) -> None:
        self.path = path
        self.stats = stats
        self.crawler = crawler
        self.flush_seconds = flush_seconds
        self.queue: FollowupQueue | None = None
        self._followable_scope: Scope | None = None
        self._followable_fn: Callable[[str], bool] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FollowupQueuePipeline:
        if not crawler.settings.getbool("NEWSCRAWL_QUEUE_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_QUEUE_ENABLED is off")
        flush_seconds = crawler.settings.getfloat("NEWSCRAWL_QUEUE_FLUSH_SECONDS", 10.0)
        if flush_seconds < 0:
            raise NotConfigured(
                f"NEWSCRAWL_QUEUE_FLUSH_SECONDS ({flush_seconds}) must be 0 or more"
            )
        return cls(
            OutputLayout.from_settings(crawler.settings).state_path,
            crawler.stats,
            crawler,
            flush_seconds=flush_seconds,
        )

    def open_spider(self) -> None:
        self.queue = FollowupQueue(self.path, flush_seconds=self.flush_seconds)

    def _scope(self) -> Scope | None:
        spider = self.crawler.spider if self.crawler is not None else None
        return getattr(spider, "scope", None)

    def process_item(self, item: Any) -> Any:
        if self.queue is None:
            return item
        if isinstance(item, PageLinks):
            self._queue_links(self.queue, item)
        elif isinstance(item, FetchedPage):
            self.queue.mark_done([item.url, *item.aliases], status=item.status)
        return item

    def _queue_links(self, queue: FollowupQueue, item: PageLinks) -> None:
        """One call per page: new URLs committed at once, repeats only seen again."""
        scope = self._scope()
        extras = (
            {entry["url"]: _entry_extra(entry) for entry in item.entries} if item.entries else None
        )
        links: list[str] = []
        if item.followable is not None:  # filtered by the extraction worker
            links = item.followable
        elif scope is not None:
            followable = self._followable(scope)
            links = [u for u in item.outlinks if followable(u)]
        queued = queue.add_page(
            item.teasers,
            links,
            source_url=item.url,
            seen_at=item.fetched_at,
            in_scope=None if scope is None else scope.__contains__,
            extras=extras,
        )
        if item.teasers:
            self.stats.inc_value("newscrawl/teasers/seen", len(item.teasers))
        if queued:
            self.stats.inc_value("newscrawl/teasers/queued", queued)

    def _followable(self, scope: Scope) -> Callable[[str], bool]:
        """``url in scope and is_page_link(url)``, remembered per distinct URL (bounded)."""
        if self._followable_scope is not scope:
            self._followable_scope = scope
            self._followable_fn = lru_cache(maxsize=LINK_CACHE_SIZE)(
                lambda url: url in scope and is_page_link(url)
            )
        assert self._followable_fn is not None
        return self._followable_fn

    def close_spider(self) -> None:
        if self.queue is not None:
            self.queue.close()
            self.queue = None
