"""Drop article items that would not make a valid JSON Lines row.

Validating every row with jsonschema cost a fifth of the crawl process's CPU
(an article carries ~35 teasers, each checked through ``$ref``s: ~4 ms a row).
fastjsonschema compiles the published schema into Python once and checks a row
in tens of microseconds; a row that fails gets jsonschema's full error walk,
for the message. ``tests/test_validate_pipeline.py`` holds the two verdicts
together. The row checked is the item's JSON read back, so what is validated
is what the JSON Lines writer writes.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.pipelines.jsonl import article_row
from crawler.schema import fast_validator, schema_errors


def is_valid_row(row: dict[str, Any]) -> bool:
    """True when ``row`` follows the article schema (fast path)."""
    try:
        fast_validator()(row)
    except ValueError:  # fastjsonschema.JsonSchemaValueException
        return False
    return True


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
        try:
            row = article_row(item)
        except TypeError as exc:  # orjson.JSONEncodeError: not JSON at all
            self.stats.inc_value("newscrawl/items/invalid")
            raise DropItem(f"invalid article {item.url}: not JSON ({exc})") from exc
        if is_valid_row(row):
            return item
        errors = schema_errors(row)
        self.stats.inc_value("newscrawl/items/invalid")
        raise DropItem(f"invalid article {item.url}: {'; '.join(errors[:3])}")
