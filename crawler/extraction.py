"""Page extraction: article text, metadata, section, page type, teasers and links.

The only module that imports trafilatura, and it never imports Scrapy: the spider
hands it the response body, URL and fetch time, so tests and benchmarks call it
directly. The page is parsed once; the same lxml tree feeds the structured-data
reader, the teaser finder, the furniture marker and trafilatura (which copies it).

Field sources, best first: JSON-LD article object, then og:/article: meta, then
trafilatura's metadata, then layout cues (``<h1>``, rel=author, breadcrumbs).
"""

from __future__ import annotations

import html as html_lib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import trafilatura
from lxml import html

from crawler.extract_clean import PRUNE_XPATH, clean_body, mark_furniture
from crawler.extract_html import (
    absolute_url,
    base_url,
    clean_text,
    page_links,
    parse_html,
    text_of,
)
from crawler.extract_meta import (
    StructuredData,
    author_names,
    normalise_date,
    read_structured_data,
    string_of,
    strings_of,
)
from crawler.items import Teaser
from crawler.page_signals import classify_page, densest_block, find_categories, page_signals
from crawler.teasers import flatten_teasers, teaser_blocks

logger = logging.getLogger(__name__)
_NOT_NAMES = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec admin administrator "
    "by author staff editor user guest anonymous".split()
)


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


def extract_page(html_page: str | bytes, url: str, fetched_at: datetime) -> ExtractedPage:
    """Extract one page. Never raises: unusable input gives an empty "other" page."""
    try:
        root = parse_html(html_page)
        if root is None:
            return ExtractedPage(page_type="other")
        return _extract(root, url, fetched_at)
    except Exception:  # one bad page must not stop a crawl; the log keeps the evidence
        logger.warning("extraction failed for %s", url, exc_info=True)
        return ExtractedPage(page_type="other")


def _first(*values: Any) -> str | None:
    """First value that gives a non-empty string (entities left by double escaping decoded)."""
    for value in values:
        text = string_of(value) if not isinstance(value, str) else clean_text(value)
        if text:
            return html_lib.unescape(text) if "&" in text else text
    return None


def _plausible_author(value: str | None) -> str | None:
    """Drop author values that are ids, handles or date fragments ("Dec", "#identity")."""
    if not value or value.startswith(("#", "http://", "https://", "/")):
        return None
    letters = sum(c.isalpha() for c in value)
    if letters < 3 or letters < len(value) / 2 or value.casefold() in _NOT_NAMES:
        return None
    return value


