"""Teaser blocks: "Recent Posts", "Related", "More in World", "Mehr zum Thema"...

A teaser block is found two ways, then read the same way:
  * a heading (h2-h5, or a short element whose class says title/heading) whose text
    is a known block label in English, German, French or Spanish; the block is the
    smallest ancestor around the heading that holds at least two teaser links, or,
    when that ancestor would swallow the article, the heading's following siblings;
  * a container (section/aside/div/ul...) whose class or id says related, recent,
    more-in, popular, most-read..., and every ``<aside>``: unlabelled card grids.
Blocks are read innermost first, and a link belongs to one block only. Inside a
block each teaser is the largest element holding exactly one headline-like link
target (so badges and image links join their card); the card gives the headline,
the excerpt paragraph and the time (``<time>``, a date/time classed element, or a
short text node that reads as a relative time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree, html

from crawler.extract_html import (
    HEADINGS,
    absolute_url,
    depth,
    hinted,
    hints,
    in_page_order,
    landmarks,
    text_of,
)
from crawler.extract_labels import (
    BLOCK_HINT_RE,
    DATE_TEXT_RE,
    EXCERPT_HINT_RE,
    LABEL_RE,
    NOT_BLOCK_RE,
    PLACEHOLDER_HEADLINE_RE,
    SOCIAL_HOSTS,
    TIME_HINT_RE,
    TITLE_HINT_RE,
)
from crawler.extract_meta import normalise_date, written_day
from crawler.items import Teaser
from crawler.reltime import is_relative_time, resolve_relative_time, to_utc_iso

_MAX_BLOCK_PROSE = 2500  # non-link characters: more than that is an article, not a block
_MAX_ITEM_PROSE = 400  # one card's excerpt; a longer sibling is article text
_MIN_MEDIAN_WORDS = 4  # shorter link texts make a menu ("Showbiz & TV"), not headlines
# label candidates besides title-classed div/span/p/header (``_is_label_heading``)
_LABEL_CANDIDATES_XPATH = etree.XPath(
    ".//h2 | .//h3 | .//h4 | .//h5 | .//strong[not(.//a)] | .//b[not(.//a)]"
)
_TITLED_TAGS = frozenset({"div", "span", "p", "header"})
_NOT_TIME_TAGS = frozenset(("a", *HEADINGS))  # a card's headline, never its time
_CONTAINERS = frozenset({"section", "aside", "div", "ul", "ol", "nav", "footer", "dl", "table"})


@dataclass
class TeaserBlock:
    """One block: its label and the elements it spans (one container, or a sibling run)."""

    label: str | None
    roots: list[html.HtmlElement]


def _headline_like(text: str, in_heading: bool) -> bool:
    if not text or len(text) > 300 or PLACEHOLDER_HEADLINE_RE.match(text):
        return False
    return len(text.split()) >= 3 or len(text) >= 20 or (in_heading and len(text) >= 8)


def _is_label_heading(el: html.HtmlElement) -> bool:
    """A heading, title-classed element, or bold run ("<p><strong>DON'T MISS</strong>")
    whose whole text is a block label."""
    if el.tag in ("h2", "h3", "h4", "h5"):
        pass
    elif el.tag in ("div", "span", "p", "header") and TITLE_HINT_RE.search(hints(el)):
        if len(el) > 3:
            return False
    elif el.tag in ("strong", "b") and el.find(".//a") is None:
        pass
    else:
        return False
    text = text_of(el)
    return 0 < len(text) <= 80 and LABEL_RE.match(text) is not None


def _article_target(url: str) -> bool:
    """Not a social profile, share intent or feed: those are never teasers."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
    return host not in SOCIAL_HOSTS and not url.lower().endswith((".rss", ".xml", "/feed"))


