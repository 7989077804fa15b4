"""Feeds and sitemaps as article sources (crawler.discovery).

Discovery reads files written by thousands of different publisher setups, so
besides the well-formed cases we check the sloppy ones (wrong namespaces,
relative links, odd dates, gzip, text sitemaps) and that no input at all can
make it raise. The last section runs it against the demo server's real files.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import discovery
from crawler.demo.server import DemoServer
from crawler.discovery import (
    DiscoveredLink,
    SitemapResult,
    feed_urls_in_html,
    is_fresh,
    parse_feed,
    parse_sitemap,
    to_utc_iso,
)
from tests.conftest import FAST, run_newscrawl
from tests.localsite import Answer, LocalSite, page, serving

BASE = "https://news.example/sitemaps/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(body: str, ns: str = NS) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{body}</urlset>'.encode()


NEWS_ENTRY = (
    "<url><loc>https://news.example/world/a/</loc><lastmod>2024-05-22T16:00:00+02:00</lastmod>"
    "<news:news><news:publication><news:name>The Ledger</news:name>"
    "<news:language>en</news:language></news:publication>"
    "<news:publication_date>2024-05-22T14:30:00Z</news:publication_date>"
    "<news:title>Ferry &amp; port</news:title>"
    "<news:keywords> ferries, port,, ferries </news:keywords></news:news></url>"
)


# -- sitemaps ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "links", "sitemaps"),
    [
        (
            urlset(
                "<url><loc>https://news.example/a/</loc><lastmod>2024-05-22</lastmod></url>"
                "<url><loc> https://news.example/b/ </loc></url>"
            ),
            [
                DiscoveredLink("https://news.example/a/", modified_at="2024-05-22T00:00:00Z"),
                DiscoveredLink("https://news.example/b/"),
            ],
            [],
        ),
        (
            urlset(NEWS_ENTRY, f"{NS} {NEWS_NS}"),
            [
                DiscoveredLink(
                    "https://news.example/world/a/",
                    title="Ferry & port",
                    published_at="2024-05-22T14:30:00Z",
                    modified_at="2024-05-22T14:00:00Z",
                    keywords=("ferries", "port"),
                    language="en",
                    publication="The Ledger",
                    source="news-sitemap",
                )
            ],
            [],
        ),
        (
            f"<sitemapindex {NS}><sitemap><loc>https://news.example/s1.xml</loc>"
            "<lastmod>2024-05-22</lastmod></sitemap><sitemap><loc>/s2.xml.gz</loc></sitemap>"
            "<sitemap><loc>ftp://news.example/s3.xml</loc></sitemap></sitemapindex>".encode(),
            [],
            ["https://news.example/s1.xml", "https://news.example/s2.xml.gz"],
        ),
        (
            urlset(
                "<url><loc>/relative/</loc></url><url><loc>javascript:alert(1)</loc></url>"
                "<url><loc>mailto:a@b.c</loc></url><url><loc></loc></url><url></url>"
                "<url><loc>https://news.example/relative/</loc></url>"
            ),
            [DiscoveredLink("https://news.example/relative/")],
            [],
        ),
        (
            b"<urlset><url><loc>https://news.example/a/</loc><lastmod>yesterday</lastmod></url>"
            b"</urlset>",
            [DiscoveredLink("https://news.example/a/")],
            [],
        ),
        (
            b"https://news.example/a/\r\n\r\nhttps://news.example/b/\n",
            [DiscoveredLink("https://news.example/a/"), DiscoveredLink("https://news.example/b/")],
            [],
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>/a/</link>'
            b"<pubDate>Wed, 22 May 2024 14:30:00 GMT</pubDate></item></channel></rss>",
            [
                DiscoveredLink(
                    "https://news.example/a/", published_at="2024-05-22T14:30:00Z", source="feed"
                )
            ],
            [],
        ),
        (
            urlset("<url><loc>https://news.example/a/</loc></url><url><loc>https://news.ex")[:-9],
            [DiscoveredLink("https://news.example/a/")],
            [],
        ),
        (b"", [], []),
        (b"   \n", [], []),
        (b"\x00\x01garbage", [], []),
        (b"not a sitemap\nhttps://news.example/a/", [], []),
        (b"<html><body>Oops</body></html>", [], []),
        (b"\x1f\x8b\x08\x00broken gzip", [], []),
    ],
    ids=[
        "urlset-lastmod",
        "news-fields",
        "index",
        "relative-and-bad-locs",
        "no-namespace-bad-date",
        "text-sitemap",
        "rss-as-sitemap",
        "truncated-xml-recovered",
        "empty",
        "whitespace",
        "binary",
        "text-with-garbage",
        "html",
        "broken-gzip",
    ],
)
def test_parse_sitemap(body: bytes, links: list[DiscoveredLink], sitemaps: list[str]) -> None:
    assert parse_sitemap(body, BASE) == SitemapResult(tuple(links), tuple(sitemaps))


def test_gzip_sitemaps_are_decoded_by_magic_bytes() -> None:
    plain = urlset(NEWS_ENTRY, f"{NS} {NEWS_NS}")
    expected = parse_sitemap(plain, BASE)
    assert parse_sitemap(gzip.compress(plain), BASE) == expected
    halves = gzip.compress(plain[:100]) + gzip.compress(plain[100:])  # two gzip members
    assert parse_sitemap(halves, BASE) == expected


def test_cut_gzip_download_keeps_the_complete_entries() -> None:
    entries = "".join(f"<url><loc>https://news.example/{n}/</loc></url>" for n in range(200))
    packed = gzip.compress(urlset(entries))
    links = parse_sitemap(packed[: len(packed) // 2], BASE).links
    assert 0 < len(links) < 200
    assert [link.url for link in links] == [f"https://news.example/{n}/" for n in range(len(links))]


def test_gzip_bomb_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery, "MAX_BODY_BYTES", 10_000)
    bomb = gzip.compress(urlset("<url><loc>https://news.example/a/</loc></url>" * 1000))
    assert len(bomb) < 10_000
    assert parse_sitemap(bomb, BASE) == SitemapResult()
    assert parse_feed(bomb, BASE) == []


def test_entities_are_never_resolved(tmp_path: pytest.TempPathFactory) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>https://news.example/&secret;/&b;</loc></url></urlset>"
    )
    result = parse_sitemap(body, BASE)
    assert "root:" not in repr(result)
    assert "aaaaaaaaaa" not in repr(result)


def test_duplicate_locs_keep_the_first() -> None:
    body = urlset(
        "<url><loc>https://news.example/a/</loc><lastmod>2024-01-01</lastmod></url>"
        "<url><loc>https://news.example/a/</loc><lastmod>2024-02-02</lastmod></url>"
    )
    (link,) = parse_sitemap(body, BASE).links
    assert link.modified_at == "2024-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-22T14:30:00Z", "2024-05-22T14:30:00Z"),
        ("2024-05-22T14:30:00.123456Z", "2024-05-22T14:30:00Z"),
        ("2024-05-22T16:30:00+02:00", "2024-05-22T14:30:00Z"),
        ("2024-05-22T14:30Z", "2024-05-22T14:30:00Z"),
        ("2024-05-22T14:30:00", "2024-05-22T14:30:00Z"),
        ("2024-05-22", "2024-05-22T00:00:00Z"),
        ("2024-05", "2024-05-01T00:00:00Z"),
        ("2024", "2024-01-01T00:00:00Z"),
        ("Wed, 22 May 2024 16:30:00 +0200", "2024-05-22T14:30:00Z"),
        ("Wed, 22 May 2024 14:30:00 GMT", "2024-05-22T14:30:00Z"),
        ("  2024-05-22T14:30:00Z \n", "2024-05-22T14:30:00Z"),
        ("2024-13-45", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
    ids=lambda v: repr(v),
)
def test_to_utc_iso(text: str | None, expected: str | None) -> None:
    assert to_utc_iso(text) == expected


# -- feeds ------------------------------------------------------------------------------
FEED_URL = "https://news.example/news/feed.xml"
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>The Ledger</title><link>https://news.example/</link><language>en-gb</language>
<item><title>Ferry  opens</title><link>/world/ferry/</link>
<pubDate>Wed, 22 May 2024 16:30:00 +0200</pubDate><category>World</category>
<category>Ports</category></item>
<item><title>Guid only</title><guid isPermaLink="true">https://news.example/b/</guid>
<dc:date>2024-05-21T10:00:00Z</dc:date></item>
<item><title>No link at all</title><guid isPermaLink="false">tag-123</guid></item>
<item><title>Duplicate</title><link>https://news.example/world/ferry/</link></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">
<title>Der Anzeiger</title><id>tag:news.example,2024:feed</id>
<updated>2024-05-22T15:00:00Z</updated>
<entry><title>Hafen</title><id>tag:news.example,2024:1</id>
<link rel="alternate" type="text/html" href="hafen/"/>
<link rel="enclosure" href="https://cdn.example/a.mp3"/>
<published>2024-05-22T12:00:00+02:00</published><updated>2024-05-22T15:00:00Z</updated>
<category term="Wirtschaft"/></entry>
<entry><title>Only id</title><id>https://news.example/only-id/</id>
<updated>2024-05-20T08:00:00Z</updated></entry>
</feed>"""
JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Ledger JSON",
        "language": "en",
        "feed_url": "https://news.example/feed.json",
        "items": [
            {
                "id": "1",
                "url": "/a/",
                "title": "A",
                "date_published": "2024-05-22T16:30:00+02:00",
                "date_modified": "2024-05-22T15:00:00Z",
                "tags": ["x", "y", 3],
            },
            {"id": "https://news.example/b/", "title": "B"},
            {"id": "no-url", "title": "dropped"},
            "not an item",
        ],
    }
).encode()


