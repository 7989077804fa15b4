"""Turning whatever the server sent into one lxml tree, and small tree helpers.

Parsing happens once per page; every extractor (metadata, teasers, trafilatura)
reads the same tree. Input is hostile: wrong or unknown charsets, NUL bytes,
truncated markup, binary junk. Nothing here raises on bad input; a page that
cannot be parsed gives ``None`` and the caller reports an empty "other" page.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# control characters libxml2 rejects, deleted from the UTF-8 bytes (one C pass)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# the same controls written as character references (&#11;, a vertical tab pasted
# from a word processor): lxml keeps them in the tree, and trafilatura then
# loses the whole body (its XML step refuses them); read as a space
_CONTROL_REF_RE = re.compile(
    rb"&#(?:0*(?:[1-8]|1[124-9]|2[0-9]|3[01])(?![0-9])"
    rb"|[xX]0*(?:[1-8bBcCeEfF]|1[0-9a-fA-F])(?![0-9a-fA-F]));?"
)
# noncharacters libxml2 rejects too, deleted from the text: a page without characters
# beyond U+00FF is answered at once (its bytes would be searched end to end)
_NONCHARACTERS = ("\ufffe", "\uffff")
_SNIFF_BYTES = 4096
_PARSER = html.HTMLParser(
    encoding="utf-8", recover=True, remove_comments=True, remove_pis=True, no_network=True
)

# "/path?query#frag" with nothing for urljoin to normalise: no dot segments, no
# backslash or tab/newline, no empty query (urljoin drops a bare "?")
_PLAIN_ROOT_RELATIVE_RE = re.compile(
    r"(?!.*/\.)/(?![/\\])[^\\?#\t\r\n]*(?:\?[^#\t\r\n]+)?(?:#.*)?\Z", re.S
)

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def decode_html(data: bytes) -> str:
    """Decode page bytes: BOM, then the meta charset, then utf-8 with replacement.

    A declared charset that fails strict decoding loses to utf-8 (servers often
    declare latin-1 for utf-8 pages); utf-16/32 declarations in a meta tag are
    ignored as browsers do, since such a meta could not have been read.
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared: str | None = None
    match = _META_CHARSET_RE.search(data[:_SNIFF_BYTES])
    if match:
        try:
            declared = codecs.lookup(match.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            declared = None
        if declared and declared.startswith(("utf-16", "utf-32")):
            declared = None
    for codec in [c for c in (declared, "utf-8") if c]:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace")


def parse_html(page: str | bytes) -> html.HtmlElement | None:
    """One lxml tree for the page, or None when there is nothing to parse."""
    try:
        text = decode_html(page) if isinstance(page, bytes) else str(page)
        declaration = _XML_DECL_RE.match(text)
        if declaration:
            text = text[declaration.end() :]
        for bad in _NONCHARACTERS:
            if bad in text:
                text = text.replace(bad, "")
        data = text.encode("utf-8", errors="replace").translate(None, _CONTROL_BYTES)
        data = _CONTROL_REF_RE.sub(b" ", data)
        if not data.strip():
            return None
        root = html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError, TypeError):
        return None
    if root is None or not isinstance(root, html.HtmlElement):
        return None
    return root


def clean_text(text: str | None) -> str:
    """Collapse whitespace runs to single spaces."""
    return " ".join(text.split()) if text else ""  # str.split: the same whitespace as \s


_SKIP_TEXT = frozenset(("script", "style", "noscript", "template"))
# inline elements: their text runs on from the text around them (others separate words)
_INLINE_TAGS = (
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span"
    " strong sub sup time u var wbr"
)
_INLINE = frozenset(_INLINE_TAGS.split())


