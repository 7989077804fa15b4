"""Cheap link handling: canonicalise, keep to scope, drop assets, before any Request.

News pages carry ~170 links each; building a Request for every one and letting
the dupefilter drop repeats costs more than extraction. So links are filtered
here, as plain strings, and only new in-scope page URLs become Requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS
from w3lib.url import canonicalize_url

_ASSET_SUFFIXES = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)


def host_of(url: str) -> str:
    """Lower-case host name of ``url`` without port ("" if none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def canonical(url: str) -> str:
    """The form used to tell two URLs are the same page (w3lib, no fragment)."""
    try:
        return canonicalize_url(url, keep_fragments=False)
    except ValueError:
        return url


class Scope:
    """Which hosts a crawl may fetch: the allowed domains and their subdomains."""

    def __init__(self, domains: Iterable[str]) -> None:
        self.domains = sorted({d.lower().strip(".") for d in domains if d})

    def __contains__(self, url: str) -> bool:
        host = host_of(url)
        return any(host == d or host.endswith("." + d) for d in self.domains)


def is_page_link(url: str) -> bool:
    """True for http(s) links that may be pages (not images, archives, media...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    return not parts.path.lower().endswith(_ASSET_SUFFIXES)
