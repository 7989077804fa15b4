"""Structured data a page declares about itself: JSON-LD and ``<meta>`` tags.

Sites write these for search engines and social cards, so they are more reliable
than anything read from the layout (headline, dates, section). Everything here is
read defensively: JSON-LD is often invalid, nested in ``@graph``, or lists.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import html

from crawler.extract_html import clean_text

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "techarticle",
        "scholarlyarticle",
        "report",
        "satiricalarticle",
    }
)
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


@dataclass
class StructuredData:
    """The article-level JSON-LD object (if any), other JSON-LD nodes, and the meta tags."""

    article: dict[str, Any] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
    breadcrumbs: list[tuple[str, str | None]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    publisher: str | None = None

    def meta_first(self, *names: str) -> str | None:
        """First non-empty value among meta ``names`` (property or name, lower-cased)."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value:
                    return value
        return None


def _load_json(raw: str) -> Any:
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:  # the commonest breakage: trailing commas, or raw newlines inside strings
        return json.loads(_TRAILING_COMMA_RE.sub(r"\1", raw).replace("\n", " "))
    except ValueError:
        return None


def _nodes(data: Any) -> list[dict[str, Any]]:
    """Flatten JSON-LD lists and ``@graph`` containers into a list of objects."""
    out: list[dict[str, Any]] = []
    stack = [data]
    while stack and len(out) < 200:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            if "@graph" in item:
                stack[:0] = item["@graph"] if isinstance(item["@graph"], list) else []
            out.append(item)
    return out


def node_types(node: dict[str, Any]) -> set[str]:
    """The ``@type`` values of a JSON-LD node, lower-cased, schema.org prefix removed."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _breadcrumbs(node: dict[str, Any]) -> list[tuple[str, str | None]]:
    items = node.get("itemListElement")
    if not isinstance(items, list):
        return []
    crumbs: list[tuple[int, str, str | None]] = []
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        target = item.get("item")
        name = item.get("name")
        url = None
        if isinstance(target, dict):
            name = name or target.get("name")
            url = target.get("@id") or target.get("url")
        elif isinstance(target, str):
            url = target
        order = item.get("position")
        order = order if isinstance(order, int) else pos
        if isinstance(name, str) and clean_text(name):
            crumbs.append((order, clean_text(name), url if isinstance(url, str) else None))
    return [(name, url) for _, name, url in sorted(crumbs, key=lambda c: c[0])]


def read_structured_data(root: html.HtmlElement) -> StructuredData:
    """Collect JSON-LD nodes and meta tags from the tree."""
    data = StructuredData()
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        for node in _nodes(_load_json(script.text or "")):
            types = node_types(node)
            data.types |= types
            if types & ARTICLE_TYPES and not data.article:
                data.article = node
            if "breadcrumblist" in types and not data.breadcrumbs:
                data.breadcrumbs = _breadcrumbs(node)
            if types & {"organization", "newsmediaorganization"} and not data.publisher:
                data.publisher = string_of(node.get("name"))
            if "website" in types and not data.publisher:
                data.publisher = string_of(node.get("name"))
    if data.article and not data.breadcrumbs:
        nested = data.article.get("breadcrumb")
        if isinstance(nested, dict):
            data.breadcrumbs = _breadcrumbs(nested)
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = clean_text(html_lib.unescape(meta.get("content") or ""))
        if key and value:
            data.meta.setdefault(key.strip(), []).append(value)
    return data


def string_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value that may be a string, object or list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("@id")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = clean_text(html_lib.unescape(str(value)))
        return text or None
    return None


def strings_of(value: Any) -> list[str]:
    """All strings of a JSON-LD value (list, comma-separated string, objects with names)."""
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        if isinstance(item, str) and "," in item:
            out.extend(clean_text(html_lib.unescape(p)) for p in item.split(","))
        else:
            text = string_of(item)
            if text:
                out.append(text)
    return [v for v in dict.fromkeys(out) if v]


def author_names(value: Any) -> str | None:
    """JSON-LD author(s) joined with "; " (as trafilatura does), URLs dropped."""
    names = [n for n in strings_of(value) if not n.startswith(("http://", "https://"))]
    return "; ".join(names) or None


def normalise_date(value: str | None) -> str | None:
    """ISO 8601 form of a date string; UTC "Z" form when it carries a timezone.

    Date-only and naive values keep their precision rather than guessing a zone.
    """
    if not value:
        return None
    text = value.strip()
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)  # +0000 -> +00:00
    text = re.sub(r"\s*(UTC|GMT)$", "+00:00", text)
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return _common_format(value) or _dateparser_fallback(value)
    if len(text) <= 10 and parsed.hour == parsed.minute == 0 and "T" not in text:
        return parsed.date().isoformat()
    if parsed.tzinfo is None:
        return parsed.replace(microsecond=0).isoformat()
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# formats pages write in meta and JSON-LD that ``fromisoformat`` refuses; parsed here
# rather than by dateparser, which costs a millisecond a call and a second to load
_COMMON_FORMATS = (
    ("%a, %d %b %Y %H:%M:%S %z", True),  # RFC 2822
    ("%a %b %d %Y %H:%M:%S GMT%z", True),  # JavaScript Date.toString()
    ("%b %d, %Y", False),
    ("%B %d, %Y", False),
)


_DAY_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y")
_FOUR_DIGITS_RE = re.compile(r"\d{4}")


def written_day(text: str) -> datetime | None:
    """Midnight UTC of a day written out in full ("Nov 18, 2019", "20 November 2019"):
    such times need no dateparser (teasers print them next to relative times)."""
    cleaned = " ".join(text.split())
    if not _FOUR_DIGITS_RE.search(cleaned):  # every format has the year ("8 mins ago" has not)
        return None
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _common_format(value: str) -> str | None:
    text = " ".join(value.split()).split(" (")[0]
    for fmt, timed in _COMMON_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not timed:
            return parsed.date().isoformat()
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _dateparser_fallback(value: str) -> str | None:
    """Free-form dates ("Nov 18, 2019 9:40 PM ET") through dateparser, without a base."""
    from dateparser import parse  # imported lazily: only odd pages get here

    try:
        parsed = parse(value[:80], settings={"PREFER_DATES_FROM": "past"})
    except Exception:  # dateparser raises assorted errors on odd input; a date is optional
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(microsecond=0).isoformat()
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