class _PageLinks:
    """Facts about a page's links that do not depend on the block being read.

    ``_headline_urls`` runs at every climb step of every labelled block, and the
    prose measures sum link texts, over mostly the same links; each link is read
    once here instead. One instance per ``teaser_blocks`` call, so nothing
    outlives the page (whose tree does not change meanwhile).
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self._texts: dict[html.HtmlElement, str] = {}
        self._urls: dict[html.HtmlElement, str | None] = {}
        self._in_heading: dict[html.HtmlElement, bool] = {}
        self._heading_link: dict[html.HtmlElement, bool] = {}
        self._prose: dict[html.HtmlElement, int] = {}

    def text(self, a: html.HtmlElement) -> str:
        """``text_of`` the link."""
        text = self._texts.get(a)
        if text is None:
            text = self._texts[a] = text_of(a)
        return text

    def prose_chars(self, el: html.HtmlElement) -> int:
        """Characters of ``el``'s text outside its links (kept: every climb step of
        every label measures the paragraphs and ancestors the step before did)."""
        chars = self._prose.get(el)
        if chars is None:
            chars = max(0, len(text_of(el)) - sum(len(self.text(a)) for a in el.iter("a")))
            self._prose[el] = chars
        return chars

    def is_prose(self, p: html.HtmlElement) -> bool:
        """A paragraph too long to be a card's excerpt: article text."""
        return self.prose_chars(p) > _MAX_ITEM_PROSE

    def in_heading(self, a: html.HtmlElement) -> bool:
        """The link sits inside a heading."""
        found = self._in_heading.get(a)
        if found is None:
            found = self._in_heading[a] = any(anc.tag in HEADINGS for anc in a.iterancestors())
        return found

    def heading_link(self, a: html.HtmlElement) -> bool:
        """The link sits inside a heading or holds one."""
        found = self._heading_link.get(a)
        if found is None:
            found = self.in_heading(a) or (len(a) > 0 and next(a.iter(*HEADINGS), None) is not None)
            self._heading_link[a] = found
        return found

    def headline_url(self, a: html.HtmlElement) -> str | None:
        """The absolute URL of a headline-like link to an article outside prose, else None."""
        if a in self._urls:
            return self._urls[a]
        url = absolute_url(a.get("href"), self.base)
        if url and not (
            _headline_like(self.text(a), self.in_heading(a))
            and _article_target(url)
            and not any(p.tag == "p" and self.is_prose(p) for p in a.iterancestors())
        ):
            url = None
        self._urls[a] = url
        return url


class _Labels:
    """A page's label headings, and how many of them sit at or under each element.

    Whether a climb step or a sibling takes in another label is then one lookup,
    not a walk of the element's whole subtree (done for every step of every label).
    """

    def __init__(self, labels: Sequence[html.HtmlElement]) -> None:
        self.labels = set(labels)
        self.under: dict[html.HtmlElement, int] = {}
        for label in self.labels:
            for node in (label, *label.iterancestors()):
                self.under[node] = self.under.get(node, 0) + 1

    def holds_other(self, el: html.HtmlElement, heading: html.HtmlElement) -> bool:
        """A label other than ``heading`` is ``el`` or under it (``heading`` being
        ``el`` or under it)."""
        return self.under.get(el, 0) - (heading in self.labels) > 0

    def holds_any(self, el: html.HtmlElement) -> bool:
        """A label is ``el`` or under it."""
        return el in self.under


def _too_big(
    el: html.HtmlElement, heading: html.HtmlElement, labels: _Labels, links: _PageLinks
) -> bool:
    """Climbing to ``el`` would take in the article or another block."""
    if el.tag in ("body", "html", "main") or el.find(".//h1") is not None:
        return True
    if any(links.is_prose(p) for p in el.iter("p")):
        return True
    own_paragraphs = [
        p for p in el.iterchildren("p") if p.find(".//a") is None and links.prose_chars(p) >= 80
    ]
    if len(own_paragraphs) >= 2:  # article paragraphs around an inline label
        return True
    if labels.holds_other(el, heading):
        return True
    return links.prose_chars(el) > _MAX_BLOCK_PROSE


def _block_for_heading(
    heading: html.HtmlElement, labels: _Labels, links: _PageLinks
) -> TeaserBlock:
    label = text_of(heading).rstrip(":.…»›>|-–— ")
    anchor = heading
    for _ in range(4):
        parent = anchor.getparent()
        if parent is None or _too_big(parent, heading, labels, links):
            break
        anchor = parent
        if _holds_two_headlines(anchor, links, exclude=heading):
            return TeaserBlock(label, [anchor])
    roots = [anchor]
    sibling = anchor.getnext()
    while sibling is not None and len(roots) < 12:
        if sibling.tag in HEADINGS or labels.holds_any(sibling):
            break
        if links.prose_chars(sibling) > _MAX_ITEM_PROSE:  # article text resumes: the block ended
            break
        roots.append(sibling)
        sibling = sibling.getnext()
    return TeaserBlock(label, roots)


def _headline_urls(
    roots: Sequence[html.HtmlElement], links: _PageLinks, exclude: html.HtmlElement | None = None
) -> dict[html.HtmlElement, str]:
    """Headline-like links under ``roots`` (not under ``exclude``) mapped to their URL.

    When links sit in headings, only those (and same-target links) count: the
    other links of a card are badges ("School & District Management"), bylines.
    """
    skip = set(exclude.iter("a")) if exclude is not None else set()
    found: dict[html.HtmlElement, str] = {}
    for root in roots:
        for a in root.iter("a"):
            if a not in skip:
                url = links.headline_url(a)
                if url:
                    found[a] = url
    in_headings = {url for a, url in found.items() if links.heading_link(a)}
    if len(in_headings) >= 2:
        found = {a: url for a, url in found.items() if url in in_headings}
    return found


