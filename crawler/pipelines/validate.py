"""Drop article items that would not make a valid JSON Lines row."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.schema import schema_errors

logger = logging.getLogger(__name__)


class ValidateArticlePipeline:
    """Checks each ArticleItem against the published schema before it is written."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        errors = schema_errors(asdict(item))
        if errors:
            self.stats.inc_value("newscrawl/items/invalid")
            raise DropItem(f"invalid article {item.url}: {'; '.join(errors[:3])}")
        return item