def test_rss_feed() -> None:
    links = parse_feed(RSS, FEED_URL)
    assert links == [
        DiscoveredLink(
            "https://news.example/world/ferry/",
            title="Ferry opens",
            published_at="2024-05-22T14:30:00Z",
            keywords=("World", "Ports"),
            language="en-gb",
            publication="The Ledger",
            source="feed",
        ),
        DiscoveredLink(
            "https://news.example/b/",
            title="Guid only",
            modified_at="2024-05-21T10:00:00Z",
            language="en-gb",
            publication="The Ledger",
            source="feed",
        ),
    ]


def test_atom_feed() -> None:
    links = parse_feed(ATOM, "https://news.example/de/atom.xml")
    assert [(x.url, x.title, x.published_at, x.modified_at) for x in links] == [
        ("https://news.example/de/hafen/", "Hafen", "2024-05-22T10:00:00Z", "2024-05-22T15:00:00Z"),
        ("https://news.example/only-id/", "Only id", None, "2024-05-20T08:00:00Z"),
    ]
    assert links[0].keywords == ("Wirtschaft",)
    assert (links[0].language, links[0].publication) == ("de", "Der Anzeiger")


def test_json_feed() -> None:
    links = parse_feed(JSON_FEED, "https://news.example/feed.json")
    assert links == [
        DiscoveredLink(
            "https://news.example/a/",
            title="A",
            published_at="2024-05-22T14:30:00Z",
            modified_at="2024-05-22T15:00:00Z",
            keywords=("x", "y"),
            language="en",
            publication="Ledger JSON",
            source="feed",
        ),
        DiscoveredLink(
            "https://news.example/b/",
            title="B",
            language="en",
            publication="Ledger JSON",
            source="feed",
        ),
    ]