def _collect(el: etree._Element, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP_TEXT:
            if tag in _INLINE:
                _collect(child, parts)
            else:
                parts.append(" ")
                _collect(child, parts)
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def text_of(el: etree._Element) -> str:
    """Visible text of an element in document order, whitespace collapsed.

    Scripts, styles and comments are skipped (their tails kept); inline markup
    (``<em>``, ``<a>``, ``<span>``) joins its text to its neighbours as a browser
    renders it, while block elements and ``<br>`` separate words.
    """
    if not len(el):  # a leaf (most links): no walk needed
        return clean_text(el.text)
    parts: list[str] = []
    _collect(el, parts)
    return clean_text("".join(parts))


def hints(el: etree._Element) -> str:
    """Class and id of an element, lower-cased, as one string for hint regexes."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


class _HintIndex:
    """Every class/id-bearing element under a root, grouped by its ``hints``; the
    distinct hints are joined into one newline-separated string, so a hint regex
    scans a whole page in one C call, and each class list a page repeats once.

    The same walk keeps the elements with a role, aria-label or itemtype
    (``landmarks``), which readers would otherwise find in walks of their own.
    """

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.elements: list[etree._Element] = []
        self.landmarks: list[etree._Element] = []
        groups: dict[str, list[int]] = {}  # distinct hints -> positions in ``elements``
        # a Python walk: twice as fast as the XPath ".//*[@class or @id]" (the same nodes)
        for el in root.iterdescendants():
            names = el.keys()
            if not names:  # no attributes: skip the lookups
                continue
            if el.get("class") is not None or el.get("id") is not None:
                groups.setdefault(hints(el).replace("\n", " "), []).append(len(self.elements))
                self.elements.append(el)
            if "role" in names or "aria-label" in names or "itemtype" in names:
                self.landmarks.append(el)
        self.groups = list(groups.values())
        self.starts: list[int] = []
        position = 0
        for mark in groups:
            self.starts.append(position)
            position += len(mark) + 1
        self.text = "\n".join(groups)


_hint_index: _HintIndex | None = None  # the page being read (extraction is one page at a time)


def _index(root: etree._Element) -> _HintIndex:
    """The index of the page ``root`` heads, built on first use."""
    global _hint_index
    index = _hint_index
    if index is None or index.root is not root:
        index = _hint_index = _HintIndex(root)
    return index


def landmarks(root: etree._Element) -> list[etree._Element]:
    """Descendants of ``root`` with a role, aria-label or itemtype, in document order."""
    return _index(root).landmarks


@lru_cache(maxsize=64)
def _per_line(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(pattern.pattern, pattern.flags | re.MULTILINE)


def hinted(root: etree._Element, pattern: re.Pattern[str]) -> list[etree._Element]:
    """Descendants of ``root`` whose ``hints`` match ``pattern``, in document order.

    The same as testing ``pattern.search(hints(el))`` on each, for patterns that
    never match across a newline (``^``/``$`` then anchor at each element's
    hints); several passes over one page share the index.
    """
    index = _index(root)
    found: list[int] = []
    last = -1
    text = index.text
    for match in _per_line(pattern).finditer(text):
        start = match.start()
        if text[start : start + 1] == "\n":  # "[\s_-]" took the separator: the next one's
            start += 1
        i = bisect_right(index.starts, start) - 1
        if i != last:
            found.extend(index.groups[i])
            last = i
    found.sort()
    return [index.elements[i] for i in found]


_UNION_XPATH = etree.XPath("$first | $second")


def in_page_order(
    root: etree._Element, first: list[etree._Element], second: list[etree._Element]
) -> list[etree._Element]:
    """The union of two element lists of one tree, in document order (sorted in C)."""
    return _UNION_XPATH(root, first=first, second=second)


def base_url(root: html.HtmlElement, url: str) -> str:
    """The page's base for relative links: a ``<base href>`` when present, else the URL."""
    for base in root.iterfind(".//base[@href]"):
        return absolute_url(base.get("href") or "", url) or url
    return url


def absolute_url(href: str | None, base: str) -> str | None:
    """``href`` made absolute against ``base`` with the fragment dropped; None if not http(s)."""
    if not href:
        return None
    if _site_relative(href):  # only the base's scheme and host count: cached per site
        try:
            base = _origin(base)
        except ValueError:  # no host in the base: urljoin fails on it too
            return None
    return _absolute_url(href, base)


def _site_relative(href: str) -> bool:
    """A "/path" href: not "//host/...", nor a "/" then a tab or newline (which
    urlsplit deletes, so that "/<tab>/host" reads as "//host")."""
    return href[0] == "/" and href[1:2] not in ("/", "\t", "\n", "\r")


@lru_cache(maxsize=8192)  # one page asks for the same hrefs from links, teasers, categories
def _absolute_url(href: str, base: str) -> str | None:
    href = href.strip()
    if not href:
        return None
    try:
        if href[0] == "#":
            joined = urldefrag(base)[0]  # the page itself
        elif href[:8].lower().startswith(("http://", "https://")):
            joined = href.partition("#")[0]  # already absolute: skip urljoin (hot path)
        elif _PLAIN_ROOT_RELATIVE_RE.match(href):
            joined = _origin(base) + href.partition("#")[0]  # what urljoin gives, cheaper
        else:
            joined = urldefrag(urljoin(base, href))[0]
        scheme, _, rest = joined.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0]
        if not _http_authority(scheme.lower(), host):
            return None
    except ValueError:
        return None
    return f"{scheme.lower()}://{rest}"


@lru_cache(maxsize=256)
def _origin(base: str) -> str:
    """``scheme://host[:port]`` of ``base``, the prefix of every root-relative link."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=1024)
def _http_authority(scheme: str, host: str) -> bool:
    """An http(s) URL with a host, and a well-formed port or IPv6 literal if any."""
    if scheme not in ("http", "https") or not host:
        return False
    if ":" in host or "[" in host:
        try:
            _ = urlsplit(f"{scheme}://{host}/").port
        except ValueError:
            return False
    return True


def iter_links(root: html.HtmlElement, base: str) -> Iterator[tuple[html.HtmlElement, str]]:
    """Every ``<a href>`` with its absolute URL, in document order."""
    seen: dict[str, str | None] = {}  # pages repeat the same hrefs many times
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        if href not in seen:
            seen[href] = absolute_url(href, base)
        url = seen[href]
        if url:
            yield a, url


def page_links(root: html.HtmlElement, base: str) -> list[str]:
    """All http(s) link targets, absolute, fragment-free, de-duplicated, in document order.

    Each distinct href is resolved once, in the order of its first link: the first
    href giving a URL is that URL's first link, so the order is ``iter_links``'s.
    """
    hrefs = dict.fromkeys(a.get("href") for a in root.iter("a"))
    return list(dict.fromkeys(url for href in hrefs if href and (url := absolute_url(href, base))))


def link_text_len(el: html.HtmlElement) -> int:
    """Characters of text inside links under ``el`` (for link density)."""
    return sum(len(text_of(a)) for a in el.iter("a"))


def depth(el: etree._Element) -> int:
    """Number of ancestors: lets nested blocks be processed innermost first."""
    return sum(1 for _ in el.iterancestors())
