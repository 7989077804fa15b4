"""Article discovery from feeds and sitemaps, as pure functions over bytes.

News sites announce new articles in feeds and (Google News) sitemaps before
links reach them, with publication times that let a crawl skip old entries
unfetched; Scrapy's sitemap parser drops the ``news:`` fields, so we keep them.
Nothing here fetches, imports Scrapy or raises: one bad file must never stop a crawl.
"""

from __future__ import annotations

import calendar
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["DiscoveredLink", "SitemapResult", "feed_urls_in_html", "is_fresh"]
__all__ += ["parse_feed", "parse_sitemap", "to_utc_iso"]

MAX_BODY_BYTES = 50 * 1024 * 1024  # sitemap protocol limit (uncompressed); caps gzip bombs too
FEED_TYPES = frozenset(  # <link rel=alternate type=...> values that announce a feed
    ["application/rss+xml", "application/atom+xml", "application/rdf+xml"]
    + ["application/feed+json", "application/json"]
)
Source = Literal["sitemap", "news-sitemap", "feed"]
_W3C_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class DiscoveredLink:
    """One article candidate from a sitemap or feed, with what it said about the article."""

    url: str
    title: str | None = None
    published_at: str | None = None  # UTC ISO 8601, "2024-05-22T14:30:00Z"
    modified_at: str | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None
    publication: str | None = None
    source: Source = "sitemap"


@dataclass(frozen=True)
class SitemapResult:
    """Page links of a urlset, or the child sitemaps of a sitemap index (or both, if odd)."""

    links: tuple[DiscoveredLink, ...] = ()
    sitemaps: tuple[str, ...] = ()


# -- small helpers --------------------------------------------------------------
def to_utc_iso(value: str | None) -> str | None:
    """W3C datetime, ISO 8601 or RFC 822 text -> "YYYY-MM-DDTHH:MM:SSZ"; None if unreadable.

    Sitemaps allow date-only and year-month stamps; those become midnight UTC.
    Naive times are taken as UTC, as the protocols say they should be.
    """
    text = (value or "").strip()
    if not text:
        return None
    short = _W3C_DATE.match(text)
    try:
        if short:
            year, month, day = short.groups()
            stamp = datetime(int(year), int(month or 1), int(day or 1))
        else:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            stamp = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return _iso(stamp)


def _iso(stamp: datetime) -> str | None:
    try:
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None


def _http_url(raw: object, base: str) -> str | None:
    """Absolute http(s) URL with a host, or None (javascript:, mailto:, garbage...)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        url = urljoin(base, raw.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _absolute(raw: object) -> str | None:
    """An id/guid counts as a link only when it is already an absolute http(s) URL."""
    if not isinstance(raw, str) or not raw.strip().lower().startswith(("http://", "https://")):
        return None
    return _http_url(raw, "")


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _keywords(values: Iterable[object]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        word = _text(value)
        if word and word not in out:
            out.append(word)
    return tuple(out)


def _decoded(body: bytes) -> bytes | None:
    """The body, gunzipped when it starts with the gzip magic; None if over the size cap."""
    if len(body) > MAX_BODY_BYTES:
        return None
    if not body.startswith(b"\x1f\x8b"):
        return body
    out = bytearray()
    data = body
    while data.startswith(b"\x1f\x8b"):  # concatenated members are valid gzip
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, MAX_BODY_BYTES + 1 - len(out))
        except zlib.error:
            break  # keep what decoded so far: a truncated download still has entries
        if len(out) > MAX_BODY_BYTES:
            return None
        data = inflater.unused_data if inflater.eof else b""
    return bytes(out)


# -- sitemaps ---------------------------------------------------------------------
def _local(element: Any) -> str:
    return element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""


def _child(element: Any, name: str) -> Any | None:
    return next((c for c in element if _local(c) == name), None)


def _child_text(element: Any, *path: str) -> str | None:
    """Text of a nested child by local names (namespace-agnostic: many sitemaps get them wrong)."""
    node = element
    for name in path:
        node = _child(node, name)
        if node is None:
            return None
    return _text(node.text)


def _sitemap_link(entry: Any, base: str) -> DiscoveredLink | None:
    url = _http_url(_child_text(entry, "loc"), base)
    if url is None:
        return None
    modified = to_utc_iso(_child_text(entry, "lastmod"))
    news = _child(entry, "news")
    if news is None:
        return DiscoveredLink(url, modified_at=modified, source="sitemap")
    keywords = (_child_text(news, "keywords") or "").split(",")
    return DiscoveredLink(
        url,
        title=_child_text(news, "title"),
        published_at=to_utc_iso(_child_text(news, "publication_date")),
        modified_at=modified,
        keywords=_keywords(keywords),
        language=_child_text(news, "publication", "language"),
        publication=_child_text(news, "publication", "name"),
        source="news-sitemap",
    )


def _text_sitemap(data: bytes, url: str) -> SitemapResult:
    """Plain-text sitemaps: one absolute URL per line (allowed by sitemaps.org)."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    if not all(line.lower().startswith(("http://", "https://")) for line in lines):
        return SitemapResult()  # not a text sitemap: some other document or garbage
    urls = (_http_url(line, url) for line in lines)
    return SitemapResult(links=tuple(DiscoveredLink(u) for u in dict.fromkeys(urls) if u))