def test_gzip_feed() -> None:
    assert parse_feed(gzip.compress(RSS), FEED_URL) == parse_feed(RSS, FEED_URL)


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[1, 2]", b'{"items": "nope"}', b"<rss><channel>", b"\xff\xfe\x00", b"<html/>"],
    ids=["empty", "bad-json", "json-list", "json-no-items", "truncated-rss", "binary", "html"],
)
def test_bad_feeds_give_nothing(body: bytes) -> None:
    assert parse_feed(body, FEED_URL) == []


# -- feed links in HTML ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
            '<link rel="alternate" type="application/feed+json" href="//cdn.news.example/f.json">'
            '<link rel="alternate" type="application/json" href="/wp-json/">',
            [
                "https://news.example/feed.xml",
                "https://news.example/world/atom.xml",
                "https://cdn.news.example/f.json",
                "https://news.example/wp-json/",
            ],
        ),
        (
            '<LINK REL="Alternate Feed" TYPE="Application/RSS+XML; charset=utf-8" HREF=" /f ">',
            ["https://news.example/f"],
        ),
        (
            '<base href="https://other.example/base/"><link rel=alternate '
            "type=application/rss+xml href=rss>",
            ["https://other.example/base/rss"],
        ),
        (
            '<link rel="alternate" hreflang="de" href="/de/">'
            '<link rel="alternate" type="text/html" href="/m/">'
            '<link rel="stylesheet" type="application/rss+xml" href="/no/">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">'
            '<link rel="alternate" type="application/rss+xml">'
            '<a rel="alternate" type="application/rss+xml" href="/anchor/">x</a>',
            [],
        ),
        (
            '<link rel="alternate" type="application/rss+xml" href="/feed.xml">' * 2,
            ["https://news.example/feed.xml"],
        ),
        (
            b'<link rel="alternate" type="application/rss+xml" href="/b">',
            ["https://news.example/b"],
        ),
        ("<html><head><link rel=alternate type=application/rss+xml href=/x", []),
    ],
    ids=["all-types", "case-and-params", "base-href", "not-feeds", "dedup", "bytes", "truncated"],
)
def test_feed_urls_in_html(html: str | bytes, expected: list[str]) -> None:
    assert feed_urls_in_html(html, "https://news.example/world/") == expected


