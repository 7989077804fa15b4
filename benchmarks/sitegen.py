"""A deterministic synthetic news site for the crawl benchmark, and a server for it.

``generate_site(root, n_articles)`` writes static files: a home page, ten
sections with paginated listings (20 teasers a page), 50 topic pages, 20 author
pages, a few static pages and ``n_articles`` article pages. Pages look like a
commercial news site's: 30-80 KB each (inline CSS, a big inline state script,
SVG share icons), a mega menu, share widgets, "Recent Posts" / "Related" /
"More in ..." / "Most read" teaser lists and a link-heavy footer, about 170
``<a>`` per page. Articles carry Open Graph meta and JSON-LD ``NewsArticle``.
The same ``(n_articles, seed)`` always gives the same bytes.

``serve_site(root)`` serves it with nginx (Debian's package, its own config in
a temp dir, 127.0.0.1, a free port). Without nginx it falls back to Python's
``ThreadingHTTPServer`` in a subprocess (documented in the README's
Performance section; it is slower, so crawl figures are then a lower bound).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

SECTIONS = [
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "sport",
    "culture",
    "opinion",
    "travel",
]
TOPICS_PER_SECTION = 5
PER_PAGE = 20
N_AUTHORS = 20
STATIC_PAGES = ["about", "contact", "privacy", "terms", "careers", "advertise", "newsletters"]
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
ARTICLE_MARK = "/a/"  # every article URL contains it: /<section>/a/<yyyy>/<mm>/<slug>-<id>/

_WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "the a of to and in that for on with as was at by from his her their said would "
    "government minister council report market prices energy climate election vote "
    "officials city police court health hospital school teachers students company shares "
    "investors bank inflation rates workers strike union talks agreement border security "
    "research scientists study data results water river storm flood drought farmers crops "
    "team season match coach players league final record fans stadium museum artists film "
    "festival music book author history village region province capital president opposition "
    "party leader campaign budget tax spending plan policy reform law judge trial evidence "
    "witness victims families residents neighbours community project funding transport rail "
    "airport flights passengers tourism hotels beaches mountains weather summer winter "
    "morning evening week month year decade century new old local national international "
    "public private major minor early late higher lower rising falling growing strong weak "
    "despite although because while after before during since until according however "
    "expected announced warned confirmed denied reported described called agreed rejected"
).split()
_NAMES = (  # noqa: SIM905
    "Anna Berg|Marc Duval|Sofia Ruiz|James Okafor|Lena Fischer|Tom Price|Mei Chen|"
    "Omar Haddad|Clara Novak|Peter Walsh|Ines Costa|Jonas Lind|Priya Nair|Luis Moreno|"
    "Hannah Weiss|Karl Jensen|Amira Saleh|David Byrne|Elena Rossi|Noah Brooks"
).split("|")
_SHARE = [
    ("facebook", "https://www.facebook.com/sharer/sharer.php?u="),
    ("x", "https://twitter.com/intent/tweet?url="),
    ("linkedin", "https://www.linkedin.com/sharing/share-offsite/?url="),
    ("whatsapp", "https://api.whatsapp.com/send?text="),
    ("reddit", "https://www.reddit.com/submit?url="),
    ("telegram", "https://t.me/share/url?url="),
    ("email", "mailto:?subject=Read&body="),
    ("print", "javascript:window.print()#"),
]
_SVG = (
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="'
    + " ".join(
        f"M{i % 24} {(i * 7) % 24}l{(i * 3) % 5}.{i % 9} {(i * 5) % 4}.{i % 7}" for i in range(40)
    )
    + '"/></svg>'
)
_STYLE = "".join(
    f".c{i}{{margin:{i % 7}px {i % 5}rem;padding:{i % 3}px;"
    f"color:#{(i * 2654435761) % 0xFFFFFF:06x};"
    f"font:{12 + i % 8}px/1.{i % 9} Georgia,serif}}"
    for i in range(160)
)


@dataclass(frozen=True)
class Article:
    ident: int
    section: str
    topic: str
    author: int
    title: str
    published: datetime

    @property
    def path(self) -> str:
        slug = "-".join(self.title.lower().split()[:6])
        p = self.published
        return f"/{self.section}{ARTICLE_MARK}{p.year}/{p.month:02d}/{slug}-{self.ident}/"


def _sentence(rng: random.Random, lo: int = 8, hi: int = 22) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def _topic_names() -> dict[str, list[str]]:
    rng = random.Random(7)
    return {
        s: [f"{s}-{rng.choice(_WORDS)}-{i}" for i in range(TOPICS_PER_SECTION)] for s in SECTIONS
    }


def _articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    topics = _topic_names()
    out = []
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 11))).capitalize()
        published = NOW - timedelta(minutes=7 * (n - i) + rng.randint(0, 6))
        out.append(
            Article(
                i, section, rng.choice(topics[section]), rng.randrange(N_AUTHORS), title, published
            )
        )
    return out


def _rel(minutes: float) -> str:
    if minutes < 60:
        return f"{int(minutes)} mins ago"
    if minutes < 48 * 60:
        return f"{int(minutes // 60)} hours ago"
    return f"{int(minutes // 1440)} days ago"


class _Site:
    """Renders pages; the pieces shared by every page (menu, footer) are built once."""

    def __init__(self, n: int, seed: int) -> None:
        self.articles = _articles(n, seed)
        self.topics = _topic_names()
        self.by_section = {s: [a for a in self.articles if a.section == s] for s in SECTIONS}
        self.by_topic: dict[str, list[Article]] = {}
        for a in self.articles:
            self.by_topic.setdefault(a.topic, []).append(a)
        self.latest = self.articles[::-1][:30]
        self.nav = self._nav()
        self.footer = self._footer()

    # -- shared chrome -------------------------------------------------------

    def _nav(self) -> str:
        items = []
        for s in SECTIONS:
            subs = "".join(
                f'<li><a href="/topic/{t}/">{t.split("-")[1].title()}</a></li>'
                for t in self.topics[s]
            )
            items.append(
                f'<li class="menu-item has-children"><a href="/{s}/">{s.title()}</a>'
                f'<ul class="sub-menu">{subs}</ul></li>'
            )
        util = "".join(f'<a class="util" href="/{p}/">{p.title()}</a>' for p in STATIC_PAGES[:4])
        return (
            '<header class="site-header"><div class="top-bar">'
            f'<a href="/" class="logo">The Synthetic Times</a>{util}'
            '<a href="/newsletters/" class="btn">Subscribe</a>'
            '<form class="search" action="/search"><input name="q"></form></div>'
            f'<nav class="main-navigation" role="navigation"><ul class="menu">{"".join(items)}'
            "</ul></nav></header>"
        )

    def _footer(self) -> str:
        cols = "".join(
            f'<div class="footer-col"><h4>{s.title()}</h4><ul>'
            + "".join(f'<li><a href="/topic/{t}/">{t}</a></li>' for t in self.topics[s][:2])
            + f'<li><a href="/{s}/">All {s}</a></li></ul></div>'
            for s in SECTIONS
        )
        static = "".join(f'<li><a href="/{p}/">{p.title()}</a></li>' for p in STATIC_PAGES)
        social = "".join(
            f'<li><a href="https://{n}.example.com/synthetic" rel="me">{n}</a></li>'
            for n in ("facebook", "x", "instagram", "youtube", "tiktok")
        )
        return (
            f'<footer class="site-footer" id="colophon">{cols}<ul class="legal">{static}</ul>'
            f'<ul class="social">{social}</ul><p>&copy; 2026 The Synthetic Times</p></footer>'
        )

    def _state_script(self, rng: random.Random, target: int) -> str:
        """An inline app-state blob, as SPAs embed: pads the page to ``target`` bytes."""
        chunks = []
        size = 0
        while size < target:
            chunk = json.dumps(
                {"id": rng.randrange(10**9), "k": _sentence(rng, 4, 10), "v": rng.random()}
            )
            chunks.append(chunk)
            size += len(chunk) + 1
        return f"<script>window.__STATE__=[{','.join(chunks)}];</script>"

    def _head(self, title: str, path: str, og_type: str, extra: str = "") -> str:
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
            f' | The Synthetic Times</title><link rel="canonical" href="{path}">'
            f'<meta property="og:type" content="{og_type}">'
            f'<meta property="og:title" content="{escape(title)}">'
            '<meta property="og:site_name" content="The Synthetic Times">'
            f"<style>{_STYLE}</style>{extra}</head>"
        )

    def _teaser_list(self, label: str, css: str, items: list[Article], *, times: bool) -> str:
        lis = []
        for a in items:
            when = (
                f'<span class="time">{_rel((NOW - a.published).total_seconds() / 60)}</span>'
                if times
                else ""
            )
            lis.append(f'<li><a href="{a.path}">{escape(a.title)}</a>{when}</li>')
        return (
            f'<section class="widget {css}"><h3 class="widget-title">{label}</h3>'
            f"<ul>{''.join(lis)}</ul></section>"
        )

    def _share(self, path: str) -> str:
        links = "".join(
            f'<a class="share-{n}" href="{u}https%3A%2F%2Fsynthetic.example{path}" '
            f'rel="nofollow noopener">{_SVG}<span>{n}</span></a>'
            for n, u in _SHARE
        )
        return f'<div class="share-buttons">{links}</div>'

    def _page(self, head: str, main: str, aside: str, rng: random.Random, size: int) -> str:
        body = (
            f'<body>{self.nav}<div class="wrap">{main}'
            f'<aside class="sidebar">{aside}</aside></div>{self.footer}'
        )
        pad = max(0, size - len(head) - len(body) - 40)
        return f"{head}{body}{self._state_script(rng, pad)}</body></html>"

    # -- pages ---------------------------------------------------------------

    def article(self, a: Article) -> str:
        rng = random.Random(a.ident * 7919 + 1)
        n = len(self.articles)
        author = _NAMES[a.author]
        paras = [
            " ".join(_sentence(rng) for _ in range(rng.randint(3, 7)))
            for _ in range(rng.randint(7, 18))
        ]
        for _ in range(3):  # in-body links to other stories
            other = self.articles[rng.randrange(n)]
            j = rng.randrange(len(paras))
            paras[j] += f' See also <a href="{other.path}">{escape(other.title)}</a>.'
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": a.title,
                "datePublished": a.published.isoformat(),
                "author": {"@type": "Person", "name": author},
                "articleSection": a.section.title(),
                "keywords": [a.topic],
            }
        )
        head = self._head(
            a.title,
            a.path,
            "article",
            f'<meta property="article:section" content="{a.section.title()}">'
            f'<meta property="article:published_time" content="{a.published.isoformat()}">'
            f'<script type="application/ld+json">{ld}</script>',
        )
        same = [x for x in self.by_section[a.section] if x.ident != a.ident]
        tags = "".join(
            f'<a href="/topic/{t}/" rel="tag">{t}</a>'
            for t in rng.sample(self.topics[a.section], 3)
        )
        main = (
            f'<main id="main"><nav class="breadcrumbs"><a href="/">Home</a> &rsaquo; '
            f'<a href="/{a.section}/">{a.section.title()}</a> &rsaquo; '
            f'<a href="/topic/{a.topic}/">{a.topic}</a></nav>'
            f'<article class="post"><h1 class="entry-title">{escape(a.title)}</h1>'
            f'<div class="byline">By <a href="/author/{a.author}/" rel="author">{author}</a> '
            f'<time datetime="{a.published.isoformat()}">{a.published:%d %B %Y}</time></div>'
            f"{self._share(a.path)}"
            f'<div class="entry-content">{"".join(f"<p>{p}</p>" for p in paras)}</div>'
            f'<div class="tags">{tags}</div>{self._share(a.path)}</article>'
            + self._teaser_list(
                "Related", "related", rng.sample(same, min(6, len(same))), times=False
            )
            + self._teaser_list(
                f"More in {a.section.title()}", "more-in", same[-10:][::-1], times=True
            )
            + "</main>"
        )
        aside = self._teaser_list("Recent Posts", "recent-posts", self.latest[:10], times=True)
        aside += self._teaser_list(
            "Most read", "most-read", rng.sample(self.articles, min(10, n)), times=False
        )
        return self._page(head, main, aside, rng, rng.randint(30_000, 80_000))

    def listing(self, title: str, path: str, items: list[Article], pager: str, seed: int) -> str:
        rng = random.Random(seed)
        cards = "".join(
            f'<div class="card"><h2><a href="{a.path}">{escape(a.title)}</a></h2>'
            f'<p class="excerpt">{_sentence(rng, 14, 26)}</p>'
            f'<span class="time">{_rel((NOW - a.published).total_seconds() / 60)}</span></div>'
            for a in items
        )
        main = (
            f'<main id="main"><h1>{escape(title)}</h1>'
            f'<div class="cards">{cards}</div>{pager}</main>'
        )
        aside = self._teaser_list("Recent Posts", "recent-posts", self.latest[:10], times=True)
        head = self._head(title, path, "website")
        return self._page(head, main, aside, rng, rng.randint(30_000, 50_000))

    def static(self, name: str) -> str:
        rng = random.Random(len(name))
        main = f'<main id="main"><h1>{name.title()}</h1><p>{_sentence(rng, 20, 40)}</p></main>'
        return self._page(self._head(name.title(), f"/{name}/", "website"), main, "", rng, 30_000)


def _pager(base: str, page: int, pages: int) -> str:
    def href(p: int) -> str:
        return base if p == 1 else f"{base}page/{p}/"

    nums = [p for p in range(1, pages + 1) if abs(p - page) <= 3 or p in (1, pages)]
    links = "".join(f'<a class="page-numbers" href="{href(p)}">{p}</a>' for p in nums)
    nxt = f'<a class="next" href="{href(page + 1)}">Next</a>' if page < pages else ""
    return f'<nav class="pagination">{links}{nxt}</nav>'


def generate_site(root: Path, n_articles: int, seed: int = 1) -> dict[str, int]:
    """Write the site under ``root``; returns page counts by kind."""
    site = _Site(n_articles, seed)
    counts = {"articles": 0, "listings": 0, "other": 0}

    def write(path: str, text: str, kind: str) -> None:
        target = root / path.strip("/") / "index.html" if path != "/" else root / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        counts[kind] += 1

    for a in site.articles:
        write(a.path, site.article(a), "articles")
    write("/", site.listing("Latest news", "/", site.latest, "", 0), "listings")
    for s, items in site.by_section.items():
        newest = items[::-1]
        pages = max(1, -(-len(newest) // PER_PAGE))
        for p in range(1, pages + 1):
            path = f"/{s}/" if p == 1 else f"/{s}/page/{p}/"
            chunk = newest[(p - 1) * PER_PAGE : p * PER_PAGE]
            write(
                path,
                site.listing(s.title(), path, chunk, _pager(f"/{s}/", p, pages), p),
                "listings",
            )
    for topic_list in site.topics.values():
        for t in topic_list:
            items = site.by_topic.get(t, [])[::-1][:PER_PAGE]
            write(f"/topic/{t}/", site.listing(t, f"/topic/{t}/", items, "", len(t)), "listings")
    for i in range(N_AUTHORS):
        items = [a for a in site.articles if a.author == i][::-1][:PER_PAGE]
        write(f"/author/{i}/", site.listing(_NAMES[i], f"/author/{i}/", items, "", i), "listings")
    for name in STATIC_PAGES:
        write(f"/{name}/", site.static(name), "other")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /search\n", encoding="utf-8")
    return counts


def iter_pages(root: Path) -> Iterator[tuple[Path, str]]:
    """Every HTML page of a generated site with the URL path it is served at."""
    for path in sorted(root.rglob("index.html")):
        rel = path.parent.relative_to(root).as_posix()
        yield path, "/" if rel == "." else f"/{rel}/"


# -- serving -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    charset utf-8;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def _wait_up(url: str, proc: subprocess.Popen[bytes], deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "robots.txt", timeout=1) as resp,  # noqa: S310
        ):
            if resp.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not come up")


@contextlib.contextmanager
def serve_site(root: Path, *, prefer: str = "nginx") -> Iterator[tuple[str, str]]:
    """Serve ``root`` on 127.0.0.1; yields (base URL, server name)."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        if nginx and prefer == "nginx":
            # nginx workers may run as "nobody": make the site readable to them.
            for d in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
                d.chmod(0o755)
            conf = Path(tmp) / "nginx.conf"
            user = "user root;" if os.geteuid() == 0 else ""
            conf.write_text(_NGINX_CONF.format(tmp=tmp, port=port, root=root, user=user))
            cmd = [nginx, "-p", tmp, "-c", str(conf), "-e", f"{tmp}/error.log"]
            name = "nginx"
        else:
            cmd = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
            cmd += ["--directory", str(root)]
            name = "python ThreadingHTTPServer (nginx not found)"
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_up(url, proc)
            yield url, name
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
