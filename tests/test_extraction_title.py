"""The title rules of ``crawler.extract_title``, each on a small hand-written page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crawler.extract_html import parse_html
from crawler.extract_meta import read_structured_data
from crawler.extract_title import pick_title


def _title(head: str, body: str, site: str | None = None, url: str | None = None) -> str | None:
    root = parse_html(f"<html><head>{head}</head><body>{body}</body></html>")
    assert root is not None
    return pick_title(root, read_structured_data(root), SimpleNamespace(title=None), site, url)


def test_straight_quotes_as_typed_beat_smartened_ones() -> None:
    head = (
        "<title>Tests were to help. The results? 'Sobering'</title>"
        '<meta property="og:title" content="Tests were to help. The results? \'Sobering\'">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Tests were to help. The results? ‘Sobering’"}</script>'
    )
    body = "<h1>Tests were to help. The results? ‘Sobering’</h1>"
    assert _title(head, body) == "Tests were to help. The results? 'Sobering'"


def test_curly_quotes_stay_when_no_source_has_straight_ones() -> None:
    head = "<title>Here’s how to sleep better | Campus News</title>"
    body = "<h1>Here’s how to sleep better</h1>"
    assert _title(head, body, "Campus News") == "Here’s how to sleep better"


def test_all_caps_h1_takes_the_declared_case() -> None:
    head = '<meta property="og:title" content="Best Kettles 2026: Tips From Tea Pros">'
    body = "<h1>BEST KETTLES IN 2026: TIPS FROM TEA PROS</h1>"
    assert _title(head, body) == "Best Kettles 2026: Tips From Tea Pros"


def test_all_caps_h1_with_other_words_stays() -> None:
    head = '<meta property="og:title" content="Kettles compared by price and speed">'
    body = "<h1>THE KETTLE WARS ARE OVER</h1>"
    assert _title(head, body) == "THE KETTLE WARS ARE OVER"


def test_h1_in_a_dialog_is_not_the_headline() -> None:
    head = '<meta property="og:title" content="How we found the leak in the build system">'
    body = "<dialog><h1>Select an option</h1></dialog><main><p>Text.</p></main>"
    assert _title(head, body) == "How we found the leak in the build system"


def test_h1_with_a_section_permalink_is_a_body_heading() -> None:
    head = "<title>What do people love about kettles? | Kettle Blog</title>"
    body = (
        '<h2>What do people love about kettles?</h2><p>Intro.</p><h1 id="speed">'
        '<a class="anchor" href="#speed"></a>What they love is the speed of it all</h1>'
    )
    url = "https://blog.kettle-club.org/2025/12/19/love"
    assert _title(head, body, "@kettles", url) == "What do people love about kettles?"


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        pytest.param(
            "The Ultimate Car Care Checklist | Acme Tires",
            "https://tires.acme.com/learn/checklist",
            "The Ultimate Car Care Checklist",
            id="suffix-words-in-host",
        ),
        pytest.param(
            "Top 5 HR Tools in 2026 | PayrollHQ",
            "https://www.getpayrollhq.com/blog/hr-tools",
            "Top 5 HR Tools in 2026",
            id="suffix-inside-host-name",
        ),
        pytest.param(
            "Acme – Five ways to fix a flat tyre",
            "https://acme.example/fix",
            "Five ways to fix a flat tyre",
            id="prefix",
        ),
        pytest.param(
            "Fix a flat – Acme Tires Workshop Manual Today",
            "https://tires.acme.com/fix",
            "Fix a flat – Acme Tires Workshop Manual Today",
            id="longer-part-is-not-a-site-name",
        ),
        pytest.param(
            "Bitcoin: price hits a record high",
            "https://news.bitcoin.com/price",
            "Bitcoin: price hits a record high",
            id="topic-kicker-is-not-a-site-name",
        ),
        pytest.param(
            "Rates rise again - Analysis",
            "https://news.example.com/rates",
            "Rates rise again - Analysis",
            id="other-host",
        ),
    ],
)
def test_site_suffix_named_by_the_host_is_dropped(title: str, url: str, expected: str) -> None:
    assert _title(f"<title>{title}</title>", "<p>No headline element.</p>", None, url) == expected


def test_canonical_link_gives_the_host() -> None:
    head = (
        "<title>The Ultimate Car Care Checklist | Acme Tires</title>"
        '<link rel="canonical" href="https://tires.acme.com/learn/checklist">'
    )
    assert _title(head, "<p>No headline.</p>") == "The Ultimate Car Care Checklist"


def test_site_then_host_suffixes_are_both_dropped() -> None:
    head = "<title>Sound Lab | SoundLab.com - The Five Best Headphones (According to Me)</title>"
    body = "<h1>Pulse!</h1>"
    got = _title(head, body, "Sound Lab | SoundLab.com", "https://www.soundlab.com/x")
    assert got == "The Five Best Headphones (According to Me)"


def test_one_word_h1_loses_to_a_title_about_something_else() -> None:
    head = "<title>Sound Lab - The Five Best Headphones (According to Me)</title>"
    assert _title(head, "<h1>Pulse!</h1>", "Sound Lab") == (
        "The Five Best Headphones (According to Me)"
    )


def test_one_word_h1_naming_the_section_stays() -> None:
    head = "<title>World news | Metro Times</title>"
    assert _title(head, "<h1>World</h1>", "Metro Times") == "World"


def test_site_name_that_is_the_headline_is_not_a_logo() -> None:
    head = (
        '<meta property="og:site_name" content="Remote Work. A Starter Guide for Nomads.">'
        "<title>Peakly – Remote Work. A Starter Guide for Nomads.</title>"
    )
    body = "<h1>Remote Work. A Starter Guide for Nomads.</h1>"
    got = _title(head, body, "Remote Work. A Starter Guide for Nomads.")
    assert got == "Remote Work. A Starter Guide for Nomads."


def test_short_site_name_beside_a_section_stays_the_site() -> None:
    head = (
        '<meta property="og:site_name" content="The Daily Times">'
        "<title>Opinion | The Daily Times</title>"
    )
    assert _title(head, "<h1>Opinion</h1>", "The Daily Times") == "Opinion"


def test_site_name_h1_before_the_headline_is_skipped() -> None:
    head = "<title>Five ways to grow basil indoors – GREEN HOUSE</title>"
    body = "<h1>GREEN HOUSE</h1><article><h1>Five ways to grow basil indoors</h1></article>"
    assert _title(head, body, "GREEN HOUSE") == "Five ways to grow basil indoors"


def test_truncated_og_title_gives_way_to_the_full_title() -> None:
    head = (
        '<meta property="og:title" content="Minister resigns after weeks of…">'
        "<title>Minister resigns after weeks of pressure | Daily Times</title>"
    )
    got = _title(head, "<p>No headline element.</p>", "Daily Times")
    assert got == "Minister resigns after weeks of pressure"


def test_headline_ending_in_an_ellipsis_stays() -> None:
    head = '<meta property="og:title" content="And then there were none...">'
    assert _title(head, "<p>No headline element.</p>") == "And then there were none..."


def test_h1_ending_in_a_colon_is_a_lead_in() -> None:
    head = '<meta property="og:title" content="How the cloud runs inference at scale - Tech Wire">'
    body = "<aside-box><h1>A message from our co-founder:</h1></aside-box><p>Text.</p>"
    assert _title(head, body, "Tech Wire") == "How the cloud runs inference at scale"