# -- freshness --------------------------------------------------------------------------
NOW = datetime(2024, 5, 22, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("link", "max_age", "fresh"),
    [
        (DiscoveredLink("u", published_at="2024-05-22T10:00:00Z"), timedelta(days=1), True),
        (DiscoveredLink("u", published_at="2024-05-20T10:00:00Z"), timedelta(days=1), False),
        (DiscoveredLink("u", published_at="2024-05-21T15:00:00Z"), timedelta(days=1), True),
        (
            DiscoveredLink("u", published_at="2024-01-01T00:00:00Z", modified_at="2024-05-22Z"),
            timedelta(days=1),
            False,
        ),
        (DiscoveredLink("u", modified_at="2024-05-22T14:00:00Z"), timedelta(hours=2), True),
        (DiscoveredLink("u", modified_at="2024-05-22T12:00:00Z"), timedelta(hours=2), False),
        (DiscoveredLink("u"), timedelta(seconds=1), True),
        (DiscoveredLink("u", published_at="2020-01-01T00:00:00Z"), None, True),
        (DiscoveredLink("u", published_at="2030-01-01T00:00:00Z"), timedelta(days=1), True),
        (DiscoveredLink("u", published_at="garbage"), timedelta(days=1), True),
    ],
    ids=[
        "recent",
        "old",
        "exactly-max-age",
        "published-wins-over-modified",
        "modified-recent",
        "modified-old",
        "unknown-time",
        "no-limit",
        "future",
        "unreadable",
    ],
)
def test_is_fresh(link: DiscoveredLink, max_age: timedelta | None, fresh: bool) -> None:
    assert is_fresh(link, NOW, max_age) is fresh
    assert is_fresh(link, NOW.replace(tzinfo=None), max_age) is fresh  # naive now = UTC


# -- never raises -----------------------------------------------------------------------
XML_BITS = st.sampled_from(
    [
        "<urlset>",
        "</urlset>",
        "<url>",
        "</url>",
        "<loc>",
        "</loc>",
        "<sitemapindex>",
        "<sitemap>",
        "<news:news>",
        "<lastmod>",
        "<rss>",
        "<channel>",
        "<item>",
        "<link>",
        "<feed>",
        "<entry>",
        "<pubDate>",
        "http://a/",
        "2024-05-22",
        "&amp;",
        "&x;",
        "<!DOCTYPE x [<!ENTITY x 'y'>]>",
        '{"items": [',
        '{"url": 1}',
        "\x1f\x8b",
        "]}",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=2000), st.lists(XML_BITS, max_size=40).map("".join)))
def test_never_raises(data: bytes | str) -> None:
    body = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    result = parse_sitemap(body, BASE)
    assert isinstance(result, SitemapResult)
    assert all(link.url.startswith(("http://", "https://")) for link in result.links)
    assert all(isinstance(link, DiscoveredLink) for link in parse_feed(body, FEED_URL))
    assert isinstance(feed_urls_in_html(body, BASE), list)
    assert isinstance(parse_sitemap(gzip.compress(body), BASE), SitemapResult)


# -- against the demo site ----------------------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer(clock=lambda: datetime(2026, 1, 10, 12, 0, tzinfo=UTC)) as srv:
        yield srv


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback only
        return bytes(resp.read())


def test_demo_sitemaps_from_robots(demo: DemoServer) -> None:
    robots = get(demo.url_for("/robots.txt")).decode()
    (index_url,) = re.findall(r"^Sitemap:\s*(\S+)", robots, re.M)
    index = parse_sitemap(get(index_url), index_url)
    assert index.links == ()
    assert index.sitemaps == (demo.url_for("/sitemap.xml"), demo.url_for("/news-sitemap.xml"))
    pages, news = (parse_sitemap(get(u), u) for u in index.sitemaps)
    site = demo.site
    assert {link.url for link in pages.links} >= {demo.url_for(a.path) for a in site.articles}
    assert {link.source for link in pages.links} == {"sitemap"}
    assert all(link.modified_at for link in pages.links)
    by_url = {link.url: link for link in news.links}
    assert len(by_url) == len(site.articles)
    for article in site.articles:
        link = by_url[demo.url_for(article.path)]
        assert (link.title, link.published_at) == (article.title, article.published)
        assert link.modified_at == to_utc_iso(article.modified)
        assert link.keywords == article.tags
        assert (link.language, link.publication, link.source) == ("en", site.name, "news-sitemap")


