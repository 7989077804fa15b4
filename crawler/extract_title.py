"""The article's title: the headline as printed, in the publisher's own spelling.

The visible ``<h1>`` is the headline as readers see it; SEO titles (JSON-LD
``headline``, og:title, ``<title>``) are often rewritten for search and social
cards, so they only fill in when there is no credible ``<h1>``. But the
``<h1>`` is also the *rendered* form: CMS templates smarten quotes ("We've" ->
"We’ve"), CSS-free sites upper-case it, and some themes put the dateline or
byline inside the heading element. So when a declared title says the same
words as the ``<h1>`` (or the ``<h1>`` minus a date/byline run), the declared
spelling is kept: it is the text as the author typed it.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html

from crawler.extract_fields import _first
from crawler.extract_html import hints, text_of
from crawler.extract_meta import StructuredData, string_of

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


_LOGO_RE = re.compile(r"logo|site-?(?:title|name|branding)|brand|masthead")


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", (text or "").casefold()))


def _headline_candidates(root: html.HtmlElement, site_name: str | None) -> list[str]:
    """``<h1>`` texts that can be the article's headline, in document order."""
    site = (site_name or "").casefold()
    found = []
    for el in root.iter("h1"):
        text = text_of(el)
        if not 10 <= len(text) <= 250 or len(text.split()) < 2 or text.casefold() == site:
            continue
        chain = [el, *el.iterancestors()]
        if any(a.tag in ("nav", "footer", "aside") for a in chain):
            continue
        if any(_LOGO_RE.search(hints(a)) for a in chain[:3]):
            continue
        link = el.find(".//a[@href]")
        if link is not None and (link.get("href") or "").rstrip("/") in ("", "/", "."):
            continue
        found.append(text)
    return found


def _visible_headline(
    root: html.HtmlElement, site_name: str | None, declared: list[str | None]
) -> str | None:
    """The ``<h1>`` a reader sees as the headline, when the page has a credible one.

    SEO titles (og:title, JSON-LD headline, ``<title>``) are often rewritten for
    search and social cards; the ``<h1>`` is the headline as printed. An ``<h1>``
    in navigation, sidebars or footers, a logo or site-name ``<h1>``, one linking
    home, or a single word ("World") is not a headline. With several candidates,
    the one sharing most words with the declared titles wins (first on a tie).
    """
    candidates = _headline_candidates(root, site_name)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    words = set().union(*(_words(t) for t in declared))
    return max(candidates, key=lambda c: len(_words(c) & words) / (len(_words(c)) or 1))


_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "–": "-", "—": "-"})


def _fold(text: str) -> list[str]:
    """Words and punctuation of a title, case, quote style and dashes folded
    ("We’ve" == "We've", "Tutor. - Defining" == "Tutor. Defining")."""
    return re.findall(r"\w+|[^\w\s-]", text.casefold().translate(_QUOTES))


# what a theme may print inside the heading element besides the headline
_DATELINE_RE = re.compile(
    r"^(?:posted|published|updated|by|on|\d{1,4}|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct"
    r"|nov|dec|january|february|march|april|june|july|august|september|october|november"
    r"|december)$"
)


def _pieces(title: str) -> list[str]:
    """The title, then its runs of separator-delimited parts, longest first."""
    found = [title]
    for sep in _TITLE_SEPARATORS:
        parts = title.split(sep)
        if len(parts) > 1:
            found.extend(
                sep.join(parts[i:j]) for i in range(len(parts)) for j in range(len(parts), i, -1)
            )
    return sorted(dict.fromkeys(p.strip() for p in found if p.strip()), key=len, reverse=True)


def _declared_spelling(visible: str, declared: list[str | None]) -> str:
    """A declared title (or a separator-delimited part of it) that says what ``visible`` says.

    Same words after case and quote folding: the declared spelling. Else a declared
    title of 4+ words that the ``<h1>`` starts or ends with, the rest being a dateline
    or byline ("Dec 18 2025", "Posted on July 1, 2024 by ..."): the declared title.
    """
    words = _fold(visible)
    for title in declared:
        if not title:
            continue
        for piece in _pieces(title):
            piece_words = _fold(piece)
            if piece_words == words:
                return piece
            n = len(piece_words)
            if n < 4 or n >= len(words):
                continue
            if words[:n] == piece_words:
                rest = words[n:]
            elif words[-n:] == piece_words:
                rest = words[:-n]
            else:
                continue
            if _DATELINE_RE.match(rest[0]):
                return piece
    return visible


def pick_title(
    root: html.HtmlElement, data: StructuredData, doc: Any, site_name: str | None
) -> str | None:
    """Visible ``<h1>`` headline (in the declared spelling when one matches), else JSON-LD
    headline, og:title, ``<h1>``, ``<title>``, trafilatura's title (its headline classes);
    the site name is trimmed from them.
    """
    art = data.article
    declared = [
        string_of(art.get("headline")) if art else None,
        data.meta_first("og:title", "twitter:title"),
        next((text_of(t) for t in root.iter("title")), None),
    ]
    visible = _visible_headline(root, site_name, declared)
    if visible:
        return _declared_spelling(visible, declared)
    h1 = _h1(root)
    title = _first(
        art.get("headline") if art else None,
        data.meta_first("og:title", "twitter:title"),
        h1,
        next((text_of(t) for t in root.iter("title")), None),
        lambda: getattr(doc, "title", None),
    )
    return _trim_to_h1(_strip_site_suffix(title, site_name), h1)
