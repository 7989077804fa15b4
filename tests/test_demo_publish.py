"""The demo site changing between crawl runs: publish, edit, feeds and sitemaps.

Incremental-crawl tests rely on the demo server telling the truth after a
change: new pages show up everywhere a crawler looks for them (home, listings,
RSS, Atom, both sitemaps), changed pages get new validators, and pages that did
not change still answer 304 to a conditional GET.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crawler.demo.content import DemoTeaser
from crawler.demo.server import DemoServer
from crawler.demo.site import MODEL_PAGE_PATH, load_site

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
PARAGRAPHS = [
    "The harbour authority opened the new ferry terminal on Monday after four years of work.",
    "Officials said the terminal would double passenger capacity by the summer season.",
    "Local traders welcomed the opening but warned about parking on the waterfront.",
]


class Clock:
    """A settable UTC clock for the server's publish/edit times."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def fetch(
    server: DemoServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def xml(server: DemoServer, path: str) -> ET.Element:
    status, _, body = fetch(server, path)
    assert status == 200
    return ET.fromstring(body)  # noqa: S314 - our own server's output


def sitemap_lastmods(server: DemoServer, path: str = "/sitemap.xml") -> dict[str, str]:
    root = xml(server, path)
    return {
        u.findtext(f"{SM}loc", ""): u.findtext(f"{SM}lastmod", "") for u in root.iter(f"{SM}url")
    }


def atom_entries(server: DemoServer) -> dict[str, ET.Element]:
    root = xml(server, "/atom.xml")
    return {e.findtext(f"{ATOM}id", ""): e for e in root.iter(f"{ATOM}entry")}


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def server(clock: Clock) -> Iterator[DemoServer]:
    with DemoServer(clock=clock) as srv:
        yield srv


# -- the machine files before any change -------------------------------------------------
def test_sitemap_has_lastmod_for_every_url(server: DemoServer) -> None:
    site = server.site
    pages = site.pages(server.url)
    lastmods = sitemap_lastmods(server)
    assert lastmods
    for url, lastmod in lastmods.items():
        path = url.removeprefix(server.url.rstrip("/"))
        assert parse_stamp(lastmod) == pages[path].last_modified, url
    for article in site.articles:
        assert parse_stamp(lastmods[server.url_for(article.path)]) == article.modified_at
    newest_world = max(a.modified_at for a in site.articles_in("World")[:5])
    assert parse_stamp(lastmods[server.url_for("/section/world/")]) == newest_world


def test_news_sitemap_carries_google_news_fields(server: DemoServer) -> None:
    site = server.site
    urls = list(xml(server, "/news-sitemap.xml").iter(f"{SM}url"))
    assert [u.findtext(f"{SM}loc") for u in urls] == [server.url_for(a.path) for a in site.articles]
    for url, article in zip(urls, site.articles, strict=True):
        news = url.find(f"{NEWS}news")
        assert news is not None
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == site.name
        assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
        assert news.findtext(f"{NEWS}publication_date") == article.published
        assert news.findtext(f"{NEWS}title") == article.title
        assert news.findtext(f"{NEWS}keywords") == ", ".join(article.tags)
        assert parse_stamp(url.findtext(f"{SM}lastmod", "")) == article.modified_at


def test_sitemap_index_lists_both_sitemaps_and_robots_names_it(server: DemoServer) -> None:
    root = xml(server, "/sitemap-index.xml")
    assert root.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in root.iter(f"{SM}sitemap")]
    assert locs == [server.url_for("/sitemap.xml"), server.url_for("/news-sitemap.xml")]
    assert all(s.findtext(f"{SM}lastmod") for s in root.iter(f"{SM}sitemap"))
    robots = fetch(server, "/robots.txt")[2].decode()
    assert f"Sitemap: {server.url_for('/sitemap-index.xml')}\n" in robots


def test_feeds_have_dates_and_are_linked_from_home(server: DemoServer) -> None:
    site = server.site
    rss = fetch(server, "/feed.xml")[2].decode()
    assert rss.count("<pubDate>") == rss.count("<item>") == 20
    entries = atom_entries(server)
    assert list(entries) == [server.url_for(a.path) for a in site.articles[:20]]
    for article in site.articles[:20]:
        entry = entries[server.url_for(article.path)]
        assert parse_stamp(entry.findtext(f"{ATOM}published", "")) == article.published_at
        assert parse_stamp(entry.findtext(f"{ATOM}updated", "")) == article.modified_at
    home = fetch(server, "/")[2].decode()
    assert '<link rel="alternate" type="application/rss+xml" title="The' in home
    assert 'type="application/atom+xml" title="The Daily Ledger Atom" href="/atom.xml">' in home


