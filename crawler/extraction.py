"""Page extraction: article text, metadata, section, page type, teasers and links.

The only module that imports trafilatura, and it never imports Scrapy: the spider
hands it the response body, URL and fetch time, so tests and benchmarks call it
directly. The page is parsed once; the same lxml tree feeds the structured-data
reader, the teaser finder, the furniture marker and trafilatura (which copies it).

Field sources, best first: JSON-LD article object, then og:/article: meta, then
trafilatura's metadata, then layout cues (see ``crawler.extract_fields``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cached_property
from typing import Any

import trafilatura
import trafilatura.xpaths
from htmldate import find_date
from lxml import html
from trafilatura.metadata import (
    examine_meta,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
)

from crawler.extract_category import find_categories
from crawler.extract_clean import PRUNE_XPATH, clean_body, mark_furniture, standfirst
from crawler.extract_fields import (
    language_of,
    pick_author,
    pick_canonical,
    pick_dates,
    pick_description,
    pick_image,
    pick_site_name,
    pick_tags,
)
from crawler.extract_html import base_url, page_links, parse_html
from crawler.extract_meta import read_structured_data
from crawler.extract_title import pick_title
from crawler.extracted_page import ExtractedPage
from crawler.page_signals import classify_page, densest_block, page_signals
from crawler.teasers import flatten_teasers, teaser_blocks
from crawler.trafilatura_gates import install as install_trafilatura_gates

logger = logging.getLogger(__name__)
install_trafilatura_gates(trafilatura.xpaths)  # same answers, less regex (trafilatura_gates.py)


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


class _TrafMeta:
    """trafilatura's metadata readers, each run only when a field asks for it.

    ``trafilatura.extract_metadata`` runs all of them, including htmldate's
    extensive date search and a deep copy of the tree for the author (not
    used: ``crawler.extract_author`` reads the byline), on every page; most
    news pages answer those questions from JSON-LD or meta tags first, so here
    they are lazy (attribute names match trafilatura's Document).
    """

    def __init__(self, root: html.HtmlElement, url: str) -> None:
        self._root = root
        self._url = url
        self._doc = examine_meta(root)
        if self._doc.author and " " not in self._doc.author:
            self._doc.author = None  # trafilatura's own rule: one-word meta authors are handles
        try:
            self._doc = extract_meta_json(root, self._doc)
        except Exception:  # trafilatura's JSON-LD reader has bugs on odd data
            logger.debug("trafilatura JSON-LD metadata failed on %s", url, exc_info=True)
        self.description = self._doc.description
        self.image = self._doc.image

    @cached_property
    def title(self) -> str | None:
        return self._doc.title or extract_title(self._root)

    @cached_property
    def sitename(self) -> str | None:
        return self._doc.sitename or extract_sitename(self._root)

    @cached_property
    def categories(self) -> list[str]:
        return self._doc.categories or extract_catstags("category", self._root)

    @cached_property
    def tags(self) -> list[str]:
        return self._doc.tags or extract_catstags("tag", self._root)

    @cached_property
    def date(self) -> str | None:
        # The extensive search (its dateparser pass costs more than the whole body, up
        # to seconds on long pages) only stands in for the printed-date search by the
        # headline (``crawler.extract_date``) on pages without an <h1>; its bare-year
        # guesses (1 January) are not dates.
        found = self._find_date(extensive=False)
        if found or self._root.find(".//h1") is not None:
            return found
        found = self._find_date(extensive=True)
        return None if found and found.endswith("-01-01") else found

    def _find_date(self, *, extensive: bool) -> str | None:
        try:
            found = find_date(
                self._root, url=self._url, original_date=True, extensive_search=extensive
            )
        except Exception:  # htmldate on odd trees; a date is optional
            return None
        return str(found) if found else None


# Length from which the fast result is trusted without trafilatura's readability/justext
# comparison: four times its minimum extraction size (250 chars). The comparison rescues
# empty or broken extractions; a fast result this long is rarely replaced by it (on the dev
# sets 1,000 scores as well as trafilatura's recall-mode 2,500, at less cost).
_TRUSTED_CHARS = 1000


def _traf(root: html.HtmlElement, url: str) -> Any:
    """trafilatura's body text on the (marked) tree; metadata comes from ``_TrafMeta``.

    The fast pass (no readability/justext comparison) first: on a long extraction
    the comparison almost never changes the result and costs a quarter of the
    time. A short result gets the full cascade, where the fallbacks earn their keep.
    """
    result = _traf_pass(root, url, fast=True)
    if len(getattr(result, "text", None) or "") >= _TRUSTED_CHARS:
        return result
    return _traf_pass(root, url, fast=False) or result


def _traf_pass(root: html.HtmlElement, url: str, *, fast: bool) -> Any:
    try:
        return trafilatura.bare_extraction(
            root,
            url=url,
            fast=fast,
            with_metadata=False,
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
    language = language_of(root, data)
    blocks = teaser_blocks(root, base, fetched_at, [language] if language else None)
    teasers = flatten_teasers(root, blocks)
    block_roots = {r for block, _ in blocks for r in block.roots}
    prose = densest_block(root)
    mark_furniture(root, prose.element, [r for block, _ in blocks for r in block.roots])
    result = _traf(root, url)
    doc = _TrafMeta(root, url)

    site_name = pick_site_name(data, doc)
    title = pick_title(root, data, doc, site_name, url)
    author = pick_author(root, data, site_name)
    leaked = [t.headline for t in teasers] + [t.excerpt or "" for t in teasers]
    dek = standfirst(root, prose.element, pick_description(data, doc))
    body = clean_body(getattr(result, "text", None) or "", title, author, leaked, dek)
    page_type = classify_page(page_signals(root, data, prose, len(body), block_roots))
    categories = find_categories(root, data, url, title, site_name, lambda: doc.categories)
    published_at, modified_at = pick_dates(root, data, doc, block_roots)
    return ExtractedPage(
        page_type=page_type,
        title=title,
        body=body if page_type != "listing" else "",
        category=categories[0] if categories else None,
        categories=categories,
        author=author,
        published_at=published_at,
        modified_at=modified_at,
        language=language,
        tags=pick_tags(root, data, doc),
        description=pick_description(data, doc),
        site_name=site_name,
        image=pick_image(data, doc, base),
        canonical_url=pick_canonical(root, data, base),
        teasers=teasers,
        links=links,
        access=_access(data.article),
    )


def _access(article: dict[str, Any]) -> str | None:
    """ "paywalled" when the article (or a part of it) is declared not free to read."""
    parts = article.get("hasPart") if article else None
    nodes = [article, *(parts if isinstance(parts, list) else [parts])]
    for node in nodes:
        if isinstance(node, dict):
            free = node.get("isAccessibleForFree")
            if free is False or str(free).strip().lower() == "false":
                return "paywalled"
    return None