def test_demo_feeds_from_the_home_page(demo: DemoServer) -> None:
    feeds = feed_urls_in_html(get(demo.url), demo.url)
    assert feeds == [demo.url_for("/feed.xml"), demo.url_for("/atom.xml")]
    latest = demo.site.articles[:20]
    for feed in feeds:
        links = parse_feed(get(feed), feed)
        assert [link.url for link in links] == [demo.url_for(a.path) for a in latest]
        assert [link.published_at for link in links] == [a.published for a in latest]
        assert [link.title for link in links] == [a.title for a in latest]


def test_demo_publish_is_the_only_fresh_entry(demo: DemoServer) -> None:
    article = demo.publish("Business", "Port operator lists shares", ["Shares rose on day one."])
    now = datetime(2026, 1, 10, 13, 0, tzinfo=UTC)
    for path in ("/news-sitemap.xml", "/atom.xml", "/feed.xml"):
        body = get(demo.url_for(path))
        links = parse_sitemap(body, demo.url).links if "sitemap" in path else parse_feed(body, "")
        fresh = [link.url for link in links if is_fresh(link, now, timedelta(days=2))]
        assert fresh == [demo.url_for(article.path)], path


# -- robots.txt sitemaps from Scrapy's parsers -----------------------------------------------
ROBOTS = b"User-agent: *\nDisallow: /private/\nSitemap: https://news.example/sitemap-index.xml\n"


@pytest.mark.parametrize("parser_path", ["ProtegoRobotParser", "PythonRobotParser"])
def test_robots_sitemaps_from_scrapys_parsers(parser_path: str) -> None:
    import scrapy.robotstxt

    from crawler.spiders.discovery import robots_sitemaps

    parser = getattr(scrapy.robotstxt, parser_path)(ROBOTS, None)
    assert robots_sitemaps(parser) == ["https://news.example/sitemap-index.xml"]


def test_robots_sitemaps_unknown_parser_and_failed_fetch() -> None:
    from crawler.spiders.discovery import robots_sitemaps

    assert robots_sitemaps(object()) is None  # type: ignore[arg-type]  # ask robots.txt again
    assert robots_sitemaps(None) == []  # robots.txt could not be fetched: nothing to read


# -- robots.txt in a crawl: one fetch a host, and a slow host holds up no other ---------------
ROBOTS_DELAY = 2.0


def _robots_site(site: LocalSite, path: str) -> Answer:
    """One page; robots.txt (after ``state["delay"]`` seconds) names one empty sitemap."""
    if path == "/robots.txt":
        time.sleep(site.state["delay"])
        robots = f"User-agent: *\nSitemap: {site.url}sitemap.xml\n"
        return Answer(body=robots.encode(), content_type="text/plain")
    if path == "/sitemap.xml":
        return Answer(body=urlset(""), content_type="application/xml")
    return page("Home")


def test_robots_sitemaps_of_each_host_as_soon_as_its_robots_txt_is_read(tmp_path: Path) -> None:
    with serving(_robots_site) as slow, serving(_robots_site) as quick:
        slow.state["delay"], quick.state["delay"] = ROBOTS_DELAY, 0.0
        proc = run_newscrawl("crawl", slow.url, quick.url, "--output", str(tmp_path), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for site in (slow, quick):
        assert len(site.asked("/robots.txt")) == 1  # the robots middleware's fetch only
        assert len(site.asked("/sitemap.xml")) == 1
    # the quick host's sitemap was asked while the slow host's robots.txt was still on its way
    assert quick.asked("/sitemap.xml")[0].arrived < slow.asked("/robots.txt")[0].sent


def test_robots_sitemaps_come_before_the_old_frontier_in_the_page_budget(
    tmp_path: Path,
) -> None:
    """A second, budgeted run still reads the sitemaps, whatever the first left pending."""
    with DemoServer() as demo:
        first = run_newscrawl(
            "crawl", demo.url, "--output", str(tmp_path), "--max-pages", "3", *FAST
        )
        assert first.returncode == 0, first.stderr[-3000:]
        demo.clear_requests()
        second = run_newscrawl(
            "crawl", demo.url, "--output", str(tmp_path), "--max-pages", "4", *FAST
        )
        assert second.returncode == 0, second.stderr[-3000:]
        paths = [path for _method, path, _headers in demo.requests]
    assert "/sitemap-index.xml" in paths, paths
