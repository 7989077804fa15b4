"""Link handling: scope and canonical forms, never raising on any input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.links import Scope, canonical, host_of, is_page_link


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://news.example/world/", True),
        ("https://www.news.example/x", True),
        ("http://news.example:8080/x", True),
        ("https://www.sister-ledger.example/world/a", False),
        ("http://evilnews.example/", False),
        ("mailto:desk@news.example", False),
    ],
    ids=["same-host", "subdomain", "other-port", "sister-site", "suffix-lookalike", "mailto"],
)
def test_scope(url: str, inside: bool) -> None:
    assert (url in Scope(["news.example"])) is inside


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://news.example/world/story/", True),
        ("https://news.example/img/photo.JPG", False),
        ("https://news.example/report.pdf", False),
        ("javascript:void(0)", False),
    ],
    ids=["article", "image", "pdf", "javascript"],
)
def test_is_page_link(url: str, page: bool) -> None:
    assert is_page_link(url) is page


def test_canonical_drops_fragment_and_sorts_query() -> None:
    assert canonical("http://a.example/p?b=2&a=1#top") == canonical("http://a.example/p?a=1&b=2")


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/story/?utm_source=nl&utm_medium=email",
        "http://a.example/story/?fbclid=IwAR0abc",
        "http://a.example/story/?gclid=x&utm_campaign=y#comments",
    ],
    ids=["utm", "fbclid", "mixed-with-fragment"],
)
def test_canonical_strips_tracking_parameters(url: str) -> None:
    assert canonical(url) == canonical("http://a.example/story/")


def test_canonical_keeps_meaningful_parameters() -> None:
    assert canonical("http://a.example/search?q=news&utm_source=x") == canonical(
        "http://a.example/search?q=news"
    )
    assert canonical("http://a.example/list?page=2") != canonical("http://a.example/list")


@given(st.text())
def test_link_helpers_never_raise(text: str) -> None:
    canonical(text)
    host_of(text)
    is_page_link(text)
    is_page_link("http://[" + text)
    text in Scope(["news.example"])  # noqa: B015 (exercising __contains__)


def test_asset_extensions_are_scrapys() -> None:
    """The copy kept so extraction workers need not import Scrapy."""
    from scrapy.linkextractors import IGNORED_EXTENSIONS as SCRAPYS

    from crawler.links import IGNORED_EXTENSIONS

    assert list(IGNORED_EXTENSIONS) == list(SCRAPYS)
