"""The JSON body of a page's links metadata record.

Made in the extraction workers for crawled pages and in the crawl process for
feeds and sitemaps; it imports no Scrapy, so a worker starts without it.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from crawler.items import Teaser
from crawler.plain import as_plain

# A teaser's fields, in order: also its __init__'s parameters.
TEASER_FIELDS = tuple(f.name for f in fields(Teaser))


def links_record_body(
    page_type: str,
    outlinks: list[str],
    teasers: list[Teaser],
    entries: list[dict[str, Any]] | None = None,
) -> bytes:
    """The JSON body of a page's links metadata record (also made in extraction workers)."""
    record: dict[str, Any] = {
        "page_type": page_type,
        "outlinks": outlinks,
        "teasers": [_teaser_fields(teaser) for teaser in teasers],
    }
    if entries:
        record["entries"] = entries
    return _ENCODER.encode(record).encode("utf-8")


def _teaser_fields(teaser: Teaser) -> dict[str, Any]:
    """A teaser's fields as a dict, for JSON: its own ``__dict__`` when that holds them.

    ``as_plain`` copies every teaser (~1 us each, ~30 a page); the instance
    dict has the same keys in the same order (``__init__`` sets them), and what
    ``as_plain`` would convert in the values, ``_json_value`` converts alike.
    """
    if is_plain_teaser(teaser):
        return vars(teaser)
    plain: dict[str, Any] = as_plain(teaser)
    return plain


def is_plain_teaser(teaser: Teaser) -> bool:
    """A ``Teaser`` as its ``__init__`` made it: its instance dict holds its fields,
    in order, and nothing else (what the fast JSON and pickle paths rely on)."""
    return type(teaser) is Teaser and tuple(vars(teaser)) == TEASER_FIELDS


def _json_value(value: object) -> Any:
    """What JSON cannot encode: dataclasses as ``as_plain`` makes them, dates as
    ISO 8601, the rest as str() (as WarcWriter does)."""
    if is_dataclass(value) and not isinstance(value, type):
        return as_plain(value)
    return value.isoformat() if isinstance(value, datetime) else str(value)


# json.dumps(..., ensure_ascii=False, default=_json_value) without a new encoder a call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_value)
