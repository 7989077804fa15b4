"""Check each article item against the schema; mend what can be mended, never lose a page.

Validating every row with jsonschema cost a fifth of the crawl process's CPU
(an article carries ~35 teasers, each checked through ``$ref``s: ~4 ms a row).
fastjsonschema compiles the published schema into Python once and checks a row
in tens of microseconds; a row that fails gets jsonschema's full error walk.
``tests/test_validate_pipeline.py`` holds the two verdicts together. The row
checked is the item's JSON read back, so what is validated is what the JSON
Lines writer writes.

A row that fails is mended rather than dropped when the fault is in a part a
reader can do without: a lone UTF-16 surrogate (JSON-LD's ``"\\ud83d"``, half an
emoji) becomes U+FFFD, an optional field that breaks the schema is emptied, a
teaser or list entry that does is left out. That is counted as an
``invalid_field`` error. A row that still fails (a required field) is dropped,
counted as ``invalid_row``, and its page is recorded as an error rather than a
finished article, so the next run fetches it again.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, fields, is_dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.errors import record_error
from crawler.items import ArticleItem, FetchedPage
from crawler.pipelines.jsonl import article_row
from crawler.schema import article_schema, article_validator, fast_validator, schema_errors

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def is_valid_row(row: dict[str, Any]) -> bool:
    """True when ``row`` follows the article schema (fast path)."""
    try:
        fast_validator()(row)
    except ValueError:  # fastjsonschema.JsonSchemaValueException
        return False
    return True


def _without_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates replaced by U+FFFD, dataclasses mended in place."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            setattr(value, f.name, _without_surrogates(getattr(value, f.name)))
    return value


def _empty_value(item: ArticleItem, name: str) -> Any:
    for f in fields(item):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
    return None


def _mend(item: ArticleItem, row: dict[str, Any]) -> list[str]:
    """Empty or leave out what breaks the schema in optional parts; say what was done."""
    required = set(article_schema()["required"])
    drop: dict[str, set[int]] = {}
    emptied: set[str] = set()
    for error in article_validator().iter_errors(row):
        path = list(error.absolute_path)
        if not path:
            continue
        name = str(path[0])
        if len(path) > 1 and isinstance(path[1], int) and isinstance(row.get(name), list):
            drop.setdefault(name, set()).add(path[1])  # one teaser, tag...: the rest stay
        elif name not in required and hasattr(item, name):
            emptied.add(name)
    done = []
    for name in sorted(emptied):
        setattr(item, name, _empty_value(item, name))
        done.append(f"{name} emptied")
    for name, indexes in sorted(drop.items()):
        if name in emptied:
            continue
        values = getattr(item, name)
        setattr(item, name, [v for i, v in enumerate(values) if i not in indexes])
        done.append(f"{len(indexes)} of {len(values)} {name} left out")
    return done


class ValidateArticlePipeline:
    """Checks each ArticleItem against the published schema before it is written."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self._lost: set[str] = set()  # pages whose article was dropped, until their FetchedPage

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedPage):
            if item.url in self._lost:  # not a finished article: fetched again next run
                self._lost.discard(item.url)
                item.kind, item.body, item.version = "error", None, None
            return item
        if not isinstance(item, ArticleItem):
            return item
        mended = []
        try:
            row = article_row(item)
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate, or not JSON at all
            _without_surrogates(item)
            mended.append("lone surrogates replaced")
            try:
                row = article_row(item)
            except TypeError as exc:
                return self._drop(item, f"not JSON ({exc})")
        if not is_valid_row(row):
            problems = schema_errors(row)
            mended += _mend(item, row)
            row = article_row(item)
            if not is_valid_row(row):
                return self._drop(item, "; ".join(schema_errors(row)[:3]))
            mended.append(f"({'; '.join(problems[:3])})")
        if mended:
            self.stats.inc_value("newscrawl/items/mended")
            record_error(self.stats, "invalid_field", item.url, ", ".join(mended))
        return item

    def _drop(self, item: ArticleItem, reason: str) -> None:
        self.stats.inc_value("newscrawl/items/invalid")
        record_error(self.stats, "invalid_row", item.url, reason)
        self._lost.add(item.url)
        raise DropItem(f"invalid article {item.url}: {reason}")