def _holds_two_headlines(
    root: html.HtmlElement, links: _PageLinks, exclude: html.HtmlElement
) -> bool:
    """``len(_headline_urls([root], links, exclude)) >= 2``, stopping at the second link.

    The heading filter there keeps at least two links whenever it applies, so the
    count is that of all headline-like links; the climb asks at every step.
    """
    skip = set(exclude.iter("a"))
    count = 0
    for a in root.iter("a"):
        if a not in skip and links.headline_url(a):
            count += 1
            if count == 2:
                return True
    return False


def _first_heading_text(roots: Sequence[html.HtmlElement], skip: set) -> str | None:
    """Label of an unlabelled block: its first heading not inside an inner block."""
    for root in roots:
        for el in root.iter(*HEADINGS, "div", "span", "p"):
            if el.tag not in HEADINGS and not TITLE_HINT_RE.search(hints(el)):
                continue
            if el.find(".//a") is not None or el in skip:
                continue
            if any(anc in skip for anc in el.iterancestors()):
                continue
            text = text_of(el)
            if 0 < len(text) <= 60:
                return text.rstrip(":.…»›>|-–— ")
    return None


def _asides(root: html.HtmlElement) -> list[html.HtmlElement]:
    """``<aside>`` and role=complementary elements in page order: the asides found in
    C, the roles among the page's ``landmarks`` (no Python walk of every element)."""
    asides = list(root.iterdescendants("aside"))
    roles = [el for el in landmarks(root) if el.get("role") == "complementary"]
    return in_page_order(root, asides, roles) if roles else asides


def find_blocks(root: html.HtmlElement, links: _PageLinks) -> list[TeaserBlock]:
    """Candidate teaser blocks, innermost first (so nested blocks claim their links)."""
    titled = [el for el in hinted(root, TITLE_HINT_RE) if el.tag in _TITLED_TAGS]
    candidates = in_page_order(root, titled, _LABEL_CANDIDATES_XPATH(root))
    found = {el for el in candidates if _is_label_heading(el)}
    holders = {anc for el in found for anc in el.iterancestors()}  # hold a found one
    labels = [el for el in candidates if el in found and el not in holders]
    label_index = _Labels(labels)
    blocks = [_block_for_heading(h, label_index, links) for h in labels]  # in page order
    taken = {b.roots[0] for b in blocks if len(b.roots) == 1} | label_index.labels
    # candidates carry a block hint (class, id) or are asides, in page order
    hinted_blocks = set(hinted(root, BLOCK_HINT_RE)) - set(hinted(root, NOT_BLOCK_RE))
    for el in in_page_order(root, list(hinted_blocks), _asides(root)):
        if el.tag not in _CONTAINERS or el in taken or el.get("role") == "navigation":
            continue
        candidate = el in hinted_blocks or el.tag == "aside" or el.get("role") == "complementary"
        if candidate and el.find(".//h1") is None and links.prose_chars(el) <= _MAX_BLOCK_PROSE:
            blocks.append(TeaserBlock(None, [el]))
    labelled = {r for b in blocks if b.label for r in b.roots}
    blocks = [
        b
        for b in blocks
        if b.label or not any(anc in labelled for anc in b.roots[0].iterancestors())
    ]
    blocks.sort(key=lambda b: -depth(b.roots[0]))
    return blocks


def _cards(roots: Sequence[html.HtmlElement], targets: dict[html.HtmlElement, str]) -> list:
    """(card element, url, headline links) per distinct target, in document order."""
    urls_under: dict[html.HtmlElement, set[str]] = {}
    stop = set(roots)
    for a, url in targets.items():
        node: html.HtmlElement | None = a
        while node is not None:
            urls_under.setdefault(node, set()).add(url)
            if node in stop:
                break
            node = node.getparent()
    cards: dict[str, tuple[html.HtmlElement, list[html.HtmlElement]]] = {}
    for a, url in targets.items():
        if url in cards:
            cards[url][1].append(a)
            continue
        card = a
        parent = card.getparent()
        while card not in stop and parent is not None and len(urls_under.get(parent, ())) == 1:
            card = parent
            parent = card.getparent()
        cards[url] = (card, [a])
    return [(card, url, anchors) for url, (card, anchors) in cards.items()]


def _headline(anchors: list[html.HtmlElement], links: _PageLinks) -> str:
    """The link text in a heading; a heading inside a whole-card link; else the longest."""
    for a in anchors:
        if links.in_heading(a):
            return links.text(a)
    for a in anchors:
        # a leaf link holds no heading: skip building a six-tag iterator for it
        inner = next(a.iter(*HEADINGS), None) if len(a) else None
        if inner is not None and text_of(inner):
            return text_of(inner)
    return max((links.text(a) for a in anchors), key=len)


