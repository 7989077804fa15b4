"""The date a reader sees next to the headline, and how it settles the published date.

Declared dates (JSON-LD ``datePublished``, ``article:published_time``) are often
wrong for the reader: CMSs republish old posts, stamp migrations, or give the
first draft's date while the page shows "Updated August 19, 2025". The date
printed in the headline's neighbourhood (the byline block) is what the page
claims, so it decides the calendar day; a declared timestamp on that same day
(published, else modified) is kept for its time of day.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import html

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_M = (
    r"(?P<mon{n}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_RE = re.compile(
    r"\b(?:"
    + _M.format(n=1)
    + r"\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})"
    + r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _M.format(n=2)
    + r",?\s+(?P<y2>\d{4})"
    + r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
    + r"|(?P<a4>\d{1,2})/(?P<b4>\d{1,2})/(?P<y4>\d{4})"
    + r"|(?P<d5>\d{1,2})\.(?P<m5>\d{1,2})\.(?P<y5>\d{4})"
    + r")\b",
    re.IGNORECASE,
)
_SKIP = frozenset({"script", "style", "noscript", "nav", "select", "option"})
_BEFORE, _AFTER = 300, 700  # characters of text around the headline searched
_LEVELS = 4  # ancestors of the headline that bound the search


def parse_date_text(match: re.Match[str]) -> list[date]:
    """Calendar dates one ``_DATE_RE`` match can mean: a numeric day/month pair
    that could be either way round gives both (month first, as in the US, first)."""
    g = match.groupdict()
    try:
        if g["y1"]:
            return [date(int(g["y1"]), _MONTHS[g["mon1"][:3].lower()], int(g["d1"]))]
        if g["y2"]:
            return [date(int(g["y2"]), _MONTHS[g["mon2"][:3].lower()], int(g["d2"]))]
        if g["y3"]:
            return [date(int(g["y3"]), int(g["m3"]), int(g["d3"]))]
        if g["y4"]:
            year, first, second = int(g["y4"]), int(g["a4"]), int(g["b4"])
            if first > 12:
                return [date(year, second, first)]
            return [date(year, first, second)] + (
                [date(year, second, first)] if second <= 12 else []
            )
        if g["y5"]:
            year, first, second = int(g["y5"]), int(g["d5"]), int(g["m5"])
            if second > 12:
                return [date(year, first, second)]
            return [date(year, second, first)] + (
                [date(year, first, second)] if first <= 12 else []
            )
    except ValueError:  # 31 February and the like
        return []
    return []


def _pieces(el: html.HtmlElement, h1: html.HtmlElement, after: int) -> tuple[list[str], int, int]:
    """Visible text pieces under ``el`` in order, and where ``h1`` starts and ends.

    The walk stops once the pieces joined reach ``after`` characters past the end of
    ``h1``: the text beyond is never searched, and the rest of the page can be long.
    """
    pieces: list[str] = []
    start = end = -1
    size = 0  # length of the pieces joined by spaces, plus one

    def walk(node: html.HtmlElement) -> bool:
        nonlocal start, end, size
        if node is h1:
            start = size
        if isinstance(node.tag, str) and node.tag not in _SKIP:
            if node.text:
                pieces.append(node.text)
                size += len(node.text) + 1
            for child in node:
                if not walk(child):
                    return False
        if node is h1:
            end = size
        if node is not el and node.tail:
            pieces.append(node.tail)
            size += len(node.tail) + 1
        return end < 0 or size <= end + after

    walk(el)
    return pieces, start, end


def visible_dates(root: html.HtmlElement, latest: date) -> list[list[date]]:
    """Dates written near the ``<h1>`` (before it, or in the byline after it), in
    page order; each entry holds the readings of one written date, likeliest first."""
    h1 = next(root.iter("h1"), None)
    if h1 is None:
        return []
    scope = h1
    for _ in range(_LEVELS):
        parent = scope.getparent()
        if parent is None or parent.tag == "body":
            break
        scope = parent
    pieces, start, end = _pieces(scope, h1, _AFTER)
    text = " ".join(pieces)
    window = text[max(0, start - _BEFORE) : end + _AFTER]
    found = []
    for match in _DATE_RE.finditer(window):
        readings = [d for d in parse_date_text(match) if d.year >= 1995 and d <= latest]
        if readings:
            found.append(readings)
    return found


_URL_DAY_RE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})/(?:(?P<m>\d{1,2})|"
    + _M.format(n="")
    + r")/(?P<d>\d{1,2})(?:[/._-]|$)",
    re.IGNORECASE,
)


def url_day(urls: list[str]) -> date | None:
    """The day a URL path is dated with ("/2023/10/03/", "/2023/october/03/")."""
    for url in urls:
        match = _URL_DAY_RE.search(url or "")
        if not match:
            continue
        month = match.group("m")
        try:
            return date(
                int(match.group("y")),
                int(month) if month else _MONTHS[match.group("mon")[:3].lower()],
                int(match.group("d")),
            )
        except ValueError:
            continue
    return None


def read_as(visible: list[list[date]], day: date | None) -> list[list[date]]:
    """Printed dates with ``day`` as the reading of any date that could mean it: a page
    filed under /2023/october/03/ that prints "03/10/2023" wrote day first."""
    if day is None:
        return visible
    return [[day] if len(readings) > 1 and day in readings else readings for readings in visible]


def settle_published(
    visible: list[list[date]],
    published: str | None,
    modified: str | None,
    meta_only: bool = False,
) -> str | None:
    """The raw published value that the page's own printed dates support.

    A declared published date printed by the headline wins. Otherwise the first
    printed date does, even when labelled "Updated": it is the date the page
    shows its reader, and declared dates are often stale (CMS migrations,
    re-stamped posts). A declared timestamp on that day is kept for its time of
    day. Without printed dates, the declared date.

    ``meta_only``: the declared dates come from ``article:published_time`` /
    ``article:modified_time`` meta alone (no JSON-LD article), which SEO plugins
    write from the CMS's own post record. When the printed date is that
    record's modified date, the theme shows "last updated", and the record's
    published date is the first publication.
    """
    if not visible:
        return published
    printed = {d.isoformat() for readings in visible for d in readings}
    if published and published.strip()[:10] in printed:
        return published
    first = visible[0][0].isoformat()
    if modified and modified.strip()[:10] == first:
        return published if meta_only and published else modified
    return first
