"""The bundled demo news site: its data, its markup and its HTTP behaviour.

End-to-end tests trust this site as ground truth, so here we prove that what the
server sends matches the source data (and the seed page), and that the transport
quirks archival tests rely on (gzip, chunked, 304, robots) really happen.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.demo.content import CONTENT_FILE, DemoTeaser, load_content
from crawler.demo.server import DemoServer, accepts_gzip
from crawler.demo.site import MODEL_PAGE_PATH, PAGE_SIZE, DemoArticle, DemoSite, load_site

# Verbatim copy of the seed page's text dump, kept next to the data built from it.
SEED_TEXT = (CONTENT_FILE.parent / "news-page-text.txt").read_text(encoding="utf-8")
SEED_CHUNKS = SEED_TEXT.split("\n\n")
SITE = load_site()
TEMPLATE_SAMPLES: dict[str, DemoArticle] = {
    a.template: a for a in reversed(SITE.articles)
}  # one article per template
SISTER = "https://www.sister-ledger.example/"


# -- helpers ------------------------------------------------------------------
@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as received: still gzip-encoded if the server encoded it


def fetch(
    server: DemoServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Reply:
    """One request on a fresh connection; http.client never decodes gzip for us."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
_BLOCK = {
    "p",
    "h1",
    "h2",
    "h3",
    "li",
    "ul",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "time",
    "title",
    "form",
    "figure",
}


class _Paragraphs(HTMLParser):
    """Text of each <p> inside the first element whose class list has ``css_class``."""

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self.css_class, self.depth, self.done = css_class, 0, False
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or self.done:
            return
        if self.depth:
            self.depth += 1
            if tag == "p":
                self._current = []
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in _VOID:
            return
        if tag == "p" and self._current is not None:
            self.paragraphs.append("".join(self._current))
            self._current = None
        self.depth -= 1
        self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)