def _time_of(card: html.HtmlElement, anchors: list) -> tuple[str | None, str | None]:
    """(time text as written, datetime attribute) of a card."""
    time_el = next(card.iterdescendants("time"), None) if card.tag != "time" else card
    if time_el is not None:
        return text_of(time_el) or None, time_el.get("datetime")
    for el in card.iter():
        if el in anchors or not isinstance(el.tag, str) or el.tag in _NOT_TIME_TAGS:
            continue
        text = text_of(el)
        if 0 < len(text) <= 40 and (
            is_relative_time(text)
            or (DATE_TEXT_RE.match(text) and (len(el) == 0 or TIME_HINT_RE.search(hints(el))))
        ):
            return text, None
    for text in card.itertext():
        short = " ".join(text.split())
        if is_relative_time(short):
            return short, None
    return None, None


def _excerpt(card: html.HtmlElement, headline: str, time_text: str | None) -> str | None:
    for el in card.iter("p", "div", "span"):
        if el.tag != "p" and not EXCERPT_HINT_RE.search(hints(el)):
            continue
        if el.find(".//time") is not None or el.find(".//a") is not None:
            continue
        text = text_of(el)
        if len(text) >= 15 and text not in (headline, time_text) and not is_relative_time(text):
            return text
    return None


def _teaser(
    card: html.HtmlElement,
    url: str,
    anchors: list,
    label: str | None,
    links: _PageLinks,
    fetched_at: datetime,
    languages: Sequence[str] | None,
) -> Teaser:
    headline = _headline(anchors, links)
    time_text, stamp = _time_of(card, anchors)
    published = normalise_date(stamp) if stamp else None
    if published is None and time_text:
        day = written_day(time_text)
        resolved = day if day and day <= fetched_at else None
        resolved = resolved or resolve_relative_time(time_text, fetched_at, languages)
        published = to_utc_iso(resolved) if resolved else None
    return Teaser(
        url=url,
        headline=headline,
        excerpt=_excerpt(card, headline, time_text),
        relative_time=time_text,
        published_at=published,
        block=label,
    )


def teaser_blocks(
    tree: html.HtmlElement,
    base_url: str,
    fetched_at: datetime,
    languages: Sequence[str] | None = None,
) -> list[tuple[TeaserBlock, list[Teaser]]]:
    """Blocks that hold teasers, with their teasers (innermost blocks first)."""
    page = base_url.rstrip("/")
    claimed: set[html.HtmlElement] = set()
    used_roots: set[html.HtmlElement] = set()
    result: list[tuple[TeaserBlock, list[Teaser]]] = []
    links = _PageLinks(base_url)
    for block in find_blocks(tree, links):
        targets = {
            a: url
            for a, url in _headline_urls(block.roots, links).items()
            if a not in claimed and url.rstrip("/") != page
        }
        cards = _cards(block.roots, targets)
        if len(cards) < (1 if block.label else 2):
            continue
        words = sorted(len(links.text(anchors[0]).split()) for _, _, anchors in cards)
        if words[len(words) // 2] < _MIN_MEDIAN_WORDS:
            continue
        card_els = {card for card, _, _ in cards}
        label = block.label or _first_heading_text(block.roots, used_roots | card_els)
        if len(block.roots) > 1:  # a sibling run: keep the heading and the runs with cards
            holders = {anc for card, _, _ in cards for anc in card.iterancestors()}
            holders |= {card for card, _, _ in cards}
            block.roots = [block.roots[0]] + [r for r in block.roots[1:] if r in holders]
        teasers = []
        for card, url, anchors in cards:
            claimed.update(anchors)
            teasers.append(_teaser(card, url, anchors, label, links, fetched_at, languages))
        used_roots.update(block.roots)
        result.append((block, teasers))
    return result


def find_teasers(
    tree: html.HtmlElement,
    base_url: str,
    fetched_at: datetime,
    languages: Sequence[str] | None = None,
) -> list[Teaser]:
    """Every teaser of every block in document order, each URL once per page.

    ``languages`` (page language first) narrows relative-time parsing.
    """
    return flatten_teasers(tree, teaser_blocks(tree, base_url, fetched_at, languages))


def flatten_teasers(
    tree: html.HtmlElement, blocks: list[tuple[TeaserBlock, list[Teaser]]]
) -> list[Teaser]:
    """Teasers of all blocks ordered by where their block starts, first URL wins.

    Only the block starts are ranked (lxml sorts them in document order), not
    every element of the page.
    """
    starts = in_page_order(tree, [block.roots[0] for block, _ in blocks], [])
    order = {el: i for i, el in enumerate(starts)}
    ranked = sorted(blocks, key=lambda pair: order.get(pair[0].roots[0], 0))
    seen: set[str] = set()
    teasers = []
    for _, block_teasers in ranked:
        for teaser in block_teasers:
            if teaser.url not in seen:
                seen.add(teaser.url)
                teasers.append(teaser)
    return teasers
