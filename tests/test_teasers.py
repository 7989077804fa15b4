"""Teaser block finding (crawler/teasers.py) on small hand-written pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract_html import parse_html
from crawler.extract_labels import LABEL_RE
from crawler.items import Teaser
from crawler.teasers import find_teasers

FETCHED = datetime(2024, 5, 22, 12, 0, tzinfo=UTC)
PAGE = "https://news.example/world/2024/05/22/the-story"
ARTICLE = "<article><h1>The story</h1>" + "<p>" + "Article prose goes on. " * 30 + "</p>" * 3


def _teasers(body: str) -> list[Teaser]:
    root = parse_html(f"<html><body>{body}</body></html>")
    assert root is not None
    return find_teasers(root, PAGE, FETCHED)


@pytest.mark.parametrize(
    "label",
    [
        "Recent Posts",
        "Related",
        "Related articles",
        "More in World",
        "Most read",
        "Read more",
        "You may also like",
        "Mehr zum Thema",
        "Mehr aus Politik",
        "Das könnte Sie auch interessieren",
        "Meistgelesen",
        "À lire aussi",
        "A lire aussi",
        "Sur le même sujet",
        "Les plus lus",
        "Noticias relacionadas",
        "Lo más leído",
        "Related stories:",
    ],
)
def test_block_labels_are_recognised(label: str) -> None:
    assert LABEL_RE.match(label)


@pytest.mark.parametrize(
    "text",
    ["Related party transactions rose sharply in 2023", "More", "World", "Read the full report"],
)
def test_ordinary_headings_are_not_labels(text: str) -> None:
    assert not LABEL_RE.match(text)


def test_card_with_badge_and_image_links_is_one_teaser() -> None:
    body = (
        ARTICLE
        + """<section class="related"><h2>Related</h2>
      <div class="card"><a href="/img-link"><img src="x.jpg"></a>
        <a class="badge" href="/section/world/">World</a>
        <h3><a href="/world/a">First related headline here</a></h3>
        <p>First excerpt text for the card.</p>
        <time datetime="2024-05-22T10:00:00+02:00">2 hours ago</time>
      </div>
      <div class="card"><h3><a href="/world/b">Second related headline here</a></h3>
        <p>Second excerpt text for the card.</p><span class="date">vor 5 Minuten</span></div>
    </section>"""
    )
    teasers = _teasers(body)
    assert teasers == [
        Teaser(
            url="https://news.example/world/a",
            headline="First related headline here",
            excerpt="First excerpt text for the card.",
            relative_time="2 hours ago",
            published_at="2024-05-22T08:00:00Z",  # the datetime attribute wins
            block="Related",
        ),
        Teaser(
            url="https://news.example/world/b",
            headline="Second related headline here",
            excerpt="Second excerpt text for the card.",
            relative_time="vor 5 Minuten",
            published_at="2024-05-22T11:55:00Z",
            block="Related",
        ),
    ]


def test_nested_widgets_keep_their_own_labels() -> None:
    body = (
        ARTICLE
        + """<aside class="sidebar">
      <div class="widget"><h3 class="widget-title">Most read</h3><ul>
        <li><a href="/a">Alpha story about something big</a></li>
        <li><a href="/b">Beta story about something else</a></li></ul></div>
      <div class="widget"><h3 class="widget-title">Latest news</h3><ul>
        <li><a href="/c">Gamma story from this morning</a> <span>8 mins ago</span></li>
        <li><a href="/a">Alpha story about something big</a></li></ul></div>
    </aside>"""
    )
    teasers = _teasers(body)
    assert [(t.url.rsplit("/", 1)[1], t.block) for t in teasers] == [
        ("a", "Most read"),
        ("b", "Most read"),
        ("c", "Latest news"),
    ]
    assert teasers[2].relative_time == "8 mins ago"
    assert teasers[2].published_at == "2024-05-22T11:52:00Z"


def test_heading_inside_article_takes_only_the_following_list() -> None:
    body = (
        """<article><h1>The story</h1><div class="content">
      <p>"""
        + "Opening prose of the article. " * 20
        + """</p>
      <h3>Read more</h3>
      <ul><li><a href="/x">Another story worth reading today</a></li>
          <li><a href="/y">Yet another story worth reading</a></li></ul>
      <p>"""
        + "More article prose after the list, with <a href='/z'>a link in the text of it</a>. " * 10
        + """</p>
    </div></article>"""
    )
    teasers = _teasers(body)
    assert [t.url.rsplit("/", 1)[1] for t in teasers] == ["x", "y"]
    assert {t.block for t in teasers} == {"Read more"}


def test_unlabelled_card_grid_in_aside() -> None:
    body = (
        ARTICLE
        + """<aside><div class="grid">
      <article class="c"><h4><a href="/p">Paris talks end without a deal</a></h4>
        <small>il y a 2 heures</small></article>
      <article class="c"><h4><a href="/q">Berlin budget passes at last</a></h4>
        <small>hier</small></article>
    </div></aside>"""
    )
    teasers = _teasers(body)
    assert [t.relative_time for t in teasers] == ["il y a 2 heures", "hier"]
    assert [t.published_at for t in teasers] == ["2024-05-22T10:00:00Z", "2024-05-21T12:00:00Z"]
    assert teasers[0].block is None
    assert teasers[0].excerpt is None


def test_unlabelled_latest_news_box_with_sublines() -> None:
    body = (
        ARTICLE
        + """<div class="latest-news-box"><ul class="row">
      <li><div><h3><a href="/a">Coach fired after a losing season</a></h3>
        <h4 class="subline">The club took him to a final in June</h4></div></li>
      <li><div><h3><a href="/b">Star accepts the challenge from rival</a></h3>
        <h4 class="subline">He seems to get tougher with age</h4></div></li>
    </ul></div>"""
    )
    teasers = _teasers(body)
    assert [t.url for t in teasers] == ["https://news.example/a", "https://news.example/b"]


def test_self_links_navigation_and_single_hint_links_are_not_teasers() -> None:
    body = (
        ARTICLE
        + f"""<nav class="menu"><a href="/world/">World news and more from us</a></nav>
      <div class="related"><a href="{PAGE}">The story itself, linked again here</a></div>
      <a class="read-more" href="/more">Read more</a>"""
    )
    assert _teasers(body) == []