class _VisibleBlocks(HTMLParser):
    """Visible text split at block boundaries (a poor man's text dump)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._hidden = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"head", "script", "style"}:
            self._hidden += 1
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in {"head", "script", "style"}:
            self._hidden -= 1
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._buf.append(data)


def paragraphs_in(html: bytes, css_class: str) -> list[str]:
    parser = _Paragraphs(css_class)
    parser.feed(html.decode("utf-8"))
    return parser.paragraphs


def hrefs(html: bytes) -> list[str]:
    return re.findall(r'href="([^"]+)"', html.decode("utf-8"))


# -- fixtures -------------------------------------------------------------------
@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return SITE


# -- the data -------------------------------------------------------------------
def test_site_has_enough_articles_and_all_templates(site: DemoSite) -> None:
    assert len(site.articles) >= 34
    assert {a.template for a in site.articles} == {"wordpress", "jsonld", "breadcrumb"}
    assert site.sections == ["World", "Business", "Entertainment", "Technology"]


@pytest.mark.parametrize("section", SITE.sections)
def test_each_section_has_at_least_eight_articles(site: DemoSite, section: str) -> None:
    assert len(site.articles_in(section)) >= 8


@pytest.mark.parametrize("article", SITE.articles, ids=lambda a: a.slug)
def test_article_data_is_well_formed(article: DemoArticle) -> None:
    assert 4 <= len(article.paragraphs) <= 6
    assert all(40 <= len(p.split()) <= 90 for p in article.paragraphs)
    assert 3 <= len(article.teasers) <= 6
    yyyy, mm = article.published[:4], article.published[5:7]
    assert article.path == f"/{article.section.lower()}/{yyyy}/{mm}/{article.slug}/"
    assert article.body == "\n".join(article.paragraphs)
    assert article.published.endswith("Z")
    assert article.tags
    assert article.description


def test_paragraphs_are_never_reused(site: DemoSite) -> None:
    paragraphs = [p for a in site.articles for p in a.paragraphs]
    assert len(paragraphs) == len(set(paragraphs))


def test_model_article_is_the_seed_page(site: DemoSite) -> None:
    model = site.model_article
    assert model.path == MODEL_PAGE_PATH
    assert (model.section, model.template, model.teaser_block_label) == (
        "World",
        "wordpress",
        "Recent Posts",
    )
    assert model.title == "Persecution of foreigners by Russian regime escalates"
    assert SEED_CHUNKS[:2] == ["Categories: World", model.title]
    assert list(model.paragraphs) == SEED_CHUNKS[2:7]
    rest = SEED_CHUNKS[SEED_CHUNKS.index("Recent Posts") + 1 :]
    seed_teasers = [tuple(rest[i : i + 3]) for i in range(0, len(rest), 3)]
    assert [(t.headline, t.excerpt, t.relative_time) for t in model.teasers] == seed_teasers
    assert [t.relative_time for t in model.teasers] == [
        "15 seconds ago",
        "8 mins ago",
        "10 mins ago",
        "11 mins ago",
        "12 mins ago",
        "14 mins ago",
    ]


@pytest.mark.parametrize("teaser", SITE.model_article.teasers, ids=lambda t: t.url)
def test_model_teasers_lead_to_their_articles(site: DemoSite, teaser: DemoTeaser) -> None:
    target = site.teaser_target(teaser)
    assert target is not None
    assert target.title == teaser.headline
    assert target.paragraphs[0].startswith(teaser.excerpt.removesuffix("…"))


def test_external_teasers_point_to_the_sister_site(site: DemoSite) -> None:
    external = site.external_teaser_urls()
    assert len(external) >= 5
    assert all(url.startswith(SISTER) for url in external)
    blocks = [a for a in site.articles if any(t.external for t in a.teasers)]
    assert len(blocks) >= 2
    assert not any(t.external for t in site.model_article.teasers)


def test_article_lookup_accepts_paths_and_urls(site: DemoSite, server: DemoServer) -> None:
    model = site.model_article
    assert site.article_by_path(MODEL_PAGE_PATH) is model
    assert site.article_by_path(server.url_for(MODEL_PAGE_PATH) + "?utm=x") is model
    assert site.find_article("/section/world/") is None
    with pytest.raises(KeyError):
        site.article_by_path("/nope/")


def test_content_file_with_dangling_teaser_is_rejected(tmp_path: Path) -> None:
    raw = json.loads(CONTENT_FILE.read_text(encoding="utf-8"))
    raw["articles"][0]["teasers"][0] = {
        "target": "no-such-slug",
        "excerpt": "x",
        "relative_time": "now",
    }
    broken = tmp_path / "articles.json"
    broken.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="no-such-slug"):
        load_content(broken)


def test_render_is_deterministic_and_typed(site: DemoSite) -> None:
    first, second = site.render("http://127.0.0.1:1/"), site.render("http://127.0.0.1:1/")
    assert first == second
    assert {a.path for a in site.articles} <= set(first)
    assert first["/robots.txt"][0].startswith("text/plain")


# -- HTTP: pages and content types ------------------------------------------------
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/section/world/", "text/html"),
        ("/section/business/page/2/", "text/html"),
        (MODEL_PAGE_PATH, "text/html"),
        ("/author/marina-kovacs/", "text/html"),
        ("/private/staff-only/", "text/html"),
        ("/feed.xml", "application/rss+xml"),
        ("/atom.xml", "application/atom+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/news-sitemap.xml", "application/xml"),
        ("/sitemap-index.xml", "application/xml"),
        ("/robots.txt", "text/plain"),
    ],
    ids=[
        "home",
        "section",
        "section-page-2",
        "model-article",
        "author",
        "private",
        "feed",
        "atom",
        "sitemap",
        "news-sitemap",
        "sitemap-index",
        "robots",
    ],
)
def test_page_is_served_with_its_content_type(
    server: DemoServer, path: str, content_type: str
) -> None:
    reply = fetch(server, path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == f"{content_type}; charset=utf-8"
    assert reply.body


@pytest.mark.parametrize(
    ("path", "og_type"),
    [
        ("/", "website"),
        ("/section/technology/", "website"),
        *((a.path, "article") for a in TEMPLATE_SAMPLES.values()),
    ],
    ids=["home", "section", *TEMPLATE_SAMPLES],
)
def test_every_page_has_the_standard_head(server: DemoServer, path: str, og_type: str) -> None:
    html = fetch(server, path).body.decode("utf-8")
    assert '<html lang="en">' in html
    assert "<title>" in html
    assert f'<link rel="canonical" href="{server.url_for(path)}">' in html
    assert '<meta name="description"' in html
    assert '<meta property="og:title"' in html
    assert f'<meta property="og:type" content="{og_type}">' in html
    assert '<meta property="og:image"' in html
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml" ' in html


def test_robots_txt_uses_the_request_host(server: DemoServer) -> None:
    text = fetch(server, "/robots.txt", {"Host": f"localhost:{server.port}"}).body.decode()
    assert "User-agent: *\nDisallow: /private/\n" in text
    assert f"Sitemap: http://localhost:{server.port}/sitemap-index.xml" in text


def test_staff_page_is_linked_but_disallowed(server: DemoServer) -> None:
    assert "/private/staff-only/" in hrefs(fetch(server, "/").body)
    assert fetch(server, "/private/staff-only/").status == 200
    assert "/private/staff-only/" not in fetch(server, "/sitemap.xml").body.decode()


def test_feed_lists_the_twenty_latest(server: DemoServer, site: DemoSite) -> None:
    feed = fetch(server, "/feed.xml").body.decode()
    links = re.findall(r"<link>([^<]+)</link>", feed)[1:]
    assert links == [server.url_for(a.path) for a in site.articles[:20]]


def test_sitemap_lists_every_article_and_listing(server: DemoServer, site: DemoSite) -> None:
    locs = set(re.findall(r"<loc>([^<]+)</loc>", fetch(server, "/sitemap.xml").body.decode()))
    expected = {server.url_for(a.path) for a in site.articles}
    expected |= {server.url_for(site.section_path(s)) for s in site.sections}
    assert expected <= locs


def test_home_links_every_section_and_latest_stories(server: DemoServer, site: DemoSite) -> None:
    links = set(hrefs(fetch(server, "/").body))
    assert {site.section_path(s) for s in site.sections} <= links
    assert {a.path for a in site.articles[:8]} <= links


# -- HTTP: article markup -------------------------------------------------------------
def test_model_page_body_equals_the_seed_paragraphs(server: DemoServer, site: DemoSite) -> None:
    html = fetch(server, MODEL_PAGE_PATH).body
    assert paragraphs_in(html, "entry-content") == list(site.model_article.paragraphs)


def test_model_page_visible_text_follows_the_seed_order(server: DemoServer) -> None:
    """Every seed line shows up, in order, in its own text block of the served page."""
    parser = _VisibleBlocks()
    parser.feed(fetch(server, MODEL_PAGE_PATH).body.decode("utf-8"))
    blocks, position, unmatched = parser.blocks, 0, []
    for line in filter(None, map(str.strip, SEED_TEXT.splitlines())):
        found = next((i for i in range(position, len(blocks)) if line in blocks[i]), None)
        if found is None:
            unmatched.append(line)
        else:
            position = found + 1
    assert unmatched == []


@pytest.mark.parametrize(
    ("template", "container"),
    [("wordpress", "entry-content"), ("jsonld", "article-body"), ("breadcrumb", "story-body")],
)
def test_body_container_holds_exactly_the_paragraphs(
    server: DemoServer, template: str, container: str
) -> None:
    article = TEMPLATE_SAMPLES[template]
    assert paragraphs_in(fetch(server, article.path).body, container) == list(article.paragraphs)


@pytest.mark.parametrize(
    ("template", "markers"),
    [
        (
            "wordpress",
            [
                'class="cat-links">Categories: ',
                'rel="category tag"',
                '<h1 class="entry-title">',
                'rel="author"',
                '<time class="entry-date published" datetime="',
                '<h3 class="sd-title">Share</h3>',
                "Published by",
                '<h2 class="widget-title">Recent Posts</h2>',
            ],
        ),
        (
            "jsonld",
            [
                '<script type="application/ld+json">',
                '<p class="standfirst">',
                '<section class="related"><h2>Related</h2>',
                '<article class="card"><h3><a href=',
                'class="newsletter-cta"',
            ],
        ),
        (
            "breadcrumb",
            [
                '<meta property="article:section" content="Entertainment">',
                '<meta property="article:published_time"',
                '<meta name="author"',
                '<nav class="breadcrumb"',
                '<h1 class="headline">',
                '<div class="more-in"><h2>More in Entertainment</h2>',
                '<span class="timestamp">',
            ],
        ),
    ],
)
def test_template_markup(server: DemoServer, template: str, markers: list[str]) -> None:
    html = fetch(server, TEMPLATE_SAMPLES[template].path).body.decode("utf-8")
    assert [m for m in markers if m not in html] == []


def test_jsonld_carries_the_article_metadata(server: DemoServer) -> None:
    article = TEMPLATE_SAMPLES["jsonld"]
    html = fetch(server, article.path).body.decode("utf-8")
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["articleSection"] == "Business"
    assert data["author"]["name"] == article.author
    assert data["datePublished"] == article.published
    assert data["keywords"] == list(article.tags)
    body = html.split('<div class="article-body">')[1].split("</div>")[0]
    assert "Business" not in re.sub(r"<p>.*?</p>", "", body)


@pytest.mark.parametrize("article", list(TEMPLATE_SAMPLES.values()), ids=list(TEMPLATE_SAMPLES))
def test_teaser_block_shows_label_links_and_relative_times(
    server: DemoServer, article: DemoArticle
) -> None:
    html = fetch(server, article.path).body.decode("utf-8")
    block = html[html.index(f">{article.teaser_block_label}</h2>") :]
    for teaser in article.teasers:
        assert f">{teaser.relative_time}<" in block
    links = [h for h in hrefs(block.encode()) if "/section/" not in h]
    teaser_links = [
        t.url if t.external or article.template != "wordpress" else server.url_for(t.url)
        for t in article.teasers
    ]
    assert links[: len(teaser_links)] == teaser_links


@pytest.mark.parametrize("path", sorted(SITE.internal_teaser_paths()))
def test_internal_teaser_target_resolves(server: DemoServer, path: str) -> None:
    assert fetch(server, path).status == 200


# -- HTTP: listings, redirects, 404 ------------------------------------------------------
@pytest.mark.parametrize("section", SITE.sections)
def test_section_listings_paginate_and_reach_every_article(
    server: DemoServer, site: DemoSite, section: str
) -> None:
    pages = site.section_page_count(section)
    assert pages >= 2
    found: set[str] = set()
    for page in range(1, pages + 1):
        html = fetch(server, site.section_path(section, page), {"Accept-Encoding": "identity"}).body
        found |= set(hrefs(html))
        text = html.decode("utf-8")
        assert (f'rel="next" href="{site.section_path(section, page + 1)}"' in text) == (
            page < pages
        )
        assert (f'rel="prev" href="{site.section_path(section, page - 1)}"' in text) == (page > 1)
    assert {a.path for a in site.articles_in(section)} <= found
    assert len(site.articles_in(section)) <= pages * PAGE_SIZE


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/category/world/", "/section/world/"),
        ("/section/world/page/1/", "/section/world/"),
        ("/section/world", "/section/world/"),
    ],
    ids=["category-alias", "page-one", "missing-slash"],
)
def test_redirects(server: DemoServer, path: str, target: str) -> None:
    reply = fetch(server, path)
    assert reply.status == 301
    assert reply.headers["Location"] == server.url_for(target)


def test_unknown_path_is_a_404_page(server: DemoServer) -> None:
    reply = fetch(server, "/no/such/page/")
    assert reply.status == 404
    assert reply.headers["Content-Type"].startswith("text/html")
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    assert b"Page not found" in reply.body


# -- HTTP: transport (gzip, chunked, validators, keep-alive) ----------------------------
BUSINESS_PAGES = [SITE.articles_in("Business")[0].path, "/section/business/"]
ENTERTAINMENT_PAGES = [SITE.articles_in("Entertainment")[0].path, "/section/entertainment/page/2/"]


@pytest.mark.parametrize("path", BUSINESS_PAGES, ids=["article", "listing"])
def test_business_pages_are_gzipped_when_accepted(
    server: DemoServer, site: DemoSite, path: str
) -> None:
    reply = fetch(server, path, {"Accept-Encoding": "gzip, deflate"})
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    assert gzip.decompress(reply.body) == site.render(server.url)[path][1]


@pytest.mark.parametrize(
    "accept", [None, "identity", "gzip;q=0, deflate"], ids=["none", "identity", "q0"]
)
def test_business_pages_are_plain_when_gzip_not_accepted(
    server: DemoServer, accept: str | None
) -> None:
    reply = fetch(server, BUSINESS_PAGES[0], {"Accept-Encoding": accept} if accept else {})
    assert reply.headers["Content-Encoding"] is None
    assert reply.body.startswith(b"<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("*", True),
        ("*, gzip;q=0", False),
        ("br", False),
        ("", False),
    ],
)
def test_accept_encoding_parsing(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def _raw_chunks(server: DemoServer, path: str) -> tuple[str, list[int]]:
    """Raw socket read: response head and the sizes of the chunks on the wire."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        host = f"{server.host}:{server.port}"
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    sizes = []
    while rest:
        line, _, rest = rest.partition(b"\r\n")
        size = int(line, 16)
        sizes.append(size)
        rest = rest[size + 2 :]
    return head.decode("latin-1"), sizes


