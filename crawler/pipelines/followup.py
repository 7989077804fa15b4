"""Put every teaser link of every page on the persistent follow-up queue."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.followup import FollowupQueue
from crawler.items import PageLinks
from crawler.links import Scope
from crawler.output import OutputLayout


class FollowupQueuePipeline:
    """Queues teasers with where and when they were seen; known URLs are skipped."""

    def __init__(self, queue_path: Any, stats: Any, crawler: Crawler | None = None) -> None:
        self.queue_path = queue_path
        self.stats = stats
        self.crawler = crawler
        self.queue: FollowupQueue | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FollowupQueuePipeline:
        if not crawler.settings.getbool("NEWSCRAWL_QUEUE_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_QUEUE_ENABLED is off")
        return cls(OutputLayout.from_settings(crawler.settings).queue_path, crawler.stats, crawler)

    def open_spider(self) -> None:
        self.queue = FollowupQueue(self.queue_path)

    def _scope(self) -> Scope | None:
        spider = self.crawler.spider if self.crawler is not None else None
        return getattr(spider, "scope", None)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageLinks) or self.queue is None:
            return item
        scope = self._scope()
        for teaser in item.teasers:
            self.stats.inc_value("newscrawl/teasers/seen")
            added = self.queue.add(
                teaser.url,
                headline=teaser.headline,
                excerpt=teaser.excerpt,
                relative_time=teaser.relative_time,
                published_at=teaser.published_at,
                block=teaser.block,
                source_url=item.url,
                in_scope=scope is None or teaser.url in scope,
                seen_at=item.fetched_at,
            )
            if added:
                self.stats.inc_value("newscrawl/teasers/queued")
        return item

    def close_spider(self) -> None:
        if self.queue is not None:
            self.queue.close()
            self.queue = None
