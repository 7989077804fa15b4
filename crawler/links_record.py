"""The JSON body of a page's links metadata record.

Made in the extraction workers for crawled pages and in the crawl process for
feeds and sitemaps; it imports no Scrapy, so a worker starts without it.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

import orjson

from crawler.items import Teaser

# A teaser's fields, in order: also its __init__'s parameters.
TEASER_FIELDS = tuple(f.name for f in fields(Teaser))


def links_record_body(
    page_type: str,
    outlinks: list[str],
    teasers: list[Teaser],
    entries: list[dict[str, Any]] | None = None,
) -> bytes:
    """The JSON body of a page's links metadata record (also made in extraction workers).

    orjson writes the teaser dataclasses and dates itself, in C (the stdlib's
    encoder, with a dict made per teaser, cost ~1.5% of a page's extraction).
    """
    record: dict[str, Any] = {"page_type": page_type, "outlinks": outlinks, "teasers": teasers}
    if entries:
        record["entries"] = entries
    return orjson.dumps(record, default=_json_value, option=orjson.OPT_NON_STR_KEYS)


def is_plain_teaser(teaser: Teaser) -> bool:
    """A ``Teaser`` as its ``__init__`` made it: its instance dict holds its fields,
    in order, and nothing else (what the worker's fast pickle path relies on)."""
    return type(teaser) is Teaser and tuple(vars(teaser)) == TEASER_FIELDS


def _json_value(value: object) -> Any:
    """What orjson does not encode itself (it writes dataclasses and dates, but not
    date subclasses): those as ISO 8601, the rest as str() (as WarcWriter does)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)