@pytest.mark.parametrize("path", ENTERTAINMENT_PAGES, ids=["article", "listing"])
def test_entertainment_pages_are_chunked(server: DemoServer, site: DemoSite, path: str) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    assert resp.getheader("Transfer-Encoding") == "chunked"
    assert resp.chunked
    assert resp.getheader("Content-Length") is None
    assert resp.getheader("Content-Encoding") is None
    assert resp.read() == site.render(server.url)[path][1]
    conn.close()
    head, sizes = _raw_chunks(server, path)
    assert "Transfer-Encoding: chunked" in head
    assert len(sizes) >= 3
    assert sizes[-1] == 0


def test_other_pages_are_plain_with_content_length(server: DemoServer) -> None:
    reply = fetch(server, MODEL_PAGE_PATH, {"Accept-Encoding": "gzip"})
    assert reply.headers["Transfer-Encoding"] is None
    assert reply.headers["Content-Encoding"] is None
    assert int(reply.headers["Content-Length"]) == len(reply.body)


@pytest.mark.parametrize(
    "path",
    [MODEL_PAGE_PATH, BUSINESS_PAGES[0], ENTERTAINMENT_PAGES[0]],
    ids=["plain", "gzip", "chunked"],
)
@pytest.mark.parametrize("validator", ["etag", "last-modified"])
def test_conditional_get_answers_304(server: DemoServer, path: str, validator: str) -> None:
    first = fetch(server, path, {"Accept-Encoding": "gzip"})
    assert first.headers["ETag"]
    assert first.headers["Last-Modified"]
    header = (
        {"If-None-Match": first.headers["ETag"]}
        if validator == "etag"
        else {"If-Modified-Since": first.headers["Last-Modified"]}
    )
    again = fetch(server, path, {"Accept-Encoding": "gzip", **header})
    assert (again.status, again.body) == (304, b"")