def _xml_parser() -> etree.XMLParser:
    """Recovering, entity-free, offline: a sitemap cannot read files or reach the network."""
    return etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)


def parse_sitemap(body: bytes, url: str) -> SitemapResult:
    """Links of a urlset (news fields kept) and child sitemaps of a sitemapindex.

    Gzip bodies are decoded (by magic bytes, not by name or header); entities are
    never resolved and nothing is fetched; malformed XML gives what lxml can recover.
    An RSS/Atom feed submitted as a sitemap (allowed by the protocol) is parsed as one.
    """
    try:
        data = _decoded(body or b"")
        if not data or not data.strip():
            return SitemapResult()
        data = data.lstrip()
        if not data.startswith((b"<", b"\xef\xbb\xbf")):
            return _text_sitemap(data, url)
        root = etree.fromstring(data, _xml_parser())
        if root is None:
            return SitemapResult()
        kind = _local(root)
        if kind in ("rss", "feed", "rdf"):
            return SitemapResult(links=tuple(parse_feed(data, url)))
        links: dict[str, DiscoveredLink] = {}
        children: dict[str, None] = {}
        entries = list(root)
        if not re.search(rb"</\s*(?:\w+:)?(?:urlset|sitemapindex)\s*>\s*$", data, re.I):
            entries = entries[:-1]  # cut download: the last entry may hold half a URL
        for entry in entries:
            name = _local(entry)
            if name == "url":
                link = _sitemap_link(entry, url)
                if link is not None:
                    links.setdefault(link.url, link)
            elif name == "sitemap":
                child = _http_url(_child_text(entry, "loc"), url)
                if child is not None:
                    children[child] = None
        return SitemapResult(tuple(links.values()), tuple(children))
    except Exception:  # noqa: BLE001 - a bad sitemap must never stop discovery
        return SitemapResult()


# -- feeds ------------------------------------------------------------------------
def _struct_iso(value: Any) -> str | None:
    """feedparser's *_parsed values are UTC struct_time tuples."""
    try:
        return _iso(datetime.fromtimestamp(calendar.timegm(value), UTC)) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _entry_time(entry: Any, key: str) -> str | None:
    """A time the entry really has: dict.get skips feedparser's updated->published alias."""
    return _struct_iso(dict.get(entry, f"{key}_parsed")) or to_utc_iso(_text(dict.get(entry, key)))


def _entry_url(entry: Any, base: str) -> str | None:
    """The entry's permalink: <link>, else an alternate link, else a URL-shaped id/guid."""
    candidates = [entry.get("link")]
    candidates += [
        link.get("href")
        for link in entry.get("links") or []
        if isinstance(link, dict) and link.get("rel", "alternate") == "alternate"
    ]
    found = (_http_url(c, base) for c in candidates)
    return next((u for u in found if u), None) or _absolute(entry.get("id"))


