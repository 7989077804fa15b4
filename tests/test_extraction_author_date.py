"""Author and date rules of ``crawler.extract_fields``, each on a small hand-written page."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from lxml import html

from crawler.extract_date import read_as, url_day
from crawler.extract_fields import pick_author, pick_dates
from crawler.extract_html import parse_html
from crawler.extract_meta import StructuredData, read_structured_data


def _page(head: str, body: str) -> tuple[html.HtmlElement, StructuredData]:
    root = parse_html(f"<html><head>{head}</head><body>{body}</body></html>")
    assert root is not None
    return root, read_structured_data(root)


def _author(head: str, body: str, site: str | None = None) -> str | None:
    root, data = _page(head, body)
    return pick_author(root, data, site)


_META_ANN = '<meta name="author" content="Luke Dale">'


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        pytest.param('<p class="byline">By Ann Lee</p>', "Ann Lee", id="by-line"),
        pytest.param('<div class="author-name">Ann Lee</div>', "Ann Lee", id="author-class"),
        pytest.param('<p class="byline">By Ann</p>', "Luke Dale", id="first-name-only"),
        pytest.param('<p class="byline">By Luke T. Dale</p>', "Luke Dale", id="same-person"),
        pytest.param('<p class="byline">By the team</p>', "Luke Dale", id="lower-case"),
        pytest.param("<p>No byline here at all.</p>", "Luke Dale", id="none"),
        pytest.param(
            '<div class="author-box">Medically reviewed by Ann Lee</div>',
            "Luke Dale",
            id="reviewer",
        ),
    ],
)
def test_printed_byline_beats_a_meta_author(byline: str, expected: str) -> None:
    body = f"<article><h1>Harbour reopens after storm</h1>{byline}<p>Text.</p></article>"
    assert _author(_META_ANN, body) == expected


def test_json_ld_author_is_kept_over_the_byline() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
        ' "author": {"@type": "Person", "name": "Luke Dale"}}</script>'
    )
    body = '<article><h1>Harbour reopens after storm</h1><p class="byline">By Ann Lee</p></article>'
    assert _author(head, body) == "Luke Dale"


def test_author_page_link_does_not_overrule_a_meta_author() -> None:
    body = (
        '<article><h1>Harbour reopens after storm</h1><p>Photo: <a href="/author/ann-lee">'
        "Ann Lee</a></p></article>"
    )
    assert _author(_META_ANN, body) == "Luke Dale"


def test_site_name_cut_short_is_a_house_author() -> None:
    head = '<meta name="author" content="Harbourside">'
    body = (
        '<article><h1>Harbour reopens after storm</h1><p><a href="/author/ann-lee">Ann Lee</a>'
        "</p></article>"
    )
    assert _author(head, body, "Harbourside Weekly") == "Ann Lee"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.org/blog/2023/october/03/wine-types/", date(2023, 10, 3)),
        ("https://x.org/2021/02/27/a-guide/", date(2021, 2, 27)),
        ("https://x.org/news/2025/12/19/what-do-people-love", date(2025, 12, 19)),
        ("https://x.org/2025/12/story", None),
        ("https://x.org/p/2023-10-03", None),
        ("https://x.org/2023/13/45/bad", None),
    ],
)
def test_url_day(url: str, expected: date | None) -> None:
    assert url_day([url]) == expected


def test_url_day_settles_an_ambiguous_printed_date_only() -> None:
    ambiguous = [date(2023, 3, 10), date(2023, 10, 3)]
    assert read_as([ambiguous], date(2023, 10, 3)) == [[date(2023, 10, 3)]]
    assert read_as([ambiguous], date(2023, 10, 4)) == [ambiguous]
    assert read_as([[date(2023, 3, 10)]], date(2023, 10, 3)) == [[date(2023, 3, 10)]]


def test_dated_url_picks_the_day_first_reading() -> None:
    head = '<meta property="og:url" content="https://wine.example/blog/2023/october/03/types/">'
    body = "<article><h1>How many wine types are there?</h1><p>03/10/2023</p></article>"
    root, data = _page(head, body)
    published, _ = pick_dates(root, data, SimpleNamespace(date=None), set())
    assert published == "2023-10-03"


def test_undated_url_keeps_month_first() -> None:
    body = "<article><h1>How many wine types are there?</h1><p>03/10/2023</p></article>"
    root, data = _page("", body)
    published, _ = pick_dates(root, data, SimpleNamespace(date=None), set())
    assert published == "2023-03-10"
