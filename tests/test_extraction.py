"""extract_page over fixture pages (one directory per page) and hostile input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import ExtractedPage, extract_page

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())
# keys of expected.json that are not ExtractedPage fields
_META_KEYS = {"url", "fetched_at", "source", "body_contains", "body_excludes"}


def _load(name: str) -> tuple[ExtractedPage, dict[str, Any]]:
    expected = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
    page = extract_page(
        (FIXTURES / name / "page.html").read_bytes(),
        expected["url"],
        datetime.fromisoformat(expected["fetched_at"]),
    )
    return page, expected


@pytest.mark.parametrize("name", CASES)
def test_fixture_fields(name: str) -> None:
    page, expected = _load(name)
    got = asdict(page)
    for key, value in expected.items():
        if key not in _META_KEYS:
            assert got[key] == value, key


@pytest.mark.parametrize("name", CASES)
def test_fixture_body_contains_and_excludes(name: str) -> None:
    page, expected = _load(name)
    for text in expected.get("body_contains", []):
        assert text in page.body
    for text in expected.get("body_excludes", []):
        assert text not in page.body


@pytest.mark.parametrize("name", CASES)
def test_links_are_absolute_unique_and_fragment_free(name: str) -> None:
    page, _ = _load(name)
    assert page.links
    assert len(page.links) == len(set(page.links))
    assert all(link.startswith(("http://", "https://")) and "#" not in link for link in page.links)
    assert {t.url for t in page.teasers} <= set(page.links)


def test_model_page_body_is_exactly_the_five_paragraphs() -> None:
    page, _ = _load("wordpress_model")
    seed = (FIXTURES / "wordpress_model" / "expected.json").read_text(encoding="utf-8")
    assert page.body.count("\n") == 4
    assert page.body in json.loads(seed)["body"]
    assert [t.relative_time for t in page.teasers] == [
        "15 seconds ago",
        "8 mins ago",
        "10 mins ago",
        "11 mins ago",
        "12 mins ago",
        "14 mins ago",
    ]


def test_links_keep_document_order_and_drop_fragments() -> None:
    html = """<html><body><a href="/b#x">b</a><a href="https://other.example/a">a</a>
    <a href="/b#y">b again</a><a href="mailto:x@example.org">mail</a>
    <a href="javascript:void(0)">js</a>
    <base href="https://ignored.example/"></body></html>"""
    page = extract_page(html, "https://site.example/dir/page", datetime(2024, 1, 1, tzinfo=UTC))
    assert page.links == ["https://ignored.example/b", "https://other.example/a"]


def test_category_trust_order_prefers_json_ld_over_meta_label_and_url() -> None:
    html = """<html><head>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
      "articleSection": "Politics"}</script>
    <meta property="article:section" content="News">
    </head><body><span class="cat-links"><a rel="category tag" href="/c/world/">World</a></span>
    <h1>H</h1><p>text</p></body></html>"""
    page = extract_page(
        html, "https://site.example/europe/2024/h", datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert page.category == "Politics"
    assert page.categories == ["Politics", "News", "World", "europe"]


def test_placeholder_sections_are_skipped() -> None:
    html = """<html><head><meta property="og:site_name" content="Example Times"></head><body>
    <span class="cat-links"><a rel="category tag" href="/c/u/">Uncategorized</a></span>
    <nav class="breadcrumb"><a href="/">Home</a> <a href="/">Example Times</a></nav>
    <h1>Headline here</h1><p>text</p></body></html>"""
    page = extract_page(html, "https://site.example/story", datetime(2024, 1, 1, tzinfo=UTC))
    assert page.category is None
    assert page.categories == []


BAD_INPUTS = [
    pytest.param("", id="empty-str"),
    pytest.param(b"", id="empty-bytes"),
    pytest.param("   \n\t ", id="whitespace"),
    pytest.param(bytes(range(256)) * 8, id="binary-bytes"),
    pytest.param(b"\xff\xfe<\x00h\x00t\x00m\x00l\x00", id="utf16-bom-fragment"),
    pytest.param(b"\xff\xfe\xfd\x00\x00\x01garbage", id="ff-fe-garbage"),
    pytest.param(b"\x00\x00\x00\x00", id="nul-bytes"),
    pytest.param("<html><body><p>Truncated <b>para", id="truncated-html"),
    pytest.param("<html><head><title>x</title></head><body><div><div><di", id="truncated-tag"),
    pytest.param(
        '<meta charset="utf-8"><p>caf\xe9 na\xefve</p>'.encode("latin-1"), id="wrong-charset-utf8"
    ),
    pytest.param('<meta charset="iso-8859-1"><p>café</p>'.encode(), id="wrong-charset-latin1"),
    pytest.param(b'<meta charset="no-such-codec"><p>x</p>', id="unknown-charset"),
    pytest.param(b'<meta charset="utf-16"><p>ascii really</p>', id="meta-utf16"),
    pytest.param('<?xml version="1.0" encoding="utf-8"?><html><p>x</p></html>', id="xml-decl"),
    pytest.param("<p>\x00\x01\x02 control \ud800 surrogate</p>", id="control-and-surrogate"),
    pytest.param('<script type="application/ld+json">{"@type": [1, {}], "@graph": 3,', id="bad-ld"),
    pytest.param("<div>" * 5000 + "deep" + "</div>" * 5000, id="deep-nesting"),
    pytest.param('<a href="http://[::1">x</a><a href="http://h:99999/">y</a>', id="bad-urls"),
]


@pytest.mark.parametrize("data", BAD_INPUTS)
def test_bad_input_never_raises(data: str | bytes) -> None:
    page = extract_page(data, "https://site.example/x", datetime(2024, 1, 1, tzinfo=UTC))
    assert isinstance(page, ExtractedPage)
    assert page.page_type in {"article", "listing", "other"}
    assert isinstance(page.body, str)


@pytest.mark.parametrize("data", [pytest.param("", id="empty"), pytest.param(b"\x00", id="nul")])
def test_unparseable_input_is_an_empty_other_page(data: str | bytes) -> None:
    page = extract_page(data, "https://site.example/x", datetime(2024, 1, 1, tzinfo=UTC))
    assert page == ExtractedPage(page_type="other")


def test_declared_charset_is_used_for_bytes() -> None:
    data = '<meta charset="windows-1252"><title>Caf\xe9 \u2013 news</title>'.encode("cp1252")
    page = extract_page(data, "https://site.example/x", datetime(2024, 1, 1, tzinfo=UTC))
    assert page.title == "Café – news"


_tags = st.sampled_from(["p", "div", "a", "h1", "h2", "li", "ul", "section", "time", "script"])
_html_soup = st.lists(
    st.one_of(
        st.builds("<{}>".format, _tags),
        st.builds("</{}>".format, _tags),
        st.text(max_size=30),
        st.sampled_from(['<a href="/x">8 mins ago</a>', '<h2 class="widget-title">Related</h2>']),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(page=st.one_of(_html_soup, st.binary(max_size=300)))
def test_extract_page_never_raises_on_generated_input(page: str | bytes) -> None:
    result = extract_page(page, "https://site.example/a/b", datetime(2024, 1, 1, tzinfo=UTC))
    assert result.page_type in {"article", "listing", "other"}


def test_extraction_layer_imports_neither_scrapy_nor_twisted() -> None:
    code = (
        "import sys, crawler.extraction, crawler.teasers, crawler.reltime;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_only_extraction_module_imports_trafilatura() -> None:
    crawler_dir = Path(__file__).parent.parent / "crawler"
    importers = {
        path.name
        for path in crawler_dir.rglob("*.py")
        if re.search(r"^\s*(?:import|from)\s+trafilatura", path.read_text(), re.MULTILINE)
    }
    assert importers <= {"extraction.py"}