# -- publish -----------------------------------------------------------------------
def test_publish_shows_the_article_everywhere(server: DemoServer) -> None:
    article = server.publish("World", "Ferry terminal opens", PARAGRAPHS, tags=["ferries", "port"])
    url = server.url_for(article.path)
    assert article.path == "/world/2026/01/ferry-terminal-opens/"
    assert (article.published, article.modified) == ("2026-01-10T12:00:00Z", article.published)
    status, headers, body = fetch(server, article.path)
    assert status == 200
    assert headers["Last-Modified"] == "Sat, 10 Jan 2026 12:00:00 GMT"
    assert all(f"<p>{p}</p>" in body.decode() for p in PARAGRAPHS)
    assert article.path in fetch(server, "/")[2].decode()
    assert article.path in fetch(server, "/section/world/")[2].decode()
    assert f"<link>{url}</link>" in fetch(server, "/feed.xml")[2].decode()
    assert url in atom_entries(server)
    assert sitemap_lastmods(server)[url] == "2026-01-10T12:00:00+00:00"
    assert sitemap_lastmods(server, "/news-sitemap.xml")[url] == "2026-01-10T12:00:00Z"
    news = fetch(server, "/news-sitemap.xml")[2].decode()
    assert "<news:keywords>ferries, port</news:keywords>" in news
    assert server.site.articles[0] == article
    assert load_site().find_article(article.path) is None  # the pristine site is untouched


def test_publish_moves_pagination(server: DemoServer) -> None:
    before = server.site.articles_in("World")
    article = server.publish("world", "Ferry terminal opens", PARAGRAPHS)
    page_two = fetch(server, "/section/world/page/2/")[2].decode()
    assert before[4].path in page_two  # pushed off page 1
    assert article.path not in page_two


@pytest.mark.parametrize(
    ("section", "template", "container"),
    [
        ("World", "wordpress", "entry-content"),
        ("Business", "jsonld", "article-body"),
        ("Entertainment", "breadcrumb", "story-body"),
    ],
)
def test_publish_uses_the_section_template(
    server: DemoServer, section: str, template: str, container: str
) -> None:
    article = server.publish(section, "Ferry terminal opens", PARAGRAPHS)
    assert article.template == template
    headers = {"Accept-Encoding": "identity"}
    html = fetch(server, article.path, headers)[2].decode()
    assert f'class="{container}"' in html
    assert len(article.teasers) == 3
    assert all(t.headline in html for t in article.teasers)


def test_conditional_get_after_publish(server: DemoServer, clock: Clock) -> None:
    _, home, _ = fetch(server, "/")
    _, model, _ = fetch(server, MODEL_PAGE_PATH)
    clock.advance(minutes=5)
    server.publish("Technology", "Chip plant breaks ground", PARAGRAPHS)
    status, after, _ = fetch(server, "/", {"If-None-Match": home["ETag"]})
    assert status == 200
    assert after["ETag"] != home["ETag"]
    assert after["Last-Modified"] != home["Last-Modified"]
    assert fetch(server, "/", {"If-Modified-Since": home["Last-Modified"]})[0] == 200
    assert fetch(server, MODEL_PAGE_PATH, {"If-None-Match": model["ETag"]})[0] == 304
    assert fetch(server, MODEL_PAGE_PATH, {"If-Modified-Since": model["Last-Modified"]})[0] == 304
    assert fetch(server, MODEL_PAGE_PATH)[1]["ETag"] == model["ETag"]


def test_other_hosts_see_the_change_too(server: DemoServer) -> None:
    host = {"Host": f"localhost:{server.port}"}
    fetch(server, "/", host)  # rendered and cached for this Host before the change
    article = server.publish("World", "Ferry terminal opens", PARAGRAPHS)
    assert article.path in fetch(server, "/", host)[2].decode()


