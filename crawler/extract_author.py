"""Who wrote the article: declared authors weighed against the byline a reader sees.

Declared values (JSON-LD ``author``, meta author) come first, but CMSs often fill
them with the organisation ("Cleveland Clinic"), the site name, or a login handle
("jrobison"). Such a *weak* value loses to a person named in the page's byline:
a ``rel=author`` link, a link to an author page (``/author/ann-lee``), an element
whose class says author/byline, or a "By Ann Lee" line near the headline. One pass
over the tree finds the byline; trafilatura's author search (a deep copy of the
tree and dozens of XPaths per page, a tenth of the extraction time) found no
author on the benchmark pages that this pass misses, so it is not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import html

from crawler.extract_html import text_of
from crawler.extract_meta import StructuredData, author_names, node_types

_AUTHOR_PATH_RE = re.compile(
    r"/(?:author|authors|autor|auteur|person|people|profile|profiles|staff|writer|writers"
    r"|contributor|contributors|member|members|producers|team|journalist|journalists)/[^/?#]+",
    re.IGNORECASE,
)
_AUTHOR_CLASS_RE = re.compile(r"author|byline|autor|auteur|writer")
_NOT_AUTHOR_CLASS_RE = re.compile(r"comment|avatar|bio|description|about|date|time|social|share")
# a name's later words are never the connectors a byline goes on with ("Ann Lee on
# 2025-12-18", "Ann Lee in Politics", "Ann Lee and Bo Chen": the first author counts)
_NAME = (
    r"(?P<name>[^\W\d_][\w.'’-]*"
    r"(?:\s+(?!(?:on|in|at|for|and|with|from|of|is|und|et|y)\b)[^\W\d_][\w.'’-]*){0,3})"
)
_BY_LINE_RE = re.compile(
    r"^(?:(?:written\s+|posted\s+|published\s+)?(?:by|von|par|por|door|di)\s*:?\s+"
    r"|(?:contributors?|authors?|written by|autor(?:in)?|auteur)\s*:\s*)" + _NAME,
    re.IGNORECASE,
)
_DATE = (
    r"(?:[a-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2} [a-z]{3,9}\.? \d{4}"
    r"|\d{4}-\d{2}-\d{2})"
)
# "Dec 26, 2025 • Ann Lee in Tools", "2025-12-17 · Ann Lee": a date, a separator, a name
_DATE_NAME_RE = re.compile(r"^" + _DATE + r"\s*[•·|]\s*" + _NAME, re.IGNORECASE)
_DATE_ONLY_RE = re.compile(r"^\s*" + _DATE + r"\s*$", re.IGNORECASE)
_CAPITALISED_RE = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}$")
_NEAR = 80  # elements after the headline where a bare name beside a date is a byline
_SKIP_TAGS = frozenset({"nav", "form", "script", "style", "noscript"})
_NAME_WORD_RE = re.compile(r"^[^\W\d_][\w.'’-]*$")
_NOT_NAME_WORDS = frozenset(
    [
        "read",
        "more",
        "view",
        "all",
        "posts",
        "articles",
        "about",
        "author",
        "share",
        "follow",
        "subscribe",
        "home",
        "menu",
        "contact",
        "login",
        "sign",
        "in",
        "up",
        "search",
        "email",
        "print",
        "comments",
        "reply",
        "full",
        "bio",
        "profile",
    ]
)
_MAX_SCAN = 4000  # elements after the headline searched for a byline
_MAX_LINE = 100
_LABEL_RE = re.compile(
    r"^(?:[\w ]{0,20}\s)?(?:by|von|par|por)\W*$|^(?:authors?|autor|auteur)\W*$", re.I
)
_PREFIX_BY_RE = re.compile(r"^[\w ]{0,30}\s(?:by|von|par|por)\s+(?=\S)", re.IGNORECASE)
_CREDIT_RE = re.compile(r"review|edited|fact.?check|photo|illustrat|image|video", re.I)
_LINE_TAGS = frozenset({"p", "div", "span", "em", "strong", "address", "li", "h3", "h4"})


def looks_like_name(text: str | None) -> bool:
    """1-5 words of letters (initials, hyphens, apostrophes allowed), not site chrome."""
    if not text or len(text) > 60:
        return False
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 5 or not all(_NAME_WORD_RE.match(w) for w in words):
        return False
    return not any(w.casefold() in _NOT_NAME_WORDS for w in words)


def _is_handle(value: str) -> bool:
    """A login name rather than a person's name: one lower-case token ("jrobison")."""
    return " " not in value.strip() and value == value.lower()


