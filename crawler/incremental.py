"""Incremental crawling rules: what to refetch, how to ask, what changed.

Articles are fetched once; listing pages, feeds and sitemaps are asked again
with conditional GETs; an article is refetched only when it matches a
live-blog pattern or a feed/sitemap says it was modified after our last
fetch. A refetched article whose text changed becomes a new version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from difflib import SequenceMatcher

from crawler.items import ArticleChanges
from crawler.state import PageState

_TOKEN = re.compile(r"\w+")


def conditional_headers(known: PageState | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last full capture."""
    if known is None:
        return {}
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def modified_since(known: PageState, modified_at: str | None) -> bool:
    """True when a feed/sitemap modification time is later than our last fetch."""
    if not modified_at:
        return False
    try:
        modified = datetime.fromisoformat(modified_at.replace("Z", "+00:00"))
        fetched = datetime.fromisoformat(known.last_fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if modified.tzinfo is None or fetched.tzinfo is None:
        return False
    return modified > fetched


def is_live_blog(url: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    return any(p.search(url) for p in patterns)


def change_summary(
    old_title: str | None, new_title: str | None, old_body: str, new_body: str
) -> ArticleChanges:
    """Title changed or not, and the share of body tokens that changed."""
    old, new = _TOKEN.findall(old_body), _TOKEN.findall(new_body)
    changed = 0
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += max(i2 - i1, j2 - j1)
    total = max(len(old), len(new)) or 1
    return ArticleChanges(
        title_changed=(old_title or "") != (new_title or ""),
        body_changed_pct=round(min(100.0, 100.0 * changed / total), 1),
    )
