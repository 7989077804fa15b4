"""Keeping page furniture out of the article body.

Two passes, both general news rules rather than per-site selectors:
  * before trafilatura: elements whose class/id mark share widgets, author boxes,
    related/recent/more-in blocks, newsletter calls, comments, category/tag lines
    are marked with ``PRUNE_ATTR`` and pruned by trafilatura's ``prune_xpath``
    (after its metadata pass, so author boxes still feed the author field). The
    element holding the article's prose, and anything holding the ``<h1>``, are
    never marked, however their classes read (WordPress puts ``tag-social`` on
    the ``<article>``).
  * after trafilatura: a headline repeated as the first line and whole lines that
    are furniture text ("Share", "Published by", "Advertisement") are dropped, and
    notices of any length ("READ MORE: ...", "CLICK HERE to get the app",
    copyright and reprint notices).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import html

from crawler.extract_html import clean_text, hinted, text_of

PRUNE_ATTR = "data-newscrawl-prune"
PRUNE_XPATH = f"//*[@{PRUNE_ATTR}]"

_FURNITURE_RE = re.compile(
    r"(?:^|[\s_-])(?:"
    r"share\w*|sharing\w*|sharedaddy|social\w*|addtoany|a2a_\w+|sd-\w+|jp-relatedposts\w*"
    r"|teilen|partage\w*|compartir\w*"
    r"|author\w*|about-?(?:the-?)?author|saboxplugin\w*|entry-author\w*|post-author\w*"
    r"|byline\w*|autor\w*|auteur\w*|signature|dateline"
    r"|related\w*|recent\w*|more-?in|more-?from|more-?stories|also-?read|read-?also|popular\w*"
    r"|most-?read|trending\w*|recommend\w*|outbrain|taboola|sidebar\w*"
    r"|newsletter\w*|subscribe\w*|subscription\w*|signup\w*|sign-up"
    r"|comments?|comment-respond|commentlist|disqus\w*|respond"
    r"|cat-links|tags?-links|post-tags|entry-tags|post-categories|entry-meta|post-meta"
    r"|entry-footer|post-navigation|nav-links|breadcrumbs?"
    r")(?:$|[\s_-])"
)
_KEEP_TAGS = frozenset({"html", "body", "main", "head"})
# furniture is block-level; inline elements with such classes are content
# (``<span class="hljs-comment">`` in code, ``<a class="author">`` in a byline)
_BLOCK_TAGS = frozenset(
    {"div", "section", "aside", "ul", "ol", "nav", "footer", "header", "form", "p", "figure"}
)
_FURNITURE_LINE_RE = re.compile(
    r"^(?:share(?: this(?: article| story| post| page)?)?(?: on \w+)?|share via|"
    r"published by.*|posted by.*|written by.*|tweet|pin it|email|print|like this:?|"
    r"like loading\.*|loading\.*|related(?: posts| articles| stories)?|recent posts|"
    r"advertisement|advertisment|sponsored|anzeige|werbung|publicité|publicidad|"
    r"click to (?:share|email|print) .*|\(opens in new window\)|"
    r"categor(?:y|ies):.*|tags?:.*|filed under:?.*|"
    r"(?:artikel )?teilen|partager(?: cet article)?|compartir|"
    r"read more|continue reading|weiterlesen|lire la suite|leer más|"
    r"sign up (?:for|to) .*newsletter.*|subscribe to (?:our|the) newsletter.*)\W*$",
    re.IGNORECASE,
)
_SHARE_LINE_RE = re.compile(
    r"^(?:share(?: this)?(?: article| story)?|(?:artikel )?teilen|partager|compartir)\W*"
    r"(?:(?:on\s+)?(?:facebook|twitter|x|linkedin|whatsapp|e-?mail|mail|telegram|reddit"
    r"|pinterest|print|drucken|imprimer|copy link|link kopieren|copier le lien)\W*)*$",
    re.IGNORECASE,
)
# notices that are never article prose, whatever their length: a pointer to another
# story ("READ MORE: ..."), an app/newsletter call, a copyright or reprint notice,
# a widget's error message. Two patterns, as one searched alternation would try
# every line-start branch at every position of every line.
_NOTICE_START_RE = re.compile(
    r"(?:(?:read|see|watch) (?:more|also)|also (?:read|see)|related|more on this)\s*:\s*\S"
    r"|click here\b.{0,60}\b(?:app|newsletter|subscribe|e-?paper|sign up|video|podcast|audio)\b"
    r"|(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}|[\w ]{0,40}\d{4}).{0,120}$"
    r"|.{0,120}\ball rights reserved\W*$"
    r"|(?:an error (?:has )?occurred|something went wrong)\b.{0,40}$"
    r"|(?:write to|contact|e-?mail) [\w.'’ -]{2,80}? at \S+@\S+\.\w+\W*$",
    re.IGNORECASE,
)
_NOTICE_ANYWHERE_RE = re.compile(r"\bfor your personal,? non-?commercial use only\b", re.IGNORECASE)
_BYLINE_RE = re.compile(r"^(?:by|von|par|por|door|di)\s+\S", re.IGNORECASE)
_MAX_FURNITURE_LINE = 90


def mark_furniture(
    root: html.HtmlElement, protect: html.HtmlElement | None, extra: Iterable[html.HtmlElement]
) -> int:
    """Mark furniture elements (and ``extra``, the teaser blocks) for pruning.

    ``protect`` is the element holding the article's prose: it and its ancestors
    are never marked. Returns how many elements were marked.
    """
    keep: set[html.HtmlElement] = set()
    if protect is not None:
        keep.add(protect)
        keep.update(protect.iterancestors())
    marked = 0
    for el in hinted(root, _FURNITURE_RE):
        if el.tag not in _BLOCK_TAGS or el in keep:
            continue
        if el.tag == "article" or el.get(PRUNE_ATTR):
            continue
        if el.find(".//h1") is None:
            el.set(PRUNE_ATTR, "1")
            marked += 1
    for el in extra:
        if el not in keep and el.tag not in _KEEP_TAGS and el.find(".//h1") is None:
            el.set(PRUNE_ATTR, "1")
            marked += 1
    return marked


def _is_byline(line: str, author: str | None) -> bool:
    """A short "By <author>" line; only trusted when it names the known author."""
    if len(line) > _MAX_FURNITURE_LINE or not _BYLINE_RE.match(line):
        return False
    names = [n.strip() for n in (author or "").split(";") if n.strip()]
    return any(name.casefold() in line.casefold() for name in names)


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _heading_key(line: str) -> str:
    """A headline line for comparison: the title may be typed with straight quotes
    while the page prints it with curly ones."""
    return clean_text(line).casefold().translate(_QUOTES)


def _is_notice(line: str) -> bool:
    """A notice line: one of ``_NOTICE_START_RE`` at its start, or the personal-use notice."""
    return bool(_NOTICE_START_RE.match(line) or _NOTICE_ANYWHERE_RE.search(line))


def clean_body(
    text: str,
    title: str | None,
    author: str | None = None,
    drop_lines: Iterable[str] = (),
    dek: str | None = None,
) -> str:
    """Body text with the repeated headline, byline and furniture lines removed.

    ``drop_lines`` are exact lines to drop too (teaser headlines and excerpts that
    leaked into the body); ``dek``, the standfirst, is dropped as a leading line.
    """
    drop = {clean_text(line).casefold() for line in drop_lines if line}
    heads = {_heading_key(t) for t in (title, dek) if t}
    lines = [clean_text(line) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    while lines and (_heading_key(lines[0]) in heads or _is_byline(lines[0], author)):
        lines.pop(0)
    kept = []
    for line in lines:
        if len(line) <= _MAX_FURNITURE_LINE and (
            _FURNITURE_LINE_RE.match(line) or _SHARE_LINE_RE.match(line)
        ):
            continue
        if _is_notice(line):
            continue
        if line.casefold() in drop:
            continue
        kept.append(line)
    return "\n".join(kept)


def standfirst(
    root: html.HtmlElement, prose: html.HtmlElement | None, description: str | None
) -> str | None:
    """The standfirst (dek) when the page prints its meta description outside the prose.

    Many pages print the description as a summary under the headline, and
    trafilatura keeps it as the body's first line; other pages' descriptions are
    simply the lede paragraph. Only a printed copy outside the element holding
    the prose paragraphs, with none inside it, is a standfirst to drop.
    """
    want = clean_text(description).casefold() if description else ""
    if prose is None or len(want) < 20:
        return None
    head = want[:20]
    outside = False
    for el in root.iter("p", "h2", "h3", "div", "span", "strong"):
        if not clean_text(el.text).casefold().startswith(head):
            continue
        if clean_text(text_of(el)).casefold() != want:
            continue
        if el is prose or any(a is prose for a in el.iterancestors()):
            return None
        outside = True
    return description if outside else None
