"""extract_page over every article of the bundled demo site (crawler/demo)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest

site_module = pytest.importorskip("crawler.demo.site")

from crawler.extraction import ExtractedPage, extract_page  # noqa: E402
from crawler.reltime import resolve_relative_time, to_utc_iso  # noqa: E402

FETCHED = datetime(2024, 5, 22, 15, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8123/"
SITE = site_module.load_site()
PAGES = SITE.render(BASE)
ARTICLES = {a.path: a for a in SITE.articles}


def _extract(path: str) -> ExtractedPage:
    return extract_page(PAGES[path][1], urljoin(BASE, path), FETCHED)


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_demo_article(path: str) -> None:
    article = ARTICLES[path]
    page = _extract(path)
    assert page.page_type == "article"
    assert page.title == article.title
    assert page.category == article.section
    assert page.body.split("\n") == list(article.paragraphs)
    assert page.author == article.author
    assert page.published_at == article.published
    if article.template != "wordpress":  # the WordPress theme renders no tag list
        assert page.tags == list(article.tags)
    url = urljoin(BASE, path)
    expected = [
        (urljoin(url, t.url), t.headline, t.excerpt, t.relative_time, article.teaser_block_label)
        for t in article.teasers
    ]
    got = [(t.url, t.headline, t.excerpt, t.relative_time, t.block) for t in page.teasers]
    assert got == expected
    for teaser in page.teasers:
        resolved = resolve_relative_time(teaser.relative_time or "", FETCHED)
        assert resolved is not None
        assert teaser.published_at == to_utc_iso(resolved)


@pytest.mark.parametrize(
    "path", sorted(p for p in PAGES if p.startswith("/section/") and p.endswith("/"))
)
def test_demo_section_pages_are_listings(path: str) -> None:
    page = _extract(path)
    assert page.page_type == "listing"
    assert page.body == ""