def weak_author(value: str, data: StructuredData, site_name: str | None) -> bool:
    """An organisation, the site itself or a handle: a byline person beats it."""
    folded = value.casefold()
    orgs = {(site_name or "").casefold(), (data.publisher or "").casefold()} - {""}
    if folded in orgs:
        return True
    # the site's name cut short ("Digjitale" on "Digjitale Signal"): a house name
    words = set(re.findall(r"\w+", folded))
    if any(words <= set(re.findall(r"\w+", org)) for org in orgs):
        return True
    art = data.article
    author = art.get("author") if art else None
    nodes = author if isinstance(author, list) else [author]
    typed = [n for n in nodes if isinstance(n, dict)]
    if typed and all(node_types(n) & {"organization", "newsmediaorganization"} for n in typed):
        return True
    return _is_handle(value)


def declared_author(data: StructuredData) -> str | None:
    """JSON-LD author(s), then meta author tags (raw, not yet checked)."""
    art = data.article
    return (author_names(art.get("author")) if art else None) or data.meta_first(
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "citation_author",
        "dc.creator",
    )


def byline_author(root: html.HtmlElement) -> str | None:
    """A person named in the page's byline, in order of how explicit the cue is:
    ``rel=author``, an author/byline class, a "By ..." line, a link to an author page.
    Only short contexts count (a profile link inside a paragraph is a citation)."""
    found = _byline(root)
    return found[1] if found else None


def _byline(root: html.HtmlElement) -> tuple[int, str, html.HtmlElement] | None:
    """(cue, name, element) of ``byline_author``: 0 rel=author, 1 author/byline class,
    2 a "By" line, 3 an author-page link, 4 a bare name beside the date."""
    h1 = next(root.iter("h1"), None)
    start = h1 if h1 is not None else root
    found: dict[int, str] = {}
    where: dict[int, html.HtmlElement] = {}
    for count, el in enumerate(_after(start)):
        if count > _MAX_SCAN or 0 in found:
            break
        if el.tag == "a":
            rel = (el.get("rel") or "").lower().split()
            if "author" in rel or _AUTHOR_PATH_RE.search(el.get("href") or ""):
                name = _strip_by(text_of(el))
                if looks_like_name(name) and _short_context(el):
                    found.setdefault(0 if "author" in rel else 3, name)
                    where.setdefault(0 if "author" in rel else 3, el)
            continue
        hint = f"{el.get('class') or ''} {el.get('itemprop') or ''}".lower()
        hinted = _AUTHOR_CLASS_RE.search(hint) and not _NOT_AUTHOR_CLASS_RE.search(hint)
        if 1 not in found and hinted:
            person = _first_name_text(el)
            if person:
                found[1], where[1] = person, el
        if 2 not in found and el.tag in _LINE_TAGS and el.text and el.text.strip():
            line = text_of(el)
            short = len(line) <= _MAX_LINE
            match = (_BY_LINE_RE.match(line) or _DATE_NAME_RE.match(line)) if short else None
            if match and looks_like_name(match.group("name")):
                found[2], where[2] = _linked_name(el, match.group("name")), el
        if 4 not in found and count <= _NEAR and len(el) == 0 and _name_beside_date(el):
            found[4], where[4] = text_of(el), el
    return (min(found), found[min(found)], where[min(found)]) if found else None


