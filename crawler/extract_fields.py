"""Choosing each metadata field from the sources a page offers, best first.

Sources, in order: the JSON-LD article object, og:/article: meta tags,
trafilatura's metadata (passed in as ``doc``, any object with its attribute
names, so this module stays free of trafilatura), then layout cues (``<h1>``,
rel=author, an author box, a ``<time>`` near the headline).
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import html

from crawler.extract_author import (
    byline_author,
    choose_author,
    declared_author,
    printed_person,
    weak_author,
)
from crawler.extract_date import read_as, settle_published, url_day, visible_dates
from crawler.extract_html import absolute_url, clean_text, text_of
from crawler.extract_meta import (
    StructuredData,
    author_names,
    normalise_date,
    string_of,
    strings_of,
)

_NOT_NAME_RE = re.compile(
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec|admin(?:istrator)?|by|author"
    r"|staff|editor|user|guest|anonymous)\.?$",
    re.IGNORECASE,
)


def _first(*values: Any) -> str | None:
    """First value that gives a non-empty string (entities left by double escaping decoded).

    A callable value is called only when the values before it gave nothing, so
    costly sources (trafilatura's author search, htmldate) run only when needed.
    """
    for candidate in values:
        value = candidate() if callable(candidate) else candidate
        text = string_of(value) if not isinstance(value, str) else clean_text(value)
        if text:
            return html_lib.unescape(text) if "&" in text else text
    return None


_BYLINE_PREFIX_RE = re.compile(
    r"^(?:[\w ]{0,30}\s)?(?:by|von|par|por)\s+(?=\S)|^(?:written|posted|published)\s+by\W*$",
    re.IGNORECASE,
)
_ROLE_SUFFIX_RE = re.compile(
    r"(?:\s+(?:senior|staff|contributing|chief|managing|associate|deputy|executive|freelance"
    r"|guest|marketing|content|news|features))*\s+(?:writer|reporter|editor|manager|contributor"
    r"|correspondent|columnist|coordinator|journalist)$"
    r"|\s+(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)$",
    re.IGNORECASE,
)


def _strip_byline(value: str) -> str:
    """ "View all posts by Ann Lee" -> "Ann Lee"; "Ann Lee Contributing Writer" -> "Ann Lee"."""
    value = _BYLINE_PREFIX_RE.sub("", value).strip()
    return _ROLE_SUFFIX_RE.sub("", value).strip() if len(value.split()) > 2 else value


def _plausible_author(value: str | None) -> str | None:
    """Drop author values that are ids, handles or date fragments ("Dec", "#identity")."""
    if not value or value.startswith(("#", "http://", "https://", "/")):
        return None
    value = _strip_byline(value)
    letters = sum(c.isalpha() for c in value)
    if letters < 3 or letters < len(value) / 2 or _NOT_NAME_RE.match(value):
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


def _rel_tags(root: html.HtmlElement) -> list[str]:
    """``rel="tag"`` links that are not also category links (WordPress tag lists)."""
    found = []
    for a in root.iter("a"):
        rel = (a.get("rel") or "").lower().split()
        if "tag" in rel and "category" not in rel and text_of(a):
            found.append(text_of(a))
    return found


def pick_author(root: html.HtmlElement, data: StructuredData, site_name: str | None) -> str | None:
    """JSON-LD / meta author, unless weak (organisation, site, handle) and the byline
    names a person (see ``crawler.extract_author``)."""
    declared = _plausible_author(_first(declared_author(data)))
    weak = bool(declared) and weak_author(declared or "", data, site_name)
    if declared and not weak and not (data.article and author_names(data.article.get("author"))):
        # a meta-tag author (no JSON-LD one) loses to the person the byline prints
        printed = _plausible_author(printed_person(root, declared))
        if printed:
            return printed
    return choose_author(declared, lambda: _plausible_author(_first(byline_author(root))), weak)


def _page_urls(root: html.HtmlElement, data: StructuredData) -> list[str]:
    """The page's own URLs as it declares them: og:url, canonical links."""
    found = [data.meta_first("og:url") or ""]
    found += [el.get("href") or "" for el in root.iterfind(".//link[@rel='canonical']")]
    return [url for url in found if url]


def pick_dates(
    root: html.HtmlElement, data: StructuredData, doc: Any, skip: set[html.HtmlElement]
) -> tuple[str | None, str | None]:
    """(published, modified) in ISO 8601; ``skip`` holds teaser blocks (their times).

    The date printed by the headline settles the day (``crawler.extract_date``);
    without one: JSON-LD, meta, ``<time>`` near the headline, htmldate.
    Stored in UTC, like every time in the crawler (``normalise_date``).
    """
    art = data.article
    declared = _first(
        art.get("datePublished") if art else None,
        data.meta_first("article:published_time", "og:published_time", "pubdate"),
        lambda: _layout_date(root, skip),
    )
    modified = _first(
        art.get("dateModified") if art else None,
        data.meta_first("article:modified_time", "og:updated_time"),
    )
    latest = (datetime.now(UTC) + timedelta(days=1)).date()
    meta_only = not (art and art.get("datePublished")) and bool(
        data.meta_first("article:published_time")
    )
    visible = visible_dates(root, latest)
    if any(len(readings) > 1 for readings in visible):  # "03/10/2023": the URL may say which
        visible = read_as(visible, url_day(_page_urls(root, data)))
    published = settle_published(visible, declared, modified, meta_only)
    if not published:
        published = _first(lambda: getattr(doc, "date", None))
    return normalise_date(published), normalise_date(modified)


def pick_tags(root: html.HtmlElement, data: StructuredData, doc: Any) -> list[str]:
    """JSON-LD keywords, article:tag meta, rel=tag links; de-duplicated. trafilatura's
    tag reader (costly) only when none of those gave any."""
    art = data.article
    tags = [
        *(strings_of(art.get("keywords")) if art else []),
        *data.meta.get("article:tag", []),
        *_rel_tags(root),
    ]
    if not tags:
        tags = list(getattr(doc, "tags", None) or [])
    return [t for t in dict.fromkeys(tags) if t]


def pick_site_name(data: StructuredData, doc: Any) -> str | None:
    """og:site_name, trafilatura's site name, the JSON-LD publisher."""
    return _first(data.meta_first("og:site_name"), getattr(doc, "sitename", None), data.publisher)


def pick_description(data: StructuredData, doc: Any) -> str | None:
    """og/meta description, JSON-LD description, trafilatura's."""
    art = data.article
    return _first(
        data.meta_first("og:description", "description", "twitter:description"),
        art.get("description") if art else None,
        getattr(doc, "description", None),
    )


def pick_image(data: StructuredData, doc: Any, base: str) -> str | None:
    """og/twitter image, JSON-LD image, trafilatura's; made absolute."""
    art = data.article
    image = _first(
        data.meta_first("og:image", "og:image:url", "twitter:image"),
        art.get("image") if art else None,
        getattr(doc, "image", None),
    )
    return absolute_url(image, base) if image else None


def pick_canonical(root: html.HtmlElement, data: StructuredData, base: str) -> str | None:
    """``<link rel=canonical>``, else og:url; absolute."""
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            found = absolute_url(link.get("href"), base)
            if found:
                return found
    return absolute_url(data.meta_first("og:url"), base)


def language_of(root: html.HtmlElement, data: StructuredData) -> str | None:
    """Primary language subtag ("en", "de") from html lang, meta or JSON-LD."""
    return _language(root, data)
