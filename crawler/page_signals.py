"""Page-level judgements from structure: which section a page belongs to, and what it is.

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
Placeholders ("Home", "Uncategorized", "articles"...), domain names and the site name
are never categories.

page_type: see ``classify_page``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml import html

from crawler.extract_html import HEADINGS, absolute_url, clean_text, hints, text_of
from crawler.extract_meta import ARTICLE_TYPES, LISTING_TYPES, StructuredData, strings_of

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
_CHROME_RE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|footer|header|masthead|breadcrumbs?)($|[\s_-])"
)


def _usable(value: str, site_name: str | None, title: str | None) -> bool:
    folded = value.casefold()
    if not value or len(value) > 60 or folded in _PLACEHOLDERS or _DOMAIN_RE.match(value):
        return False
    if _LOCALE_RE.match(value):  # "en", "de-de": a language, not a section
        return False
    if site_name and folded == site_name.casefold():
        return False
    return not (title and folded == clean_text(title).casefold())


def _label_links(root: html.HtmlElement) -> list[str]:
    """Category links at the article: rel=category, WordPress cat-links, "Categories:"."""
    found: list[str] = []
    for a in root.iter("a"):
        rel = (a.get("rel") or "").lower().split()
        if "category" in rel:
            found.append(text_of(a))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if _CATEGORY_CLASS_RE.search(hints(el)):
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
        marked = _CURRENT_RE.search(el.get("class") or "") or el.get("aria-current") == "page"
        if not marked:
            continue
        link = el if el.tag == "a" else el.find("a")
        text = text_of(link) if link is not None else ""
        level = sum(1 for anc in el.iterancestors() if anc.tag in ("ul", "ol"))
        if text and (best is None or level > best[0]):
            best = (level, text)
    return [best[1]] if best else []


def _markup_breadcrumbs(root: html.HtmlElement, base: str) -> list[tuple[str, str | None]]:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        marked = (
            _BREADCRUMB_RE.search(hints(el))
            or "breadcrumb" in (el.get("aria-label") or "").lower()
            or "BreadcrumbList" in (el.get("itemtype") or "")
        )
        if not marked or len(el.findall(".//a")) > 10:  # a page-wide class, not a trail
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
    extra: Iterable[str] = (),
) -> list[str]:
    """All distinct section names found, in the trust order of the module docstring."""
    article_section = data.article.get("articleSection") if data.article else None
    section_list: list[str] = strings_of(article_section) if article_section else []
    crumbs = data.breadcrumbs or _markup_breadcrumbs(root, url)
    sources: list[Iterable[str]] = [
        section_list,
        [v for name in _SECTION_META for v in strings_of(data.meta.get(name, []))],
        _label_links(root),
        _kicker(root),
        _crumb_section(crumbs, url, title)[:1],
        _current_nav(root),
        extra,
        [s for s in [url_section(url)] if s],
    ]
    seen: dict[str, str] = {}
    for source in sources:
        for raw in source:
            value = clean_text(raw)
            if _usable(value, site_name, title) and value.casefold() not in seen:
                seen[value.casefold()] = value
    return list(seen.values())


@dataclass
class PageSignals:
    """What the page-type decision looks at (kept for debugging and tests)."""

    og_article: bool
    ld_article: bool
    ld_listing: bool
    og_website: bool
    paragraphs: int  # paragraphs in the densest text block
    block_chars: int  # non-link characters in that block
    block_link_density: float
    cards: int  # distinct headline-like links outside chrome and teaser blocks
    card_chars: int  # their headline text, to weigh against the body
    card_run: int  # most same-shaped siblings that each hold a linked heading
    body_chars: int  # trafilatura body length

    @property
    def dominant_text(self) -> bool:
        """One block holds several paragraphs of prose with few links: an article body."""
        enough = self.paragraphs >= 3 or self.block_chars >= 1200
        return enough and self.block_chars >= 400 and self.block_link_density < 0.3


def _own_text_len(el: html.HtmlElement) -> int:
    return max(0, len(text_of(el)) - sum(len(text_of(a)) for a in el.iter("a")))


@dataclass
class ProseBlock:
    """The parent element holding the most paragraph prose, and how link-heavy it is."""

    element: html.HtmlElement | None
    paragraphs: int
    chars: int
    link_density: float


_TEXT_BLOCKS = ("div", "section", "td", "span", "font", "article", "blockquote")


def _direct_text_len(el: html.HtmlElement) -> int:
    """Text written directly in ``el`` (not in children): prose in ``<br>``-split divs."""
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return len(clean_text(" ".join(parts)))


def densest_block(root: html.HtmlElement) -> ProseBlock:
    """The element whose paragraphs hold the most non-link text.

    Paragraphs are ``<p>`` elements and, for sites that write prose straight into
    divs (CNN's ``zn-body__paragraph``, ``<br>``-separated text), block elements
    with direct text; they are summed per parent.
    """
    totals: dict[html.HtmlElement, list[int]] = {}
    for el in root.iter("p", *_TEXT_BLOCKS):
        chars = _own_text_len(el) if el.tag == "p" else _direct_text_len(el)
        parent = el.getparent()
        if chars >= 30 and parent is not None:
            entry = totals.setdefault(parent, [0, 0])
            entry[0] += 1
            entry[1] += chars
    if not totals:
        return ProseBlock(None, 0, 0, 1.0)
    parent, (count, chars) = max(totals.items(), key=lambda kv: kv[1][1])
    total = len(text_of(parent)) or 1
    links = sum(len(text_of(a)) for a in parent.iter("a"))
    return ProseBlock(parent, count, chars, links / total)


def _in_chrome(el: html.HtmlElement, stop: set[html.HtmlElement]) -> bool:
    for anc in el.iterancestors():
        if anc in stop or anc.tag in ("nav", "footer", "header"):
            return True
        if _CHROME_RE.search(hints(anc)):
            return True
    return False


def _count_cards(root: html.HtmlElement, exclude: set[html.HtmlElement]) -> tuple[int, int]:
    """(distinct headline-like link targets, their total text length)."""
    urls: dict[str, int] = {}
    for a in root.iter("a"):
        text = text_of(a)
        if len(text) < 20 or len(text.split()) < 4 or not a.get("href"):
            continue
        in_heading = any(anc.tag in HEADINGS for anc in a.iterancestors())
        if (in_heading or len(text.split()) >= 5) and not _in_chrome(a, exclude):
            urls[a.get("href", "")] = len(text)
    return len(urls), sum(urls.values())


def _card_run(root: html.HtmlElement, exclude: set[html.HtmlElement]) -> int:
    """Length of the longest run of like siblings (same tag and class) with linked headings."""
    counts: Counter[tuple[html.HtmlElement, str, str]] = Counter()
    for h in root.iter("h2", "h3", "h4"):
        if h.find(".//a[@href]") is None or _in_chrome(h, exclude):
            continue
        node = h
        for _ in range(3):
            parent = node.getparent()
            if parent is None:
                break
            counts[(parent, node.tag, node.get("class") or "")] += 1
            node = parent
    return max(counts.values(), default=0)


def page_signals(
    root: html.HtmlElement,
    data: StructuredData,
    prose: ProseBlock,
    body_chars: int,
    exclude: set[html.HtmlElement],
) -> PageSignals:
    """Measure the signals ``classify_page`` weighs; ``exclude`` = teaser block roots."""
    og_type = (data.meta_first("og:type") or "").lower()
    cards, card_chars = _count_cards(root, exclude)
    return PageSignals(
        og_article=og_type == "article" or og_type.startswith("article"),
        ld_article=bool(data.types & ARTICLE_TYPES),
        ld_listing=bool(data.types & LISTING_TYPES) and not data.article,
        og_website=og_type == "website",
        paragraphs=prose.paragraphs,
        block_chars=prose.chars,
        block_link_density=prose.link_density,
        cards=cards,
        card_chars=card_chars,
        card_run=_card_run(root, exclude),
        body_chars=body_chars,
    )


def classify_page(signals: PageSignals) -> str:
    """ "article", "listing" or "other", weighing declared types against the layout.

    Article evidence: og:type=article (2), a JSON-LD Article type (2), a dominant
    prose block (2), a trafilatura body of 500+ chars (1) and 1500+ (1).
    Listing evidence: a card layout (2): a run of 4+ like siblings with linked
    headings, or 6+ headline links whose text is over half the body's length (link
    lists under a long article do not count); 12+ headline links (1); a JSON-LD
    CollectionPage/ItemList (2); og:type=website (1); no dominant prose block (1).
    An article needs 3 points and at least as many as the listing side; declared
    types alone cannot make a card grid an article, nor can a long body alone.
    """
    s = signals
    cards = s.card_run >= 4 or (s.cards >= 6 and s.body_chars < 2 * s.card_chars)
    article = (
        2 * s.og_article
        + 2 * s.ld_article
        + 2 * s.dominant_text
        + (s.body_chars >= 500)
        + (s.body_chars >= 1500)
    )
    listing = (
        2 * cards
        + (s.cards >= 12)
        + 2 * s.ld_listing
        + s.og_website
        + (not s.dominant_text)
    )
    if article >= 3 and article >= listing:
        return "article"
    if listing >= 3 and cards:
        return "listing"
    if article >= 2 and s.body_chars >= 200:
        return "article"
    return "other"