def _layout_date(root: html.HtmlElement, skip: set[html.HtmlElement]) -> str | None:
    """``itemprop=datePublished``, else the first ``<time datetime>`` near the headline."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("itemprop") == "datePublished":
            value = el.get("datetime") or el.get("content") or text_of(el)
            if value:
                return value
    h1 = next(root.iter("h1"), None)
    scope = h1
    for _ in range(3):
        if scope is None or scope.find(".//time[@datetime]") is not None:
            break
        scope = scope.getparent()
    if scope is None:
        return None
    for time_el in scope.iterfind(".//time[@datetime]"):
        if not any(anc in skip for anc in time_el.iterancestors()):
            return time_el.get("datetime")
    return None


def _language(root: html.HtmlElement, data: StructuredData) -> str | None:
    """Primary language subtag ("en", "de") from html lang, meta or JSON-LD."""
    raw = _first(
        root.get("lang"),
        root.get("xml:lang"),
        data.meta_first("content-language", "og:locale", "language", "dc.language"),
        data.article.get("inLanguage") if data.article else None,
    )
    if not raw:
        return None
    primary = raw.replace("_", "-").split("-")[0].strip().lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", ": ")


def _strip_site_suffix(title: str | None, site_name: str | None) -> str | None:
    """ "Headline | Site" -> "Headline" when the suffix (or prefix) is the site name."""
    if not title or not site_name:
        return title
    site = site_name.casefold()
    for sep in _TITLE_SEPARATORS:
        head, _, tail = title.rpartition(sep)
        if head and tail.strip().casefold() == site:
            return head.strip()
        first, _, rest = title.partition(sep)
        if rest and first.strip().casefold() == site:
            return rest.strip()
    return title


def _trim_to_h1(title: str | None, h1: str | None) -> str | None:
    """ "Site: Headline | Section" -> "Headline" when the page's ``<h1>`` is that headline.

    Only separators may surround the ``<h1>`` text inside the title, so a title
    that merely contains a short ``<h1>`` ("World") is kept.
    """
    if not title or not h1 or title == h1 or len(h1) < 10:
        return title
    head, found, tail = title.partition(h1)
    if not found:
        return title
    head, tail = head.strip(), tail.strip()
    ok_head = not head or any(head.endswith(sep.strip()) for sep in _TITLE_SEPARATORS)
    ok_tail = not tail or any(tail.startswith(sep.strip()) for sep in _TITLE_SEPARATORS)
    return h1 if ok_head and ok_tail else title


def _h1(root: html.HtmlElement) -> str | None:
    for el in root.iter("h1"):
        text = text_of(el)
        if text:
            return text
    return None


def _rel_tags(root: html.HtmlElement) -> list[str]:
    """``rel="tag"`` links that are not also category links (WordPress tag lists)."""
    found = []
    for a in root.iter("a"):
        rel = (a.get("rel") or "").lower().split()
        if "tag" in rel and "category" not in rel and text_of(a):
            found.append(text_of(a))
    return found


def _layout_author(root: html.HtmlElement) -> str | None:
    """rel=author links, then an author-box link (WordPress "Published by <a>Name</a>")."""
    for a in root.iter("a"):
        if "author" in (a.get("rel") or "").lower().split() and text_of(a):
            return text_of(a)
    for el in root.iter():
        classes = f"{el.get('class') or ''}".lower() if isinstance(el.tag, str) else ""
        if "author" in classes and len(text_of(el)) <= 80:
            name = next((text_of(a) for a in el.iter("a") if text_of(a)), None)
            if name:
                return name
    return None


def _traf(root: html.HtmlElement, url: str) -> Any:
    """trafilatura on the (marked) tree: body text plus its own metadata."""
    try:
        return trafilatura.bare_extraction(
            root,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            prune_xpath=PRUNE_XPATH,
        )
    except Exception:  # trafilatura has raised on odd trees; metadata still has value
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return None


def _extract(root: html.HtmlElement, url: str, fetched_at: datetime) -> ExtractedPage:
    _alive = list(root.iter())  # keep element proxies alive: later passes skip the class lookup
    base = base_url(root, url)
    links = page_links(root, base)
    data = read_structured_data(root)
    art = data.article
    language = _language(root, data)
    blocks = teaser_blocks(root, base, fetched_at, [language] if language else None)
    teasers = flatten_teasers(root, blocks)
    prose = densest_block(root)
    mark_furniture(root, prose.element, [r for block, _ in blocks for r in block.roots])
    doc = _traf(root, url)

    site_name = _first(data.meta_first("og:site_name"), getattr(doc, "sitename", None))
    site_name = site_name or data.publisher
    h1 = _h1(root)
    title = _trim_to_h1(
        _strip_site_suffix(
            _first(
                art.get("headline") if art else None,
                data.meta_first("og:title", "twitter:title"),
                getattr(doc, "title", None),
                h1,
                next((text_of(t) for t in root.iter("title")), None),
            ),
            site_name,
        ),
        h1,
    )
    author = _first(
        *(
            _plausible_author(value)
            for value in (
                author_names(art.get("author")) if art else None,
                data.meta_first("author", "article:author", "parsely-author", "sailthru.author"),
                getattr(doc, "author", None),
                _layout_author(root),
            )
        )
    )
    block_roots = {r for b, _ in blocks for r in b.roots}
    body = clean_body(
        getattr(doc, "text", None) or "",
        title,
        author,
        [t.headline for t in teasers] + [t.excerpt or "" for t in teasers],
    )
    signals = page_signals(root, data, prose, len(body), block_roots)
    page_type = classify_page(signals)
    tags = list(
        dict.fromkeys(
            [
                *(strings_of(art.get("keywords")) if art else []),
                *data.meta.get("article:tag", []),
                *_rel_tags(root),
                *(getattr(doc, "tags", None) or []),
            ]
        )
    )
    categories = find_categories(
        root, data, url, title, site_name, getattr(doc, "categories", None) or []
    )
    image = _first(
        data.meta_first("og:image", "og:image:url", "twitter:image"),
        art.get("image") if art else None,
        getattr(doc, "image", None),
    )
    canonical = next(
        (
            absolute_url(link.get("href"), base)
            for link in root.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ),
        None,
    )
    return ExtractedPage(
        page_type=page_type,
        title=title,
        body=body if page_type != "listing" else "",
        category=categories[0] if categories else None,
        categories=categories,
        author=author,
        published_at=normalise_date(
            _first(
                art.get("datePublished") if art else None,
                data.meta_first("article:published_time", "og:published_time", "pubdate"),
                _layout_date(root, block_roots),
                getattr(doc, "date", None),
            )
        ),
        modified_at=normalise_date(
            _first(
                art.get("dateModified") if art else None,
                data.meta_first("article:modified_time", "og:updated_time"),
            )
        ),
        language=language,
        tags=[t for t in tags if t],
        description=_first(
            data.meta_first("og:description", "description", "twitter:description"),
            art.get("description") if art else None,
            getattr(doc, "description", None),
        ),
        site_name=site_name,
        image=absolute_url(image, base) if image else None,
        canonical_url=canonical or absolute_url(data.meta_first("og:url"), base),
        teasers=teasers,
        links=links,
    )
