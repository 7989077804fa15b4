"""The JSON body of a page's links metadata record.

Made in the extraction workers for crawled pages and in the crawl process for
feeds and sitemaps; it imports no Scrapy, so a worker starts without it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawler.items import Teaser
from crawler.plain import as_plain


def links_record_body(
    page_type: str,
    outlinks: list[str],
    teasers: list[Teaser],
    entries: list[dict[str, Any]] | None = None,
) -> bytes:
    """The JSON body of a page's links metadata record (also made in extraction workers)."""
    fields: dict[str, Any] = {
        "page_type": page_type,
        "outlinks": outlinks,
        "teasers": as_plain(teasers),
    }
    if entries:
        fields["entries"] = entries
    return json.dumps(fields, ensure_ascii=False, default=_json_value).encode("utf-8")


def _json_value(value: object) -> str:
    """What JSON cannot encode: dates as ISO 8601, the rest as str() (as WarcWriter does)."""
    return value.isoformat() if isinstance(value, datetime) else str(value)