def test_publish_details(server: DemoServer) -> None:
    first = server.publish("World", "Ferry terminal opens", PARAGRAPHS, author="New Reporter")
    second = server.publish(
        "World",
        "Ferry terminal opens",
        PARAGRAPHS,
        teasers=[first.path, DemoTeaser("https://x.example/a", "A", "B", "1 min ago", True)],
    )
    assert second.slug == "ferry-terminal-opens-2"
    assert second.post_id == first.post_id + 1
    assert [t.url for t in second.teasers] == [first.path, "https://x.example/a"]
    assert first.author_slug == "new-reporter"
    assert fetch(server, "/author/new-reporter/")[0] == 200
    assert first.description == PARAGRAPHS[0]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.publish("Sport", "T", PARAGRAPHS), ValueError),
        (lambda s: s.publish("World", "T", []), ValueError),
        (lambda s: s.publish("World", " ", PARAGRAPHS), ValueError),
        (lambda s: s.publish("World", "T", "not a list"), ValueError),
        (lambda s: s.edit("/no/such/article/", title="T"), KeyError),
    ],
    ids=["unknown-section", "no-paragraphs", "blank-title", "string-paragraphs", "unknown-path"],
)
def test_bad_changes_are_rejected(server: DemoServer, call: object, error: type) -> None:
    before = server.site
    with pytest.raises(error):
        call(server)  # type: ignore[operator]
    assert server.site is before


# -- edit --------------------------------------------------------------------------
def test_edit_serves_the_new_body_and_advances_times(server: DemoServer, clock: Clock) -> None:
    old = server.site.articles_in("Business")[0]
    url = server.url_for(old.path)
    _, before, _ = fetch(server, old.path)
    lastmod = sitemap_lastmods(server)[url]
    clock.advance(hours=1)
    new = server.edit(old.path, title="Markets rally again", paragraphs=PARAGRAPHS)
    assert new.modified == "2026-01-10T13:00:00Z"
    assert (new.published, new.path, new.post_id) == (old.published, old.path, old.post_id)
    status, after, body = fetch(server, old.path, {"If-None-Match": before["ETag"]})
    html = body.decode()
    assert status == 200
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] == "Sat, 10 Jan 2026 13:00:00 GMT"
    assert "Markets rally again" in html
    assert all(f"<p>{p}</p>" in html for p in PARAGRAPHS)
    assert old.paragraphs[0] not in html
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["dateModified"] == "2026-01-10T13:00:00Z"
    assert data["datePublished"] == old.published
    assert parse_stamp(sitemap_lastmods(server)[url]) > parse_stamp(lastmod)
    assert sitemap_lastmods(server, "/news-sitemap.xml")[url] == "2026-01-10T13:00:00Z"
    if url in atom_entries(server):
        assert atom_entries(server)[url].findtext(f"{ATOM}updated") == "2026-01-10T13:00:00Z"
    assert xml(server, "/atom.xml").findtext(f"{ATOM}updated") == "2026-01-10T13:00:00Z"
    assert server.site.article_by_path(old.path) == new


def test_edit_of_a_meta_tag_article_moves_modified_time(server: DemoServer) -> None:
    old = server.site.articles_in("Entertainment")[0]
    server.edit(old.path, paragraphs=PARAGRAPHS)
    html = fetch(server, old.path)[2].decode()
    assert '<meta property="article:modified_time" content="2026-01-10T12:00:00+00:00">' in html
    assert old.title in html


def test_edit_always_moves_modified_forward(server: DemoServer) -> None:
    article = server.publish("World", "Ferry terminal opens", PARAGRAPHS)
    edited = server.edit(article.path, title="Ferry terminal opens late")  # same clock second
    assert parse_stamp(edited.modified) == parse_stamp(article.modified) + timedelta(seconds=1)


def test_changes_while_serving_never_break_a_response(server: DemoServer, clock: Clock) -> None:
    failures: list[object] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            status, _, body = fetch(server, "/")
            if status != 200 or not body.endswith(b"</html>\n"):
                failures.append(status)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        for n in range(5):
            clock.advance(minutes=1)
            server.publish("World", f"Ferry update {n}", PARAGRAPHS)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert failures == []
    assert len(server.site.articles) == len(load_site().articles) + 5
    assert all(m == "GET" for m, _, _ in server.requests)
