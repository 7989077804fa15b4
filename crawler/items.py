"""Typed items that flow from the spider to the pipelines.

Plain dataclasses with no logic (see house style): the spider fills them, the
pipelines validate and write them. Field names match the JSON Lines schema in
``crawler/schemas/article.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.2"


@dataclass
class Teaser:
    """One teaser link from a "Recent Posts" / "Related" / "More in ..." block."""

    url: str
    headline: str
    excerpt: str | None = None
    relative_time: str | None = None  # as written on the page, e.g. "8 mins ago"
    published_at: str | None = None  # ISO 8601 (schema pageTime), resolved against the fetch time
    block: str | None = None  # the block's label, e.g. "Recent Posts"


@dataclass
class WarcLocation:
    """Where the page's response record sits, so a reader can seek straight to it."""

    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str | None = None
    revisit: bool = False  # a revisit record: the payload is that of an earlier capture


@dataclass
class ArticleItem:
    """One extracted article: a JSON Lines row."""

    url: str
    fetched_at: str
    status: int
    title: str | None
    body: str
    schema_version: str = SCHEMA_VERSION
    canonical_url: str | None = None
    category: str | None = None
    categories: list[str] = field(default_factory=list)
    author: str | None = None
    published_at: str | None = None
    modified_at: str | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    site_name: str | None = None
    image: str | None = None
    access: str | None = None  # "paywalled" when the page says isAccessibleForFree: false
    teasers: list[Teaser] = field(default_factory=list)
    warc: WarcLocation | None = None
    crawl_id: str | None = None
    version: int = 1  # 2, 3... when a refetched article's text changed
    previous_digest: str | None = None  # payload digest of the version before
    changes: ArticleChanges | None = None  # what changed since the version before


@dataclass
class ArticleChanges:
    """How a new version of an article differs from the one before."""

    title_changed: bool
    body_changed_pct: float  # share of body tokens inserted, deleted or replaced, 0-100


@dataclass
class PageLinks:
    """What one fetched HTML page links to: its outlinks and its teasers.

    Every parsed page yields one. The follow-up queue pipeline queues its
    teasers, and the WARC capture writes it as a ``metadata`` record next to
    the page's response, so the archive keeps links with their anchor text.
    """

    url: str
    fetched_at: str
    page_type: str
    response_record_id: str | None
    outlinks: list[str] = field(default_factory=list)
    teasers: list[Teaser] = field(default_factory=list)
    # Feed/sitemap entries as announced: url, title, published_at, modified_at,
    # keywords, language, publication (Google News sitemap fields kept).
    entries: list[dict[str, Any]] = field(default_factory=list)
    # Made ahead by the extraction worker (None: made from the fields above):
    # the outlinks that are in-scope page links, for the queue, and the JSON
    # body of the WARC metadata record.
    followable: list[str] | None = None
    payload: bytes | None = None


@dataclass
class FetchedPage:
    """The outcome of one fetch, recorded in the crawl state once its outputs are written.

    Always the last item a response yields: the state pipeline records it after
    the JSONL row and the page's links are durable, then the URL leaves the
    follow-up queue. A crash before that only causes a refetch.
    """

    url: str
    aliases: list[str]  # the requested URL and redirect sources
    fetched_at: str
    status: int | None
    kind: str  # article | listing | other | error | unchanged (a 304)
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None
    title: str | None = None
    body: str | None = None  # articles only: to tell the next version what changed
    version: int | None = None