def test_stale_validators_get_the_full_page(server: DemoServer, site: DemoSite) -> None:
    older = format_datetime(site.model_article.published_at.replace(year=2020), usegmt=True)
    assert fetch(server, MODEL_PAGE_PATH, {"If-Modified-Since": older}).status == 200
    assert fetch(server, MODEL_PAGE_PATH, {"If-None-Match": '"stale"'}).status == 200


def test_keep_alive_connection_serves_mixed_responses(server: DemoServer) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    statuses = []
    for path in [
        MODEL_PAGE_PATH,
        BUSINESS_PAGES[0],
        ENTERTAINMENT_PAGES[0],
        "/missing/",
        "/category/world/",
        "/",
    ]:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        resp.read()
        statuses.append(resp.status)
    conn.close()
    assert statuses == [200, 200, 200, 404, 301, 200]


def test_head_sends_headers_only(server: DemoServer) -> None:
    reply = fetch(server, MODEL_PAGE_PATH, method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["Content-Length"]) > 0


def test_requests_are_recorded_and_clearable() -> None:
    with DemoServer() as srv:
        fetch(srv, "/robots.txt", {"User-Agent": "probe"})
        assert [(m, p, h.get("User-Agent")) for m, p, h in srv.requests] == [
            ("GET", "/robots.txt", "probe")
        ]
        srv.clear_requests()
        assert srv.requests == []
        url = srv.url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
