"""The page-type rule and category helpers (crawler/page_signals.py) in isolation."""

from __future__ import annotations

import pytest

from crawler.extract_category import url_section
from crawler.extract_fields import _plausible_author
from crawler.page_signals import PageSignals, classify_page


def _signals(**overrides: object) -> PageSignals:
    base: dict[str, object] = {
        "og_article": False,
        "ld_article": False,
        "ld_listing": False,
        "og_website": False,
        "paragraphs": 0,
        "block_chars": 0,
        "block_link_density": 1.0,
        "cards": 0,
        "card_chars": 0,
        "card_run": 0,
        "body_chars": 0,
    }
    base.update(overrides)
    return PageSignals(**base)  # type: ignore[arg-type]


PROSE = {"paragraphs": 6, "block_chars": 3000, "block_link_density": 0.05}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"og_article": True, **PROSE, "body_chars": 3000}, "article", id="og-article"),
        pytest.param({**PROSE, "body_chars": 3000}, "article", id="prose-only"),
        pytest.param(
            {**PROSE, "body_chars": 3000, "cards": 30, "card_chars": 1200},
            "article",
            id="long-article-with-link-lists",
        ),
        pytest.param(
            {"og_website": True, "card_run": 5, "body_chars": 700}, "listing", id="card-grid"
        ),
        pytest.param(
            {"og_article": True, "cards": 20, "card_chars": 1000, "card_run": 20},
            "listing",
            id="grid-with-wrong-og-type",
        ),
        pytest.param({"ld_listing": True, "cards": 8, "card_chars": 400}, "listing", id="ld-list"),
        pytest.param({"body_chars": 120}, "other", id="nearly-empty"),
        pytest.param({"ld_article": True, "body_chars": 300}, "article", id="short-declared"),
    ],
)
def test_classify_page(overrides: dict[str, object], expected: str) -> None:
    assert classify_page(_signals(**overrides)) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://x.example/world/2024/05/slug", "world", id="section"),
        pytest.param("https://x.example/en-us/news/us/slug", "news", id="locale-skipped"),
        pytest.param("https://x.example/slug-only", None, id="lone-segment"),
        pytest.param("https://x.example/2024/05/slug", None, id="date-path"),
        pytest.param("https://x.example/articles/slug", None, id="placeholder"),
    ],
)
def test_url_section(url: str, expected: str | None) -> None:
    assert url_section(url) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("View all posts by Ray Ansari", "Ray Ansari"),
        ("Recipe by PJ Hamel", "PJ Hamel"),
        ("Linda Rosencrance Contributing Writer", "Linda Rosencrance"),
        ("Written by", None),
        ("Abby Rose", "Abby Rose"),
        ("Maria Lindqvist; Tom Baker", "Maria Lindqvist; Tom Baker"),
    ],
    ids=["view-all-posts", "recipe-by", "role-suffix", "label-only", "by-inside-name", "list"],
)
def test_author_byline_words_are_stripped(raw: str, expected: str | None) -> None:
    assert _plausible_author(raw) == expected
