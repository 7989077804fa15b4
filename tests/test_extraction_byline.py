"""Printed dates and bylines near the headline (crawler.extract_date, crawler.extract_author)."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import html

from crawler.extract_author import byline_author, looks_like_name, weak_author
from crawler.extract_date import settle_published, visible_dates
from crawler.extract_meta import StructuredData

LATEST = date(2030, 1, 1)


def _page(inner: str) -> html.HtmlElement:
    return html.fromstring(f"<html><body><main><article>{inner}</article></main></body></html>")


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("<h1>Head line here</h1><p>Last updated: Aug 19, 2025</p>", [date(2025, 8, 19)]),
        ("<p>3 March 2024</p><h1>Head line here</h1>", [date(2024, 3, 3)]),
        ("<h1>Head line here</h1><time>2023-04-26</time>", [date(2023, 4, 26)]),
        ("<h1>Head line here</h1><span>13/04/2022</span>", [date(2022, 4, 13)]),
        ("<h1>Head line here</h1><span>3/4/2025</span>", [date(2025, 3, 4), date(2025, 4, 3)]),
        ("<h1>Head line here</h1><p>No date at all</p>", None),
        ("<h1>Head line here</h1><script>var d='May 1, 2020'</script>", None),
        ("<h1>Head line here</h1><p>May 1, 2031</p>", None),
    ],
    ids=["updated", "before-h1", "iso", "day-first", "ambiguous", "none", "script", "future"],
)
def test_visible_dates(inner: str, expected: list[date] | None) -> None:
    found = visible_dates(_page(inner), LATEST)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("printed", "published", "modified", "expected"),
    [
        ([], "2024-01-02T10:00:00+02:00", None, "2024-01-02T10:00:00+02:00"),
        ([[date(2024, 1, 2)]], "2024-01-02T10:00:00+02:00", None, "2024-01-02T10:00:00+02:00"),
        (
            [[date(2025, 8, 19)]],
            "2024-01-02T10:00:00Z",
            "2025-08-19T09:00:00Z",
            "2025-08-19T09:00:00Z",
        ),
        ([[date(2025, 8, 19)]], "2019-01-02", None, "2025-08-19"),
        ([[date(2025, 8, 19)], [date(2019, 1, 2)]], "2019-01-02", None, "2019-01-02"),
    ],
    ids=["nothing-printed", "same-day", "updated-is-modified", "stale-declared", "both-printed"],
)
def test_settle_published(
    printed: list[list[date]], published: str | None, modified: str | None, expected: str
) -> None:
    assert settle_published(printed, published, modified) == expected


def test_meta_only_record_keeps_first_publication_under_printed_update() -> None:
    printed = [[date(2025, 8, 19)]]
    published, modified = "2019-01-02T10:00:00Z", "2025-08-19T09:00:00Z"
    assert settle_published(printed, published, modified, meta_only=True) == published
    assert settle_published(printed, None, modified, meta_only=True) == modified


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ('<h1>Head line</h1><p>By <a href="/author/ann-lee">Ann Lee</a></p>', "Ann Lee"),
        ('<h1>Head line</h1><div class="byline">By Ann Lee</div>', "Ann Lee"),
        ("<h1>Head line</h1><p>by: Ziyi Xu, Dec 17, 2025</p>", "Ziyi Xu"),
        ('<h1>Head line</h1><a rel="author" href="/u/x">Ann Lee</a>', "Ann Lee"),
        (
            "<h1>Head line</h1><p>By combining these strategies, teams ship faster and sleep"
            " better, which is what every long paragraph of prose says at some point.</p>",
            None,
        ),
        (
            '<h1>Head line</h1><p>Professor <a href="/people/bo-katz">Bo Katz</a> said that the'
            " results were far from conclusive, and that more work was needed on it.</p>",
            None,
        ),
        ("<h1>Head line</h1><p>Posted by Colin Watson on 2025-12-18 in news.</p>", "Colin Watson"),
        ('<h1>Head line</h1><div class="byline"><p>Ann Lee | The Newsroom</p></div>', "Ann Lee"),
        (
            '<h1>Head line</h1><span>Written by: <a href="/authors/e-w/">Emily Walker</a>'
            '<a href="/authors/c-m/">Casey McDevitt</a></span>',
            "Emily Walker",
        ),
        ("<h1>Head line</h1><p>Dec 26, 2025 • Mahua Das in Project Management</p>", "Mahua Das"),
        ("<h1>Head line</h1><p>Contributors: Janet Loughrey</p>", "Janet Loughrey"),
        (
            "<h1>Head line</h1><div><span>Dec 17, 2025</span><span>Julian K. Arni</span></div>",
            "Julian K. Arni",
        ),
        ("<h1>Head line</h1><div><span>Dec 17, 2025</span><span>Read Time</span></div>", None),
    ],
    ids=[
        "author-link",
        "byline-class",
        "by-line",
        "rel-author",
        "prose-by",
        "cited-profile",
        "connector",
        "name-pipe-org",
        "run-together-links",
        "date-bullet-name",
        "contributors-label",
        "name-beside-date",
        "not-a-name-beside-date",
    ],
)
def test_byline_author(inner: str, expected: str | None) -> None:
    assert byline_author(_page(inner)) == expected


@pytest.mark.parametrize(
    ("value", "site", "weak"),
    [("jrobison", None, True), ("GlossGenius", "GlossGenius", True), ("Ann Lee", "Site", False)],
    ids=["handle", "site-name", "person"],
)
def test_weak_author(value: str, site: str | None, weak: bool) -> None:
    assert weak_author(value, StructuredData(), site) is weak


def test_looks_like_name() -> None:
    assert looks_like_name("Mary-Jane O'Neil")
    assert not looks_like_name("Read more")
    assert not looks_like_name("Posted 12 Jan")
