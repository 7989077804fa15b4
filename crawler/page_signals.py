"""What kind of page this is: an article, a section/listing page, or something else.

Declared types (og:type, JSON-LD) are weighed against the layout (one dense prose
block vs. many similar headline cards), because CMSs mislabel section pages as
articles and many article pages declare nothing. The rule is ``classify_page``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import html

from crawler.extract_html import HEADINGS, clean_text, hinted, hints, text_of
from crawler.extract_meta import ARTICLE_TYPES, LISTING_TYPES, StructuredData

_CHROME_RE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|footer|header|masthead|breadcrumbs?)($|[\s_-])"
)


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


def _chrome(root: html.HtmlElement) -> set[html.HtmlElement]:
    """Elements whose class or id says navigation, header, footer..., found in one
    scan of the page's hints rather than one regex per ancestor of every link."""
    found = set(hinted(root, _CHROME_RE))
    found.update(el for el in (root, *root.iterancestors()) if _CHROME_RE.search(hints(el)))
    return found


def _in_chrome(el: html.HtmlElement, fences: set[html.HtmlElement]) -> bool:
    """Inside a nav/header/footer element, or one of ``fences`` (chrome, teaser blocks)."""
    return any(
        anc in fences or anc.tag in ("nav", "footer", "header") for anc in el.iterancestors()
    )


def _count_cards(root: html.HtmlElement, fences: set[html.HtmlElement]) -> tuple[int, int]:
    """(distinct headline-like link targets, their total text length)."""
    urls: dict[str, int] = {}
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        text = text_of(a)
        if len(text) < 20:
            continue
        words = len(text.split())
        # four words count only in a heading; the ancestors are walked only for those
        if words < 4 or (words == 4 and not any(anc.tag in HEADINGS for anc in a.iterancestors())):
            continue
        if not _in_chrome(a, fences):
            urls[href] = len(text)
    return len(urls), sum(urls.values())


def _card_run(root: html.HtmlElement, fences: set[html.HtmlElement]) -> int:
    """Length of the longest run of like siblings (same tag and class) with linked headings."""
    counts: Counter[tuple[html.HtmlElement, str, str]] = Counter()
    for h in root.iter("h2", "h3", "h4"):
        if h.find(".//a[@href]") is None or _in_chrome(h, fences):
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
    fences = exclude | _chrome(root)
    cards, card_chars = _count_cards(root, fences)
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
        card_run=_card_run(root, fences),
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
    listing = 2 * cards + (s.cards >= 12) + 2 * s.ld_listing + s.og_website + (not s.dominant_text)
    if article >= 3 and article >= listing:
        return "article"
    if listing >= 3 and cards:
        return "listing"
    if article >= 2 and s.body_chars >= 200:
        return "article"
    return "other"
