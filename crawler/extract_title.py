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
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from lxml import html

from crawler.extract_fields import _first
from crawler.extract_html import hints, text_of
from crawler.extract_meta import StructuredData, string_of

_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", ": ")


def _strip_site_suffix(
    title: str | None, site_name: str | None, hosts: tuple[str, ...] = ()
) -> str | None:
    """ "Headline | Site" -> "Headline" when the suffix (or prefix) is the site name, else
    when it names the site's host ("Headline | Bridgestone Tires" on tires.bridgestone.com);
    repeated for titles with both ("Site | Site.com - Headline")."""
    if not title or not (site_name or hosts):
        return title
    site = (site_name or "").casefold()
    for _ in range(3):
        stripped = _strip_once(
            title, _TITLE_SEPARATORS, lambda part, _rest: part.strip().casefold() == site
        )
        if stripped == title:  # not "Bitcoin: price hits a record" on bitcoin.com, a kicker
            stripped = _strip_once(
                title, _TITLE_SEPARATORS[:-1], lambda part, rest: _names_host(part, rest, hosts)
            )
        if stripped == title:
            break
        title = stripped
    return title


def _strip_once(
    title: str, separators: tuple[str, ...], is_site: Callable[[str, str], bool]
) -> str:
    for sep in separators:
        head, _, tail = title.rpartition(sep)
        if head and is_site(tail, head):
            return head.strip()
        first, _, rest = title.partition(sep)
        if rest and is_site(first, rest):
            return rest.strip()
    return title


def _names_host(part: str, rest: str, hosts: tuple[str, ...]) -> bool:
    """A title part that names the site by its host: each of its 1-3 words is in the
    host name ("Rust Blog" on blog.rust-lang.org, "DianaHR" on getdianahr.com), and
    the rest of the title is the longer part."""
    words = re.findall(r"\w+", part.casefold())
    if not hosts or not 1 <= len(words) <= 3 or len(rest.split()) < max(3, len(words) + 1):
        return False
    return any(all(len(w) >= 3 and w in host for w in words) for host in hosts)


def _hosts(root: html.HtmlElement, data: StructuredData, url: str | None) -> tuple[str, ...]:
    """The page's own host names (its URL, canonical link, og:url), without "www.",
    the public suffix and dots ("tires.bridgestone.com" -> "tires bridgestone")."""
    urls = [url or "", data.meta_first("og:url") or ""]
    urls += [el.get("href") or "" for el in root.iterfind(".//link[@rel='canonical']")]
    found = []
    for url in urls:
        host = urlsplit(url.strip()).hostname or ""
        host = host.removeprefix("www.").rpartition(".")[0]  # the public suffix says nothing
        if host:
            found.append(host.replace(".", " "))
    return tuple(dict.fromkeys(found))


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
        if text.endswith(":"):
            continue  # a lead-in to what follows ("A message from our founder:")
        chain = [el, *el.iterancestors()]
        if any(a.tag in ("nav", "footer", "aside", "dialog") for a in chain):
            continue
        if any(_LOGO_RE.search(hints(a)) for a in chain[:3]):
            continue
        link = el.find(".//a[@href]")
        href = (link.get("href") or "").strip() if link is not None else None
        if href is not None and (href.rstrip("/") in ("", "/", ".") or href.startswith("#")):
            continue  # a link home (logo), or a section permalink ("#heading-id") in the body
        found.append(text)
    return found


def _visible_headline(
    root: html.HtmlElement, site_name: str | None, declared: list[str | None]
) -> str | None:
    """The ``<h1>`` a reader sees as the headline, when the page has a credible one.

    SEO titles (og:title, JSON-LD headline, ``<title>``) are often rewritten for
    search and social cards; the ``<h1>`` is the headline as printed. An ``<h1>``
    in navigation, sidebars, footers or dialogs, a logo or site-name ``<h1>``, one
    linking home or to an anchor (a section heading in the body), one ending in a
    colon (a lead-in), or a single word ("World") is not a headline. With several
    candidates, the one sharing most words with the declared titles wins (first on a
    tie).
    """
    candidates = _headline_candidates(root, site_name)
    if not candidates:
        return None
    best = candidates[0]
    if len(candidates) > 1:
        words = set().union(*(_words(t) for t in declared))
        best = max(candidates, key=lambda c: len(_words(c) & words) / (len(_words(c)) or 1))
    return best


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


_CURLY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _curly(text: str) -> int:
    return sum(text.count(c) for c in "‘’“”")


