"""Non-article pages (home, section listings, authors, staff page, 404), plus the
whole-site renderer (the machine files, feeds and sitemaps, live in ``feeds``).

``render_site`` is the one place that decides which path exists, its bytes, its
Last-Modified stamp and how the server transfers it (plain, gzip or chunked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from crawler.demo.content import DemoArticle
from crawler.demo.feeds import (
    NEWS_SITEMAP_PATH,
    SITEMAP_INDEX_PATH,
    SITEMAP_PATH,
    atom_xml,
    feed_xml,
    news_sitemap_xml,
    robots_txt,
    site_modified,
    sitemap_index_xml,
    sitemap_xml,
)
from crawler.demo.templates import (
    ATOM_PATH,
    FEED_PATH,
    PRIVATE_PATH,
    Ctx,
    e,
    footer,
    head,
    masthead,
    render_article,
)

if TYPE_CHECKING:
    from crawler.demo.site import DemoSite

PAGE_SIZE = 5  # articles per section listing page
HOME_STORIES = 8
HTML = "text/html; charset=utf-8"
Transfer = Literal["plain", "gzip", "chunked"]
GZIP_SECTIONS = frozenset({"Business"})  # gzip when the client accepts it
CHUNKED_SECTIONS = frozenset({"Entertainment"})  # Transfer-Encoding: chunked


@dataclass(frozen=True)
class RenderedPage:
    """One servable resource, rendered once and served as is."""

    content_type: str
    body: bytes
    last_modified: datetime
    transfer: Transfer = "plain"


def _transfer_for(section: str | None) -> Transfer:
    if section in GZIP_SECTIONS:
        return "gzip"
    if section in CHUNKED_SECTIONS:
        return "chunked"
    return "plain"


def _card(article: DemoArticle, show_section: bool = True) -> str:
    when = article.published_at
    section = (
        f'<a class="section" href="/section/{article.section_slug}/">{e(article.section)}</a> · '
        if show_section
        else ""
    )
    return (
        f'<article class="card"><h3><a href="{article.path}">{e(article.title)}</a></h3>'
        f"<p>{e(article.description)}</p>"
        f'<p class="meta">{section}'
        f'<a href="/author/{article.author_slug}/">{e(article.author)}</a> · '
        f'<time datetime="{article.published}">{when.day} {when:%B %Y}</time></p></article>\n'
    )


def _listing(
    ctx: Ctx, *, title: str, description: str, path: str, main: str, extra: str = ""
) -> str:
    return (
        head(ctx, title=title, description=description, path=path, extra=extra)
        + f'<body class="listing">\n{masthead(ctx)}<main id="content">\n{main}</main>\n'
        + footer(ctx)
        + "</body>\n</html>\n"
    )


def home_page(ctx: Ctx) -> str:
    site = ctx.site
    top = "".join(_card(a) for a in site.articles[:HOME_STORIES])
    blocks = []
    for section in site.sections:
        latest = "".join(
            f'<li><a href="{a.path}">{e(a.title)}</a></li>' for a in site.articles_in(section)[:3]
        )
        blocks.append(
            f'<section class="section-block"><h2><a href="{site.section_path(section)}">'
            f"{e(section)}</a></h2><ul>{latest}</ul></section>\n"
        )
    main = (
        f'<h1 class="visually-hidden">{e(site.name)}</h1>\n'
        f'<section class="top-stories"><h2>Top stories</h2>\n{top}</section>\n' + "".join(blocks)
    )
    return _listing(ctx, title=site.name, description=site.tagline, path="/", main=main)


def section_page(ctx: Ctx, section: str, page: int) -> str:
    site = ctx.site
    items = site.articles_in(section)
    count = site.section_page_count(section)
    chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    path = site.section_path(section, page)
    nav, links = [], []
    if page > 1:
        prev_path = site.section_path(section, page - 1)
        nav.append(f'<a rel="prev" href="{prev_path}">Newer stories</a>')
        links.append(f'<link rel="prev" href="{ctx.abs(prev_path)}">\n')
    nav.append(f'<span class="page-number">Page {page} of {count}</span>')
    if page < count:
        next_path = site.section_path(section, page + 1)
        nav.append(f'<a rel="next" href="{next_path}">Older stories</a>')
        links.append(f'<link rel="next" href="{ctx.abs(next_path)}">\n')
    main = (
        f'<h1 class="section-title">{e(section)}</h1>\n'
        + "".join(_card(a, show_section=False) for a in chunk)
        + f'<nav class="pagination">{" ".join(nav)}</nav>\n'
    )
    suffix = f" – page {page}" if page > 1 else ""
    return _listing(
        ctx,
        title=f"{section}{suffix}",
        description=f"The latest {section} news from {site.name}.",
        path=path,
        main=main,
        extra="".join(links),
    )


def author_page(ctx: Ctx, slug: str) -> str:
    author = next(a for a in ctx.site.authors if a.slug == slug)
    cards = "".join(_card(a) for a in ctx.site.articles_by(slug))
    main = f'<h1>{e(author.name)}</h1>\n<p class="bio">{e(author.bio)}</p>\n{cards}'
    return _listing(ctx, title=author.name, description=author.bio, path=author.path, main=main)


def private_page(ctx: Ctx) -> str:
    """Exists (200) but robots.txt disallows it: a crawler fetching it ignored robots."""
    main = "<h1>Staff only</h1>\n<p>This area is for Ledger staff. Please sign in.</p>\n"
    return _listing(
        ctx,
        title="Staff only",
        description="Staff area.",
        path=PRIVATE_PATH,
        main=main,
        extra='<meta name="robots" content="noindex, nofollow">\n',
    )


def not_found_page(ctx: Ctx) -> str:
    main = (
        "<h1>Page not found</h1>\n<p>Sorry, we could not find that page. "
        'Try the <a href="/">front page</a>.</p>\n'
    )
    return _listing(
        ctx, title="Page not found", description="Page not found.", path="/404/", main=main
    )


def render_site(site: DemoSite, base_url: str) -> dict[str, RenderedPage]:
    """Render every path of the site; absolute URLs are built from ``base_url``."""
    ctx = Ctx(site, base_url.rstrip("/"))
    newest = site_modified(ctx)
    launched = min(a.published_at for a in site.articles)  # for pages no article changes
    pages: dict[str, RenderedPage] = {}

    def add(path: str, text: str, stamp: datetime, transfer: Transfer = "plain") -> None:
        pages[path] = RenderedPage(HTML, text.encode("utf-8"), stamp, transfer)

    def machine(path: str, content_type: str, text: str, stamp: datetime) -> None:
        pages[path] = RenderedPage(f"{content_type}; charset=utf-8", text.encode("utf-8"), stamp)

    add("/", home_page(ctx), newest)
    for section in site.sections:
        items = site.articles_in(section)
        for page in range(1, site.section_page_count(section) + 1):
            shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            stamp = max((a.modified_at for a in shown), default=launched)
            add(
                site.section_path(section, page),
                section_page(ctx, section, page),
                stamp,
                _transfer_for(section),
            )
    for article in site.articles:
        add(
            article.path,
            render_article(ctx, article),
            article.modified_at,
            _transfer_for(article.section),
        )
    for author in site.authors:
        written = site.articles_by(author.slug)
        stamp = max((a.modified_at for a in written), default=launched)
        add(author.path, author_page(ctx, author.slug), stamp)
    add(PRIVATE_PATH, private_page(ctx), launched)
    sitemap = sitemap_xml(ctx, {path: p.last_modified for path, p in pages.items()})
    machine(FEED_PATH, "application/rss+xml", feed_xml(ctx), newest)
    machine(ATOM_PATH, "application/atom+xml", atom_xml(ctx), newest)
    machine(SITEMAP_PATH, "application/xml", sitemap, newest)
    machine(NEWS_SITEMAP_PATH, "application/xml", news_sitemap_xml(ctx), newest)
    machine(SITEMAP_INDEX_PATH, "application/xml", sitemap_index_xml(ctx), newest)
    machine("/robots.txt", "text/plain", robots_txt(ctx), launched)
    return pages


def render_not_found(site: DemoSite, base_url: str) -> bytes:
    return not_found_page(Ctx(site, base_url.rstrip("/"))).encode("utf-8")
