"""Which section a page belongs to, from the signals a page gives, in trust order.

Category trust order (most to least trusted; ``categories`` keeps this order):
  1. JSON-LD ``articleSection`` of the article object
  2. section meta tags: ``article:section``, ``og:article:section``, ``section``,
     ``parsely-section``, ``category``
  3. the category label at the article: ``rel="category tag"`` links, WordPress
     ``.cat-links`` / ``.post-categories``, or a "Categories:" label followed by links
  4. the kicker: a short section label or link just above the ``<h1>``
  5. breadcrumbs (JSON-LD ``BreadcrumbList``, else breadcrumb markup): the last crumb
     before the article itself
  6. the navigation item marked current (``current-menu-parent``, ``aria-current``...)
  7. trafilatura's categories
  8. the URL path's first segment, when it looks like a section slug
A single ``articleSection`` string is split on commas (sites join several sections).
Placeholders ("Home", "Uncategorized", "articles"...), domain names, language codes
and the site name are never categories.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from crawler.extract_html import (
    absolute_url,
    clean_text,
    hinted,
    hints,
    in_page_order,
    landmarks,
    text_of,
)
from crawler.extract_meta import StructuredData, strings_of

_PLACEHOLDERS = frozenset(
    {
        "home",
        "homepage",
        "front page",
        "start",
        "startseite",
        "accueil",
        "inicio",
        "portada",
        "all",
        "post",
        "posts",
        "article",
        "articles",
        "uncategorized",
        "uncategorised",
        "non classé",
        "allgemein",
        "blog",
        "index",
        "page",
        "story",
        "stories",
        "content",
        "default",
    }
)
_SECTION_META = ("article:section", "og:article:section", "section", "parsely-section", "category")
_CATEGORY_LABEL_RE = re.compile(
    r"^\s*(categor(?:y|ies)|filed under|posted in|kategorien?|rubrik|cat[ée]gories?|rubrique"
    r"|categor[ií]as?|secci[oó]n)\s*:?\s*$",
    re.I,
)
_CATEGORY_CLASS_RE = re.compile(r"cat-links|post-categories|entry-categories|category-links")
_BREADCRUMB_RE = re.compile(r"breadcrumb")
_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+){0,3}$")
_SLUG_SKIP = _PLACEHOLDERS | {"amp", "www", "en", "de", "fr", "es", "it", "uk", "us", "m", "p"}
_KICKER_HINT_RE = re.compile(
    r"kicker|eyebrow|overline|label|categor|section|rubri|topic|slug|flag|review|above|tag"
)
_CURRENT_RE = re.compile(r"current-(?:menu|post|page)-(?:item|parent|ancestor)|current_page")
_DOMAIN_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
_LOCALE_RE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$")


def _usable(value: str, site_name: str | None, title: str | None) -> bool:
    folded = value.casefold()
    if not value or len(value) > 60 or folded in _PLACEHOLDERS or _DOMAIN_RE.match(value):
        return False
    if _LOCALE_RE.match(value):  # "en", "de-de": a language, not a section
        return False
    if site_name and folded == site_name.casefold():
        return False
    return not (title and folded == clean_text(title).casefold())


# "Categories:" labels directly followed by a link, selected in C
_LABEL_XPATH = etree.XPath(
    "(.//span | .//strong | .//b | .//em | .//dt | .//label)[following-sibling::*[1][self::a]]"
)


def _label_links(root: html.HtmlElement) -> list[str]:
    """Category links at the article: rel=category, WordPress cat-links, "Categories:"."""
    found: list[str] = []
    for a in root.iter("a"):
        rel = (a.get("rel") or "").lower().split()
        if "category" in rel:
            found.append(text_of(a))
    classed = hinted(root, _CATEGORY_CLASS_RE)
    marked = set(classed)
    for el in in_page_order(root, classed, _LABEL_XPATH(root)):
        if el in marked:
            found.extend(text_of(a) for a in el.iter("a"))
        elif (
            el.tag in ("span", "strong", "b", "em", "dt", "label")
            and len(el.text or "") < 40
            and _CATEGORY_LABEL_RE.match(text_of(el))
        ):
            sibling = el.getnext()
            while sibling is not None and sibling.tag == "a":
                found.append(text_of(sibling))
                sibling = sibling.getnext()
    return found


def _kicker_text(el: html.HtmlElement) -> str | None:
    text = text_of(el)
    if not 2 <= len(text) <= 40 or len(text.split()) > 5 or not any(c.isalpha() for c in text):
        return None
    if re.match(r"(?i)(by|von|par|por)\s", text) or re.search(r"\d{4}|\d:\d", text):
        return None
    links = el.findall(".//a") if el.tag != "a" else [el]
    if len(links) == 1 or _KICKER_HINT_RE.search(hints(el)):
        return text
    if any(_KICKER_HINT_RE.search(hints(d)) for d in el.iterdescendants()):
        return text
    return None


def _kicker(root: html.HtmlElement) -> list[str]:
    """A short section label or link just above the headline (a "kicker"/"eyebrow")."""
    h1 = next(root.iter("h1"), None)
    node = h1
    for _ in range(3):
        if node is None:
            return []
        sibling = node.getprevious()
        for _ in range(3):
            if sibling is None:
                break
            if isinstance(sibling.tag, str) and sibling.tag not in ("script", "style"):
                found = _kicker_text(sibling)
                if found:
                    return [found]
                if len(text_of(sibling)) > 80:
                    return []
            sibling = sibling.getprevious()
        node = node.getparent()
    return []


def _current_nav(root: html.HtmlElement) -> list[str]:
    """The deepest navigation item marked current (WordPress menus, aria-current)."""
    best: tuple[int, str] | None = None
    for el in root.iter("li", "a"):
        classes = el.get("class")
        marked = (classes and _CURRENT_RE.search(classes)) or el.get("aria-current") == "page"
        if not marked:
            continue
        link = el if el.tag == "a" else el.find("a")
        text = text_of(link) if link is not None else ""
        level = sum(1 for anc in el.iterancestors() if anc.tag in ("ul", "ol"))
        if text and (best is None or level > best[0]):
            best = (level, text)
    return [best[1]] if best else []


def _markup_breadcrumbs(root: html.HtmlElement, base: str) -> list[tuple[str, str | None]]:
    labelled = [  # among the page's landmarks: no walk of every element
        el
        for el in landmarks(root)
        if "breadcrumb" in (el.get("aria-label") or "").lower()
        or "BreadcrumbList" in (el.get("itemtype") or "")
    ]
    classed = hinted(root, _BREADCRUMB_RE)
    for el in in_page_order(root, classed, labelled):
        if len(el.findall(".//a")) > 10:  # a page-wide class, not a trail
            continue
        crumbs: list[tuple[str, str | None]] = [
            (text_of(a), absolute_url(a.get("href"), base)) for a in el.iter("a")
        ]
        items = [li for li in el.iter("li") if not li.findall(".//a")]
        if items:  # the current page is often a plain list item after the links
            crumbs.append((text_of(items[-1]), None))
        crumbs = [(name, url) for name, url in crumbs if name]
        if crumbs:
            return crumbs
    return []


def _crumb_section(
    crumbs: Sequence[tuple[str, str | None]], page_url: str, title: str | None
) -> list[str]:
    """Crumbs without the article's own crumb, nearest section first."""
    items = list(crumbs)
    page = page_url.rstrip("/")
    while items:
        name, url = items[-1]
        is_self = url is None or url.rstrip("/") == page
        is_title = bool(title) and clean_text(name).casefold() == clean_text(title).casefold()
        if not (is_self or is_title or len(name) > 60):
            break
        items.pop()
    return [name for name, _ in reversed(items)]