def _feedparser_links(data: bytes, url: str) -> Iterator[DiscoveredLink]:
    # imported with the first feed: most crawls parse none, and it costs ~30 ms
    import feedparser  # type: ignore[import-untyped]

    parsed = feedparser.parse(
        io.BytesIO(data), response_headers={"content-location": url}, sanitize_html=False
    )
    feed = parsed.get("feed", {})
    publication = _text(feed.get("title"))
    language = _text(feed.get("language"))
    for entry in parsed.get("entries", []):
        link = _entry_url(entry, url)
        if link is None:
            continue
        yield DiscoveredLink(
            link,
            title=_text(entry.get("title")),
            published_at=_entry_time(entry, "published"),
            modified_at=_entry_time(entry, "updated"),
            keywords=_keywords(t.get("term") for t in entry.get("tags") or [] if t),
            language=_text(entry.get("language")) or language,
            publication=publication,
            source="feed",
        )


def _json_feed_links(doc: object, url: str) -> Iterator[DiscoveredLink]:
    """JSON Feed 1.0/1.1 (jsonfeed.org): items with url, title, dates and tags."""
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return
    publication = _text(doc.get("title"))
    language = _text(doc.get("language"))
    base = _http_url(doc.get("feed_url"), url) or url
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        link = _http_url(item.get("url"), base) or _absolute(item.get("id"))
        if link is None:
            continue
        tags = item.get("tags")
        yield DiscoveredLink(
            link,
            title=_text(item.get("title")),
            published_at=to_utc_iso(_text(item.get("date_published"))),
            modified_at=to_utc_iso(_text(item.get("date_modified"))),
            keywords=_keywords(tags) if isinstance(tags, list) else (),
            language=_text(item.get("language")) or language,
            publication=publication,
            source="feed",
        )


def _unique(links: Iterable[DiscoveredLink]) -> list[DiscoveredLink]:
    first: dict[str, DiscoveredLink] = {}
    for link in links:
        first.setdefault(link.url, link)
    return list(first.values())


def parse_feed(body: bytes, url: str) -> list[DiscoveredLink]:
    """Entries of an RSS (0.9x-2.0, 1.0), Atom or JSON feed, links made absolute.

    Times become UTC ISO strings; entries without an http(s) link are dropped,
    duplicates keep their first occurrence.
    """
    try:
        data = _decoded(body or b"")
        if not data or not data.strip():
            return []
        stripped = data.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()
        if stripped.startswith(b"{"):
            links = list(_json_feed_links(json.loads(stripped.decode("utf-8")), url))
        else:
            links = list(_feedparser_links(data, url))
        return _unique(links)
    except Exception:  # noqa: BLE001 - a bad feed must never stop discovery
        return []


# -- HTML -------------------------------------------------------------------------
class _AlternateLinks(HTMLParser):
    """Collects <base href> and feed <link rel=alternate> hrefs, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
        elif tag == "link":
            rel = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rel and kind in FEED_TYPES and values.get("href", "").strip():
                self.hrefs.append(values["href"].strip())


def feed_urls_in_html(html: str | bytes, base_url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate" type=...>, absolute, deduplicated."""
    try:
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        finder = _AlternateLinks()
        finder.feed(text[:MAX_BODY_BYTES])
        finder.close()
        base = _http_url(finder.base, base_url) or base_url if finder.base else base_url
        urls = (_http_url(href, base) for href in finder.hrefs)
        return list(dict.fromkeys(u for u in urls if u))
    except Exception:  # noqa: BLE001 - odd markup must never stop discovery
        return []


def is_fresh(link: DiscoveredLink, now: datetime, max_age: timedelta | None) -> bool:
    """Worth fetching under an age limit: published (else modified) within ``max_age``.

    Entries with no readable time are fresh: skipping them could lose new articles.
    """
    stamp_text = link.published_at or link.modified_at
    if max_age is None or not stamp_text:
        return True
    try:
        stamp = datetime.fromisoformat(stamp_text.replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now - stamp <= max_age
    except (ValueError, OverflowError):
        return True
