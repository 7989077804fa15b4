"""Cheap link handling: canonicalise, keep to scope, drop assets, before any Request.

News pages carry ~170 links each; building a Request for every one and letting
the dupefilter drop repeats costs more than extraction. So links are filtered
here, as plain strings, and only new in-scope page URLs become Requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Scrapy's ``scrapy.linkextractors.IGNORED_EXTENSIONS`` (2.19), copied because
# importing it loads Scrapy, and the extraction workers use this module without
# it; ``tests/test_links.py`` holds the two lists equal.
IGNORED_EXTENSIONS = (
    # archives
    "7z", "7zip", "bz2", "rar", "tar", "tar.gz", "xz", "zip",
    # images
    "mng", "pct", "bmp", "gif", "jpg", "jpeg", "png", "pst", "psp", "tif", "tiff", "ai", "drw",
    "dxf", "eps", "ps", "svg", "cdr", "ico", "webp",
    # audio
    "mp3", "wma", "ogg", "wav", "ra", "aac", "mid", "au", "aiff",
    # video
    "3gp", "asf", "asx", "avi", "mov", "mp4", "mpg", "qt", "rm", "swf", "wmv", "m4a", "m4v",
    "flv", "webm",
    # office suites
    "xls", "xlsm", "xlsx", "xltm", "xltx", "potm", "potx", "ppt", "pptm", "pptx", "pps", "doc",
    "docb", "docm", "docx", "dotm", "dotx", "odt", "ods", "odg", "odp",
    # other
    "css", "pdf", "exe", "bin", "rss", "dmg", "iso", "apk", "jar", "sh", "rb", "js", "hta", "bat",
    "cpl", "msi", "msp", "py",
)  # fmt: skip
_ASSET_SUFFIXES = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)
CANONICAL_CACHE_SIZE = 8192


# "http(s)://host[:port]" and a path free of tabs and newlines (which urlsplit
# deletes), up to the query or fragment: urlsplit's host and path without it.
_PLAIN_HTTP_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?::[0-9]*)?(/[^?#\t\r\n]*)?(?=[?#]|\Z)")


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` without port ("" if none)."""
    plain = _PLAIN_HTTP_URL.match(url)
    if plain:  # most links: a regex match instead of urlsplit (~0.5 us, not ~4)
        return plain[1].lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# Query parameters that only say where a click came from: the same page with
# or without them is the same page (campaign tags, click ids, newsletter ids).
TRACKING_PARAMETERS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "utm_name", "utm_reader", "utm_brand", "utm_social", "utm_social-type",
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "mc_cid", "mc_eid", "igshid", "_ga", "_gl", "ocid", "cmpid", "smid", "sr_share",
)  # fmt: skip


# An http(s) URL that every step of w3lib's canonicalize_url leaves as it is:
# a lower-case ASCII host, a port without leading zeros, a path of unreserved
# characters (nothing to escape or unescape) with no segment that starts with
# "." (no dot segment to resolve), and no query, params or fragment.
_CANONICAL_AS_IS = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[1-9][0-9]{0,4})?"
    r"(?:/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)?)+"
)


@lru_cache(maxsize=CANONICAL_CACHE_SIZE)
def canonical(url: str) -> str:
    """The form used to tell two URLs are the same page.

    w3lib's canonical URL (sorted query, normalised escapes, no fragment) with
    tracking parameters removed. Cached: a page's URL is asked for by the
    spider, the state and the queue in turn (~15-40 us a call uncached, but
    ~1 us for the plain URLs most links are, which are their own canonical form).
    """
    if _CANONICAL_AS_IS.fullmatch(url):
        return url
    return canonical_by_w3lib(url)


def canonical_by_w3lib(url: str) -> str:
    """``canonical`` without its shortcut: tracking parameters off, then w3lib's form."""
    try:
        if "?" in url:
            url = url_query_cleaner(url, TRACKING_PARAMETERS, remove=True, keep_fragments=True)
        return canonicalize_url(url, keep_fragments=False)
    except ValueError:
        return url


class Scope:
    """Which hosts a crawl may fetch: the allowed domains and their subdomains."""

    def __init__(self, domains: Iterable[str]) -> None:
        self.domains = sorted({d.lower().strip(".") for d in domains if d})
        # One set test and one endswith call, not a generator over the domains.
        self._hosts = frozenset(self.domains)
        self._suffixes = tuple("." + d for d in self.domains)

    def __contains__(self, url: str) -> bool:
        host = host_of(url)
        return host in self._hosts or host.endswith(self._suffixes)


def is_page_link(url: str) -> bool:
    """True for http(s) links that may be pages (not images, archives, media...)."""
    plain = _PLAIN_HTTP_URL.match(url)
    if plain:
        path = plain[2] or ""
    else:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https"):
            return False
        path = parts.path
    return not path.lower().endswith(_ASSET_SUFFIXES)
