"""What extraction returns for one page, as a plain dataclass.

Kept apart from ``crawler.extraction`` so that the crawl process, which only
receives these from its extraction workers, never imports trafilatura, lxml's
HTML cleaner or dateparser (~0.25 s of start-up on the crawl's critical path).
``crawler.extraction`` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.items import Teaser


@dataclass
class ExtractedPage:
    """Everything read from one page; ``body`` is the article text only."""

    page_type: str  # "article" | "listing" | "other"
    title: str | None = None
    body: str = ""
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
    canonical_url: str | None = None
    teasers: list[Teaser] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    access: str | None = None  # "paywalled" when JSON-LD says isAccessibleForFree: false