def url_section(url: str) -> str | None:
    """The first path segment when it looks like a section slug ("world", "us-news")."""
    try:
        segments = [unquote(s).lower() for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    while segments and (segments[0] in _SLUG_SKIP or _LOCALE_RE.match(segments[0])):
        segments.pop(0)
    if len(segments) < 2:  # a lone segment is the article (or listing) itself
        return None
    first = segments[0]
    if not _SLUG_RE.match(first) or len(first) > 30 or first.isdigit():
        return None
    return first


def find_categories(
    root: html.HtmlElement,
    data: StructuredData,
    url: str,
    title: str | None,
    site_name: str | None,
    extra: Callable[[], Iterable[str]] = tuple,
) -> list[str]:
    """All distinct section names found, in the trust order of the module docstring.

    ``extra`` (trafilatura's category reader, costly) is asked only when the
    sources before it found nothing.
    """
    article_section = data.article.get("articleSection") if data.article else None
    section_list: list[str] = strings_of(article_section) if article_section else []
    crumbs = data.breadcrumbs or _markup_breadcrumbs(root, url)
    sources: list[Iterable[str] | None] = [
        section_list,
        [v for name in _SECTION_META for v in strings_of(data.meta.get(name, []))],
        _label_links(root),
        _kicker(root),
        _crumb_section(crumbs, url, title)[:1],
        _current_nav(root),
        None,
        [s for s in [url_section(url)] if s],
    ]
    seen: dict[str, str] = {}
    for source in sources:
        for raw in extra() if source is None and not seen else source or ():
            value = clean_text(raw)
            if _usable(value, site_name, title) and value.casefold() not in seen:
                seen[value.casefold()] = value
    return list(seen.values())
