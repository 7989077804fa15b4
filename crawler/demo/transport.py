"""HTTP transport helpers of the demo server: representations and validators.

Kept apart from the server so the conditional-GET and content-coding rules
(what decides 200 versus 304, gzip or not) can be read and tested on their own.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from crawler.demo.pages import RenderedPage, render_not_found

if TYPE_CHECKING:
    from crawler.demo.site import DemoSite


@dataclass(frozen=True)
class Variant:
    """One representation of a page: bytes, validators and extra headers."""

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Resource:
    page: RenderedPage
    plain: Variant
    gzipped: Variant | None


def etag_of(body: bytes, suffix: str = "") -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:20]}{suffix}"'


def make_resource(page: RenderedPage) -> Resource:
    plain = Variant(page.body, etag_of(page.body))
    if page.transfer != "gzip":
        return Resource(page, plain, None)
    packed = gzip.compress(page.body, compresslevel=6, mtime=0)  # mtime=0: stable bytes
    return Resource(
        page, plain, Variant(packed, etag_of(page.body, "-gzip"), (("Content-Encoding", "gzip"),))
    )


def accepts_gzip(header: str | None) -> bool:
    """True if an Accept-Encoding value allows gzip (honours "gzip;q=0" and "*")."""
    if not header:
        return False
    allowed: dict[str, bool] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        allowed[name.strip().lower()] = q > 0
    if "gzip" in allowed:
        return allowed["gzip"]
    if "x-gzip" in allowed:
        return allowed["x-gzip"]
    return allowed.get("*", False)


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list against our ETag."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def render_resources(site: DemoSite, base: str) -> tuple[dict[str, Resource], bytes]:
    """Every servable resource of ``site`` for one base URL, plus its 404 page."""
    built = {path: make_resource(page) for path, page in site.pages(base).items()}
    return built, render_not_found(site, base)