def _name_beside_date(el: html.HtmlElement) -> bool:
    """A bare capitalised name whose neighbour is the article's date: an unclassed
    byline ("<span>Dec 17, 2025</span><span>Ann Lee</span>")."""
    text = text_of(el)
    if el.tag not in _LINE_TAGS or not _CAPITALISED_RE.match(text) or not looks_like_name(text):
        return False
    for sib in (el.getprevious(), el.getnext()):
        if sib is not None and isinstance(sib.tag, str):
            if sib.tag == "time" or sib.find(".//time") is not None:
                return True
            if _DATE_ONLY_RE.match(text_of(sib)):
                return True
    return False


def _linked_name(el: html.HtmlElement, name: str) -> str:
    """The first linked name when the line's text runs several together
    ("Written by: <a>Ann Lee</a><a>Bo Chen</a>" reads "Ann LeeBo Chen")."""
    link = next(el.iter("a"), None)
    first = text_of(link) if link is not None else ""
    return first if first and name.startswith(first) and looks_like_name(first) else name


def _short_context(el: html.HtmlElement) -> bool:
    parent = el.getparent()
    return parent is None or len(text_of(parent)) <= _MAX_LINE


def _first_name_text(el: html.HtmlElement) -> str | None:
    """The first text piece of an author element that reads as a name; labels
    ("By", "Written by", "Author:") are skipped and "Reviewed by" prefixes dropped."""
    for raw in el.itertext():
        piece = " ".join(raw.split())
        if len(piece) < 2 or _LABEL_RE.match(piece):
            continue
        piece = _strip_by(_PREFIX_BY_RE.sub("", piece)).split(" | ")[0].strip()
        return piece if looks_like_name(piece) else None
    return None


def _strip_by(text: str) -> str:
    match = _BY_LINE_RE.match(text)
    return match.group("name") if match else text


def _after(start: html.HtmlElement) -> Any:
    """Elements from the headline's section onwards, then the rest of the page.

    Bylines sit next to the headline; walking from the headline's grandparent
    finds them before sidebars and footers. Navigation, asides, footers, forms
    and comment sections are skipped with everything inside them.
    """
    scope = start
    for _ in range(3):
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    yield from _walk(scope, None)
    yield from _walk(start.getroottree().getroot(), scope)


def _walk(top: html.HtmlElement, skip: html.HtmlElement | None) -> Any:
    stack = [top]
    while stack:
        el = stack.pop()
        if el is skip or not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        if "comment" in f"{el.get('id') or ''} {el.get('class') or ''}".lower():
            continue
        yield el
        stack.extend(reversed(el))


def choose_author(declared: str | None, byline: Callable[[], str | None], weak: bool) -> str | None:
    """The declared author unless it is weak and the byline names a person."""
    if declared and not weak:
        return declared
    return byline() or declared


def printed_person(root: html.HtmlElement, declared: str) -> str | None:
    """The person an explicit byline (``rel=author``, an author/byline class, a "By"
    line) names instead of a meta-tag author: a full name, each word capitalised,
    sharing no word with the declared value. Meta author tags hold whatever the CMS
    account or SEO plugin says (the uploader, a house name, a credits line); the
    printed byline is who the page says wrote it. A first name alone ("Cai" for
    "Cai Ellis"), the same person written otherwise ("Jeff Kaufman" for "Kaufman,
    Jeff T.") or lower-case text is no contradiction."""
    found = _byline(root)
    if not found or found[0] > 2 or _CREDIT_RE.search(text_of(found[2])):
        return None  # "Medically reviewed by ...", "Photo by ...": not the writer
    name = found[1]
    if not _CAPITALISED_RE.match(name) or not looks_like_name(name):
        return None
    words = {w.casefold() for w in re.findall(r"\w+", declared)}
    return None if words & {w.casefold() for w in name.split()} else name