def _spelling(visible: str, same: list[str]) -> str:
    """Of the declared spellings with the same words as ``visible``, the first one with
    the fewest curly quotes: quotes as the author typed them, since smartening ("We've"
    -> "We’ve") is a rendering step that templates and some JSON-LD writers apply and
    nothing ever undoes. When the only difference is quote style, the printed text
    stays unless a declared spelling has straighter quotes."""
    plain = visible.translate(_CURLY)
    quoted = [p for p in same if p.translate(_CURLY) == plain]
    if quoted:
        return min([visible, *quoted], key=_curly)
    return min(same, key=_curly)


def _declared_spelling(visible: str, declared: list[str | None]) -> str:
    """A declared title (or a separator-delimited part of it) that says what ``visible`` says.

    Same words after case and quote folding: the declared spelling (see ``_spelling``).
    Else a declared title of 4+ words that the ``<h1>`` starts or ends with, the rest
    being a dateline or byline ("Dec 18 2025", "Posted on July 1, 2024 by ..."): the
    declared title.
    """
    words = _fold(visible)
    pieces = [piece for title in declared if title for piece in _pieces(title)]
    same = [piece for piece in pieces if _fold(piece) == words]
    if same:
        return _spelling(visible, same)
    for piece in pieces:
        piece_words = _fold(piece)
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


def _uncapped(visible: str, declared: list[str | None]) -> str | None:
    """A declared title with (nearly) the same words as an ALL-CAPS ``<h1>``: capitals
    are a display style, the declared title has the headline's own case."""
    if not visible.isupper():
        return None
    words = _words(visible)
    for title in declared:
        for piece in _pieces(title) if title else ():
            if piece.isupper():
                continue
            shared = len(words & _words(piece))
            if shared >= 0.8 * max(len(words), len(_words(piece))):
                return piece
    return None


def _site_in_title(site_name: str | None, declared: list[str | None]) -> str | None:
    """The site name, unless the page's ``<title>`` shows it is the headline: a site
    name of 6+ words that the title joins to a part of 1-3 words ("Peakforce – <site
    name>") is an article title misfiled as og:site_name, and that short part is the
    site. (A short site name beside a short part, "Opinion | The Daily Times", is kept.)"""
    if not site_name or len(site_name.split()) < 6:
        return site_name
    for title in filter(None, declared):
        for sep in _TITLE_SEPARATORS:
            first, found, rest = title.partition(sep)
            for site, other in ((rest, first), (first, rest)):
                if found and site.strip() == site_name and 1 <= len(other.split()) <= 3:
                    return other.strip()
    return site_name


def pick_title(
    root: html.HtmlElement,
    data: StructuredData,
    doc: Any,
    site_name: str | None,
    url: str | None = None,
) -> str | None:
    """Visible ``<h1>`` headline (in the declared spelling when one matches), else JSON-LD
    headline, og:title, ``<title>``, an ``<h1>`` that did not look like the headline,
    trafilatura's title (its headline classes); the site name (as named, or as the host
    of ``url``, the canonical link or og:url) is trimmed from them.
    """
    art = data.article
    page_title = next((text_of(t) for t in root.iter("title")), None)
    declared = [
        string_of(art.get("headline")) if art else None,
        data.meta_first("og:title", "twitter:title"),
        page_title,
    ]
    site_name = _site_in_title(site_name, declared)
    visible = _visible_headline(root, site_name, declared)
    if visible:
        return _uncapped(visible, declared) or _declared_spelling(visible, declared)
    h1 = _h1(root)
    # an <h1> that is no headline ("World") still names a section page whose <title>
    # says the same ("World news | Site"); a <title> that says more than it wins
    named = not page_title or _words(h1) <= _words(page_title)
    title = _first(
        art.get("headline") if art else None,
        data.meta_first("og:title", "twitter:title"),
        *((h1, page_title) if named else (page_title, h1)),
        lambda: getattr(doc, "title", None),
    )
    title = _untruncated(title, [*declared, h1])
    return _trim_to_h1(_strip_site_suffix(title, site_name, _hosts(root, data, url)), h1)


def _untruncated(title: str | None, others: list[str | None]) -> str | None:
    """A title cut short for a card ("Minister resigns after…") gives way to the
    page's full wording of it ("Minister resigns after weeks of pressure | Site")."""
    if not title or not title.endswith(("…", "...")):
        return title
    stem = title.rstrip(".…").rstrip()
    if len(stem.split()) < 3:
        return title
    for other in others:
        if other and len(other) > len(stem) + 3 and other.startswith(stem) and other != title:
            return other
    return title
